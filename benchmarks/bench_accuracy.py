"""Issue 7 / 15 accuracy benchmark: dashgrn's pruning methods, no-prior runs, controls and GRNBoost2 on
SIM350 and on simulated networks (at three prior noise levels), on the DREAM4 in-silico time series
of ../shared/data/dream4 and on simulated single-cell snapshots run in pseudotime (`pseudo-*`; both at
prior noise 0.1, the only level they have), three seeds, scored with `dashgrn evaluate`.

    python benchmarks/bench_accuracy.py                           # everything (hours on 2 cores)
    python benchmarks/bench_accuracy.py --datasets sim350
    python benchmarks/bench_accuracy.py --quick                   # smoke run, 2 to 4 minutes
    python benchmarks/bench_accuracy.py --report-only             # rebuild ACCURACY.md / figures
    python benchmarks/bench_accuracy.py --datasets pseudo --data-only   # (re)build the pseudotime data

Data-set families (`--datasets` also takes a family name: sim, dream4, pseudo): SIM350 and sim600 /
sim2000 (150 Hill-ODE trajectories); dream4-size10_1/_2, dream4-size100_1/_2 (read in place from
../shared/data/dream4); pseudo-g11/g15/g19 (`dashgrn simulate` snapshots, 2,000 cells, Poisson
counts, no time; dashgrn orders them with `--root-group cell_type=stem`, scanpy DPT). Each data set
lists the prior noise levels it has (DATASET_NOISE); `--noise` selects among them. For snapshots
the controls are computed here with dashgrn.evaluate's functions: spearman and GRNBoost2 see the
cells as they are (counts, every cell one sample), linear-ode the time course that dashgrn trains on
(dashgrn.singlecell.prepare_snapshots with the same options: cells ordered by the same DPT
pseudotime, normalised, averaged in pseudotime windows). prior+GRNBoost2 is GRNBoost2's ranking put
prior-first, as the prior+X controls are. ACCURACY.md ends each family with the figures issue 15
asks for ("Issue 15 checks"), SIM ones against REFERENCE_AP (today's ACCURACY.json).

Resumable: every run lives in benchmarks/runs/accuracy/<dataset>/<noise>/<method>/seed<k>/ with
its outputs and a result.json holding its metrics and a key (the exact command and options, minus
--threads). A run whose result.json is complete with the same key is not run again; change a
method's options below and only that method reruns (`--rerun` forces the selection). dashgrn's own
code is not in the key: the report flags runs made with other code (a digest of dashgrn/), and
`--rerun-stale` reruns them. The cache is git-ignored: in a fresh checkout, `--restore
benchmarks/results/ACCURACY.json` first seeds it with the committed report's runs. Runs that do not use the prior (no-prior methods, GRNBoost2) live
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

#: dashgrn method -> extra `dashgrn infer` options. "none" is the unpruned model (prior-first
#: ranking, calibrated export; dashgrn's default until issue 18, and the reference of issues 15 and
#: 18); "gradual" the issue-18 schedule (dashgrn.model.pruning.gradual), the default since, with its
#: default epochs (1,000) given; "dash" is the DASH-pruned model with the same ranking and export rules.
METHODS: dict[str, list[str]] = {
    "none": ["--pruning", "none"],
    "gradual": ["--pruning", "gradual", "--epochs", "1000"],
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
SHARED_TRAINING = {"none", "imp", "gradual", "noprior-none", "noprior-imp"}
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
#: DREAM4 in-silico time series (../shared/data/dream4/<set>/, read in place): data set name -> folder.
DREAM4 = {f"dream4-size{n}_{k}": f"size{n}_{k}" for n in (10, 100) for k in (1, 2)}
#: pseudotime snapshot dev set (issue 15): `dashgrn simulate` snapshot options (fixed seeds, used for
#: nothing else): 150 trajectories from one shared start (jitter 0.02) sampled at 2,000 hidden
#: uniform times in [0, 4], Poisson counts (scale 50), 10% dropout; prior noise 0.1.
PSEUDOTIME: dict[str, list[str]] = {
    f"pseudo-g{g}": ["--genes", str(g), "--snapshot-cells", "2000", "--trajectories", "150", "--times", "0,4",
                     "--start-jitter", "0.02", "--count-scale", "50", "--dropout", "0.1", "--seed", str(seed)]
    for g, seed in ((11, 7111), (15, 7115), (19, 7119))
}
#: prior noise levels per data set (default: NOISE); the CLI's --noise selects among them.
DATASET_NOISE: dict[str, list[str]] = {**{d: ["0.1"] for d in DREAM4}, **{d: ["0.1"] for d in PSEUDOTIME}}
FAMILIES = {"sim": ["sim350", "sim600", "sim2000"], "dream4": list(DREAM4), "pseudo": list(PSEUDOTIME)}
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
DATASETS = [*FAMILIES["sim"], *FAMILIES["dream4"], *FAMILIES["pseudo"]]
#: after scoring, delete network.graphml and new_edges.tsv and gzip an edges.tsv over 16 MiB
#: (a 2,000-gene run writes up to 1 GB); --keep-outputs keeps them.
SLIM = True
GZIP_OVER = 16 * 2**20
#: extra `dashgrn infer` options per data set (the others run dashgrn's defaults). Snapshots need a
#: pseudotime source; the controls of a snapshot set use the same single-cell options (SC_OPTIONS).
DATASET_OPTIONS: dict[str, list[str]] = {d: ["--root-group", "cell_type=stem"] for d in PSEUDOTIME}
#: `dashgrn infer` single-cell option -> SingleCellConfig field (value-less flags map to a fixed value).
SC_OPTIONS = {"--root-cell": "root_cell", "--root-group": "root_group", "--pseudotime-key": "pseudotime_key",
              "--lineage-key": "lineage_key", "--bins": "bins", "--smooth": "smooth", "--n-top-genes": "n_top_genes",
              "--n-pcs": "n_pcs", "--n-neighbors": "n_neighbors"}
SC_FLAGS = {"--normalize": ("normalize", True), "--no-normalize": ("normalize", False)}
#: issue 15's SIM criterion: the default's AP may not fall by more than this from REFERENCE_AP.
AP_TOLERANCE = 0.005
#: AP of the default (`none`; `noprior-none` for no prior) per data set and prior noise, mean over seeds
#: 0-2, copied from benchmarks/results/ACCURACY.json as it was before issue 15 (written 2026-11-25 by
#: `python benchmarks/bench_accuracy.py --report-only`; runs of git 1ef5b3e, package digest 5a8997062395).
REFERENCE_AP: dict[tuple[str, str, str], float] = {
    ("sim350", "0.025", "none"): 0.979737, ("sim350", "0.05", "none"): 0.958488,
    ("sim350", "0.1", "none"): 0.903225, ("sim350", "none", "noprior-none"): 0.623093,
    ("sim600", "0.025", "none"): 0.976956, ("sim600", "0.05", "none"): 0.950616,
    ("sim600", "0.1", "none"): 0.893783, ("sim600", "none", "noprior-none"): 0.570136,
    ("sim2000", "0.025", "none"): 0.968713, ("sim2000", "0.05", "none"): 0.932648,
    ("sim2000", "0.1", "none"): 0.859179, ("sim2000", "none", "noprior-none"): 0.361385,
}
#: --quick: the tiny simulated network, one seed, few epochs.
QUICK = {"datasets": ["quick"], "seeds": [0], "epochs": 5}

KIND = {**{m: "dashgrn" for m in METHODS}, **{m: "dashgrn, no prior" for m in NO_PRIOR},
        **{c: "control" for c in CONTROLS}, "grnboost2": "peer", "prior+grnboost2": "control"}

# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    name: str
    expr: Path
    truth: Path
    prior_pattern: str  # with {noise}
    sim_options: list[str] | None = None  # None: a fixed file set (SIM350, DREAM4)
    # not in the key (cached runs of the SIM sets keep their keys):
    noises: tuple[str, ...] = tuple(NOISE)  # the prior noise levels it has
    family: str = "sim"
    snapshots: bool = False  # single-cell snapshots without time (run in pseudotime)

    def prior(self, noise: str) -> Path:
        return Path(self.prior_pattern.format(noise=noise))

    @property
    def key(self) -> dict:
        return {"expr": _rel(self.expr), "truth": _rel(self.truth), "prior": _rel(Path(self.prior_pattern)),
                "simulate": self.sim_options}


def dataset(name: str) -> Dataset:
    if name in DREAM4:
        d = DATA / "dream4" / DREAM4[name]
        return Dataset(name, d / "expression.csv", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"),
                       noises=tuple(DATASET_NOISE[name]), family="dream4")
    if name in PSEUDOTIME:
        d = RUNS / "accuracy" / "data" / name
        return Dataset(name, d / "expression.h5ad", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"),
                       [*PSEUDOTIME[name], "--prior-noise", ",".join(DATASET_NOISE[name])],
                       noises=tuple(DATASET_NOISE[name]), family="pseudo", snapshots=True)
    if name == "sim350":
        return Dataset(name, DATA / "sim350_sim150_noise0.025.h5ad", DATA / "sim350_truth.tsv",
                       str(DATA / "sim350_prior_noise_{noise}.tsv"))
    if name in SIMULATED:
        d = RUNS / "accuracy" / "data" / name
        return Dataset(name, d / "expression.h5ad", d / "truth.tsv", str(d / "prior_noise_{noise}.tsv"),
                       [*SIMULATED[name], "--prior-noise", ",".join(NOISE)])
    raise SystemExit(f"error: unknown data set {name!r} (known: sim350, {', '.join(SIMULATED)}, "
                     f"{', '.join(DREAM4)}, {', '.join(PSEUDOTIME)}; families: {', '.join(FAMILIES)})")


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
        missing = [p for p in (ds.expr, ds.truth, *(ds.prior(n) for n in ds.noises)) if not p.is_file()]
        if missing:
            raise SystemExit(f"error: {ds.name} files missing: {', '.join(map(str, missing))} (expected in {DATA})")
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


def _training_dir(t: Task) -> Path:
    """The folder of ``t``'s shared training: one per data set, options and seed."""
    opts = t.key["options"]
    return t.root / t.ds.name / "train" / _digest({"data": t.ds.key, "options": opts})[:10] / f"seed{t.seed}"


