"""Issue 8 validation: `dashgrn infer` on single-cell snapshots (time hidden) against the same
cells with their true time.

For each seed:

1. `dashgrn simulate` in snapshot mode (cells at hidden uniform times of trajectories that
   share one start; Poisson counts, dropout) with a 5%-noise prior;
2. run (a): `dashgrn infer cells.h5ad --root-group cell_type=stem` (scanpy DPT pseudotime);
3. run (b): the same cells and settings with the true time as the pseudotime
   (`--pseudotime-key true_time`, the hidden time copied from cell_times.tsv into obs);
4. both rankings (ranking.tsv.gz) scored with `dashgrn evaluate --prior` (AUPRC = average
   precision; the prior alone at the same noise is in the same table), and the Spearman
   correlation of (a)'s pseudotime with the true time.

    python benchmarks/bench_singlecell.py --bins 20 50             # 150 genes, 3,000 cells, seeds 1-3
    python benchmarks/bench_singlecell.py --genes 200 --cells 5000 --append   # add a larger size
    python benchmarks/bench_singlecell.py --report-only            # rewrite the .md from the .json

Every step is a separate `dashgrn` process, as a user would run it (`--threads 1`).
Results: benchmarks/results/SINGLECELL.md and SINGLECELL.json; run folders in benchmarks/runs/.
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / "benchmarks" / "runs"
RESULTS = ROOT / "benchmarks" / "results"
DASHGRN = [sys.executable, "-m", "dashgrn"]
#: Resolved `dashgrn infer` settings recorded with each result (the defaults may change).
SETTINGS_SHOWN = ("hidden", "epochs", "pruning", "ranking", "export", "early_stopping", "solver")
#: The criteria of issue 8.
MIN_SPEARMAN = 0.8
MAX_AUPRC_GAP = 0.05


def run(cmd: list[str]) -> float:
    """Run a command; return its wall time (exit on failure, with its stderr)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}")
    return time.perf_counter() - t0


def evaluate(ranking: Path, truth: Path, prior: Path) -> dict[str, dict[str, float]]:
    """``{method: metrics}`` for the ranking and the prior alone."""
    proc = subprocess.run([*DASHGRN, "-q", "evaluate", str(ranking), "--truth", str(truth), "--prior", str(prior),
                           "--format", "json", "--permutations", "0"], capture_output=True, text=True, check=True)
    rows = json.loads(proc.stdout)["methods"]
    return {("prior-only" if r["method"] == "prior-only" else "run"): r for r in rows if r["method"] != "random"}


def spearman(run_dir: Path, cell_times: Path) -> float:
    with gzip.open(run_dir / "singlecell_cells.tsv.gz", "rt") as fh:
        cells = pd.read_csv(fh, sep="\t").drop_duplicates("cell").set_index("cell")
    true = pd.read_csv(cell_times, sep="\t").set_index("cell").loc[cells.index, "time"]
    return float(cells["pseudotime"].rank().corr(true.rank()))


def simulate(args: argparse.Namespace, seed: int) -> tuple[Path, float]:
    sim = RUNS / f"sc_sim_g{args.genes}_c{args.cells}_s{seed}"
    wall = run([*DASHGRN, "-q", "simulate", "--genes", str(args.genes), "--snapshot-cells", str(args.cells),
                "--trajectories", str(args.trajectories), "--count-scale", str(args.count_scale),
                "--dropout", str(args.dropout), "--start-jitter", "0.02", "--times", args.times,
                "--prior-noise", str(args.prior_noise), "--prior-name", "prior.tsv", "--seed", str(seed),
                "--out", str(sim), "--overwrite"])
    import anndata as ad

    adata = ad.read_h5ad(sim / "expression.h5ad")
    truth = pd.read_csv(sim / "cell_times.tsv", sep="\t").set_index("cell")
    adata.obs["true_time"] = truth.loc[adata.obs_names, "time"].to_numpy()
    adata.write_h5ad(sim / "cells_true_time.h5ad")
    return sim, wall


