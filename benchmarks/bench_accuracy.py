"""Issue 7 accuracy benchmark: dashgrn's pruning methods, no-prior runs, controls and GRNBoost2 on
SIM350 and on simulated networks, at three prior noise levels and three seeds, scored with
`dashgrn evaluate`.

    python benchmarks/bench_accuracy.py                           # everything (hours on 2 cores)
    python benchmarks/bench_accuracy.py --datasets sim350
    python benchmarks/bench_accuracy.py --quick                   # smoke run, 2 to 4 minutes
    python benchmarks/bench_accuracy.py --report-only             # rebuild ACCURACY.md / figures

Resumable: every run lives in benchmarks/runs/accuracy/<dataset>/<noise>/<method>/seed<k>/ with
its outputs and a result.json holding its metrics and a key (the exact command and options, minus
--threads). A run whose result.json is complete with the same key is not run again; change a
method's options below and only that method reruns (`--rerun` forces the selection). dashgrn's own
code is not in the key: the report flags runs made with other code (a digest of dashgrn/), and
`--rerun-stale` reruns them. Runs that do not use the prior (no-prior methods, GRNBoost2) live
under <noise> = `none` and are shown at every noise level. The report always covers the whole
default grid plus the selection, from whatever is cached, so partial runs fill it step by step.
After scoring, network.graphml and new_edges.tsv are deleted and a large edges.tsv is gzipped
(`--keep-outputs` keeps them as written).

`--quick` and `--epochs N` are smoke runs: they use their own cache (benchmarks/runs/
accuracy-quick/, accuracy-epochs<N>/) and write their report there, never to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import gzip
import hashlib
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RUNS = ROOT / "benchmarks" / "runs"
RESULTS = ROOT / "benchmarks" / "results"
DASHGRN = [sys.executable, "-m", "dashgrn"]
#: a Python with the `benchmark` extra (arboreto); DASHGRN_BENCH_PYTHON overrides it.
BENCH_PYTHON = Path(os.environ.get("DASHGRN_BENCH_PYTHON", ROOT / ".venv-bench" / "bin" / "python"))
GRNBOOST2 = ROOT / "benchmarks" / "grnboost2.py"

# --------------------------------------------------------------------------------------------
# What is benchmarked. Edit here.
# --------------------------------------------------------------------------------------------

#: dashgrn method -> extra `dashgrn infer` options. "none" is dashgrn's default (unpruned model,
#: prior-first ranking, calibrated export); "dash" is the DASH-pruned model with the same ranking
#: and export rules.
METHODS: dict[str, list[str]] = {
    "none": ["--pruning", "none"],
    "dash": ["--pruning", "dash"],
    "prior": ["--pruning", "prior"],
    "imp": ["--pruning", "imp"],
    "noprior-none": ["--pruning", "none"],
    "noprior-imp": ["--pruning", "imp"],
}
#: methods run without --prior (for users who have none); they do not depend on the prior noise.
NO_PRIOR = {"noprior-imp", "noprior-none"}
#: methods whose training never reads the prior (only the ranking and export do): one training
#: per data set and seed (run without a prior) serves every noise level and the no-prior rows,
#: re-ranked with `dashgrn export CHECKPOINT --prior P` (or --no-prior). tests/cli/
#: test_infer_cli.py checks that this gives exactly what `dashgrn infer --prior P` gives.
SHARED_TRAINING = {"none", "imp", "noprior-none", "noprior-imp"}
#: control rows of `dashgrn evaluate --controls EXPR --prior P` (deterministic: no seeds).
CONTROLS = ["prior-only", "prior+spearman", "prior+linear-ode", "spearman", "linear-ode"]
#: controls that do not use the prior.
CONTROLS_NO_PRIOR = {"spearman", "linear-ode"}
#: GRNBoost2 (benchmarks/grnboost2.py, in .venv-bench): extra options, and its seeds (every
#: regressor's random_state; one fixed seed by default, as it is slow on 2,000 genes).
GRNBOOST2_OPTIONS: list[str] = []
GRNBOOST2_SEEDS = [0]

NOISE = ["0.025", "0.05", "0.1"]
SEEDS = [0, 1, 2]
#: simulated data sets: `dashgrn simulate` options (fixed seeds, used for nothing else).
#: SIM350-like: 150 trajectories at t = 0,2,3,7,9, measurement noise 0.025, 1.5 edges per gene.
SIMULATED: dict[str, list[str]] = {
    "sim600": ["--genes", "600", "--trajectories", "150", "--times", "0,2,3,7,9", "--noise", "0.025",
               "--seed", "6060"],
    "sim2000": ["--genes", "2000", "--trajectories", "150", "--times", "0,2,3,7,9", "--noise", "0.025",
                "--seed", "2020"],
    "quick": ["--genes", "30", "--trajectories", "40", "--times", "0,2,3,7,9", "--noise", "0.025",
              "--seed", "4242"],
}
DATASETS = ["sim350", "sim600", "sim2000"]
#: after scoring, delete network.graphml and new_edges.tsv and gzip an edges.tsv over 16 MiB
#: (a 2,000-gene run writes up to 1 GB); --keep-outputs keeps them.
SLIM = True
GZIP_OVER = 16 * 2**20
#: extra `dashgrn infer` options per data set (none: every data set runs dashgrn's defaults).
DATASET_OPTIONS: dict[str, list[str]] = {}
#: --quick: the tiny simulated network, one seed, few epochs.
QUICK = {"datasets": ["quick"], "seeds": [0], "epochs": 5}

KIND = {**{m: "dashgrn" for m in METHODS}, **{m: "dashgrn, no prior" for m in NO_PRIOR},
        **{c: "control" for c in CONTROLS}, "grnboost2": "peer"}

# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: str
    expr: Path
    truth: Path
    prior_pattern: str  # with {noise}
    sim_options: list[str] | None = None  # None: a fixed file set (SIM350)

    def prior(self, noise: str) -> Path:
        return Path(self.prior_pattern.format(noise=noise))

    @property
    def key(self) -> dict:
        return {"expr": _rel(self.expr), "truth": _rel(self.truth), "prior": _rel(Path(self.prior_pattern)),
                "simulate": self.sim_options}


def dataset(name: str) -> Dataset:
    if name == "sim350":
        return Dataset(name, DATA / "sim350_sim150_noise0.025.h5ad", DATA / "sim350_truth.tsv",
                       str(DATA / "sim350_prior_noise_{noise}.tsv"))
    if name in SIMULATED:
        d = RUNS / "accuracy" / "data" / name
        return Dataset(name, d / "expression.h5ad", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"),
                       [*SIMULATED[name], "--prior-noise", ",".join(NOISE)])
    raise SystemExit(f"error: unknown data set {name!r} (known: sim350, {', '.join(SIMULATED)})")


def _rel(p: Path) -> str:
    """A path for keys and messages: relative to the repository, or shared/data/..., else as given.
    The run cache is matched first, so that a cache reached through a link gives the same keys."""
    p = Path(p).resolve()
    for base, prefix in ((RUNS.resolve(), "benchmarks/runs/"), (ROOT, ""), (DATA.resolve(), "shared/data/")):
        try:
            return prefix + str(p.relative_to(base))
        except ValueError:
            pass
    return str(p)


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def ensure_data(ds: Dataset) -> None:
    """Simulate a data set into benchmarks/runs/accuracy/data/<name>/ unless it is there with the same options."""
    if ds.sim_options is None:
        missing = [p for p in (ds.expr, ds.truth, *(ds.prior(n) for n in NOISE)) if not p.is_file()]
        if missing:
            raise SystemExit(f"error: SIM350 files missing: {', '.join(map(str, missing))} (expected in {DATA})")
        return
    out = ds.expr.parent
    stamp = out / "bench_key.json"
    if stamp.is_file() and json.loads(stamp.read_text()).get("simulate") == ds.sim_options and ds.expr.is_file():
        return
    cmd = [*DASHGRN, "-q", "simulate", *ds.sim_options, "--out", str(out), "--overwrite"]
    print(f"[data] {ds.name}: {' '.join(cmd[2:])}", flush=True)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    stamp.write_text(json.dumps({"simulate": ds.sim_options, "seconds": time.perf_counter() - t0}) + "\n")


# --------------------------------------------------------------------------------------------
# Running and scoring
# --------------------------------------------------------------------------------------------


def measure(cmd: list[str], log: Path, env: dict | None = None) -> tuple[int, float, float]:
    """Exit code, wall time (s) and peak RSS (MiB) of one command (as bench_infer.measure_peak, via
    wait4), its stderr saved to ``log``."""
    t0 = time.perf_counter()
    with open(log, "w") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
    return os.waitstatus_to_exitcode(status), time.perf_counter() - t0, usage.ru_maxrss / 1024


def evaluate(pred: Path, truth: Path, *extra: str) -> dict:
    """`dashgrn evaluate ... --format json --permutations 0` -> its JSON (rows under "methods")."""
    cmd = [*DASHGRN, "-q", "evaluate", str(pred), "--truth", str(truth), "--format", "json", "--permutations", "0",
           *extra]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[2:])} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return json.loads(proc.stdout)


RANK_KEYS = ["average_precision", "auprc_trapezoid", "auroc", "epr", "early_precision"]
SET_KEYS = ["balanced_accuracy", "precision", "recall", "f1", "n_edges", "sign_accuracy"]


def _metrics(rank_row: dict, set_row: dict, pairs: int) -> dict:
    out = {k: rank_row.get(k) for k in RANK_KEYS}
    out.update({k: set_row.get(k) for k in SET_KEYS})
    out["pairs"] = pairs
    n = set_row.get("n_edges")
    out["net_sparsity"] = None if n is None else 1.0 - n / pairs
    return out


def n_true_edges(truth: Path) -> int:
    import pandas as pd

    t = pd.read_csv(truth, sep="\t")
    return len(t.drop_duplicates(subset=list(t.columns[:2])))


@dataclass
class Task:
    kind: str  # infer | controls | grnboost2
    ds: Dataset
    noise: str  # "0.05" ... or "none"
    method: str  # method name, or "controls"
    seed: int | None
    key: dict
    root: Path
    run: Callable[[Task], list[dict]] = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def dir(self) -> Path:
        d = self.root / self.ds.name / self.noise / self.method
        return d / f"seed{self.seed}" if self.seed is not None else d

    @property
    def label(self) -> str:
        s = f" seed {self.seed}" if self.seed is not None else ""
        return f"{self.ds.name} noise {self.noise} {self.method}{s}"

    def cached(self) -> dict | None:
        f = self.dir / "result.json"
        if not f.is_file():
            return None
        try:
            res = json.loads(f.read_text())
        except ValueError:
            return None
        return res if res.get("key_digest") == _digest(self.key) else None

    def stale(self) -> bool:
        """A cached dashgrn run made with other dashgrn code than the current one."""
        res = self.cached()
        return self.kind == "infer" and res is not None and any(r.get("code") != CODE for r in res["records"])


def _context(threads: int, jobs: int) -> dict:
    return {"threads": threads, "jobs": jobs, "dashgrn": metadata.version("dashgrn"), "git": GIT, "code": CODE,
            "finished": _dt.datetime.now().isoformat(timespec="seconds")}


_LOCKS: dict[Path, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _shared_training(t: Task, threads: int) -> tuple[Path, float, float, str]:
    """The prior-free training run of ``t`` (made once per data set, options and seed)."""
    opts = t.key["options"]
    base = t.root / t.ds.name / "train" / _digest({"data": t.ds.key, "options": opts})[:10] / f"seed{t.seed}"
    with _LOCKS_GUARD:
        lock = _LOCKS.setdefault(base, threading.Lock())
    with lock:
        done = base / "done.json"
        key = {"data": t.ds.key, "options": opts, "seed": t.seed, "code": TRAIN_CODE}  # retrain when training changes
        if done.is_file() and json.loads(done.read_text()).get("key") == key and (base / "out" / "checkpoint.pt").is_file():
            d = json.loads(done.read_text())
            return base / "out", d["seconds"], d["peak_mib"], d["command"]
        base.mkdir(parents=True, exist_ok=True)
        cmd = [*DASHGRN, "-q", "infer", str(t.ds.expr), "--out", str(base / "out"), "--overwrite", "--seed",
               str(t.seed), "--threads", str(threads), *opts]
        rc, wall, peak = measure(cmd, base / "stderr.log")
        if rc != 0:
            raise RuntimeError(f"dashgrn infer exited {rc}: {(base / 'stderr.log').read_text()[-1500:].strip()}")
        command = " ".join(["dashgrn", *cmd[3:]])
        done.write_text(json.dumps({"key": key, "seconds": wall, "peak_mib": peak, "command": command}) + "\n")
        return base / "out", wall, peak, command


def run_infer(t: Task, threads: int, jobs: int) -> list[dict]:
    out = t.dir / "out"
    if t.method in SHARED_TRAINING:
        trained, train_wall, peak, train_cmd = _shared_training(t, threads)
        cmd = [*DASHGRN, "-q", "export", str(trained / "checkpoint.pt"), "--out", str(out), "--overwrite"]
        cmd += ["--no-prior"] if t.key["prior"] is None else ["--prior", str(t.ds.prior(t.noise))]
        rc, wall, _ = measure(cmd, t.dir / "stderr.log")
        if rc != 0:
            raise RuntimeError(f"dashgrn export exited {rc}: {(t.dir / 'stderr.log').read_text()[-1500:].strip()}")
        for name in ("run.json", "config.json"):
            shutil.copyfile(trained / name, out / name)
        wall += train_wall
    else:
        cmd = [*DASHGRN, "-q", "infer", str(t.ds.expr), "--out", str(out), "--overwrite", "--seed", str(t.seed),
               "--threads", str(threads), *t.key["options"]]
        if t.key["prior"] is not None:
            cmd[6:6] = ["--prior", str(t.ds.prior(t.noise))]
        rc, wall, peak = measure(cmd, t.dir / "stderr.log")
        if rc != 0:
            tail = (t.dir / "stderr.log").read_text()[-1500:]
            raise RuntimeError(f"dashgrn infer exited {rc}: {tail.strip()}")
    ranking = out / "ranking.tsv.gz"
    edges = out / "edges.tsv"
    if ranking.is_file():
        ev = evaluate(ranking, t.ds.truth, "--compare", str(edges))
        rank_row, set_row = ev["methods"][0], ev["methods"][1]
    else:  # no full ranking: the exported edges are the ranking too
        ev = evaluate(edges, t.ds.truth)
        rank_row = set_row = ev["methods"][0]
    if SLIM:  # derived files, large on 2,000 genes: `dashgrn export out/checkpoint.pt` rewrites them
        for f in ("network.graphml", "new_edges.tsv"):
            (out / f).unlink(missing_ok=True)
        if edges.stat().st_size > GZIP_OVER:
            with open(edges, "rb") as src, gzip.open(out / "edges.tsv.gz", "wb", compresslevel=1) as dst:
                shutil.copyfileobj(src, dst)
            edges.unlink()
    run = json.loads((out / "run.json").read_text())
    cfg = json.loads((out / "config.json").read_text()).get("settings", {})
    summ = run.get("summary", {})
    rec = _metrics(rank_row, set_row, ev["universe"]["n_pairs"])
    rec.update({
        "cut": "exported network", "ranking": "ranking.tsv.gz" if ranking.is_file() else "edges.tsv",
        "weight_sparsity": summ.get("network", {}).get("weight_sparsity"),
        "seconds": wall, "peak_mib": peak, "train_seconds": summ.get("training", {}).get("seconds"),
        "best_epoch": summ.get("training", {}).get("best_epoch"),
        "epochs_run": summ.get("training", {}).get("epochs_run"),
        "pruning": cfg.get("pruning"), "epochs": cfg.get("epochs"),
        "command": " ".join(["dashgrn", *cmd[3:]]) if t.method not in SHARED_TRAINING
        else f"{train_cmd}; then dashgrn {' '.join(cmd[3:])}",
        "shared_training": t.method in SHARED_TRAINING,
    })
    return [rec]


CONTROL_TIMER = """
import json, sys, time
from dashgrn.io import read_expression
from dashgrn.evaluate import linear_ode_matrix, spearman_matrix
e = read_expression(sys.argv[1])
out = {}
for name, f in (("spearman", spearman_matrix), ("linear-ode", linear_ode_matrix)):
    t0 = time.perf_counter(); f(e); out[name] = time.perf_counter() - t0
