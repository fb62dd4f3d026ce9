"""Ranking and export rules (dashgrn.network), checked on hand-made matrices."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dashgrn._errors import ConfigError
from dashgrn.config import ExportConfig
from dashgrn.network import rank_pairs, resolve_ranking, select_edges, standardised_effects

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


#: z of the non-zero pairs, by hand: per target, (|E| - mean) / sd over its 3 regulators
Z = {("c", "a"): 1.414214, ("b", "c"): 1.372813, ("b", "d"): 1.069045, ("a", "b"): 0.980581,
     ("d", "b"): 0.392232, ("c", "d"): 0.267261, ("a", "c"): -0.392232, ("d", "c"): -0.980581}


def test_standardised_effects_match_numpy():
    rng = np.random.default_rng(3)
    M = rng.normal(size=(7, 7)) * (rng.random((7, 7)) < 0.4)
    M[:, 2] = 0.0  # a target with no effects at all: z = 0
    r, c = np.nonzero(~np.eye(7, dtype=bool))
    got = standardised_effects(sp.csr_matrix(M), r, c)
    A = np.abs(M).astype(float)
    np.fill_diagonal(A, np.nan)
    mu, sd = np.nanmean(A, axis=0), np.nanstd(A, axis=0)
    want = np.where(sd[c] > 0, (A[r, c] - mu[c]) / np.where(sd[c] > 0, sd[c], 1), 0.0)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_effect_ranking_orders_by_standardised_effect_and_skips_diagonal():
    r = rank_pairs(sp.csr_matrix(E), GENES, None, "effect")
    assert r.mode == "effect"
    assert _pairs(r) == [("c", "a"), ("b", "c"), ("b", "d"), ("a", "b"), ("d", "b"), ("c", "d"), ("a", "c")]
    np.testing.assert_allclose(r.z, [Z[p] for p in _pairs(r)], atol=1e-6)
    np.testing.assert_allclose(r.effect, [0.05, 0.4, -0.3, 0.8, -0.6, 0.2, -0.1])
    assert r.weight[0] == pytest.approx(1.0) and r.weight[-1] == pytest.approx(0.01)
    assert (np.diff(r.weight) <= 0).all()
    assert not r.in_prior.any()


def test_prior_first_puts_prior_pairs_first_even_without_effect():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    assert r.mode == "prior-first"
    assert _pairs(r) == [("a", "c"), ("d", "c"), ("c", "a"), ("b", "c"), ("b", "d"), ("a", "b"), ("d", "b"),
                         ("c", "d")]
    assert list(r.in_prior) == [True, True] + [False] * 6
    # s = 0.01 + 0.99 (z - min z) / (max z - min z); weight = in_prior + s / 2
    zmin, zmax = Z[("d", "c")], Z[("c", "a")]
    s_ac = 0.01 + 0.99 * (Z[("a", "c")] - zmin) / (zmax - zmin)
    np.testing.assert_allclose(r.weight[:3], [1 + s_ac / 2, 1.005, 0.5], atol=1e-6)
    assert r.effect[1] == 0.0


def test_ties_are_broken_by_names():
    M = sp.csr_matrix(np.array([[0, 1.0, 1.0], [1.0, 0, 0], [0, 0, 0]]))
    r = rank_pairs(M, ["z", "y", "x"], None, "effect")
    assert [(["z", "y", "x"][i], ["z", "y", "x"][j]) for i, j in zip(r.row, r.col)] == [
        ("y", "z"), ("z", "x"), ("z", "y")]


def test_calibrated_export_with_prior():
    strong = sp.csr_matrix(np.array([[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0, 0, -1, 0]]))  # b->c, d->c
    r = rank_pairs(sp.csr_matrix(E), GENES, strong)
    # prior z = [1.373, -0.981]; quantile 1.0 -> only new pairs with z >= 1.373: c -> a
    idx = select_edges(r, 4, ExportConfig(new_edge_quantile=1.0))
    assert sorted(_pairs(r)[i] for i in idx) == [("b", "c"), ("c", "a"), ("d", "c")]
    # the median (0.196) lets in every new pair but a -> c (z -0.392)
    idx = select_edges(r, 4, ExportConfig(new_edge_quantile=0.5))
    assert len(idx) == 7 and ("a", "c") not in [_pairs(r)[i] for i in idx]
    # prior edges are always exported, even with no effect (d -> c)
    assert ("d", "c") in [_pairs(r)[i] for i in select_edges(r, 4, ExportConfig(new_edge_quantile=1.0))]


def test_calibrated_export_without_prior_uses_degree():
    r = rank_pairs(sp.csr_matrix(E), GENES, None)
    idx = select_edges(r, 4, ExportConfig(degree=0.75))  # round(0.75 * 4) = 3
    assert [_pairs(r)[i] for i in idx] == [("c", "a"), ("b", "c"), ("b", "d")]


def test_support_export_top_k_and_min_weight():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    idx = select_edges(r, 4, ExportConfig(rule="support"))
    assert len(idx) == 7  # d -> c has no effect
    assert len(select_edges(r, 4, ExportConfig(rule="support", top_k=2))) == 2
    kept = select_edges(r, 4, ExportConfig(rule="support", min_weight=0.35))
    assert sorted(np.abs(r.effect[kept]).tolist()) == [0.4, 0.6, 0.8]


def test_table_columns_and_signs():
    r = rank_pairs(sp.csr_matrix(E), GENES, PRIOR)
    t = r.table(GENES)
    assert list(t.columns) == ["regulator", "target", "weight", "sign", "rank", "effect", "in_prior"]
    assert t["rank"].tolist() == list(range(1, 9))
    assert t["sign"].tolist() == [-1, 0, 1, 1, -1, 1, -1, 1]
    assert t["in_prior"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]


def test_resolve_ranking_and_errors():
    assert resolve_ranking("auto", True) == "prior-first"
    assert resolve_ranking("auto", False) == "effect"
    assert resolve_ranking("prior-first", True) == "prior-first"
    with pytest.raises(ConfigError, match="prior-first needs a prior"):
        resolve_ranking("prior-first", False)
    with pytest.raises(ConfigError, match="prior-first needs a prior"):
        rank_pairs(sp.csr_matrix(E), GENES, None, "prior-first")
    with pytest.raises(ConfigError, match="--export must be one of calibrated, support"):
        ExportConfig(rule="nonsense")