def _shared_training(t: Task, threads: int) -> tuple[Path, float, float, str]:
    """The prior-free training run of ``t`` (made once per data set, options and seed)."""
    opts = t.key["options"]
    base = _training_dir(t)
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


def _shared(t: Task) -> bool:
    """Shared training (see SHARED_TRAINING), except on snapshots: there the prior also chooses the
    genes that are kept (dashgrn.singlecell), so a prior-free training is not the same model."""
    return t.method in SHARED_TRAINING and not t.ds.snapshots


def run_infer(t: Task, threads: int, jobs: int) -> list[dict]:
    out = t.dir / "out"
    if _shared(t):
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
        "command": " ".join(["dashgrn", *cmd[3:]]) if not _shared(t)
        else f"{train_cmd}; then dashgrn {' '.join(cmd[3:])}",
        "shared_training": _shared(t),
    })
    if t.ds.snapshots:
        rec["pseudotime_spearman"] = _pseudotime_spearman(out, t.ds)
    return [rec]


def _pseudotime_spearman(run_dir: Path, ds: Dataset) -> float | None:
    """Spearman correlation of a snapshot run's pseudotime (singlecell_cells.tsv.gz) with the hidden
    simulation time (cell_times.tsv)."""
    import pandas as pd

    cells_f, times_f = run_dir / "singlecell_cells.tsv.gz", ds.expr.parent / "cell_times.tsv"
    if not (cells_f.is_file() and times_f.is_file()):
        return None
    cells = pd.read_csv(cells_f, sep="\t").drop_duplicates("cell").set_index("cell")
    true = pd.read_csv(times_f, sep="\t").set_index("cell").loc[cells.index, "time"]
    return float(cells["pseudotime"].rank().corr(true.rank()))


