"""dashgrn.evidence: the other models of the data, their held-out skill, the choice and the crowd."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp

from dashgrn.config import ExportConfig
from dashgrn.data import PairArrays
from dashgrn.evidence import (
    choose_evidence,
    clearly_better,
    crowd_scores,
    linear_dynamics,
    crowd_with_prior,
    prior_regulators,
    skill,
    tree_dynamics,
    tree_levels,
)
from dashgrn.evidence._choose import rank_scores
from dashgrn.network import network_from_effects
from dashgrn.tables import ExpressionData


def _pairs(y0: np.ndarray, y1: np.ndarray, dt: np.ndarray) -> PairArrays:
    return PairArrays(y0=y0, y1=y1, dt=dt, trajectory=np.arange(len(dt)) // 4, n_trajectories=len(dt) // 4 + 1,
                      scale={"mode": "none", "offset": 0.0, "scale": 1.0, "time_scale": 1.0})


def _linear_data(n_pairs: int = 120, seed: int = 0) -> tuple[PairArrays, np.ndarray]:
    """Pairs that one Euler step of dx/dt = A^T x + b gives exactly."""
    rng = np.random.default_rng(seed)
    A = np.zeros((4, 4))
    A[0, 1], A[2, 3], A[1, 2] = 0.8, -0.6, 0.5
    A -= 0.3 * np.eye(4)
    y0 = rng.random((n_pairs, 4))
    dt = rng.uniform(0.5, 1.5, n_pairs)
    y1 = y0 + dt[:, None] * (y0 @ A + 0.1)
    return _pairs(y0, y1, dt), A


def test_skill_is_one_minus_the_error_ratio() -> None:
    assert skill(0.25, 1.0) == pytest.approx(0.75)
    assert skill(2.0, 1.0) == pytest.approx(-1.0)
    assert math.isnan(skill(1.0, 0.0)) and math.isnan(skill(float("nan"), 1.0))


def test_rank_scores_by_hand() -> None:
    M = np.array([[9.0, 3.0, -1.0], [2.0, 9.0, 2.0], [0.0, -5.0, 9.0]])
    # off-diagonal |values| 3, 1, 2, 2, 0, 5 -> ranks 5, 2, 3.5, 3.5, 1, 6 over 6 pairs
    want = np.array([[0, 5, 2], [3.5, 0, 3.5], [1, 6, 0]]) / 6
    np.testing.assert_allclose(rank_scores(M), want)
    signed = crowd_scores([M, M], sign=np.array([[1, -1, 0], [1, 1, 1], [-1, -1, 1]]))
    np.testing.assert_allclose(signed, want * np.array([[1, -1, 1], [1, 1, 1], [-1, -1, 1]]))


def test_clearly_better_by_hand() -> None:
    e = np.tile([1.0, 1.1, 0.9, 1.0], 3)  # 12 pairs
    assert clearly_better(e, e - 0.5)  # every pair 0.5 better, no spread
    assert not clearly_better(e, e + 0.5)
    noisy = e + np.tile([-0.4, 0.5, -0.5, 0.3], 3)  # mean difference 0.025, SE about 0.13
    assert not clearly_better(e, noisy)
    steady = e - np.tile([0.3, 0.1, 0.2, 0.2], 3)  # mean 0.2, sd 0.074, SE 0.021: clearly
    assert clearly_better(e, steady)
    assert not clearly_better(e[:3], e[:3] - 1)  # 3 pairs (fewer than MIN_PAIRS) decide nothing


def test_linear_dynamics_recovers_the_coefficients_of_exact_data() -> None:
    pa, A = _linear_data()
    train, val = np.arange(100), np.arange(100, 120)
    src = linear_dynamics(pa, train, val)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(src.scores[off], A[off], atol=0.02)  # ridge with a tiny penalty
    assert np.all(np.diag(src.scores) == 0)
    persistence = float(((pa.y1[val] - pa.y0[val]) ** 2).mean())
    assert src.val_mse < 1e-3 * persistence
    assert src.val_errors.shape == (20,)


def test_tree_dynamics_finds_the_one_regulator_and_beats_no_change() -> None:
    pa, _ = _linear_data(n_pairs=300, seed=1)
    train, val = np.arange(250), np.arange(250, 300)
    src = tree_dynamics(pa, train, val, n_trees=100, seed=0)
    assert src.scores.shape == (4, 4) and np.all(np.diag(src.scores) == 0)
    assert np.argmax(src.scores[:, 1]) == 0 and np.argmax(src.scores[:, 3]) == 2
    assert skill(src.val_mse, float(((pa.y1[val] - pa.y0[val]) ** 2).mean())) > 0.5
    again = tree_dynamics(pa, train, val, n_trees=100, seed=0, threads=2)
    np.testing.assert_array_equal(src.scores, again.scores)  # the seed decides, not the threads
    np.testing.assert_array_equal(src.val_errors, again.val_errors)


def test_tree_levels_finds_a_function_of_one_gene() -> None:
    rng = np.random.default_rng(2)
    X = rng.random((200, 4))
    X[:, 3] = np.sin(3 * X[:, 1])
    W = tree_levels(X, n_trees=100, seed=0)
    assert np.argmax(W[:, 3]) == 1 and np.all(np.diag(W) == 0)
    np.testing.assert_allclose(W.sum(axis=0), 1.0)  # importances sum to 1 per target
    np.testing.assert_array_equal(W, tree_levels(X, n_trees=100, seed=0, threads=3))  # targets at once: same


def _expr(pa: PairArrays) -> ExpressionData:
    X = np.vstack([pa.y0, pa.y1])
    return ExpressionData(X=X, genes=[f"g{i}" for i in range(4)], samples=[f"s{k}" for k in range(len(X))],
                          time=(np.arange(len(X)) // 7).astype(float), trajectory=np.arange(len(X)) % 7, source="test")


@pytest.mark.parametrize(("model_mse", "mode", "want", "sources"), [
    (1e-12, "auto", "model", ["model"]),  # far better than no change, linear not clearly better
    (10.0, "auto", "crowd", ["levels", "trees", "linear"]),  # worse than no change: left out of the crowd
    (1e-12, "model", "model", ["model"]),
    (1e-12, "crowd", "crowd", ["levels", "trees", "linear", "model"]),
])
def test_the_rule(model_mse: float, mode: str, want: str, sources: list[str]) -> None:
    pa, _ = _linear_data(n_pairs=200, seed=3)
    train, val = np.arange(160), np.arange(160, 200)
    called = []

    def model_scores() -> np.ndarray:
        called.append(1)
        return np.ones((4, 4))

    ev = choose_evidence(mode, _expr(pa), pa, [(train, val)], [model_mse], np.full(40, model_mse), model_scores,
                         n_trees=20)
    assert ev.mode == want and ev.sources == sources
    assert (ev.scores is None) == (want == "model")
    assert bool(called) == ("model" in sources and want == "crowd")
    rec = ev.record()
    assert rec["mode"] == want and (set(rec["skills"]) >= {"model", "linear"} or mode == "model")


def test_a_clearly_better_linear_model_sends_the_ranking_to_the_crowd() -> None:
    pa, _ = _linear_data(n_pairs=200, seed=3)
    train, val = np.arange(160), np.arange(160, 200)
    base = float(((pa.y1[val] - pa.y0[val]) ** 2).mean())
    # the model: skill 0.5 (better than no change), the linear model is exact: clearly better
    ev = choose_evidence("auto", _expr(pa), pa, [(train, val)], [0.5 * base],
                         ((pa.y1[val] - pa.y0[val]) ** 2).mean(axis=1) * 0.5, lambda: np.ones((4, 4)), n_trees=20)
    assert ev.mode == "crowd" and "model" in ev.sources and ev.skills["model"] == pytest.approx(0.5)


def test_no_validation_pairs_keeps_the_model() -> None:
    pa, _ = _linear_data()
    ev = choose_evidence("auto", _expr(pa), pa, [(np.arange(120), np.zeros(0, dtype=int))], [0.1], np.zeros(0),
                         lambda: np.ones((4, 4)))
    assert ev.mode == "model" and "no validation" in ev.reason


def test_crowd_ranking_lists_every_pair_and_exports_the_prior_alone() -> None:
    genes = ["a", "b", "c"]
    scores = np.array([[0, 0.9, -0.2], [0.5, 0, 0.6], [-0.1, 0.3, 0]])
    E = sp.csr_matrix(np.array([[0, 0.0, 1.0], [0, 0, 0], [0, 0, 0]]))  # the model's effect: one pair
    prior = sp.csr_matrix(np.array([[0, 0, 0], [0, 0, 1.0], [0, 0, 0]]))
    rk, edges = network_from_effects(E, genes, prior, ExportConfig(), scores=scores)
    assert len(rk) == 6 and rk.evidence == "crowd"
    assert list(zip(edges["regulator"], edges["target"])) == [("b", "c")]  # the prior's edge alone
    table = rk.table(genes)
    assert list(zip(table["regulator"], table["target"]))[:3] == [("b", "c"), ("a", "b"), ("b", "a")]
    assert table.loc[table["target"].eq("c") & table["regulator"].eq("a"), "sign"].item() == -1  # the score's sign
    assert table.loc[table["target"].eq("c") & table["regulator"].eq("a"), "effect"].item() == 1.0  # still E
    _, no_prior = network_from_effects(E, genes, None, ExportConfig(degree=1.0), scores=scores)
    assert list(zip(no_prior["regulator"], no_prior["target"])) == [("a", "b"), ("b", "c"), ("b", "a")]


def test_a_model_no_better_than_no_change_does_not_rank_alone() -> None:
    """Skill a hair above 0 (as on one pseudotime course) is not evidence that the model learned
    anything: the crowd ranks. Neither is a steady small gain on 3 pairs (fewer than MIN_PAIRS)."""
    pa, _ = _linear_data(n_pairs=200, seed=3)
    train, val = np.arange(160), np.arange(160, 200)
    base = ((pa.y1[val] - pa.y0[val]) ** 2).mean(axis=1)
    noisy = base * np.where(np.arange(40) % 2 == 0, 0.5, 1.48)  # mean 0.99 x no change, a wide spread
    assert 0 < skill(float(noisy.mean()), float(base.mean())) < 0.05
    ev = choose_evidence("auto", _expr(pa), pa, [(train, val)], [float(noisy.mean())], noisy,
                         lambda: np.ones((4, 4)), n_trees=20)
    assert ev.mode == "crowd" and "not clearly better than no change" in ev.reason
    few = choose_evidence("auto", _expr(pa), pa, [(train, val[:3])], [float(base[:3].mean()) * 0.9],
                          base[:3] * 0.9, lambda: np.ones((4, 4)), n_trees=20)
    assert few.mode == "crowd"


def test_prior_regulators_by_hand() -> None:
    # prior edges: a -> b, a -> c, a -> d, c -> b (weights and signs do not matter)
    P = sp.csr_matrix(np.array([[0, 2.0, -1.0, 0.5], [0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 0, 0]]))
    want = np.array([
        [0, 2, 2, 2],  # a's other targets: 3 - 1 for its prior edges, 3 for a -> a (diagonal: 0)
        [0, 0, 0, 0],  # b regulates nothing in the prior
        [1, 0, 0, 1],  # c -> b is its only edge: it does not vouch for itself
        [0, 0, 0, 0],
    ], dtype=float)
    np.testing.assert_array_equal(prior_regulators(P), want)
    np.testing.assert_array_equal(prior_regulators(P.toarray()), want)


def test_crowd_with_prior_by_hand() -> None:
    """A third of the score is the rank score of the regulator's other prior targets; the sign
    stays the crowd's; a prior without edges changes nothing."""
    scores = np.array([[0, 0.9, -0.3], [0.6, 0, 0.3], [-0.15, 0.45, 0]])
    prior = sp.csr_matrix(np.array([[0, 1.0, 1.0], [0, 0, 0], [0, 1.0, 0]]))
    # prior_regulators: a -> b 1, a -> c 1, b -> * 0, c -> a 1, c -> b 0
    # ranks of (1, 1, 0, 0, 1, 0) over 6 pairs: the 1s share 5, the 0s share 2
    r = np.array([[0, 5, 5], [2, 0, 2], [5, 2, 0]]) / 6
    want = (2 * np.abs(scores) + r) / 3 * np.where(scores < 0, -1, 1)
    np.testing.assert_allclose(crowd_with_prior(scores, prior), want)
    np.testing.assert_array_equal(crowd_with_prior(scores, sp.csr_matrix((3, 3))), scores)


