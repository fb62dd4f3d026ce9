"""Issue 19 benchmark: `dashgrn perturb` knockouts against the simulator's own knockouts.

    python benchmarks/bench_perturb.py                 # SIM350 and sim600 (about 10 minutes on 2 cores)
    python benchmarks/bench_perturb.py --datasets sim350
    python benchmarks/bench_perturb.py --report-only   # rebuild PERTURB.md from benchmarks/runs/perturb/results.json

For each data set: one `dashgrn infer` run (the default model, seed 0, the 5%-noise prior; cached in
benchmarks/runs/perturb/<dataset>/run/, git-ignored) predicts the knockout of each of the 10 largest
hubs of the true network (out-degree, ties by name) from the first states of 10 test trajectories,
to their last time (t = 9). The truth is `dashgrn simulate --knockout HUB` of the simulator's network
from the very same states, minus the same simulation without the knockout, at t = 9, averaged over
the 10 states (|true delta| < 1e-6, the integrator's tolerance, counts as 0).

Metrics per hub, over every gene except the hub itself:
* spearman: Spearman's rho of predicted against true delta;
* sign agreement: the fraction of the 20 genes with the largest |true delta| whose predicted sign
  (0 counts as wrong) is the true one, among the genes whose true delta is not 0 (fewer than 20 when
  fewer genes change; "strict": the 20 genes with the largest |true delta| even when some of them do
  not change, whose sign no prediction can then match).
Controls, from the same prior the run was given:
* direct: -sign(prior edge) for the hub's prior targets, 0 elsewhere;
* linear propagation: -(I - a P)^-1 row of the hub (P the signed prior, regulator x target), a = 0.5
  (each step along the prior halves the effect; fixed before any result was seen).
Analysis rows (not goals; see PERTURB.md): Spearman over the truly affected genes only, the AUROC of
|predicted delta| for telling affected from unaffected genes, and two references that show what the
many exact zeros of the truth do to a rank correlation.

Data: SIM350 from ../shared/data (network sim350_ode_nodes/edges.tsv, training data
sim350_sim150_noise0.025.h5ad as in bench_accuracy.py, test starts sim350_test_long.csv); sim600 from
`dashgrn simulate` with bench_accuracy.py's options (seed 6060), its test trajectories from the same
network with `--trajectories 10 --seed 6061` (no noise), written to benchmarks/runs/perturb/data/.
"""

from __future__ import annotations

import argparse
import collections
import datetime as _dt
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
RUNS = ROOT / "benchmarks" / "runs" / "perturb"
RESULTS = ROOT / "benchmarks" / "results"
DASHGRN = [sys.executable, "-m", "dashgrn"]

HUBS = 10
TOP_SIGN = 20
ZERO = 1e-6
ALPHA = 0.5
PRIOR_NOISE = "0.05"
TIMES = (0.0, 2.0, 3.0, 7.0, 9.0)
SIM600 = ["--genes", "600", "--trajectories", "150", "--times", "0,2,3,7,9", "--noise", "0.025", "--seed", "6060",
          "--prior-noise", "0.025,0.05,0.1"]
SIM600_TEST = ["--trajectories", "10", "--times", "0,2,3,7,9", "--seed", "6061", "--prior-noise", ""]
GOALS = {"spearman": 0.7, "margin": 0.15, "sign": 0.9}


