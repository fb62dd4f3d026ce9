"""Issue 16 speed benchmark: `dashgrn infer` and GRNBoost2 timed side by side, with wall time, peak RSS
and the AP of their full rankings, written to benchmarks/results/SPEED.md (and SPEED.json).

    python benchmarks/bench_speed.py                         # every workload (about an hour on 2 cores)
    python benchmarks/bench_speed.py --workloads g19,sim350 --seeds 0,1,2
    python benchmarks/bench_speed.py --report-only           # rebuild SPEED.md from the cache

Workloads:
- g19: a 19-gene time course of 61 trajectories x 33 points (2,013 samples), simulated here with
  `dashgrn simulate` (noise 0.025, prior noise 0.1);
- sim350: SIM350 (../shared/data, 350 genes, 150 trajectories), prior noise 0.05;
- g2000: the 2,000-gene network of bench_accuracy.py (150 trajectories), prior noise 0.05; one seed
  by default (`--large-seeds`), as one run takes many minutes here.

Every seed runs GRNBoost2 (benchmarks/grnboost2.py in .venv-bench, `--jobs 2`, all genes as candidate
regulators) and then `dashgrn infer` with its defaults and the prior (and, with `--unpruned`, with
`--pruning none`, the default before issue 18), one after the other, so that both
see the same machine; the ratio is formed per seed and reported as mean +- sd. GRNBoost2 is not run on
g2000 (arboreto's 5,000-tree boosting on 2,000 targets takes hours here). The 1-minute load average
before each pair of runs is recorded: on this shared 2-core machine another job doubles every time.

Resumable: runs live in benchmarks/runs/speed/<workload>/<method>/seed<k>/ with a result.json keyed by
the command and a digest of dashgrn's code; `--rerun` repeats them.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_accuracy import (  # noqa: E402 - the shared helpers of the accuracy benchmark
    BENCH_PYTHON,
    CODE,
    DASHGRN,
    DATA,
    GIT,
    RUNS,
    SIMULATED,
    cpu_model,
    tool_versions,
    ensure_data,
    evaluate,
    measure,
    Dataset,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results"
CACHE = RUNS / "speed"
G19_TIMES = ",".join(f"{0.25 * k:g}" for k in range(33))
#: `dashgrn simulate` options of the 19-gene time course (a fixed seed, used for nothing else).
G19 = ["--genes", "19", "--trajectories", "61", "--times", G19_TIMES, "--noise", "0.025", "--prior-noise", "0.1",
       "--seed", "1919"]
WORKLOADS = ("g19", "sim350", "g2000")
#: Other settings timed beside the default on the same seeds (`--variants NAME,...`):
#: before: as dashgrn trained before issue 16 (a fixed batch of 32 pairs; `--before`, g19 only);
#: unpruned: the unpruned model, the default before issue 18 made `gradual` pruning it (`--unpruned`);
#: h40, unpruned-h40: SPEC's hidden width 40 instead of 120, pruned and not: what the issue's
#: time goals would cost in accuracy (fewer multiply-adds per pair; benchmarks/results/STEP.md).
VARIANTS = {"dashgrn-before": ["--max-batches", "0"], "dashgrn-unpruned": ["--pruning", "none"],
          "dashgrn-h40": ["--hidden", "40"], "dashgrn-unpruned-h40": ["--pruning", "none", "--hidden", "40"]}
#: the goals of issue 16: dashgrn wall / GRNBoost2 wall at most this (g19, sim350); g2000 in seconds.
GOALS = {"g19": ("ratio", 3.0), "sim350": ("ratio", 0.6), "g2000": ("seconds", 300.0)}


def workload(name: str) -> tuple[Dataset, str]:
    """The data set of a workload and the prior noise level it runs with."""
    if name == "g19":
        d = CACHE / "data" / "g19"
        return Dataset("g19", d / "expression.h5ad", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"), G19), "0.1"
    if name == "sim350":
        return Dataset("sim350", DATA / "sim350_sim150_noise0.025.h5ad", DATA / "sim350_truth.tsv",
                       str(DATA / "sim350_prior_noise_{noise}.tsv")), "0.05"
    if name == "g2000":
        d = RUNS / "accuracy" / "data" / "sim2000"
        return Dataset("sim2000", d / "expression.h5ad", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"),
                       [*SIMULATED["sim2000"], "--prior-noise", "0.025,0.05,0.1"]), "0.05"
    raise SystemExit(f"error: unknown workload {name!r} (known: {', '.join(WORKLOADS)})")


def _load() -> float:
    return os.getloadavg()[0]


def _cached(d: Path, key: dict) -> dict | None:
    f = d / "result.json"
    if not f.is_file():
        return None
    res = json.loads(f.read_text())
    return res if res.get("key") == key else None


def _measured(d: Path, cmd: list[str], key: dict, rerun: bool, what: str) -> tuple[dict | None, dict]:
    """(the cached result, or None) and, when it ran, the wall time, peak RSS and load of ``cmd``."""
    if not rerun and (res := _cached(d, key)):
        return res, {}
    d.mkdir(parents=True, exist_ok=True)
    load = _load()
    rc, wall, peak = measure(cmd, d / "stderr.log")
    if rc != 0:
        raise RuntimeError(f"{what} exited {rc}: {(d / 'stderr.log').read_text()[-1500:]}")
    return None, {"key": key, "seconds": wall, "peak_mib": peak, "load_before": load}


def run_dashgrn(name: str, ds: Dataset, noise: str, seed: int, rerun: bool, method: str = "dashgrn") -> dict:
    d = CACHE / name / method / f"seed{seed}"
    cmd = [*DASHGRN, "-q", "infer", str(ds.expr), "--prior", str(ds.prior(noise)), "--out", str(d / "out"),
           "--overwrite", "--seed", str(seed), *VARIANTS.get(method, [])]
    cached, res = _measured(d, cmd, {"cmd": cmd[2:], "code": CODE}, rerun, "dashgrn infer")
    if cached:
        return cached
    ev = evaluate(d / "out" / "ranking.tsv.gz", ds.truth)["methods"][0]
    summary = json.loads((d / "out" / "run.json").read_text())["summary"]
    training = summary.get("training") or {}
    members = training.get("members") or [training]
    res.update(average_precision=ev["average_precision"],
               epochs=statistics.mean(m.get("epochs_run", 0) for m in members),
               training_seconds=training.get("seconds"), batch_size=training.get("batch_size"),
               evidence=(summary.get("evidence") or {}).get("mode"), git=GIT)
    (d / "result.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def run_grnboost2(name: str, ds: Dataset, seed: int, rerun: bool) -> dict:
    d = CACHE / name / "grnboost2" / f"seed{seed}"
    out = d / "grnboost2.tsv"
    cmd = [str(BENCH_PYTHON), str(ROOT / "benchmarks" / "grnboost2.py"), str(ds.expr), "--out", str(out),
           "--seed", str(seed), "--jobs", "2"]
    cached, res = _measured(d, cmd, {"cmd": cmd[1:]}, rerun, "grnboost2")
    if cached:
        return cached
    res["average_precision"] = evaluate(out, ds.truth)["methods"][0]["average_precision"]
    (d / "result.json").write_text(json.dumps(res, indent=1) + "\n")
    return res


def _ms(values: list[float], fmt: str = ".1f") -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return format(values[0], fmt)
    return f"{statistics.mean(values):{fmt}} ± {statistics.stdev(values):{fmt}}"


def report(results: dict[str, dict[int, dict]], note: str) -> str:
    lines = [
        "# Speed: dashgrn infer and GRNBoost2 side by side (issue 16)",
        "",
        f"`python benchmarks/bench_speed.py` on {os.cpu_count()} CPU cores ({cpu_model()}), report written at git {GIT} "
        "(each row's dashgrn commit in its last column). "
        "Wall time of the whole process (reading, training, ranking, writing, report for dashgrn), peak "
        "resident memory, and the average precision of the full ranking against the truth (`dashgrn evaluate`, "
        "BEELINE universe). Mean ± sd over seeds; the ratio is formed per seed (GRNBoost2 and dashgrn run back "
        "to back).",
        "",
        "| workload | seeds | dashgrn s | GRNBoost2 s | ratio | goal | dashgrn MiB | GRNBoost2 MiB | dashgrn AP | "
        "GRNBoost2 AP | epochs | evidence | load before | dashgrn git |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, per_seed, method in [(n, r, m) for n, r in results.items()
                                     for m in ("dashgrn", *VARIANTS) if any(m in row for row in r.values())]:
        name = label
        seeds = sorted(s for s in per_seed if method in per_seed[s])
        dg = [per_seed[s][method] for s in seeds]
        label = name if method == "dashgrn" else f"{name} ({method}: {' '.join(VARIANTS[method])})"
        gb = [per_seed[s].get("grnboost2") for s in seeds]
        ratio = [a["seconds"] / b["seconds"] for a, b in zip(dg, gb) if b]
        kind, goal = GOALS[name]
        if kind == "ratio":
            met = ratio and statistics.mean(ratio) <= goal
            goal_s = f"<= {goal:g}x: {'met' if met else 'not met'}"
        else:
            met = statistics.mean(r["seconds"] for r in dg) <= goal
            goal_s = f"<= {goal:g} s: {'met' if met else 'not met'}"
        lines.append(
            f"| {label} | {','.join(map(str, seeds))} | {_ms([r['seconds'] for r in dg])} | "
            f"{_ms([r['seconds'] for r in gb if r])} | {_ms(ratio, '.2f')} | {goal_s} | "
            f"{_ms([r['peak_mib'] for r in dg], '.0f')} | {_ms([r['peak_mib'] for r in gb if r], '.0f')} | "
            f"{_ms([r['average_precision'] for r in dg], '.3f')} | "
            f"{_ms([r['average_precision'] for r in gb if r], '.3f')} | "
            f"{_ms([float(r['epochs']) for r in dg if r.get('epochs') is not None], '.0f')} | "
            f"{', '.join(sorted({str(r.get('evidence')) for r in dg}))} | "
            f"{_ms([r['load_before'] for r in dg + [g for g in gb if g]], '.1f')} | "
            f"{', '.join(sorted({str(r.get('git', '?')) for r in dg}))} |")
    lines += ["", note.strip(), "", "Versions: " + ", ".join(f"{k} {v}" for k, v in tool_versions().items()), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--large-seeds", default="0", help="seeds of g2000")
    ap.add_argument("--rerun", action="store_true")
    ap.add_argument("--before", action="store_true", help="g19: also dashgrn with a fixed batch (--max-batches 0)")
    ap.add_argument("--unpruned", action="store_true", help="also dashgrn --pruning none (the default before issue 18)")
    ap.add_argument("--variants", default="", help="also these settings, comma-separated: "
                    + ", ".join(m.removeprefix("dashgrn-") for m in VARIANTS))
    ap.add_argument("--report-only", action="store_true")
    ap.add_argument("--note", default="", help="a paragraph added under the table")
    args = ap.parse_args(argv)
    names = [w for w in args.workloads.split(",") if w]
    asked = {f"dashgrn-{v}" for v in args.variants.split(",") if v}
    if unknown := asked - set(VARIANTS):
        raise SystemExit(f"error: unknown variant(s) {', '.join(sorted(unknown))}")
    asked |= {m for m, on in (("dashgrn-before", args.before), ("dashgrn-unpruned", args.unpruned)) if on}
    results: dict[str, dict[int, dict]] = {}
    for name in names:
        ds, noise = workload(name)
        seeds = [int(s) for s in (args.large_seeds if name == "g2000" else args.seeds).split(",")]
        if not args.report_only:
            ensure_data(ds)
        results[name] = {}
        for seed in seeds:
            row: dict[str, dict] = {}
            if args.report_only:
                for method in ("grnboost2", "dashgrn", *VARIANTS):
                    f = CACHE / name / method / f"seed{seed}" / "result.json"
                    if f.is_file():
                        row[method] = json.loads(f.read_text())
                if "dashgrn" in row:
                    results[name][seed] = row
                continue
            if name != "g2000":
                print(f"[{name} seed {seed}] grnboost2", flush=True)
                row["grnboost2"] = run_grnboost2(name, ds, seed, args.rerun)
            print(f"[{name} seed {seed}] dashgrn", flush=True)
            t0 = time.perf_counter()
            row["dashgrn"] = run_dashgrn(name, ds, noise, seed, args.rerun)
            extra = [m for m in VARIANTS if m in asked and (m != "dashgrn-before" or name == "g19")]
            for method in extra:
                print(f"[{name} seed {seed}] {method}", flush=True)
                row[method] = run_dashgrn(name, ds, noise, seed, args.rerun, method)
            print(f"  {row['dashgrn']['seconds']:.1f} s (this call {time.perf_counter() - t0:.1f} s), "
                  f"AP {row['dashgrn']['average_precision']:.3f}", flush=True)
            results[name][seed] = row
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "SPEED.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
    (OUT / "SPEED.md").write_text(report(results, args.note))
    print(f"wrote {OUT / 'SPEED.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
