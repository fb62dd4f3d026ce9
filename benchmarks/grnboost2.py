"""GRNBoost2 (arboreto) on an expression file, for the accuracy benchmark.

    .venv-bench/bin/python benchmarks/grnboost2.py EXPR --out grnboost2.tsv [--tfs PRIOR] [--seed 0] [--jobs 1]

Needs the `benchmark` extra (arboreto, distributed) in its own environment:

    python3 -m venv .venv-bench
    .venv-bench/bin/pip install torch==2.13.0      # first, so that pip pulls no CUDA build
    .venv-bench/bin/pip install -e '.[benchmark]'

EXPR is any file `dashgrn infer` reads (time and trajectory are ignored: every sample is one
observation, as BEELINE runs GRNBoost2). Candidate regulators are all genes (BEELINE's default)
or, with `--tfs PRIOR`, the regulators of that prior network. The output is arboreto's adjacency
table `TF target importance`, sorted by importance (ties by TF, then target), which
`dashgrn evaluate` reads.

Why not `arboreto.algo.grnboost2`: arboreto 0.1.6 builds a dask graph whose meta table is made
with `dask.dataframe.from_delayed([])` even when no meta is asked for, and current dask
(dask-expr, 2025+) raises "Must supply at least one delayed object" there. Instead of patching
that, this script calls arboreto's own per-target function `arboreto.core.infer_partial_network`
for every target gene, serially or in a multiprocessing pool (`--jobs`). It is the same algorithm
and the same code: scikit-learn's GradientBoostingRegressor with arboreto's `SGBM_KWARGS`
(learning rate 0.01, up to 5,000 trees, max_features 0.1, subsample 0.9), its early-stopping
monitor (window 25), the target removed from its own candidate regulators, and feature
importances as edge weights. Every target's regressor gets `random_state=--seed`, as in arboreto,
so the result does not depend on `--jobs` or on the order of the targets.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# One thread per process: the pool (--jobs) is the parallelism. Set before numpy is imported.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd

_STATE: dict = {}


def _init(X: np.ndarray, regulators: list[str], seed: int) -> None:
    _STATE.update(X=X, regulators=regulators, seed=seed)


def _one_target(args: tuple[int, str, np.ndarray]) -> pd.DataFrame:
    from arboreto.core import (
        EARLY_STOP_WINDOW_LENGTH,
        SGBM_KWARGS,
        infer_partial_network,
    )

    _, target, y = args
    return infer_partial_network(
        "GBM", SGBM_KWARGS, _STATE["X"], _STATE["regulators"], target, y,
        include_meta=False, early_stop_window_length=EARLY_STOP_WINDOW_LENGTH, seed=_STATE["seed"],
    )


def grnboost2(
    X: np.ndarray, genes: list[str], regulators: list[str] | None = None, *, seed: int = 0, jobs: int = 1
) -> pd.DataFrame:
    """GRNBoost2 links ``TF, target, importance`` for a samples x genes matrix (arboreto.core per target)."""
    regs = list(genes) if regulators is None else [g for g in genes if g in set(regulators)]
    if not regs:
        raise SystemExit("error: no candidate regulator is an expression gene")
    col = {g: i for i, g in enumerate(genes)}
    Xr = np.ascontiguousarray(X[:, [col[g] for g in regs]])
    tasks = [(i, g, np.ascontiguousarray(X[:, i])) for i, g in enumerate(genes)]
    if jobs <= 1:
        _init(Xr, regs, seed)
        parts = [_one_target(t) for t in tasks]
    else:
        import multiprocessing as mp

        with mp.get_context("fork").Pool(jobs, initializer=_init, initargs=(Xr, regs, seed)) as pool:
            parts = pool.map(_one_target, tasks, chunksize=max(1, len(tasks) // (8 * jobs)))
    links = pd.concat([p for p in parts if len(p)], ignore_index=True)
    links = links[links["importance"] > 0]
    return links.sort_values(["importance", "TF", "target"], ascending=[False, True, True], ignore_index=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("expression", type=Path, help="expression file (any format `dashgrn infer` reads)")
    ap.add_argument("--out", type=Path, required=True, help="output TSV (TF, target, importance)")
    ap.add_argument("--tfs", type=Path, help="prior network whose regulators are the candidate regulators "
                    "(default: all genes)")
    ap.add_argument("--seed", type=int, default=0, help="random_state of every regressor (default 0)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--time-key", default="time")
    ap.add_argument("--trajectory-key", default="trajectory")
    args = ap.parse_args(argv)

    from dashgrn.io import read_expression, read_prior

    t0 = time.perf_counter()
    expr = read_expression(args.expression, time_key=args.time_key, trajectory_key=args.trajectory_key,
                           require_time=False)
    regulators = None
    if args.tfs is not None:
        regulators = sorted(set(read_prior(args.tfs).edges["regulator"].astype(str)))
    X = np.asarray(expr.dense(), dtype=np.float64)
    links = grnboost2(X, list(expr.genes), regulators, seed=args.seed, jobs=args.jobs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".part")
    links.to_csv(tmp, sep="\t", index=False, float_format="%.10g")
    tmp.replace(args.out)
    n_regs = len(expr.genes) if regulators is None else len(set(regulators) & set(expr.genes))
    print(f"grnboost2: {len(links)} links, {X.shape[0]} samples x {X.shape[1]} genes, {n_regs} candidate "
          f"regulators, seed {args.seed}, {args.jobs} job(s), {time.perf_counter() - t0:.1f} s -> {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