def _sh(cmd: list[str]) -> None:
    print("[run]", " ".join(map(str, cmd[2:])), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _cached(folder: Path, key: list[str], make) -> None:  # noqa: ANN001
    stamp = folder.parent / f"{folder.name}.key.json"
    if folder.is_dir() and stamp.is_file() and json.loads(stamp.read_text()) == key:
        return
    make()
    stamp.write_text(json.dumps(key) + "\n")


def dataset(name: str) -> dict:
    """Paths of a data set, simulated and trained when not cached."""
    if name == "sim350":
        d = {"nodes": DATA / "sim350_ode_nodes.tsv", "edges": DATA / "sim350_ode_edges.tsv",
             "train": DATA / "sim350_sim150_noise0.025.h5ad", "prior": DATA / f"sim350_prior_noise_{PRIOR_NOISE}.tsv",
             "test": DATA / "sim350_test_long.csv", "truth": DATA / "sim350_truth.tsv"}
    elif name == "sim600":
        data = RUNS / "data" / "sim600"
        _cached(data, SIM600, lambda: _sh([*DASHGRN, "-q", "simulate", *SIM600, "--out", str(data), "--overwrite"]))
        test = RUNS / "data" / "sim600_test"
        key = [*SIM600_TEST, "--nodes", str(data / "network_nodes.tsv")]
        _cached(test, key, lambda: _sh([*DASHGRN, "-q", "simulate", "--nodes", str(data / "network_nodes.tsv"),
                                        "--edges", str(data / "network_edges.tsv"), *SIM600_TEST, "--out", str(test),
                                        "--overwrite"]))
        d = {"nodes": data / "network_nodes.tsv", "edges": data / "network_edges.tsv",
             "train": data / "expression.h5ad", "prior": data / f"prior_noise_{PRIOR_NOISE}.tsv",
             "test": test / "expression.csv", "truth": data / "truth.tsv"}
    else:
        raise SystemExit(f"error: unknown data set {name!r} (sim350, sim600)")
    run = RUNS / name / "run"
    run.parent.mkdir(parents=True, exist_ok=True)
    cmd = [*DASHGRN, "-q", "infer", str(d["train"]), "--prior", str(d["prior"]), "--out", str(run),
           "--threads", "1", "--seed", "0", "--overwrite"]
    _cached(run, [str(c) for c in cmd[2:]], lambda: _sh(cmd))
    return {**d, "run": run}


def hubs(truth: Path) -> list[str]:
    t = pd.read_csv(truth, sep="\t")
    deg = t.groupby("regulator").size().reset_index(name="n")
    return deg.sort_values(["n", "regulator"], ascending=[False, True])["regulator"].head(HUBS).tolist()


def true_deltas(d: dict, genes: list[str], targets: list[str]) -> dict[str, np.ndarray]:
    """Simulator knockouts from the test starts, minus the run without them, at the last time
    (in the order of ``genes``)."""
    from dashgrn.simulate import SimulateConfig, simulate

    def end(knockout: tuple[str, ...]) -> np.ndarray:
        r = simulate(SimulateConfig(nodes=str(d["nodes"]), edges=str(d["edges"]), initial=str(d["test"]),
                                    times=TIMES, prior_noise=(), knockout=knockout))
        assert sorted(r.genes) == sorted(genes)
        order = [r.genes.index(g) for g in genes]
        return r.clean.reshape(-1, len(TIMES), len(genes))[:, -1][:, order]

    base = end(())
    out = {}
    for h in targets:
        delta = (end((h,)) - base).mean(axis=0)
        delta[np.abs(delta) < ZERO] = 0.0
        out[h] = delta
    return out


def controls(prior: Path, genes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Signed prior P (regulator x target) and the linear propagation matrix (I - a P)^-1."""
    pos = {g: i for i, g in enumerate(genes)}
    p = pd.read_csv(prior, sep="\t")
    P = np.zeros((len(genes), len(genes)))
    for r, t, s in zip(p["regulator"], p["target"], p["sign"]):
        if r in pos and t in pos:
            P[pos[r], pos[t]] = s if s != 0 else 1
    return P, np.linalg.inv(np.eye(len(genes)) - ALPHA * P)


def _descendants(edges: pd.DataFrame, gene: str) -> set[str]:
    out = collections.defaultdict(list)
    for r, t in zip(edges["regulator"], edges["target"]):
        out[r].append(t)
    seen, todo = {gene}, [gene]
    while todo:
        for t in out[todo.pop()]:
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen


def score(pred: np.ndarray, true: np.ndarray, keep: np.ndarray) -> dict[str, float]:
    from scipy.stats import spearmanr

    p, t = pred[keep], true[keep]
    order = np.argsort(-np.abs(t), kind="stable")
    top = order[:TOP_SIGN]
    affected = t != 0
    top_affected = order[affected[order]][:TOP_SIGN]  # fewer than 20 when fewer genes change at all
    rho = spearmanr(p, t).statistic if np.ptp(p) > 0 else 0.0
    rho_aff = spearmanr(p[affected], t[affected]).statistic if affected.sum() > 2 and np.ptp(p[affected]) > 0 else 0.0
    return {"spearman": float(rho), "sign": float(np.mean(np.sign(p[top_affected]) == np.sign(t[top_affected]))),
            "sign_strict": float(np.mean(np.sign(p[top]) == np.sign(t[top]))), "spearman_affected": float(rho_aff)}


def bench(name: str) -> dict:
    import torch

    import dashgrn
    from sklearn.metrics import roc_auc_score

    torch.set_num_threads(1)
    d = dataset(name)
    targets = hubs(d["truth"])
    t0 = time.perf_counter()
    table = dashgrn.perturb(d["run"], knockout=targets, start=d["test"])
    seconds = time.perf_counter() - t0
    genes = dashgrn.perturbation.load_trained(d["run"]).genes  # the model's order
    truth = true_deltas(d, genes, targets)
    P, M = controls(d["prior"], genes)
    edges = pd.read_csv(d["run"] / "edges.tsv", sep="\t")
    pos = {g: i for i, g in enumerate(genes)}
    nodes = pd.read_csv(d["nodes"], sep="\t")
    kind = dict(zip(nodes["gene"], nodes["type"]))
    rng = np.random.default_rng(0)
    rows = []
    for h in targets:
        k = pos[h]
        sub = table[table["perturbation"] == f"knockout:{h}"].set_index("gene").loc[genes]
        pred = sub["delta"].to_numpy()
        true = truth[h]
        keep = np.arange(len(genes)) != k
        reach = np.array([g in _descendants(edges, h) for g in genes])
        methods = {
            "model": pred, "direct": -P[k], "linear": -M[k],
            # analysis: the model with every gene outside the hub's descendants in its own exported network at 0
            "model_in_network": np.where(reach, pred, 0.0),
            # reference: the true deltas, with noise of 1e-9 on the unaffected genes (no exact zeros)
            "truth_no_zeros": np.where(true != 0, true, rng.normal(0, 1e-9, len(genes))),
        }
        row = {"hub": h, "type": kind[h], "affected": int((true[keep] != 0).sum()),
               "out_degree": int((P[k] != 0).sum())}
        for m, p in methods.items():
            for key, v in score(p, true, keep).items():
                row[f"{m}_{key}"] = v
        row["model_auroc"] = float(roc_auc_score(true[keep] != 0, np.abs(pred[keep])))
        rows.append(row)
        print(f"[{name}] {h}: spearman {row['model_spearman']:.3f} (direct {row['direct_spearman']:.3f}, "
              f"linear {row['linear_spearman']:.3f}), sign {row['model_sign']:.2f}", flush=True)
    return {"dataset": name, "hubs": rows, "perturb_seconds": seconds, "genes": len(genes),
            "test_states": int(table.attrs["start_states"]), "members": int(table.attrs["members"]),
            "end_time": float(table.attrs["end_time"]),
            "run": str(d["run"].relative_to(ROOT)), "prior": d["prior"].name, "train": d["train"].name,
            "code": code_digest()}


NOTES = """
## What the figures mean (the figures quoted are those of the tables above)

**The Spearman goal is not met, on either data set, and the model is below both controls on it.**
The sign goal is met (0.983 and 0.989 over the 20 most affected genes that change at all; 0.895 and
0.975 in the strict reading, which also counts genes that do not change).

Why the model loses on the Spearman over all genes, while it ranks the genes that do change far
better than either control:

* A knockout changes few genes. Of SIM350's 349 other genes, 13 to 60 change at all (|delta| above
  1e-6) when one of the 10 largest hubs is knocked out; the rest are not downstream of the hub and
  their true delta is exactly 0, all tied. The controls predict exactly 0 for the genes outside the
  hub's prior neighbourhood (the direct control for every gene but its prior targets), so most of
  their ties coincide with the truth's. The neural ODE couples every gene to every other (weakly),
  so it predicts a small non-zero change for the unaffected genes, and their ranks scatter.
* How much that alone costs: the true deltas themselves, with noise of 1e-9 added to the genes that
  do not change (no exact zeros, every affected gene exactly right), score 0.461 and 0.540 (the
  last column of the analysis table). No prediction without exact zeros can reach 0.7 on this
  metric; the model's 0.396 and 0.454 are close to that ceiling.
* Over the genes that do change, the model's Spearman is 0.841 (SIM350) and 0.958 (sim600), against
  0.432 / 0.420 and 0.657 / 0.735 for the controls, and |delta| separates the genes that change from
  those that do not with an AUROC of 0.89 and 0.84.

What was tried, and what was chosen without looking at the truth:

* The model is `dashgrn infer`'s default (seed 0, ensemble of 2, the 0.05 prior, training data with
  0.025 measurement noise, as in `bench_accuracy.py`); nothing was retrained or tuned for this
  benchmark. The perturbation solve is dopri5 at rtol 1e-7 / atol 1e-9 in float64, fixed before any
  result was seen. Hubs are the 10 largest out-degrees of the true network (ties by name); the zero
  threshold 1e-6 is the simulator's own precision (its solves run at rtol 1e-8 / atol 1e-10); the
  linear-propagation control's factor 0.5 was fixed beforehand.
