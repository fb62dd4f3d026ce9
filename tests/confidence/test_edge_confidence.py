"""The confidence column (dashgrn.network._confidence), by hand: the fraction of members whose own
export (the run's rule on that member's effects alone) holds the edge with the reported sign."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from dashgrn.config import ExportConfig
from dashgrn.network import member_exports, network_from_effects

GENES = ["a", "b", "c", "d"]


def _E(entries: dict[tuple[int, int], float]) -> sp.csr_matrix:
    M = np.zeros((4, 4))
    for (i, j), v in entries.items():
        M[i, j] = v
    return sp.csr_matrix(M)


def _by_pair(table: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {(r, t): c for r, t, c in zip(table["regulator"], table["target"], table["confidence"])}


def test_support_export_counts_the_members_that_hold_the_edge_with_its_sign() -> None:
    members = [
        _E({(0, 1): 1.0, (1, 2): -1.0}),
        _E({(0, 1): 2.0, (1, 2): 2.0}),
        _E({(0, 1): -0.5, (2, 3): 1.0, (3, 0): -1.0}),
    ]
    ranking, edges = network_from_effects(members, GENES, None, ExportConfig(rule="support"))
    conf = _by_pair(edges)
    # a -> b: mean +, held with + by members 1 and 2 (member 3 holds it as a repression)
    assert conf[("a", "b")] == 2 / 3
    # b -> c: mean (-1 + 2) / 3 > 0: only member 2 holds it as an activation
    assert conf[("b", "c")] == 1 / 3
    assert conf[("c", "d")] == 1 / 3 and conf[("d", "a")] == 1 / 3
    assert list(edges.columns) == ["regulator", "target", "weight", "sign", "rank", "effect", "in_prior", "confidence"]
    # the ranking carries the same values, pair by pair
    full = _by_pair(ranking.table(GENES))
    assert all(full[k] == v for k, v in conf.items())


def test_an_undetermined_sign_is_backed_by_a_member_of_either_sign() -> None:
    members = [_E({(0, 1): 1.0, (1, 2): -1.0}), _E({(0, 1): -1.0, (1, 2): 3.0})]
    ranking, edges = network_from_effects(members, GENES, None, ExportConfig(rule="support"))
    full = ranking.table(GENES)
    row = full[(full["regulator"] == "a") & (full["target"] == "b")].iloc[0]
    assert row["sign"] == 0 and row["confidence"] == 1.0  # mean effect 0: both members back the pair
    assert ("a", "b") not in _by_pair(edges)  # ... which the support export leaves out (no mean effect)
    assert _by_pair(edges)[("b", "c")] == 0.5


def test_a_single_matrix_backs_exactly_its_own_export() -> None:
    rng = np.random.default_rng(0)
    E = sp.csr_matrix(rng.normal(size=(6, 6)) * (rng.random((6, 6)) < 0.6))
    genes = list("uvwxyz")
    prior = sp.csr_matrix(([1.0, -1.0, 1.0], ([0, 1, 2], [1, 2, 3])), shape=(6, 6))
    for cfg in (ExportConfig(), ExportConfig(rule="support"), ExportConfig(top_k=3)):
        ranking, edges = network_from_effects(E, genes, prior, cfg)
        assert (edges["confidence"] == 1).all()
        full = ranking.table(genes)
        exported = set(zip(edges["regulator"], edges["target"]))
        held = {(r, t) for r, t, c in zip(full["regulator"], full["target"], full["confidence"]) if c == 1}
        assert held == exported and set(full["confidence"]) <= {0.0, 1.0}


def test_each_member_exports_by_the_runs_own_rule() -> None:
    """Degree export without a prior: each member's own best pair (degree 0.25 x 4 genes = 1), by
    its z within the target d."""
    members = [_E({(0, 3): 3.0, (1, 3): 1.0}), _E({(2, 3): 3.0, (1, 3): 1.0})]
    cfg = ExportConfig(degree=0.25)
    exports = member_exports(members, GENES, None, cfg)
    assert [list(zip(r.tolist(), c.tolist())) for r, c, _ in exports] == [[(0, 3)], [(2, 3)]]
    ranking, edges = network_from_effects(members, GENES, None, cfg)
    assert _by_pair(edges) == {("a", "d"): 0.5}  # the tie of a and c broken by name
    assert _by_pair(ranking.table(GENES)) == {("a", "d"): 0.5, ("c", "d"): 0.5, ("b", "d"): 0.0}


def test_crowd_evidence_counts_the_members_backing_the_crowds_sign() -> None:
    """With crowd scores and a prior, the export is the prior's edges; a member backs one when its
    own effect has the crowd's sign (its own calibrated export always holds the prior's edges)."""
    prior = sp.csr_matrix(([1.0, 1.0], ([0, 1], [1, 2])), shape=(4, 4))
    members = [_E({(0, 1): 1.0, (1, 2): 1.0}), _E({(0, 1): 1.0, (1, 2): -1.0}), _E({(0, 1): 1.0, (1, 2): -2.0})]
    scores = np.full((4, 4), 0.1)
    np.fill_diagonal(scores, 0)
    scores[0, 1], scores[1, 2] = 0.9, 0.8  # the crowd: a -> b and b -> c activate
    _, edges = network_from_effects(members, GENES, prior, ExportConfig(), scores=scores)
    conf = _by_pair(edges)
    assert set(conf) == {("a", "b"), ("b", "c")}  # the prior's edges alone
    assert conf[("a", "b")] == 1.0 and conf[("b", "c")] == 1 / 3