print(json.dumps(out))
"""


def run_controls(t: Task, threads: int, jobs: int) -> list[dict]:
    prior = t.ds.prior(t.noise)
    k = n_true_edges(t.ds.truth)
    base = ["--prior", str(prior), "--controls", str(t.ds.expr)]
    t0 = time.perf_counter()
    full = evaluate(prior, t.ds.truth, *base)
    wall = time.perf_counter() - t0
    top = evaluate(prior, t.ds.truth, *base, "--top-k", str(k))
    env = {**os.environ, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}}
    proc = subprocess.run([sys.executable, "-c", CONTROL_TIMER, str(t.ds.expr)], check=False, capture_output=True,
                          text=True, env=env)
    timing = json.loads(proc.stdout) if proc.returncode == 0 else {}
    rows_full = {r["method"]: r for r in full["methods"]}
    rows_top = {r["method"]: r for r in top["methods"]}
    pairs = full["universe"]["n_pairs"]
    recs = []
    for name in CONTROLS:
        if name not in rows_full:
            continue
        natural = name == "prior-only"  # the prior's own edges are its network
        rec = _metrics(rows_full[name], rows_full[name] if natural else rows_top[name], pairs)
        sec = timing.get(name.removeprefix("prior+"))
        rec.update({"method": name, "cut": "prior edges" if natural else f"top {k}", "weight_sparsity": None,
                    "seconds": sec, "peak_mib": None, "evaluate_seconds": wall,
                    "noise_independent": name in CONTROLS_NO_PRIOR})
        recs.append(rec)
    return recs


def run_grnboost2(t: Task, threads: int, jobs: int) -> list[dict]:
    out = t.dir / "grnboost2.tsv"
    cmd = [str(BENCH_PYTHON), str(GRNBOOST2), str(t.ds.expr), "--out", str(out), "--seed", str(t.seed),
           "--jobs", str(threads), *t.key["options"]]
    rc, wall, peak = measure(cmd, t.dir / "stderr.log")
    if rc != 0:
        raise RuntimeError(f"grnboost2.py exited {rc}: {(t.dir / 'stderr.log').read_text()[-1500:].strip()}")
    k = n_true_edges(t.ds.truth)
    full = evaluate(out, t.ds.truth)
    top = evaluate(out, t.ds.truth, "--top-k", str(k))
    rec = _metrics(full["methods"][0], top["methods"][0], full["universe"]["n_pairs"])
    rec.update({"cut": f"top {k}", "weight_sparsity": None, "seconds": wall, "peak_mib": peak,
                "command": " ".join(cmd[1:])})
    return [rec]


def execute(t: Task, threads: int, jobs: int) -> tuple[Task, str, str]:
    t.dir.mkdir(parents=True, exist_ok=True)
    res_file = t.dir / "result.json"
    try:
        recs = t.run(t, threads, jobs)
        status, msg = "ok", ""
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, the others go on
        recs, status, msg = [], "failed", f"{exc}\n{traceback.format_exc(limit=3)}"
    ctx = _context(threads, jobs)
    for r in recs:
        r.setdefault("method", t.method)
        r.update({"dataset": t.ds.name, "noise": t.noise, "seed": t.seed, "kind": KIND.get(r["method"], "?"), **ctx})
    res = {"key": t.key, "key_digest": _digest(t.key) if status == "ok" else None, "status": status,
           "error": msg, "records": recs}
    tmp = res_file.with_suffix(".part")
    tmp.write_text(json.dumps(res, indent=1, default=_json) + "\n")
    tmp.replace(res_file)
    return t, status, msg


def _json(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o))


# --------------------------------------------------------------------------------------------
# Task grid
# --------------------------------------------------------------------------------------------


def build_tasks(root: Path, datasets: list[str], noises: list[str], seeds: list[int], methods: list[str],
                epochs: int | None) -> list[Task]:
    tasks: list[Task] = []
    extra = ["--epochs", str(epochs)] if epochs is not None else []
    for name in datasets:
        ds = dataset(name)
        for m in methods:
            if m in METHODS:
                opts = [*METHODS[m], *DATASET_OPTIONS.get(name, []), *extra]
                for noise in (["none"] if m in NO_PRIOR else noises):
                    for s in seeds:
                        key = {"kind": "infer", "data": ds.key, "noise": noise, "options": opts, "seed": s,
                               "prior": None if m in NO_PRIOR else _rel(ds.prior(noise))}
                        tasks.append(Task("infer", ds, noise, m, s, key, root, run_infer))
            elif m == "controls":
                for noise in noises:
                    key = {"kind": "controls", "data": ds.key, "noise": noise, "controls": CONTROLS,
                           "cut": "top-k true edges"}
                    tasks.append(Task("controls", ds, noise, "controls", None, key, root, run_controls))
            elif m == "grnboost2":
                for s in GRNBOOST2_SEEDS:
                    key = {"kind": "grnboost2", "data": ds.key, "options": GRNBOOST2_OPTIONS, "seed": s}
                    tasks.append(Task("grnboost2", ds, "none", "grnboost2", s, key, root, run_grnboost2))
    # dedupe (a method may be selected twice); per data set: GRNBoost2 and the controls first, then
    # dashgrn seed by seed, so that partial results cover every method
    seen, out = set(), []
    rank = {"grnboost2": 0, "controls": 1, "infer": 2}
    order = {m: i for i, m in enumerate(METHODS)}
    # noise before seed: the shared trainings of different seeds then run side by side with --jobs 2
    # (one run at a time is as fast now: a run's two ensemble members share the cores)
    for t in sorted(tasks, key=lambda t: (datasets.index(t.ds.name), rank[t.kind], t.noise, t.seed or 0,
                                          order.get(t.method, 0))):
        if t.dir not in seen:
            seen.add(t.dir)
            out.append(t)
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

COLS = [  # key, header, format
    ("average_precision", "AUPRC", "pm3"), ("auroc", "AUROC", "pm3"), ("epr", "EPR", "f2"),
    ("balanced_accuracy", "BA", "pm3"), ("n_edges", "edges", "int"), ("net_sparsity", "net. sparsity", "pct"),
    ("weight_sparsity", "weight sparsity", "pct"), ("seconds", "runtime (s)", "f0"), ("peak_mib", "peak MiB", "f0"),
]
ORDER = [*[m for m in METHODS if m not in NO_PRIOR], *[m for m in METHODS if m in NO_PRIOR], *CONTROLS, "grnboost2"]


def _vals(rs: list[dict], k: str) -> list[float]:
    return [float(r[k]) for r in rs if r.get(k) is not None and not (isinstance(r[k], float) and math.isnan(r[k]))]


def _cell(rs: list[dict], k: str, fmt: str) -> str:
    v = _vals(rs, k)
    if not v:
        return "–"
    mean = statistics.fmean(v)
    sd = statistics.stdev(v) if len(v) > 1 else None
    if fmt == "pm3":
        return f"{mean:.3f}" + (f" ± {sd:.3f}" if sd is not None else "")
    if fmt == "f2":
        return f"{mean:.2f}"
    if fmt == "int":
        return f"{mean:,.0f}"
    if fmt == "pct":
        return f"{100 * mean:.1f}%"
    return f"{mean:,.0f}" if mean >= 10 else f"{mean:.1f}"


def group(records: list[dict], name: str, noise: str) -> dict[str, list[dict]]:
    """Records of one data set at one noise level, by method (noise-independent runs included)."""
    out: dict[str, list[dict]] = {}
    for r in records:
        if r["dataset"] != name:
            continue
        if r["noise"] == noise or r["noise"] == "none":
            out.setdefault(r["method"], []).append(r)
    return out


DEFAULT = "none"  # the row of dashgrn's default configuration


def summary(records: list[dict], datasets: list[str], noises: list[str]) -> str:
    """The default against the best control and GRNBoost2, per data set and noise level."""
    lines = ["### Summary: dashgrn's default against the best control", "",
             "| data set | prior noise | dashgrn AUPRC | best control (AUPRC) | margin | dashgrn BA | prior BA | "
             "no prior: dashgrn AUPRC | linear-ode | GRNBoost2 |", "|" + "---|" * 10]
    for name in datasets:
        for noise in noises:
            g = group(records, name, noise)
            ours = _vals(g.get(DEFAULT, []), "average_precision")
            ctrl = {m: _vals(g.get(m, []), "average_precision") for m in CONTROLS}
            ctrl = {m: v[0] for m, v in ctrl.items() if v}
            if not ours and not ctrl:
                continue
            best = max(ctrl, key=ctrl.get) if ctrl else None
            mean = statistics.fmean(ours) if ours else None
            margin = f"{mean - ctrl[best]:+.3f}" if ours and best else "–"
            lines.append(
                f"| {name} | {noise} | {_cell(g.get(DEFAULT, []), 'average_precision', 'pm3')} | "
                + (f"{best} ({ctrl[best]:.3f})" if best else "–") + f" | {margin} | "
                f"{_cell(g.get(DEFAULT, []), 'balanced_accuracy', 'pm3')} | "
                f"{_cell(g.get('prior-only', []), 'balanced_accuracy', 'pm3')} | "
                f"{_cell(g.get('noprior-none', []), 'average_precision', 'pm3')} | "
                f"{_cell(g.get('linear-ode', []), 'average_precision', 'pm3')} | "
                f"{_cell(g.get('grnboost2', []), 'average_precision', 'pm3')} |")
    return "\n".join(lines) + "\n"


def tables(records: list[dict], datasets: list[str], noises: list[str], expected: dict) -> str:
    lines = []
    for name in datasets:
        for noise in noises:
            g = group(records, name, noise)
            lines += [f"### {name}, prior noise {noise}", "",
                      "| method | kind | runs | " + " | ".join(h for _, h, _ in COLS) + " | BA cut |",
                      "|" + "---|" * (len(COLS) + 4)]
            for m in ORDER:
                rs = g.get(m, [])
                n_exp = expected.get((name, noise, m))
                if m == "grnboost2" and not rs and not BENCH_PYTHON.is_file():
                    lines.append("| grnboost2 | peer | not run (install .[benchmark]) |" + " |" * len(COLS) + " |")
                    continue
                if n_exp is None and not rs:
                    continue
                mark = " †" if (m in NO_PRIOR or m in CONTROLS_NO_PRIOR or m == "grnboost2") else ""
                runs = f"{len(rs)}" if n_exp in (None, len(rs)) else f"{len(rs)}/{n_exp}"
                cut = rs[0].get("cut", "") if rs else ""
                lines.append(f"| {m}{mark} | {KIND.get(m, '')} | {runs} | "
                             + " | ".join(_cell(rs, k, f) for k, _, f in COLS) + f" | {cut} |")
            lines.append("")
    return "\n".join(lines)


#: marker, colour; no-prior runs are drawn open (and larger), so that they stay visible over the
#: same method with a prior. prior+X is not drawn: at its cut (the prior's size) it is the prior.
MARKERS = {"none": ("o", "C3"), "dash": ("P", "C5"), "prior": ("s", "C0"), "imp": ("^", "C2"),
           "noprior-imp": ("^", "C2"), "noprior-none": ("o", "C3"), "prior-only": ("*", "k"),
           "spearman": ("p", "C9"), "linear-ode": ("h", "C4"), "grnboost2": ("D", "C1")}
NOT_DRAWN = {"prior+spearman", "prior+linear-ode"}


def figure(records: list[dict], datasets: list[str], noise: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(datasets)
    fig, axes = plt.subplots(2, n, figsize=(4.2 * n + 1.8, 7.4), squeeze=False)
    for j, name in enumerate(datasets):
        g = group(records, name, noise)
        for i, xkey in enumerate(("weight_sparsity", "net_sparsity")):
            ax = axes[i][j]
            for m in ORDER:
                rs = [r for r in g.get(m, []) if r.get(xkey) is not None and r.get("balanced_accuracy") is not None]
                if not rs or m in NOT_DRAWN:
                    continue
                x, y = _vals(rs, xkey), _vals(rs, "balanced_accuracy")
                mk, col = MARKERS.get(m, ("o", None))
                open_ = m in NO_PRIOR
                ax.errorbar(100 * statistics.fmean(x), statistics.fmean(y),
                            xerr=100 * statistics.stdev(x) if len(x) > 1 else None,
                            yerr=statistics.stdev(y) if len(y) > 1 else None,
                            marker=mk, color=col, ms=13 if open_ else 8, mfc="none" if open_ else col,
                            mew=1.5, ls="none", capsize=3, label=m, alpha=0.85)
            lo = min([0.45, *[line.get_ydata()[0] - 0.02 for line in ax.get_lines()]])
            xs = [line.get_xdata()[0] for line in ax.get_lines()]
            if i == 1 and xs:  # networks are all > 99% sparse: zoom in on the range used
                left = min(xs)
                ax.set_xlim(left - 0.15 * (100 - left) - 0.05, 100 + 0.05 * (100 - left) + 0.01)
            else:
                ax.set_xlim(-4, 104)
            ax.set_ylim(lo, 1.01)
            ax.set_title(f"{name}" if i == 0 else "")
            ax.set_xlabel("weight sparsity of the model (%)" if i == 0 else "network sparsity, 1 − edges / pairs (%)")
            ax.set_ylabel("balanced accuracy")
            ax.grid(alpha=0.3)
    handles: dict = {}
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    labels = [m for m in ORDER if m in handles]
    fig.legend([handles[m] for m in labels], labels, loc="center right", frameon=False, fontsize=9)
    fig.suptitle(f"Prior noise {noise}: balanced accuracy against sparsity\n(mean ± sd over seeds; "
                 "open markers: no prior)", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1 - 1.6 / (4.2 * n + 1.8), 0.94))
    tmp = path.with_name(path.stem + ".part.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    tmp.replace(path)


def _versions() -> dict:
    from dashgrn.provenance import versions

    v = {"python": platform.python_version(), **versions(interpreter=False)}
    if BENCH_PYTHON.is_file():
        proc = subprocess.run([str(BENCH_PYTHON), "-c", "from importlib.metadata import version as v; "
                               "print(v('arboreto'), v('dask'), v('distributed'), v('scikit-learn'))"],
                              check=False, capture_output=True, text=True)
        if proc.returncode == 0:
            a, d, di, sk = proc.stdout.split()
            v["arboreto (bench venv)"] = a
            v["dask / distributed (bench venv)"] = f"{d} / {di}"
            v["scikit-learn (bench venv)"] = sk
    return v


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _git() -> str:
    try:
        h = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               check=False, capture_output=True, text=True).stdout.strip()
        return h + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "?"


GIT = _git()


def _files_digest(files: list[Path]) -> str:
    pkg = ROOT / "dashgrn"
    h = hashlib.sha256()
    for f in files:
        h.update(str(f.relative_to(pkg)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def _code_digest() -> str:
    """Digest of dashgrn's package files (code and templates): the results of a run depend on it, its
    command does not. Cached runs made with other code are flagged in the report (`--rerun-stale`)."""
    pkg = ROOT / "dashgrn"
    return _files_digest(sorted(p for p in pkg.rglob("*") if p.is_file() and "__pycache__" not in p.parts))


CODE = _code_digest()


def _train_code_digest() -> str:
    """Digest of the dashgrn files that decide a training run (not the ranking, export or report):
    shared trainings are redone when it changes, re-ranked when only the rest changes."""
    from dashgrn.provenance import training_code_files

    return _files_digest(training_code_files())


TRAIN_CODE = _train_code_digest()


def write_report(records: list[dict], failures: list[str], datasets: list[str], noises: list[str],
                 expected: dict, results: Path, command: str, root: Path) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    figs = []
    for noise in noises:
        if any(r["noise"] in (noise, "none") for r in records):
            p = results / f"accuracy_noise{noise}.png"
            figure(records, datasets, noise, p)
            figs.append(p)
    versions = _versions()
    commits = sorted({str(r.get("git")) for r in records})
    runs_code = [r.get("code") for r in records if r.get("kind", "").startswith("dashgrn")]
    stale = sum(c != CODE for c in runs_code)
    code_note = (f"package digest {CODE} (dashgrn/**); " + (
        f"**{stale} of {len(runs_code)} dashgrn runs were made with other code** (`--rerun-stale` reruns them)"
        if stale else "every dashgrn run was made with it"))
    sim350 = [r["seconds"] for r in records if r["dataset"] == "sim350" and r["method"] == "none" and r.get("seconds")]
    threads = sorted({r.get("threads") for r in records if r.get("kind", "").startswith("dashgrn")} - {None})
    head = [
        "# dashgrn accuracy benchmark",
        "",
        ("Smoke run, written by " if root.name != "accuracy" else "Rerun everything: "
         "`.venv/bin/python benchmarks/bench_accuracy.py` (resumable: cached runs are reused; "
         "`--report-only` rebuilds this file). Written by ") + f"`{command}`.",
        "",
        f"- date: {_dt.date.today().isoformat()}; machine: {os.cpu_count()} CPU cores ({_cpu()}), "
        f"{platform.system()} {platform.release()}",
        "- versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        f"- dashgrn code of the runs: {code_note}",
        f"- dashgrn commits of the runs: {', '.join(commits) or '–'}; threads per dashgrn run: "
        f"{', '.join(map(str, threads)) or '–'}; cache: `{_rel(root)}`",
        f"- data sets: {', '.join(datasets)}; prior noise: {', '.join(noises)}; truth = each data set's true "
        "network; scored with `dashgrn evaluate --format json --permutations 0` (BEELINE universe: ordered "
        "pairs of distinct truth genes).",
    ]
    if sim350:
        head.append(f"- one SIM350 run of the default (`none`): {statistics.fmean(sim350):.0f} s on average, at most "
                    f"{max(sim350):.0f} s (wall time of the whole `dashgrn infer` process, plus `dashgrn export`).")
    notes = results / "ACCURACY_NOTES.md"  # hand-written notes, kept across regenerations
    if notes.is_file() and root.name == "accuracy":
        head += ["", notes.read_text(encoding="utf-8").strip()]
    head += [
        "",
        "Columns (mean ± sd over seeds; the sd is left out with one run):",
        "",
        "- **AUPRC** (average precision), **AUROC**, **EPR** (early precision ratio): of the full ranking. For "
        "dashgrn, `ranking.tsv.gz` (every ordered pair; with a prior, prior-first: the prior's pairs, then the "
        "others, each group by the standardised effect z = (|E| - mean) / sd within the target, averaged over "
        "the ensemble; without a prior, by z).",
        "- Shared training: `none`, `imp` and their no-prior rows never read the prior while training, so one "
        "training per data set and seed (run without a prior) serves every noise level; each row re-ranks its "
        "checkpoint with `dashgrn export --prior P` (or `--no-prior`), which gives exactly what "
        "`dashgrn infer --prior P` gives (tested). Their runtime is that training plus the export.",
        "- **BA** (balanced accuracy), **edges**: of a network. dashgrn: the exported `edges.tsv`; prior-only: "
        "the prior's edges; rankings without a natural cut (spearman, linear-ode, prior+X, GRNBoost2): the "
        "top K pairs with K = the number of true edges (= the prior's size here), shown in `BA cut`. "
        "At that K, prior+X is the prior itself, so its BA equals prior-only's.",
        "- **net. sparsity** = 1 − edges / pairs of the universe; **weight sparsity** = the fraction of the "
        "model's weights pruned (`run.json`; the x axis of the paper's figures).",
        "- **runtime**: wall time of the `dashgrn infer` process (reading, training, writing, report) or of "
        "`grnboost2.py`; for spearman / linear-ode the time to compute the control matrix (prior+X adds "
        "nothing); **peak MiB**: maximum resident set size of that process.",
        "- † does not use the prior: the same runs are shown at every noise level. GRNBoost2 uses every gene "
        f"as a candidate regulator (BEELINE's default) and seed{'s' if len(GRNBOOST2_SEEDS) > 1 else ''} "
        f"{', '.join(map(str, GRNBOOST2_SEEDS))}.",
        "- `runs` a/b: a of b expected runs are done (the rest not yet run or failed).",
        "",
    ]
    for p in figs:
        head.append(f"![prior noise {p.stem.removeprefix('accuracy_noise')}]({p.name})")
    head.append("")
    body = summary(records, datasets, noises) + "\n" + tables(records, datasets, noises, expected)
    tail = []
    if failures:
        tail += ["## Failed runs", "", *[f"- {f}" for f in failures], ""]
    md = results / "ACCURACY.md"
    md.write_text("\n".join(head) + "\n## Results\n\n" + body + "\n" + "\n".join(tail))
    (results / "ACCURACY.json").write_text(json.dumps(
        {"command": command, "date": _dt.date.today().isoformat(), "cpu_count": os.cpu_count(), "cpu": _cpu(),
         "versions": versions, "records": records}, indent=1, default=_json) + "\n")
    return md


# --------------------------------------------------------------------------------------------


def _split(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    all_methods = [*METHODS, "controls", "grnboost2"]
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated (default: %(default)s; "
                    f"also: {', '.join(d for d in SIMULATED if d not in DATASETS)})")
    ap.add_argument("--noise", default=",".join(NOISE), help="prior noise levels (default: %(default)s)")
    ap.add_argument("--seeds", default=",".join(map(str, SEEDS)), help="dashgrn seeds (default: %(default)s)")
    ap.add_argument("--methods", default=",".join(all_methods), help="comma-separated (default: %(default)s)")
    ap.add_argument("--jobs", type=int, default=1, help="runs at a time (default 1)")
    ap.add_argument("--threads", type=int, help="threads per run (default: CPU cores // jobs)")
    ap.add_argument("--epochs", type=int, help="override dashgrn's epochs (smoke runs; own cache and report)")
    ap.add_argument("--quick", action="store_true", help="smoke run: a 30-gene simulated network, seed 0, 5 epochs")
    ap.add_argument("--rerun", action="store_true", help="rerun the selected runs even when cached")
    ap.add_argument("--rerun-stale", action="store_true", help="rerun the selected dashgrn runs whose cached "
                    "result was made with other dashgrn code (package digest)")
    ap.add_argument("--report-only", action="store_true", help="only rebuild the report from cached results")
    ap.add_argument("--dry-run", action="store_true", help="list the runs that would be run, and stop")
    ap.add_argument("--keep-outputs", action="store_true", help="keep network.graphml, new_edges.tsv and a "
                    "large edges.tsv as written (default: removed / gzipped after scoring)")
    ap.add_argument("--results", type=Path, help="report folder (default: benchmarks/results, or the cache "
                    "folder for --quick / --epochs)")
    args = ap.parse_args(argv)
    global SLIM
    SLIM = not args.keep_outputs

    datasets, noises = _split(args.datasets), _split(args.noise)
    seeds = [int(s) for s in _split(args.seeds)]
    methods = _split(args.methods)
    epochs = args.epochs
    for m in methods:
        if m not in all_methods:
            ap.error(f"unknown method {m!r} (known: {', '.join(all_methods)})")
    for n in noises:
        if n not in NOISE:
            ap.error(f"unknown noise level {n!r} (known: {', '.join(NOISE)})")
    smoke = args.quick or epochs is not None
    if args.quick:
        datasets = QUICK["datasets"] if args.datasets == ",".join(DATASETS) else datasets
        seeds = QUICK["seeds"] if args.seeds == ",".join(map(str, SEEDS)) else seeds
        epochs = epochs if epochs is not None else QUICK["epochs"]
        root = RUNS / "accuracy-quick"
    elif epochs is not None:
        root = RUNS / f"accuracy-epochs{epochs}"
    else:
        root = RUNS / "accuracy"
    results = args.results or (root / "report" if smoke else RESULTS)
    jobs = max(1, args.jobs)
    threads = args.threads or max(1, (os.cpu_count() or 1) // jobs)

    selected = build_tasks(root, datasets, noises, seeds, methods, epochs)
    # the report covers the default grid too (unless a smoke run), from whatever is cached
    grid_ds = datasets if smoke else list(dict.fromkeys([*DATASETS, *datasets]))
    grid_noise = noises if smoke else list(dict.fromkeys([*NOISE, *noises]))
    grid = selected if smoke else build_tasks(root, grid_ds, grid_noise, sorted({*SEEDS, *seeds}),
                                              list(dict.fromkeys([*all_methods, *methods])), None) + selected
    command = " ".join(["python", "benchmarks/bench_accuracy.py", *(sys.argv[1:] if argv is None else argv)])

    n_failed = 0
    if not args.report_only:
        todo = [t for t in selected if (args.rerun or t.cached() is None or (args.rerun_stale and t.stale()))
                and (t.kind != "grnboost2" or BENCH_PYTHON.is_file())]
        print(f"{len(selected)} runs selected, {len(selected) - len(todo)} cached, {len(todo)} to run "
              f"({jobs} at a time, {threads} thread(s) each); cache {_rel(root)}", flush=True)
        if "grnboost2" in methods and not BENCH_PYTHON.is_file():
            print(f"GRNBoost2: not run (no {_rel(BENCH_PYTHON)}; install the benchmark extra, see README)", flush=True)
        if args.dry_run:
            for t in todo:
                print(f"  {t.label}")
            return 0
        for name in dict.fromkeys(t.ds.name for t in todo):
            ensure_data(dataset(name))
        t_start = time.perf_counter()
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futs = [pool.submit(execute, t, threads, jobs) for t in todo]
            for i, fut in enumerate(as_completed(futs), 1):
                t, status, msg = fut.result()
                recs = (t.cached() or {}).get("records", [])
                brief = "; ".join(
                    f"{r['method']}: AP {r['average_precision']:.3f} BA {r['balanced_accuracy']:.3f}"
                    + (f" {r['seconds']:.0f} s" if r.get("seconds") else "") for r in recs
                    if r.get("average_precision") is not None and r.get("balanced_accuracy") is not None)
                elapsed = time.perf_counter() - t_start
                print(f"[{i}/{len(todo)} {elapsed:.0f} s] {t.label}: {status}"
                      + (f" - {brief}" if brief else f" - {msg.splitlines()[0] if msg else ''}"), flush=True)
                n_failed += status != "ok"
        except KeyboardInterrupt:
            # Ctrl-C also reaches the running dashgrn processes (same process group): they stop and are
            # recorded as failed, so the same command reruns them; nothing new is started.
            print("interrupted: waiting for the running runs to stop; finished runs are cached, the same "
                  "command resumes", file=sys.stderr, flush=True)
            pool.shutdown(wait=True, cancel_futures=True)
            return 130
        finally:
            pool.shutdown(wait=True)

    records, failures, expected = [], [], {}
    seen = set()
    for t in grid:
        if t.dir in seen:
            continue
        seen.add(t.dir)
        noises_of = grid_noise if t.noise == "none" else [t.noise]
        names = CONTROLS if t.kind == "controls" else [t.method]
        for nz in noises_of:
            for m in names:
                expected[(t.ds.name, nz, m)] = expected.get((t.ds.name, nz, m), 0) + 1
        res = t.cached()
        if res is not None:
            records += res["records"]
        elif (t.dir / "result.json").is_file():
            try:
                bad = json.loads((t.dir / "result.json").read_text())
                if bad.get("status") == "failed":
                    failures.append(f"{t.label}: {bad.get('error', '').splitlines()[0] if bad.get('error') else ''}")
            except ValueError:
                pass
    for k in list(expected):  # controls: one deterministic "run" each
        if k[2] in CONTROLS:
            expected[k] = 1
    md = write_report(records, failures, grid_ds, grid_noise, expected, results, command, root)
    print(f"report: {_rel(md)} ({len(records)} records)", flush=True)
    print(md.read_text() if smoke else "", end="")
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