def sc_config(name: str):
    """The SingleCellConfig that `dashgrn infer` builds from DATASET_OPTIONS[name] (its single-cell part)."""
    from dataclasses import fields

    from dashgrn.config import SingleCellConfig

    kinds = {f.name: f.type for f in fields(SingleCellConfig)}
    opts, kw, i = DATASET_OPTIONS.get(name, []), {}, 0
    while i < len(opts):
        o = opts[i]
        if o in SC_FLAGS:
            kw[SC_FLAGS[o][0]] = SC_FLAGS[o][1]
        elif o in SC_OPTIONS:
            field_ = SC_OPTIONS[o]
            v = opts[i + 1]
            kw[field_] = int(v) if "int" in str(kinds[field_]) else v
            i += 1
        i += 1
    return SingleCellConfig(**kw)


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


#: how each control of a snapshot set saw the data (recorded with its row, shown in the report).
SNAPSHOT_INPUT = {
    "prior-only": "the prior's edges",
    "spearman": "every cell as one sample, counts as they are (no time, no pseudotime)",
    "linear-ode": "the time course dashgrn trains on: cells ordered by the same DPT pseudotime "
                  "(dashgrn.singlecell.prepare_snapshots, the run's options, seed 0, no prior: every expressed "
                  "gene), normalize_total + log1p, averaged in the same pseudotime windows; dt = window pseudotime",
    "grnboost2": "every cell as one sample, counts as they are (no time, no pseudotime)",
}


def _snapshot_controls(t: Task, prior: Path, k: int) -> tuple[dict, dict, dict, dict]:
    """The control rows of a snapshot data set, computed here with dashgrn.evaluate's functions (`dashgrn
    evaluate --controls` needs times): the evaluations (full ranking, top k), seconds per control, extras."""
    from dashgrn.evaluate import linear_ode_matrix, prior_first, score_networks, spearman_matrix
    from dashgrn.io import read_expression, read_prior, read_truth
    from dashgrn.singlecell import prepare_snapshots

    expr = read_expression(t.ds.expr, require_time=False)
    pnet, gold = read_prior(prior), read_truth(t.ds.truth)
    timing, preds = {}, {}
    t0 = time.perf_counter()
    preds["spearman"] = _pair_table(list(expr.genes), spearman_matrix(expr))
    timing["spearman"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    tc, rec = prepare_snapshots(expr, None, sc_config(t.ds.name), seed=0)
    preds["linear-ode"] = _pair_table(list(tc.genes), linear_ode_matrix(tc))
    timing["linear-ode"] = time.perf_counter() - t0
    for name in ("spearman", "linear-ode"):
        preds[f"prior+{name}"] = prior_first(preds[name], pnet)
    kw = {"prior": pnet, "random": False, "n_permutations": 0}
    t0 = time.perf_counter()
    full = score_networks(preds, gold, **kw).to_dict()
    wall = time.perf_counter() - t0
    top = score_networks(preds, gold, top_k=k, **kw).to_dict()
    cells = rec.cells.drop_duplicates("cell").set_index("cell")
    extra = {"time_points": int(rec.counts["time_points"]), "lineages": int(rec.counts["lineages"]),
             "genes_linear_ode": len(tc.genes), "evaluate_seconds": wall}
    times_f = t.ds.expr.parent / "cell_times.tsv"
    if times_f.is_file():
        import pandas as pd

        true = pd.read_csv(times_f, sep="\t").set_index("cell").loc[cells.index, "time"]
        extra["pseudotime_spearman"] = float(cells["pseudotime"].rank().corr(true.rank()))
    return full, top, timing, extra


def _pair_table(genes: list[str], signed):
    """Every ordered pair of distinct genes with the matrix's |value| as weight (dashgrn.evaluate's layout)."""
    import numpy as np
    import pandas as pd

    n = len(genes)
    r, c = np.nonzero(~np.eye(n, dtype=bool))
    g = np.asarray(genes, dtype=object)
    w = np.asarray(signed)[r, c]
    return pd.DataFrame({"regulator": g[r], "target": g[c], "weight": np.abs(w), "sign": np.sign(w).astype(np.int8)})


def run_controls(t: Task, threads: int, jobs: int) -> list[dict]:
    prior = t.ds.prior(t.noise)
    k = n_true_edges(t.ds.truth)
    extra: dict = {}
    if t.ds.snapshots:
        full, top, timing, extra = _snapshot_controls(t, prior, k)
        wall = extra.pop("evaluate_seconds")
    else:
        base = ["--prior", str(prior), "--controls", str(t.ds.expr)]
        t0 = time.perf_counter()
        full = evaluate(prior, t.ds.truth, *base)
        wall = time.perf_counter() - t0
        top = evaluate(prior, t.ds.truth, *base, "--top-k", str(k))
        env = {**os.environ, **{v: str(threads) for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                          "MKL_NUM_THREADS")}}
        proc = subprocess.run([sys.executable, "-c", CONTROL_TIMER, str(t.ds.expr)], check=False,
                              capture_output=True, text=True, env=env)
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
                    "noise_independent": name in CONTROLS_NO_PRIOR, **extra})
        if t.ds.snapshots:
            rec["input"] = SNAPSHOT_INPUT[name.removeprefix("prior+")]
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
    if t.ds.snapshots:
        rec["input"] = SNAPSHOT_INPUT["grnboost2"]
    return [rec]


def _grnboost2_task(root: Path, ds: Dataset, seed: int) -> Task:
    key = {"kind": "grnboost2", "data": ds.key, "options": GRNBOOST2_OPTIONS, "seed": seed}
    return Task("grnboost2", ds, "none", "grnboost2", seed, key, root, run_grnboost2)


