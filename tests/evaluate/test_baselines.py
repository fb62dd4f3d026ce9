"""Baselines: the analytic random predictor, the prior-only row and the expression controls
(linear-ODE regression, Spearman, prior-first ranking)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scoring_cases import make_truth
from typer.testing import CliRunner

from dashgrn.cli import app
from dashgrn.evaluate import build_universe, prior_prediction, random_baseline
from dashgrn.evaluate import control_predictions, linear_ode_matrix, prior_first, spearman_matrix
from dashgrn.tables import ExpressionData, PriorNetwork


def test_random_baseline_is_analytic() -> None:
    u = build_universe(make_truth([("A", "B", 1), ("A", "C", -1)]))
    r = random_baseline(u)
    assert r["auroc"] == 0.5
    assert r["average_precision"] == pytest.approx(1 / 3)
    assert r["epr"] == r["auprc_ratio"] == r["epr_activating"] == r["epr_repressing"] == 1.0
    assert r["balanced_accuracy"] == 0.5
    assert r["n_edges"] == 2
    assert random_baseline(u, top_k=3)["recall"] == pytest.approx(3 / 6)


def test_prior_prediction_from_dataframe() -> None:
    table = prior_prediction(pd.DataFrame({"regulator": ["A"], "target": ["B"], "sign": [-1], "weight": [-2.0]}))
    assert table["weight"].tolist() == [2.0]
    assert table["sign"].tolist() == [-1]


# --------------------------------------------------------------------------------------
# Controls


def _linear_system(seed: int = 0) -> tuple[ExpressionData, np.ndarray]:
    """dx/dt = A^T x (A[i, j]: effect of i on j), sampled densely so finite differences are accurate."""
    rng = np.random.default_rng(seed)
    n = 6
    A = np.zeros((n, n))
    A[0, 2], A[1, 3], A[2, 4], A[3, 5] = 0.8, -0.9, 0.7, 0.6
    np.fill_diagonal(A, -1.0)
    rows, traj, times = [], [], []
    for k in range(30):
        x = rng.random(n)
        for step in range(6):
            rows.append(x.copy())
            traj.append(str(k))
            times.append(step * 0.05)
            for _ in range(50):  # fine Euler steps to the next sample
                x = x + 0.001 * (A.T @ x)
    X = np.array(rows)
    genes = [f"g{i}" for i in range(n)]
    return ExpressionData(X=X, genes=genes, samples=[str(i) for i in range(len(X))], time=np.array(times),
                          trajectory=np.array(traj)), A


def test_linear_ode_recovers_a_linear_system() -> None:
    expr, A = _linear_system()
    coef = linear_ode_matrix(expr, alphas=np.array([1e-6]))
    off = ~np.eye(6, dtype=bool)
    np.testing.assert_allclose(coef[off], A[off], atol=0.03)
    true = (A != 0) & off
    assert np.abs(coef[true]).min() > np.abs(coef[~true & off]).max()


def test_spearman_matrix_matches_scipy() -> None:
    from scipy.stats import spearmanr

    expr, _ = _linear_system(1)
    got = spearman_matrix(expr)
    want = spearmanr(expr.dense()).statistic
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_prior_first_puts_every_prior_edge_above_every_other_pair() -> None:
    scores = pd.DataFrame({"regulator": ["a", "a", "b", "b"], "target": ["b", "c", "a", "c"],
                           "weight": [0.1, 5.0, 0.0, 2.0], "sign": [1, -1, 0, 1]})
    prior = PriorNetwork(edges=pd.DataFrame({"regulator": ["a", "b"], "target": ["b", "a"], "sign": [1, 1],
                                             "weight": [1.0, 1.0]}))
    out = prior_first(scores, prior).set_index(["regulator", "target"])["weight"]
    assert min(out[("a", "b")], out[("b", "a")]) > max(out[("a", "c")], out[("b", "c")])
    assert out[("a", "b")] > out[("b", "a")]  # within the prior, ordered by the control
    assert out[("a", "c")] > out[("b", "c")]  # outside it too


def test_controls_cover_all_ordered_pairs() -> None:
    expr, _ = _linear_system(2)
    preds = control_predictions(expr)
    assert set(preds) == {"spearman", "linear-ode"}
    for table in preds.values():
        assert len(table) == 6 * 5 and (table["regulator"] != table["target"]).all()


def test_sim350_prior_plus_linear_ode_beats_the_prior(shared_data: Path) -> None:
    """The issue 7 control figures: prior 0.81, prior + linear ODE 0.93 (AP, noise 0.05)."""
    from dashgrn.evaluate import score_networks
    from dashgrn.io import read_expression, read_prior
    from dashgrn.io import read_truth

    expr = read_expression(shared_data / "sim350_sim150_noise0.025.h5ad")
    prior = read_prior(shared_data / "sim350_prior_noise_0.05.tsv")
    ev = score_networks(control_predictions(expr, prior), read_truth(shared_data / "sim350_truth.tsv"),
                        prior=prior, random=False, n_permutations=0)
    ap = ev.table.set_index("method")["average_precision"]
    assert abs(ap["prior-only"] - 0.81) < 0.005
    assert abs(ap["prior+linear-ode"] - 0.93) < 0.01
    assert ap["prior+spearman"] > ap["prior-only"]


def test_evaluate_cli_adds_control_rows(tmp_path: Path) -> None:
    expr, _ = _linear_system(3)
    df = pd.DataFrame(expr.dense(), columns=expr.genes)
    df.insert(0, "time", expr.time)
    df.insert(0, "trajectory", expr.trajectory)
    e = tmp_path / "expr.csv"
    df.to_csv(e, index=False)
    truth = tmp_path / "truth.tsv"
    truth.write_text("regulator\ttarget\tsign\ng0\tg2\t1\ng1\tg3\t-1\ng2\tg4\t1\ng3\tg5\t1\n")
    pred = tmp_path / "pred.tsv"
    pred.write_text("g0\tg2\t0.5\ng1\tg4\t0.2\n")
    r = CliRunner().invoke(app, ["evaluate", str(pred), "--truth", str(truth), "--prior", str(truth),
                                 "--controls", str(e), "--format", "tsv", "--permutations", "0"])
    assert r.exit_code == 0, r.output
    methods = [line.split("\t")[0] for line in r.stdout.strip().splitlines()[1:]]
    for name in ("spearman", "linear-ode", "prior+spearman", "prior+linear-ode", "prior-only"):
        assert name in methods
