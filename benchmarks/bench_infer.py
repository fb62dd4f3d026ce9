"""Issue 5 benchmark: `dashgrn infer` on SIM350 (and a 2,000-gene simulated set), scored with
`dashgrn evaluate`, with wall time and peak memory per run.

    python benchmarks/bench_infer.py                       # SIM350, dash/imp/none x 3 seeds
    python benchmarks/bench_infer.py --methods dash --seeds 0
    python benchmarks/bench_infer.py --large               # also 2,000 simulated genes

Every run is a separate `dashgrn` process (as a user would run it); peak memory is the
child's maximum resident set size. Results: benchmarks/results/INFER.md and .json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RUNS = ROOT / "benchmarks" / "runs"
RESULTS = ROOT / "benchmarks" / "results"
DASHGRN = [sys.executable, "-m", "dashgrn"]
#: method name -> infer options. "dash-spec" is DASH exactly as SPEC 3 (relu rates, X/Y scores).
METHODS = {
    "dash": ["--pruning", "dash"],
    "dash-spec": ["--pruning", "dash", "--prior-score", "spec", "--rate", "relu"],
    "prior": ["--pruning", "prior"],
    "imp": ["--pruning", "imp"],
    "none": ["--pruning", "none"],
}


def measure_peak(cmd: list[str]) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of one command, via /usr/bin/time-like wait4."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            err.seek(0)
            sys.stderr.write(err.read())
            raise SystemExit(f"failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024


def evaluate(edges: Path, truth: Path) -> dict[str, float]:
    proc = subprocess.run([*DASHGRN, "-q", "evaluate", str(edges), "--truth", str(truth), "--format", "json",
                           "--permutations", "0"], capture_output=True, text=True, check=True)
    data = json.loads(proc.stdout)
    rows = data["methods"] if "methods" in data else data
    first = rows[0] if isinstance(rows, list) else next(iter(rows.values()))
    return first


def bench(name: str, expr: Path, prior: Path | None, truth: Path, methods: list[str], seeds: list[int],
          extra: list[str]) -> list[dict]:
    out = []
    for method in methods:
        for seed in seeds:
            run_dir = RUNS / f"{name}_{method}_s{seed}"
            cmd = [*DASHGRN, "-q", "infer", str(expr), "--out", str(run_dir), "--overwrite", *METHODS[method],
                   "--seed", str(seed), *extra]
            if prior is not None:
                cmd += ["--prior", str(prior)]
            wall, peak = measure_peak(cmd)
            m = evaluate(run_dir / "edges.tsv", truth)
            rk = evaluate(run_dir / "ranking.tsv.gz", truth)
            runj = json.loads((run_dir / "run.json").read_text())
            rec = {
                "dataset": name, "method": method, "seed": seed, "seconds": wall, "peak_mib": peak,
                "balanced_accuracy": m["balanced_accuracy"], "precision": m["precision"], "recall": m["recall"],
                "n_edges": m["n_edges"], "average_precision_ranking": rk["average_precision"],
                "auroc_ranking": rk["auroc"],
                "weight_sparsity": runj["summary"]["network"]["weight_sparsity"],
                "best_epoch": runj["summary"]["training"]["best_epoch"],
            }
            print(json.dumps(rec), flush=True)
            out.append(rec)
    return out


def summarise(records: list[dict]) -> str:
    keys = ["balanced_accuracy", "weight_sparsity", "n_edges", "average_precision_ranking", "seconds", "peak_mib"]
    lines = ["| data | method | runs | " + " | ".join(keys) + " |", "|" + "---|" * (3 + len(keys))]
    groups: dict[tuple[str, str], list[dict]] = {}
    for r in records:
        groups.setdefault((r["dataset"], r["method"]), []).append(r)
    for (d, m), rs in groups.items():
        cells = []
        for k in keys:
            v = [float(r[k]) for r in rs]
            mean = statistics.fmean(v)
            sd = statistics.stdev(v) if len(v) > 1 else 0.0
            cells.append(f"{mean:.4g} ± {sd:.2g}" if k not in ("n_edges",) else f"{mean:.0f} ± {sd:.0f}")
        lines.append(f"| {d} | {m} | {len(rs)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--methods", default="dash,dash-spec,imp,none", help=f"comma-separated: {', '.join(METHODS)}")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--noise", default="0.05", help="SIM350 prior noise level")
    ap.add_argument("--large", action="store_true", help="also a 2,000-gene simulated data set (dash, seed 0)")
    ap.add_argument("--extra", default="", help="extra infer options, e.g. '--threads 2'")
    args = ap.parse_args()
    methods = args.methods.split(",")
    seeds = [int(s) for s in args.seeds.split(",")]
    extra = args.extra.split()
    records = bench(
        "sim350", DATA / "sim350_sim150_noise0.025.h5ad", DATA / f"sim350_prior_noise_{args.noise}.tsv",
        DATA / "sim350_truth.tsv", methods, seeds, extra,
    )
    if args.large:
        sim = RUNS / "sim2000"
        if not (sim / "expression.h5ad").is_file():
            subprocess.run([*DASHGRN, "-q", "simulate", "--genes", "2000", "--trajectories", "100", "--noise", "0.025",
                            "--prior-noise", "0.05", "--seed", "7", "--out", str(sim), "--overwrite"], check=True)
        records += bench("sim2000", sim / "expression.h5ad", sim / "prior_noise_0.05.tsv", sim / "truth.tsv",
                         ["dash"], [0], [*extra, "--epochs", "60", "--prune-every", "5"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "INFER.json").write_text(json.dumps(records, indent=2) + "\n")
    text = (
        "# dashgrn infer benchmark\n\n"
        f"`python benchmarks/bench_infer.py {' '.join(sys.argv[1:])}` on {os.cpu_count()} CPU cores; "
        f"SIM350 with the {args.noise} prior, scored against sim350_truth.tsv with `dashgrn evaluate` "
        "(BEELINE universe, 350 genes). Mean ± sd over seeds.\n\n" + summarise(records) + "\n"
    )
    (RESULTS / "INFER.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