* The "model outside its network's descendants at 0" column (every gene that the run's exported
  network does not reach from the hub set to 0) was tried after seeing the SIM350 figures, to
  measure what exact zeros would buy. It is an analysis row, not part of `dashgrn perturb`: it
  reaches 0.755 on SIM350 and 0.733 on sim600, still below the better control (and it depends on
  the export rule: with the ranking changes that were in progress in the repository at the time,
  whose exported SIM350 network had 694 edges instead of 560, it was 0.722 and 0.625; the model's
  own figures were the same to the last digit).
* The sign agreement is reported over the affected genes because a hub that changes fewer than 20
  genes (IME1 changes 13) leaves genes with a true sign of 0 in its top 20, which no prediction can
  match; the strict figure is in the table beside it.

Caveats: 5 of SIM350's and 6 of sim600's 10 hubs are input genes (constant in every trajectory, so
the model learned their effect only from differences between trajectories); the time horizon is that of the test
data (t = 0 to 9, the training data's span), and nothing here says how far beyond it the model's
dynamics hold. One seed and one prior noise level: the spread is over hubs, not over trainings.
"""


def code_digest() -> str:
    """A digest of the dashgrn package that runs (its .py files), and the repository's commit."""
    import hashlib

    import dashgrn

    pkg = Path(dashgrn.__file__).parent
    h = hashlib.sha256()
    for f in sorted(pkg.rglob("*.py")):
        h.update(str(f.relative_to(pkg)).encode() + f.read_bytes())
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip() or "unknown"
    return f"dashgrn/ digest {h.hexdigest()[:12]} (repository at {head})"


def _ms(values: list[float]) -> str:
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f}" if len(values) > 1 else f"{values[0]:.3f}"


