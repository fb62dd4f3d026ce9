"""Ranking and export rules (dashgrn.ranking), checked on hand-made matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dashgrn.ranking import rank_pairs, resolve_ranking, select_edges

GENES = ["a", "b", "c", "d"]
#: E[i, j]: regulator i -> target j (diagonal entries must be ignored)
E = np.array([
    [9.0, 0.8, -0.1, 0.0],
    [0.0, 5.0, 0.4, -0.3],
    [0.05, 0.0, 0.0, 0.2],
    [0.0, -0.6, 0.0, 0.0],
])
PRIOR = sp.csr_matrix(np.array([
    [0, 0, 1, 0],   # a -> c (weak effect -0.1)
    [0, 0, 0, 0],
    [0, 0, 0, 0],
    [0, 0, -1, 0],  # d -> c (no effect at all: pruned)
]))


def _pairs(r):
    return [(GENES[i], GENES[j]) for i, j in zip(r.row, r.col)]


def test_effect_ranking_orders_by_magnitude_and_skips_diagonal():
    r = rank_pairs(sp.csr_matrix(E), GENES, None, "effect")
    assert r.mode == "effect"
    assert _pairs(r) == [("a", "b"), ("d", "b"), ("b", "c"), ("b", "d"), ("c", "d"), ("a", "c"), ("c", "a")]
    np.testing.assert_allclose(r.weight, [0.8, 0.6, 0.4, 0.3, 0.2, 0.1, 0.05])
    np.testing.assert_allclose(r.effect, [0.8, -0.6, 0.4, -0.3, 0.2, -0.1, 0.05])
    assert not r.in_prior.any()


def test_prior_first_puts_prior_pairs_first_even_without_effect():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    assert r.mode == "prior-first"
    assert _pairs(r)[:2] == [("a", "c"), ("d", "c")]
    assert list(r.in_prior) == [True, True] + [False] * 6
    # weight = in_prior + |E| / (2 max|E|), max over off-diagonal pairs = 0.8
    np.testing.assert_allclose(r.weight[:3], [1 + 0.1 / 1.6, 1.0, 0.8 / 1.6])
    assert r.effect[1] == 0.0


def test_ties_are_broken_by_names():
    M = sp.csr_matrix(np.array([[0, 1.0, 1.0], [1.0, 0, 0], [0, 0, 0]]))
    r = rank_pairs(M, ["z", "y", "x"], None, "effect")
    assert [(["z", "y", "x"][i], ["z", "y", "x"][j]) for i, j in zip(r.row, r.col)] == [
        ("y", "z"), ("z", "x"), ("z", "y")]


def test_calibrated_export_with_prior():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    # prior |E| = [0.1, 0.0]; the 0.5 quantile is 0.05 -> every new pair with |E| >= 0.05
    idx = select_edges(r, 4, new_edge_quantile=0.5)
    assert len(idx) == 8
    # quantile 1.0 -> threshold 0.1: drops c -> a (0.05)
    idx = select_edges(r, 4, new_edge_quantile=1.0)
    assert ("c", "a") not in [_pairs(r)[i] for i in idx]
    assert len(idx) == 7
    # prior edges are always exported, even with no effect
    assert {0, 1} <= set(idx.tolist())


def test_calibrated_export_without_prior_uses_degree():
    r = rank_pairs(sp.csr_matrix(E), GENES, None)
    idx = select_edges(r, 4, degree=0.75)  # round(0.75 * 4) = 3
    assert [_pairs(r)[i] for i in idx] == [("a", "b"), ("d", "b"), ("b", "c")]


def test_support_export_top_k_and_min_weight():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    idx = select_edges(r, 4, export="support")
    assert len(idx) == 7  # d -> c has no effect
    assert len(select_edges(r, 4, export="support", top_k=2)) == 2
    kept = select_edges(r, 4, export="support", min_weight=0.35)
    assert sorted(np.abs(r.effect[kept]).tolist()) == [0.4, 0.6, 0.8]


def test_table_columns_and_signs():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    t = r.table(GENES)
    assert list(t.columns) == ["regulator", "target", "weight", "sign", "rank", "effect", "in_prior"]
    assert t["rank"].tolist() == list(range(1, 9))
    assert t["sign"].tolist() == [-1, 0, 1, -1, 1, -1, 1, 1]
    assert t["in_prior"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]


def test_resolve_ranking_and_errors():
    assert resolve_ranking("auto", True) == "prior-first"
    assert resolve_ranking("auto", False) == "effect"
    with pytest.raises(ValueError):
        rank_pairs(sp.csr_matrix(E), GENES, None, "prior-first")
    r = rank_pairs(sp.csr_matrix(E), GENES, None)
    with pytest.raises(ValueError):
        select_edges(r, 4, export="nonsense")