def test_a_crowd_ranking_with_a_prior_lifts_the_prior_s_regulators() -> None:
    """Of two pairs with the same crowd score, the one whose regulator has other prior targets
    ranks first, inside the prior's edges and outside them; run.json's sources say so."""
    genes = ["a", "b", "c", "d"]
    scores = np.full((4, 4), 0.5)
    np.fill_diagonal(scores, 0)
    prior = sp.csr_matrix(np.array([[0, 1.0, 1.0, 0], [0, 0, 0, 0], [0, 0, 0, 1.0], [0, 0, 0, 0]]))
    rk, _ = network_from_effects(sp.csr_matrix((4, 4)), genes, prior, ExportConfig(), scores=scores)
    pairs = list(zip(rk.table(genes)["regulator"], rk.table(genes)["target"]))
    assert pairs[:3] == [("a", "b"), ("a", "c"), ("c", "d")]  # prior edges: a has another target, c none
    assert pairs[3] == ("a", "d")  # a's non-prior pair: a regulates two others in the prior
    assert set(pairs[4:6]) == {("c", "a"), ("c", "b")}  # c: one other prior target
    pa, _ = _linear_data(n_pairs=200, seed=3)
    train, val = np.arange(160), np.arange(160, 200)
    ev = choose_evidence("auto", _expr(pa), pa, [(train, val)], [10.0], np.full(40, 10.0),
                         lambda: np.ones((4, 4)), n_trees=20, has_prior=True)
    without = choose_evidence("auto", _expr(pa), pa, [(train, val)], [10.0], np.full(40, 10.0),
                              lambda: np.ones((4, 4)), n_trees=20)
    assert ev.sources == [*without.sources, "prior-regulators"]
    np.testing.assert_array_equal(ev.scores, without.scores)  # the data's crowd, saved without the prior
