"""From the effect matrices to the ranking and the exported network (SPEC 8.7-8.8). No torch and no
file access.

Exported network (``--export``)
    ``calibrated`` (the default): with a prior, its edges plus every other pair with a
    non-zero effect whose z is at least the ``new_edge_quantile`` quantile of z over the
    prior's edges (a new edge needs as much support as a typical prior edge); without a
    prior, the ``degree x N`` best pairs. ``support``: every pair with a non-zero E (the
    support of a pruned model, as in the DASH paper). ``top_k`` and ``min_weight`` (on |E|)
    then cut the result.

Confidence (:mod:`dashgrn.network._confidence`)
    Every pair of the ranking (so every exported edge) gets the fraction of members whose own
    export (this rule on that member's effects alone) holds it with the reported sign.

Crowd evidence (the model's held-out fit did not beat a linear model, :mod:`dashgrn.evidence`)
    ``calibrated`` exports the prior's edges alone: evidence that could not be validated adds
    no edge to it (on small, dense networks such additions were mostly false: the prior's
    balanced accuracy and F1 fell). Without a prior, the ``degree x N`` best pairs by the
    crowd score. ``support`` is the same as ``calibrated`` there (a crowd has no zero effects).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..config import EXPORTS, ExportConfig
from ._confidence import Export, edge_confidence
from ._ranking import Ranking, rank_pairs

__all__ = ["EXPORTS", "member_exports", "network_from_effects", "select_edges"]


def select_edges(ranking: Ranking, n_genes: int, config: ExportConfig) -> np.ndarray:
    """Positions (in ``ranking``) of the exported edges, best first. See the module docstring."""
    export, new_edge_quantile, degree = config.rule, config.new_edge_quantile, config.degree
    top_k, min_weight = config.top_k, config.min_weight
    mag = np.abs(ranking.effect)
    if export not in EXPORTS:
        msg = f"unknown export rule {export!r}"
        raise ValueError(msg)
    crowd = ranking.evidence == "crowd"  # then every pair is scored: support is the calibrated rule
    if export == "support" and not crowd:
        keep = mag > 0
    elif ranking.in_prior.any():
        keep = ranking.in_prior.copy()
        if not crowd:  # a crowd adds no edge to the prior (module docstring)
            thr = float(np.quantile(ranking.z[ranking.in_prior], new_edge_quantile))
            keep |= (ranking.z >= thr) & (mag > 0)
    else:
        keep = np.zeros(len(ranking), dtype=bool)
        k = int(round(degree * n_genes))
        keep[:k] = crowd | (mag[:k] > 0)
    if min_weight > 0:
        keep &= mag >= min_weight
    idx = np.flatnonzero(keep)
    return idx[:top_k] if top_k is not None else idx


def network_from_effects(
    E: sp.spmatrix | list[sp.spmatrix],
    genes: list[str],
    prior: sp.spmatrix | None,
    config: ExportConfig | None = None,
    scores: np.ndarray | None = None,
) -> tuple[Ranking, pd.DataFrame]:
    """The ranking of every pair and the exported edge table (:mod:`dashgrn.network`), by ``config``
    (its defaults when ``None``).

    The table has the columns ``regulator, target, weight, sign, rank, effect, in_prior,
    confidence``, ranked 1..n in ranking order. ``E`` may be a list (the members of an
    ensemble); ``confidence`` is the fraction of them whose own export holds the edge with its
    sign (:mod:`dashgrn.network._confidence`; 0 or 1 for a single matrix). ``scores``: crowd
    evidence (:func:`dashgrn.evidence.choose_evidence`) that ranks the pairs instead of E.
    """
    config = config or ExportConfig()
    rk = rank_pairs(E, genes, prior, config.ranking, scores=scores)
    members = list(E) if isinstance(E, (list, tuple)) else [E]
    rk.confidence = edge_confidence(rk, member_exports(members, genes, prior, config), len(genes))
    chosen = select_edges(rk, len(genes), config)
    edges = rk.table(genes, chosen)
    edges["rank"] = np.arange(1, len(edges) + 1, dtype=np.int64)
    return rk, edges


def member_exports(effects: list[sp.spmatrix], genes: list[str], prior: sp.spmatrix | None,
                   config: ExportConfig) -> list[Export]:
    """Each member's own export, ``(row, col, sign)`` of its edges: the ranking and the export
    rule of ``config`` applied to that member's effects alone, ranked by them (no crowd scores;
    :mod:`dashgrn.network._confidence`)."""
    out = []
    for E in effects:
        rk = rank_pairs([E], genes, prior, config.ranking)
        idx = select_edges(rk, len(genes), config)
        out.append((rk.row[idx], rk.col[idx], np.sign(rk.effect[idx]).astype(np.int8)))
    return out