def run_prior_grnboost2(t: Task, threads: int, jobs: int) -> list[dict]:
    """GRNBoost2's ranking (its cached run of the same seed) put prior-first like the prior+X controls:
    the prior's pairs first, each group by importance; pairs GRNBoost2 gave no importance weigh 0."""
    import numpy as np

    from dashgrn.evaluate import prior_first, score_networks
    from dashgrn.io import read_prediction, read_prior, read_truth

    src = _grnboost2_task(t.root, t.ds, t.seed)
    if src.cached() is None or not (src.dir / "grnboost2.tsv").is_file():
        raise RuntimeError(f"no GRNBoost2 run of {src.label} yet (run --methods grnboost2 first)")
    t0 = time.perf_counter()
    pnet, gold = read_prior(t.ds.prior(t.noise)), read_truth(t.ds.truth)
    g = read_prediction(src.dir / "grnboost2.tsv")
    truth_genes = sorted(set(gold.edges["regulator"].astype(str)) | set(gold.edges["target"].astype(str))
                         if hasattr(gold, "edges") else set())
    genes = sorted(set(truth_genes) | set(g["regulator"].astype(str)) | set(g["target"].astype(str)))
    pos = {x: i for i, x in enumerate(genes)}
    W = np.zeros((len(genes), len(genes)))
    W[g["regulator"].astype(str).map(pos).to_numpy(), g["target"].astype(str).map(pos).to_numpy()] = g["weight"].abs()
    table = prior_first(_pair_table(genes, W), pnet)
    k = n_true_edges(t.ds.truth)
    kw = {"random": False, "n_permutations": 0}
    full = score_networks({"prior+grnboost2": table}, gold, **kw).to_dict()
    top = score_networks({"prior+grnboost2": table}, gold, top_k=k, **kw).to_dict()
    rec = _metrics(full["methods"][0], top["methods"][0], full["universe"]["n_pairs"])
    rec.update({"method": "prior+grnboost2", "cut": f"top {k}", "weight_sparsity": None, "seconds": None,
                "peak_mib": None, "evaluate_seconds": time.perf_counter() - t0,
                "source": _rel(src.dir / "grnboost2.tsv")})
    if t.ds.snapshots:
        rec["input"] = SNAPSHOT_INPUT["grnboost2"]
    return [rec]


def execute(t: Task, threads: int, jobs: int) -> tuple[Task, str, str]:
    t.dir.mkdir(parents=True, exist_ok=True)
    try:
        recs = t.run(t, threads, jobs)
        status, msg = "ok", ""
    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, the others go on
        recs, status, msg = [], "failed", f"{exc}\n{traceback.format_exc(limit=3)}"
    ctx = _context(threads, jobs)
    for r in recs:
        r.setdefault("method", t.method)
        r.update({"dataset": t.ds.name, "noise": t.noise, "seed": t.seed, "kind": KIND.get(r["method"], "?"), **ctx})
    _write_result(t, {"key": t.key, "key_digest": _digest(t.key) if status == "ok" else None, "status": status,
                      "error": msg, "records": recs})
    return t, status, msg


def _write_result(t: Task, res: dict) -> None:
    """Write ``t``'s result.json atomically."""
    t.dir.mkdir(parents=True, exist_ok=True)
    tmp = t.dir / "result.part"
    tmp.write_text(json.dumps(res, indent=1, default=_json) + "\n")
    tmp.replace(t.dir / "result.json")


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
        ds_noises = [n for n in noises if n in ds.noises]  # the levels this data set has
        for m in methods:
            if m in METHODS:
                opts = [*METHODS[m], *DATASET_OPTIONS.get(name, []), *extra]
                for noise in (["none"] if m in NO_PRIOR else ds_noises):
                    for s in seeds:
                        key = {"kind": "infer", "data": ds.key, "noise": noise, "options": opts, "seed": s,
                               "prior": None if m in NO_PRIOR else _rel(ds.prior(noise))}
                        tasks.append(Task("infer", ds, noise, m, s, key, root, run_infer))
            elif m == "controls":
                for noise in ds_noises:
                    key = {"kind": "controls", "data": ds.key, "noise": noise, "controls": CONTROLS,
                           "cut": "top-k true edges"}
                    if ds.snapshots:  # computed here from the pseudotime time course (not in the SIM keys)
                        key["singlecell"] = DATASET_OPTIONS.get(name, [])
                    tasks.append(Task("controls", ds, noise, "controls", None, key, root, run_controls))
            elif m == "grnboost2":
                for s in GRNBOOST2_SEEDS:
                    g = _grnboost2_task(root, ds, s)
                    tasks.append(g)
                    for noise in ds_noises:  # prior+GRNBoost2: scored from that run (after it)
                        key = {"kind": "prior+grnboost2", "grnboost2": _digest(g.key), "noise": noise,
                               "prior": _rel(ds.prior(noise)), "cut": "top-k true edges"}
                        tasks.append(Task("prior+grnboost2", ds, noise, "prior+grnboost2", s, key, root,
                                          run_prior_grnboost2))
    # dedupe (a method may be selected twice); per data set: GRNBoost2 and the controls first, then
    # dashgrn seed by seed, so that partial results cover every method
    seen, trainings, out = set(), set(), []
    rank = {"grnboost2": 0, "prior+grnboost2": 1, "controls": 1, "infer": 2}
    order = {m: i for i, m in enumerate(METHODS)}
    # noise before seed: the shared trainings of different seeds then run side by side with --jobs 2
    # (one run at a time is as fast now: a run's two ensemble members share the cores)
    for t in sorted(tasks, key=lambda t: (datasets.index(t.ds.name), rank[t.kind], t.noise, t.seed or 0,
                                          order.get(t.method, 0))):
        if t.dir in seen:
            continue
        seen.add(t.dir)
        # then, per data set, the first run of every shared training before the runs that reuse
        # it: a worker never waits on the lock of a training another worker is still making while
        # other trainings remain to be started (with 3 seeds and --jobs 2 the third seed's used to)
        training = _training_dir(t) if t.kind == "infer" and _shared(t) else None
        reuse = training is not None and training in trainings
        trainings.add(training)
        out.append(((datasets.index(t.ds.name), rank[t.kind], int(reuse)), t))
    return [t for _, t in sorted(out, key=lambda x: x[0])]  # stable: the order above within a group