def bench(args: argparse.Namespace) -> list[dict]:
    records = []
    for seed in args.seeds:
        sim, sim_wall = simulate(args, seed)
        cells = sim / "cells_true_time.h5ad"
        for bins in args.bins:
            rec: dict = {"seed": seed, "bins": bins, "simulate_seconds": sim_wall}
            for name, source in (("snapshots", ["--root-group", "cell_type=stem"]),
                                 ("true_time", ["--pseudotime-key", "true_time"])):
                out = RUNS / f"sc_{name}_g{args.genes}_c{args.cells}_b{bins}_s{seed}"
                wall = run([*DASHGRN, "-q", "infer", str(cells), "--prior", str(sim / "prior.tsv"), *source,
                            "--bins", str(bins), "--seed", str(seed), "--threads", str(args.threads),
                            "--out", str(out), "--overwrite", *args.extra])
                scores = evaluate(out / "ranking.tsv.gz", sim / "truth.tsv", sim / "prior.tsv")
                rec[f"{name}_auprc"] = scores["run"]["average_precision"]
                rec[f"{name}_auroc"] = scores["run"]["auroc"]
                rec[f"{name}_seconds"] = wall
                rec["prior_only_auprc"] = scores["prior-only"]["average_precision"]
                settings = json.loads((out / "config.json").read_text())["settings"]
                rec["settings"] = {k: settings.get(k) for k in SETTINGS_SHOWN}
                if name == "snapshots":
                    rec["spearman"] = spearman(out, sim / "cell_times.tsv")
                    s = json.loads((out / "run.json").read_text())["summary"]["singlecell"]
                    rec["genes_kept"] = s["genes_kept"]
            rec["auprc_gap"] = rec["true_time_auprc"] - rec["snapshots_auprc"]
            print(f"seed {seed} bins {bins}: Spearman {rec['spearman']:.3f}; AUPRC snapshots "
                  f"{rec['snapshots_auprc']:.4f}, true time {rec['true_time_auprc']:.4f} (gap {rec['auprc_gap']:+.4f}); "
                  f"prior only {rec['prior_only_auprc']:.4f}; {rec['snapshots_seconds']:.0f} s + "
                  f"{rec['true_time_seconds']:.0f} s", flush=True)
            records.append(rec)
    return records


def _ms(values: list[float], digits: int = 3) -> str:
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


NOTES = """Reading the tables:

- The criteria of issue 8 compare each *snapshots* run with the *true time* run of the same seed:
  the same cells, prior and settings; only the order of the cells differs (computed pseudotime or
  the hidden simulation time). Criteria: Spearman >= 0.8 and an AUPRC at most 0.05 below the
  true-time run.
- A seed sets both the simulated data and the training seed, so compare the two AUPRC columns
  within a row; differences between rows come from the data and the training.
"""


