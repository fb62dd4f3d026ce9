"""How many ensemble members back each edge: the ``confidence`` column. No torch and no file access.

Definition
    Every member's effects are ranked and exported alone, by the run's own rule
    (:func:`~dashgrn.network.network_from_effects` with a one-member list: the same prior,
    ranking, export rule, quantile, degree, ``top_k`` and ``min_weight``). The confidence of a
    pair is the fraction of members whose own export holds it **with the sign the run
    reports** (a member that holds A -> B as an activation does not back a reported
    repression). A pair whose reported sign is 0 (undetermined) is backed by a member's export
    of it with any sign. With ``--bootstrap B`` the members are trained on resampled
    trajectories (:mod:`dashgrn._bootstrap`), and this is stability selection's selection
    frequency; with the plain ensemble the members differ only in their seeds.

What it measures
    The calibrated export keeps every prior edge, so a prior edge's confidence is the fraction
    of members whose effect has the reported sign; for a new edge it is the fraction of members
    in which it clears the bar on its own. Pairs that only some members export have a
    confidence in ``ranking.tsv.gz`` even when the run does not export them.

Crowd evidence (:mod:`dashgrn.evidence`)
    The crowd's scores are computed once, from all the data, so they give no per-member vote.
    The members then vote with their own effects as if the model ranked (each member's export
    is the rule applied to its effects, without the crowd's scores), against the sign the run
    reports (the crowd's): the confidence says how far the trained models back an edge the
    crowd ranked. With a prior, the crowd's export is the prior's edges, and their confidence
    is the fraction of members whose effect has the crowd's sign.
"""

from __future__ import annotations

import numpy as np

from ._ranking import Ranking

__all__ = ["edge_confidence"]

#: One member's export: ``(row, col, sign)`` of its edges (:func:`dashgrn.network.member_exports`).
Export = tuple[np.ndarray, np.ndarray, np.ndarray]


def edge_confidence(ranking: Ranking, exports: list[Export], n_genes: int) -> np.ndarray:
    """The confidence of every pair of ``ranking`` (in its order): the fraction of the members'
    ``exports`` (:func:`dashgrn.network.member_exports`) that hold the pair with the ranking's sign
    (any sign where the ranking's is 0)."""
    n = int(n_genes)
    keys = ranking.row.astype(np.int64) * n + ranking.col.astype(np.int64)
    sign = np.sign(ranking.effect if ranking.sign is None else ranking.sign).astype(np.int8)
    votes = np.zeros(keys.size, dtype=np.int64)
    for row, col, msign in exports:
        if row.size == 0:
            continue
        mkeys = row.astype(np.int64) * n + col.astype(np.int64)
        order = np.argsort(mkeys, kind="stable")
        mkeys, msign = mkeys[order], np.asarray(msign)[order]
        pos = np.minimum(np.searchsorted(mkeys, keys), mkeys.size - 1)
        votes += (mkeys[pos] == keys) & ((sign == 0) | (msign[pos] == sign))
    return votes / max(len(exports), 1)