def restore(tasks: list[Task], source: Path) -> int:
    """Seed the run cache from a report's JSON (``benchmarks/results/ACCURACY.json``): a fresh
    checkout has no cache (it is git-ignored), and the committed report's records are the runs it
    was built from. Each task that is not cached gets the source's records of its data set, noise,
    method(s) and seed, under the task's current key: valid only while the options of the runs in
    the source are this script's (the report holds only runs whose key matched when it was
    written). Records keep their own git / code stamps, so `--rerun-stale` still sees them as
    made by other code. Returns the number of tasks restored."""
    data = json.loads(source.read_text())
    by: dict[tuple, list[dict]] = {}
    for r in data.get("records", []):
        by.setdefault((r.get("dataset"), r.get("noise"), r.get("method"), r.get("seed")), []).append(r)
    n = 0
    for t in tasks:
        if t.cached() is not None:
            continue
        names = CONTROLS if t.kind == "controls" else [t.method]
        recs = [r for m in names for r in by.get((t.ds.name, t.noise, m, t.seed), [])]
        if t.kind == "controls" and {r["method"] for r in recs} != set(CONTROLS):
            continue  # the source lacks some of this data set's controls: rerun them all
        if not recs:
            continue
        _write_result(t, {"key": t.key, "key_digest": _digest(t.key), "status": "ok", "error": "",
                          "restored_from": _rel(source), "records": recs})
        n += 1
    return n


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------

COLS = [  # key, header, format
    ("average_precision", "AUPRC", "pm3"), ("auroc", "AUROC", "pm3"), ("epr", "EPR", "f2"),
    ("balanced_accuracy", "BA", "pm3"), ("precision", "precision", "pm3"), ("f1", "F1", "pm3"),
    ("n_edges", "edges", "int"), ("net_sparsity", "net. sparsity", "pct"),
    ("weight_sparsity", "weight sparsity", "pct"), ("seconds", "runtime (s)", "f0"), ("peak_mib", "peak MiB", "f0"),
]
ORDER = [*[m for m in METHODS if m not in NO_PRIOR], *[m for m in METHODS if m in NO_PRIOR], *CONTROLS, "grnboost2",
         "prior+grnboost2"]


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


def _ds_noises(name: str, noises: list[str]) -> list[str]:
    """The selected prior noise levels that data set ``name`` has."""
    return [n for n in noises if n in dataset(name).noises]


def group(records: list[dict], name: str, noise: str) -> dict[str, list[dict]]:
    """Records of one data set at one noise level, by method (noise-independent runs included)."""
    out: dict[str, list[dict]] = {}
    for r in records:
        if r["dataset"] != name:
            continue
        if r["noise"] == noise or r["noise"] == "none":
            out.setdefault(r["method"], []).append(r)
    return out


DEFAULT = "none"  # the unpruned model: dashgrn's default until issue 18, the reference of issues 15 and 18


def summary(records: list[dict], datasets: list[str], noises: list[str]) -> str:
    """The unpruned model against the best control and GRNBoost2, per data set and noise level."""
    lines = ["### Summary: dashgrn (unpruned, `none`) against the best control", "",
             "| data set | prior noise | dashgrn AUPRC | best control (AUPRC) | margin | dashgrn BA | prior BA | "
             "no prior: dashgrn AUPRC | linear-ode | GRNBoost2 |", "|" + "---|" * 10]
    for name in datasets:
        for noise in _ds_noises(name, noises):
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


#: issue 15: the controls a no-prior run and a prior run are compared with (GRNBoost2 counts as one).
NOPRIOR_CONTROLS = ["spearman", "linear-ode", "grnboost2"]
PRIOR_CONTROLS = ["prior+spearman", "prior+linear-ode", "prior+grnboost2"]
ISSUE15_NOISE = "0.1"


def _mean(rs: list[dict], k: str) -> float | None:
    v = _vals(rs, k)
    return statistics.fmean(v) if v else None


def _best(g: dict[str, list[dict]], names: list[str]) -> tuple[str | None, float | None]:
    """The method of ``names`` with the highest mean AP in ``g``, and that AP."""
    vals = {m: _mean(g.get(m, []), "average_precision") for m in names}
    vals = {m: v for m, v in vals.items() if v is not None}
    if not vals:
        return None, None
    m = max(vals, key=vals.get)
    return m, vals[m]


def _f(v: float | None, fmt: str = ".3f") -> str:
    return "–" if v is None else format(v, fmt)


def _check(a: float | None, b: float | None) -> str:
    """pass when a >= b (both known)."""
    if a is None or b is None:
        return "–"
    return "pass" if a >= b - 1e-12 else "**fail**"