def write_results(groups: list[dict]) -> None:
    """Write SINGLECELL.json and SINGLECELL.md: one section per data size (``groups``: meta + runs)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "SINGLECELL.json").write_text(json.dumps({"groups": groups}, indent=1) + "\n")
    lines = ["# dashgrn on single-cell snapshots", "", NOTES]
    for g in groups:
        m, records = g["meta"], g["runs"]
        lines += [
            f"## {m['genes']} genes, {m['cells']:,} cells" + (f" (`{' '.join(m['extra'])}`)" if m["extra"] else ""),
            "",
            (f"`{m['command']}`: {m['genes']} genes, {m['cells']:,} cells from {m['trajectories']} trajectories "
             f"that share one start (`dashgrn simulate --snapshot-cells {m['cells']} --count-scale "
             f"{m['count_scale']:g} --dropout {m['dropout']:g} --start-jitter 0.02 --times {m['times']}`), prior at "
             f"noise {m['prior_noise']:g}. Each run is `dashgrn infer --threads {m['threads']}` with default settings"
             + (f" plus `{' '.join(m['extra'])}`" if m["extra"] else "") + "; "
             "*snapshots* computes the pseudotime (`--root-group cell_type=stem`, scanpy DPT), *true time* bins "
             "the same cells by their hidden simulation time (`--pseudotime-key true_time`). AUPRC is the average "
             "precision of `ranking.tsv.gz` (`dashgrn evaluate`, BEELINE universe); *prior only* ranks the prior's "
             "edges first."),
            "",
            "Resolved infer settings: " + (", ".join(f"`{k}` {v}" for k, v in records[0].get("settings", {}).items())
                                           or "not recorded") + ".",
            "",
            ("| seed | bins | Spearman (pseudotime vs true time) | AUPRC snapshots | AUPRC true time | gap | "
             "AUROC snapshots | AUROC true time | AUPRC prior only | genes kept | seconds (snapshots / true time) |"),
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in records:
            lines.append(
                f"| {r['seed']} | {r['bins']} | {r['spearman']:.3f} | {r['snapshots_auprc']:.4f} | "
                f"{r['true_time_auprc']:.4f} | {r['auprc_gap']:+.4f} | {r['snapshots_auroc']:.4f} | "
                f"{r['true_time_auroc']:.4f} | {r['prior_only_auprc']:.4f} | {r['genes_kept']} | "
                f"{r['snapshots_seconds']:.0f} / {r['true_time_seconds']:.0f} |"
            )
        lines += ["", "Summary per `--bins` (mean ± sd over seeds):", "",
                  "| bins | Spearman | AUPRC snapshots | AUPRC true time | gap (true - snapshots) | criteria met |",
                  "|---|---|---|---|---|---|"]
        for bins in sorted({r["bins"] for r in records}):
            rs = [r for r in records if r["bins"] == bins]
            ok = all(r["spearman"] >= MIN_SPEARMAN and r["auprc_gap"] <= MAX_AUPRC_GAP for r in rs)
            lines.append(
                f"| {bins} | {_ms([r['spearman'] for r in rs])} | {_ms([r['snapshots_auprc'] for r in rs], 4)} | "
                f"{_ms([r['true_time_auprc'] for r in rs], 4)} | {_ms([r['auprc_gap'] for r in rs], 4)} | "
                f"{'yes' if ok else 'no'} (Spearman >= {MIN_SPEARMAN}, gap <= {MAX_AUPRC_GAP} in every run) |"
            )
        lines += ["", (f"Wall time {m['total_seconds'] / 60:.1f} min in all ({m['platform']}, 2 cores shared "
                       "with other jobs)."), ""]
        lines += [f"{note}" for note in g.get("notes", [])] + ([""] if g.get("notes") else [])
    (RESULTS / "SINGLECELL.md").write_text("\n".join(lines))


def _meta(args: argparse.Namespace, total: float) -> dict:
    return {
        "command": " ".join(["python", "benchmarks/bench_singlecell.py", *sys.argv[1:]]),
        "genes": args.genes, "cells": args.cells, "trajectories": args.trajectories, "times": args.times,
        "count_scale": args.count_scale, "dropout": args.dropout, "prior_noise": args.prior_noise,
        "threads": args.threads, "extra": args.extra, "total_seconds": total, "platform": platform.platform(),
    }


def _key(meta: dict) -> tuple:
    """Results of the same data size and extra options replace each other with --append."""
    return meta["genes"], meta["cells"], " ".join(meta.get("extra") or [])


def _load() -> list[dict]:
    path = RESULTS / "SINGLECELL.json"
    if not path.is_file():
        return []
    data = json.loads(path.read_text())
    if "groups" in data:
        return data["groups"]
    return [{"meta": data["meta"], "runs": data["runs"]}]  # the first layout: one size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--genes", type=int, default=150)
    p.add_argument("--cells", type=int, default=3000)
    p.add_argument("--trajectories", type=int, default=150)
    p.add_argument("--times", default="0,4", help="time range of the cells (first,last)")
    p.add_argument("--count-scale", type=float, default=50.0)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--prior-noise", type=float, default=0.05)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    p.add_argument("--bins", type=int, nargs="+", default=[50])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--append", action="store_true",
                   help="keep the results of other data sizes / --extra options in SINGLECELL.json")
    p.add_argument("--report-only", action="store_true", help="rewrite SINGLECELL.md from SINGLECELL.json")
    p.add_argument("--extra", nargs=argparse.REMAINDER, default=[], help="more `dashgrn infer` options (last)")
    args = p.parse_args()
    if args.report_only:
        write_results(_load())
        print(f"wrote {RESULTS / 'SINGLECELL.md'}")
        return
    RUNS.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    records = bench(args)
    group = {"meta": _meta(args, time.perf_counter() - t0), "runs": records}
    groups = [g for g in _load() if _key(g["meta"]) != _key(group["meta"])] if args.append else []
    groups = sorted([*groups, group], key=lambda g: _key(g["meta"]))
    write_results(groups)
    print(f"wrote {RESULTS / 'SINGLECELL.md'}")


if __name__ == "__main__":
    main()