def report(results: list[dict]) -> str:
    lines = ["# In-silico knockouts: `dashgrn perturb` against the simulator's knockouts", "",
             f"Generated by `benchmarks/bench_perturb.py` on {_dt.date.today()} ({platform.machine()}, "
             f"Python {platform.python_version()}). Per data set: the default `dashgrn infer` model (seed 0, "
             f"{PRIOR_NOISE} prior), the {HUBS} largest hubs of the true network knocked out one at a time from the "
             "first states of 10 test trajectories to t = 9; truth = `dashgrn simulate --knockout` from the same "
             "states. Mean ± sd over the hubs; every gene but the hub itself.", "",
             "## Goals", "",
             "| data set | Spearman: model | direct prior targets | linear propagation | model − better control "
             "| sign agreement (top 20 affected) | strict | goals met |",
             "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in results:
        h = r["hubs"]
        col = {m: [x[f"{m}_spearman"] for x in h] for m in ("model", "direct", "linear")}
        sign = [x["model_sign"] for x in h]
        mean = {m: statistics.mean(v) for m, v in col.items()}
        margin = mean["model"] - max(mean["direct"], mean["linear"])
        met = (mean["model"] >= GOALS["spearman"] and margin >= GOALS["margin"]
               and statistics.mean(sign) >= GOALS["sign"])
        lines.append(f"| {r['dataset']} | {_ms(col['model'])} | {_ms(col['direct'])} | {_ms(col['linear'])} | "
                     f"{margin:+.3f} | {_ms(sign)} | {_ms([x['model_sign_strict'] for x in h])} | "
                     f"{'yes' if met else 'no'} |")
    lines += ["", f"Goals (issue 19): mean Spearman ≥ {GOALS['spearman']} and ≥ {GOALS['margin']} above the better "
              f"control; sign agreement ≥ {GOALS['sign']}.", "",
              "Sign agreement of the controls (top 20): " + "; ".join(
                  f"{r['dataset']} direct {_ms([x['direct_sign'] for x in r['hubs']])}, linear "
                  f"{_ms([x['linear_sign'] for x in r['hubs']])}" for r in results) + ".", "",
              "## Analysis (not goals)", "",
              "| data set | Spearman over affected genes: model / direct / linear | AUROC of \\|delta\\| (affected vs not) "
              "| Spearman, model outside its network's descendants at 0 | Spearman, truth without exact zeros |",
              "| --- | --- | --- | --- | --- |"]
    for r in results:
        h = r["hubs"]
        lines.append(
            f"| {r['dataset']} | {_ms([x['model_spearman_affected'] for x in h])} / "
            f"{_ms([x['direct_spearman_affected'] for x in h])} / {_ms([x['linear_spearman_affected'] for x in h])} | "
            f"{_ms([x['model_auroc'] for x in h])} | {_ms([x['model_in_network_spearman'] for x in h])} | "
            f"{_ms([x['truth_no_zeros_spearman'] for x in h])} |")
    for r in results:
        lines += ["", f"### {r['dataset']}: per hub", "",
                  f"{r['genes']} genes, {r['test_states']} start states, {r['members']} ensemble members, end time "
                  f"{r['end_time']:g}; model `{r['run']}` (trained on {r['train']}, prior {r['prior']}); "
                  f"`dashgrn.perturb` took {r['perturb_seconds']:.1f} s for the {HUBS} knockouts; code: "
                  f"{r.get('code', 'not recorded')}.", "",
                  "| hub | type | prior targets | affected genes | Spearman model / direct / linear | sign model / "
                  "direct / linear | Spearman over affected (model) | AUROC |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        for x in r["hubs"]:
            lines.append(f"| {x['hub']} | {x.get('type', '')} | {x['out_degree']} | {x['affected']} | "
                         f"{x['model_spearman']:.3f} / "
                         f"{x['direct_spearman']:.3f} / {x['linear_spearman']:.3f} | {x['model_sign']:.2f} / "
                         f"{x['direct_sign']:.2f} / {x['linear_sign']:.2f} | {x['model_spearman_affected']:.3f} | "
                         f"{x['model_auroc']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default="sim350,sim600")
    ap.add_argument("--report-only", action="store_true")
    args = ap.parse_args()
    store = RUNS / "results.json"  # every figure of the report (git-ignored, like the runs)
    if args.report_only:
        results = json.loads(store.read_text())
    else:
        results = [bench(n) for n in args.datasets.split(",")]
        if store.is_file():  # keep the other data sets' results
            old = {r["dataset"]: r for r in json.loads(store.read_text())}
            results = list({**old, **{r["dataset"]: r for r in results}}.values())
        store.write_text(json.dumps(results, indent=1) + "\n")
    RUNS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "PERTURB.md").write_text(report(results) + NOTES)
    print(f"wrote {RESULTS / 'PERTURB.md'}")


if __name__ == "__main__":
    main()