def issue15(records: list[dict], datasets: list[str]) -> str:
    """Issue 15's "Done when" figures per data-set family, from the cached records."""
    lines = ["### Issue 15 checks", "",
             "The figures of issue 15's \"Done when\", computed from the records of the tables below: dashgrn's "
             "rows are the unpruned model (`none`, the default when the issue was filed) and its no-prior run "
             "(`noprior-none`), means over seeds; a control's "
             "AP is its full ranking; BA and F1 are of dashgrn's exported network and of the prior's own edges "
             "(`prior-only`). GRNBoost2 counts as a control, prior+GRNBoost2 as a prior+control. `pass` / "
             "**fail** per criterion; – where a run is missing (a mean over sets needs every set).", ""]
    fam = {f: [d for d in datasets if dataset(d).family == f] for f in ("dream4", "pseudo", "sim")}
    nz = ISSUE15_NOISE
    if fam["dream4"]:
        lines += [f"#### DREAM4 (prior noise {nz})", "",
                  "| set | dashgrn no-prior AP | best no-prior control (AP) | dashgrn AP | best prior+control (AP) | "
                  "export BA | prior BA | BA ≥ prior BA − 0.005 | export F1 | prior F1 | F1 ≥ prior F1 | seeds |",
                  "|" + "---|" * 12]
        cols: dict[str, list] = {"np": [], "bnp": [], "ap": [], "bp": []}
        for name in fam["dream4"]:
            g = group(records, name, nz)
            np_ap = _mean(g.get("noprior-none", []), "average_precision")
            bn, bnv = _best(g, NOPRIOR_CONTROLS)
            ap = _mean(g.get(DEFAULT, []), "average_precision")
            bp, bpv = _best(g, PRIOR_CONTROLS)
            ba, pba = _mean(g.get(DEFAULT, []), "balanced_accuracy"), _mean(g.get("prior-only", []), "balanced_accuracy")
            f1, pf1 = _mean(g.get(DEFAULT, []), "f1"), _mean(g.get("prior-only", []), "f1")
            for k, v in (("np", np_ap), ("bnp", bnv), ("ap", ap), ("bp", bpv)):
                cols[k].append(v)
            seeds = f"{len(g.get(DEFAULT, []))} / {len(g.get('noprior-none', []))}"
            lines.append(
                f"| {name} | {_f(np_ap)} | {f'{bn} ({bnv:.3f})' if bn else '–'} | {_f(ap)} | "
                f"{f'{bp} ({bpv:.3f})' if bp else '–'} | {_f(ba)} | {_f(pba)} | "
                f"{_check(ba, None if pba is None else pba - 0.005)} | {_f(f1)} | {_f(pf1)} | {_check(f1, pf1)} | "
                f"{seeds} |")

        def m(k: str) -> float | None:
            return None if (not cols[k] or None in cols[k]) else statistics.fmean(cols[k])

        lines += ["", f"- mean no-prior AP over the {len(fam['dream4'])} sets: dashgrn {_f(m('np'))} vs mean best "
                  f"no-prior control {_f(m('bnp'))}: {_check(m('np'), m('bnp'))}",
                  f"- mean AP with the {nz} prior: dashgrn {_f(m('ap'))} vs mean best prior+control + 0.01 = "
                  f"{_f(None if m('bp') is None else m('bp') + 0.01)}: "
                  f"{_check(m('ap'), None if m('bp') is None else m('bp') + 0.01)}",
                  "- export BA and F1 against the prior: per set, in the table (seeds: default / no-prior runs).", ""]
    if fam["pseudo"]:
        lines += [f"#### Pseudotime snapshots (prior noise {nz})", "",
                  "| set | dashgrn AP | best prior+control (AP) | AP ≥ best | export BA | prior BA | BA ≥ prior | "
                  "export F1 | prior F1 | F1 ≥ prior | no-prior AP | best no-prior control (AP) | "
                  "pseudotime Spearman (dashgrn runs / controls) | seeds |",
                  "|" + "---|" * 14]
        for name in fam["pseudo"]:
            g = group(records, name, nz)
            ap = _mean(g.get(DEFAULT, []), "average_precision")
            bp, bpv = _best(g, PRIOR_CONTROLS)
            bn, bnv = _best(g, NOPRIOR_CONTROLS)
            ba, pba = _mean(g.get(DEFAULT, []), "balanced_accuracy"), _mean(g.get("prior-only", []), "balanced_accuracy")
            f1, pf1 = _mean(g.get(DEFAULT, []), "f1"), _mean(g.get("prior-only", []), "f1")
            sp_runs = _mean([r for m_ in (DEFAULT, "noprior-none") for r in g.get(m_, [])], "pseudotime_spearman")
            sp_ctrl = _mean(g.get("linear-ode", []), "pseudotime_spearman")
            lines.append(
                f"| {name} | {_f(ap)} | {f'{bp} ({bpv:.3f})' if bp else '–'} | {_check(ap, bpv)} | {_f(ba)} | "
                f"{_f(pba)} | {_check(ba, pba)} | {_f(f1)} | {_f(pf1)} | {_check(f1, pf1)} | "
                f"{_f(_mean(g.get('noprior-none', []), 'average_precision'))} | "
                f"{f'{bn} ({bnv:.3f})' if bn else '–'} | {_f(sp_runs, '.2f')} / {_f(sp_ctrl, '.2f')} | "
                f"{len(g.get(DEFAULT, []))} |")
        lines += ["", "Pseudotime Spearman: rank correlation of the DPT pseudotime with the hidden simulation time "
                  "(cell_times.tsv) over the cells; the controls' is the pseudotime linear-ode was given.", ""]
    if fam["sim"]:
        lines += [f"#### SIM350, sim600, sim2000: AP of the unpruned model (`none`) against the reference (tolerance "
                  f"{AP_TOLERANCE})", "",
                  "Reference: `REFERENCE_AP` in benchmarks/bench_accuracy.py, copied from "
                  "benchmarks/results/ACCURACY.json as it was before issue 15 (2026-11-25; runs of git 1ef5b3e).", "",
                  "| set | prior noise | row | AP now | reference AP | AP ≥ reference − 0.005 | seeds |",
                  "|" + "---|" * 7]
        for name in fam["sim"]:
            for (d, noise, method), ref in REFERENCE_AP.items():
                if d != name:
                    continue
                g = group(records, name, NOISE[0] if noise == "none" else noise)
                ap = _mean(g.get(method, []), "average_precision")
                lines.append(f"| {name} | {noise} | {method} | {_f(ap)} | {ref:.3f} | "
                             f"{_check(ap, ref - AP_TOLERANCE)} | {len(g.get(method, []))} |")
        lines.append("")
    return "\n".join(lines) + "\n"


#: issue 18: the pruning checked against the unpruned model, where (data set, noise).
PRUNED = "gradual"
ISSUE18_SETS = [("sim350", "0.05"), ("sim350", "0.1"), ("sim600", "0.1"),
                *((d, "0.1") for d in DREAM4)]


def issue18(records: list[dict], datasets: list[str]) -> str:
    """Issue 18's "Done when" figures: the pruned row against the unpruned one, per set; robustness."""
    lines = ["### Issue 18 checks (pruning)", "",
             f"`{PRUNED}` ({' '.join(METHODS[PRUNED])}) against the unpruned model (`{DEFAULT}`), means over "
             "seeds. The bar (SIM350 at 0.05 and 0.1, sim600 at 0.1): at least 90% weight sparsity, AP within "
             "0.005 of the unpruned model's, exported BA at least its; the DREAM4 sets are shown beside them.",
             "", "| set | prior noise | pruned AP | unpruned AP | AP ≥ unpruned − 0.005 | weight sparsity | ≥ 90% | "
             "pruned BA | unpruned BA | BA ≥ unpruned | pruned F1 | unpruned F1 | seeds (pruned / unpruned) |",
             "|" + "---|" * 13]
    for name, nz in ISSUE18_SETS:
        if name not in datasets:
            continue
        g = group(records, name, nz)
        p, d = g.get(PRUNED, []), g.get(DEFAULT, [])
        if not p and not d:
            continue
        ap, ap0 = _mean(p, "average_precision"), _mean(d, "average_precision")
        sp_ = _mean(p, "weight_sparsity")
        ba, ba0 = _mean(p, "balanced_accuracy"), _mean(d, "balanced_accuracy")
        bar = name.startswith("sim")
        lines.append(
            f"| {name} | {nz} | {_cell(p, 'average_precision', 'pm3')} | {_cell(d, 'average_precision', 'pm3')} | "
            f"{_check(ap, None if ap0 is None else ap0 - 0.005) if bar else '(shown)'} | "
            f"{'–' if sp_ is None else f'{100 * sp_:.1f}%'} | {_check(sp_, 0.9) if bar else '(shown)'} | "
            f"{_cell(p, 'balanced_accuracy', 'pm3')} | {_cell(d, 'balanced_accuracy', 'pm3')} | "
            f"{_check(ba, ba0) if bar else '(shown)'} | {_cell(p, 'f1', 'pm3')} | {_cell(d, 'f1', 'pm3')} | "
            f"{len(p)} / {len(d)} |")
    rob = []
    for name in ("sim350", "sim600"):
        if name not in datasets:
            continue
        row = []
        for m in (PRUNED, "dash", DEFAULT):
            hi, lo = (_mean(group(records, name, n).get(m, []), "average_precision") for n in ("0.1", "0.025"))
            row.append("–" if hi is None or lo is None else f"{hi - lo:+.3f} ({lo:.3f} → {hi:.3f})")
        if any(c != "–" for c in row):
            rob.append(f"| {name} | " + " | ".join(row) + " |")
    if rob:
        lines += ["", "Robustness to prior noise: AP at prior noise 0.1 minus AP at 0.025 (means over seeds).", "",
                  f"| set | {PRUNED} | dash | {DEFAULT} (unpruned) |", "|---|---|---|---|", *rob]
    return "\n".join(lines) + "\n"


def tables(records: list[dict], datasets: list[str], noises: list[str], expected: dict) -> str:
    lines = []
    for name in datasets:
        for noise in _ds_noises(name, noises):
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
                if m == "prior+grnboost2" and not rs and n_exp is None:
                    continue
                runs = f"{len(rs)}" if n_exp in (None, len(rs)) else f"{len(rs)}/{n_exp}"
                cut = rs[0].get("cut", "") if rs else ""
                lines.append(f"| {m}{mark} | {KIND.get(m, '')} | {runs} | "
                             + " | ".join(_cell(rs, k, f) for k, _, f in COLS) + f" | {cut} |")
            lines.append("")
    return "\n".join(lines)


#: marker, colour; no-prior runs are drawn open (and larger), so that they stay visible over the
#: same method with a prior. prior+X is not drawn: at its cut (the prior's size) it is the prior.
MARKERS = {"none": ("o", "C3"), "gradual": ("X", "C6"), "dash": ("P", "C5"), "prior": ("s", "C0"), "imp": ("^", "C2"),
           "noprior-imp": ("^", "C2"), "noprior-none": ("o", "C3"), "prior-only": ("*", "k"),
           "spearman": ("p", "C9"), "linear-ode": ("h", "C4"), "grnboost2": ("D", "C1")}
NOT_DRAWN = {"prior+spearman", "prior+linear-ode", "prior+grnboost2"}


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


def tool_versions() -> dict:
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


def cpu_model() -> str:
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
    for fam in dict.fromkeys(dataset(d).family for d in datasets):  # SIM keeps its file names
        for noise in noises:
            names = [d for d in datasets if dataset(d).family == fam and noise in dataset(d).noises]
            if names and any(r["noise"] in (noise, "none") and r["dataset"] in names for r in records):
                p = results / (f"accuracy_noise{noise}.png" if fam == "sim" else f"accuracy_{fam}_noise{noise}.png")
                figure(records, names, noise, p)
                figs.append(p)
    versions = tool_versions()
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
        f"- date: {_dt.date.today().isoformat()}; machine: {os.cpu_count()} CPU cores ({cpu_model()}), "
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
        head.append(f"- one SIM350 run of the unpruned model (`none`): {statistics.fmean(sim350):.0f} s on average, at most "
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
        "- **precision**, **F1**: of the same network as BA (for controls without a natural cut: the top K).",
        "- DREAM4 (`dream4-*`): the four in-silico time-series sets of `../shared/data/dream4` (read in place; "
        "5 or 10 series of 21 points; their only prior is noise 0.1). **pseudo-***: `dashgrn simulate` "
        "snapshots (2,000 cells of 150 trajectories from one shared start, Poisson counts, no time; prior "
        "noise 0.1), run by dashgrn with `--root-group cell_type=stem` (scanpy DPT pseudotime). How each "
        "control saw the snapshots: " + "; ".join(f"**{k}**: {v}" for k, v in SNAPSHOT_INPUT.items()) + ".",
        "- **prior+grnboost2**: GRNBoost2's ranking put prior-first (the prior's pairs first, each group by "
        "importance), as the prior+X controls; scored from the cached GRNBoost2 run.",
        "",
    ]
    for p in figs:
        head.append(f"![{p.stem.removeprefix('accuracy_').replace('_', ', ').replace('noise', 'prior noise ')}]"
                    f"({p.name})")
    head.append("")
    body = (issue15(records, datasets) + "\n" + issue18(records, datasets) + "\n" + summary(records, datasets, noises) + "\n"
            + tables(records, datasets, noises, expected))
    tail = []
    if failures:
        tail += ["## Failed runs", "", *[f"- {f}" for f in failures], ""]
    md = results / "ACCURACY.md"
    md.write_text("\n".join(head) + "\n## Results\n\n" + body + "\n" + "\n".join(tail))
    (results / "ACCURACY.json").write_text(json.dumps(
        {"command": command, "date": _dt.date.today().isoformat(), "cpu_count": os.cpu_count(), "cpu": cpu_model(),
         "versions": versions, "records": records}, indent=1, default=_json) + "\n")
    return md


# --------------------------------------------------------------------------------------------


def _split(s: str) -> list[str]:
    return [x.strip() for x in s.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    all_methods = [*METHODS, "controls", "grnboost2"]
    ap = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()),
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--datasets", default=",".join(DATASETS), help=f"comma-separated data sets or families "
                    f"({', '.join(FAMILIES)}) (default: %(default)s; also: "
                    f"{', '.join(d for d in SIMULATED if d not in DATASETS)})")
    ap.add_argument("--noise", default=",".join(NOISE), help="prior noise levels; each data set runs those it has "
                    "(SIM: 0.025, 0.05, 0.1; DREAM4 and pseudo: 0.1) (default: %(default)s)")
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
    ap.add_argument("--restore", type=Path, metavar="JSON", help="first seed the cache of the report's grid "
                    "from a report's records (e.g. benchmarks/results/ACCURACY.json; a fresh checkout has no "
                    "cache); cached runs are kept")
    ap.add_argument("--dry-run", action="store_true", help="list the runs that would be run, and stop")
    ap.add_argument("--data-only", action="store_true", help="only build (simulate) the selected data sets "
                    "that are not cached yet (with --rerun: rebuild them), and stop")
    ap.add_argument("--keep-outputs", action="store_true", help="keep network.graphml, new_edges.tsv and a "
                    "large edges.tsv as written (default: removed / gzipped after scoring)")
    ap.add_argument("--results", type=Path, help="report folder (default: benchmarks/results, or the cache "
                    "folder for --quick / --epochs)")
    args = ap.parse_args(argv)
    global SLIM
    SLIM = not args.keep_outputs

    datasets = list(dict.fromkeys(d for x in _split(args.datasets) for d in FAMILIES.get(x, [x])))
    noises = _split(args.noise)
    seeds = [int(s) for s in _split(args.seeds)]
    methods = _split(args.methods)
    epochs = args.epochs
    for m in methods:
        if m not in all_methods:
            ap.error(f"unknown method {m!r} (known: {', '.join(all_methods)})")
    known_noise = list(dict.fromkeys([*NOISE, *(n for v in DATASET_NOISE.values() for n in v)]))
    for n in noises:
        if n not in known_noise:
            ap.error(f"unknown noise level {n!r} (known: {', '.join(known_noise)})")
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
    if args.data_only:
        for name in datasets:
            ds = dataset(name)
            if args.rerun and ds.sim_options is not None:
                (ds.expr.parent / "bench_key.json").unlink(missing_ok=True)
            ensure_data(ds)
            print(f"[data] {name}: {_rel(ds.expr.parent)}", flush=True)
        return 0
    jobs = max(1, args.jobs)
    threads = args.threads or max(1, (os.cpu_count() or 1) // jobs)

    selected = build_tasks(root, datasets, noises, seeds, methods, epochs)
    # the report covers the default grid too (unless a smoke run), from whatever is cached
    grid_ds = datasets if smoke else list(dict.fromkeys([*DATASETS, *datasets]))
    grid_noise = noises if smoke else list(dict.fromkeys([*NOISE, *noises]))
    grid = selected if smoke else build_tasks(root, grid_ds, grid_noise, sorted({*SEEDS, *seeds}),
                                              list(dict.fromkeys([*all_methods, *methods])), None) + selected
    command = " ".join(["python", "benchmarks/bench_accuracy.py", *(sys.argv[1:] if argv is None else argv)])

    if args.restore is not None:
        print(f"restored {restore(grid, args.restore)} cached runs from {_rel(args.restore)}", flush=True)
    n_failed = 0
    if not args.report_only:
        todo = [t for t in selected if (args.rerun or t.cached() is None or (args.rerun_stale and t.stale()))
                and (t.kind != "grnboost2" or BENCH_PYTHON.is_file())
                and (t.kind != "prior+grnboost2" or BENCH_PYTHON.is_file()
                     or _grnboost2_task(root, t.ds, t.seed).cached() is not None)]
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
        # prior+GRNBoost2 is scored from the GRNBoost2 runs: after every other run
        phases = [[t for t in todo if t.kind != "prior+grnboost2"], [t for t in todo if t.kind == "prior+grnboost2"]]
        i = 0
        try:
            for phase in phases:
                futs = [pool.submit(execute, t, threads, jobs) for t in phase]
                for fut in as_completed(futs):
                    i += 1
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
        noises_of = [n for n in grid_noise if n in t.ds.noises] if t.noise == "none" else [t.noise]
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
