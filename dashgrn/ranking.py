"""From the effect matrix E (and a prior) to a ranking of every pair and the exported network.

No torch and no file access: this is plain NumPy/SciPy on the extracted matrices.

Ranking (``--ranking``)
    ``prior-first`` (the default when a prior is given): the prior's edges come first,
    each group ordered by |E|. ``effect``: every pair by |E| alone. The ``weight`` of a
    pair is a score that sorts the same way: ``1 + |E| / (2 max|E|)`` for prior edges and
    ``|E| / (2 max|E|)`` for the others, so prior edges score in [1, 1.5] and the rest in
    [0, 0.5]; ``effect`` keeps the signed E itself.

Exported network (``--export``)
    ``calibrated`` (the default): with a prior, its edges plus every other pair whose |E|
    is at least the ``new_edge_quantile`` quantile of |E| over the prior's edges (a new
    edge needs as much support as a typical prior edge); without a prior, the
    ``degree x N`` strongest pairs. ``support``: every pair with a non-zero E (the
    support of a pruned model, as in the DASH paper). ``top_k`` and ``min_weight`` then
    cut the result.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

RANKINGS = ("auto", "prior-first", "effect")
EXPORTS = ("calibrated", "support")


@dataclass
class Ranking:
    """Every listed pair, best first.

    ``row``/``col`` index the genes (regulator, target); pairs not listed (zero effect,
    not in the prior) all have weight 0 and come after the listed ones.
    """

    row: np.ndarray
    col: np.ndarray
    effect: np.ndarray
    in_prior: np.ndarray
    weight: np.ndarray
    mode: str

    def __len__(self) -> int:
        return int(self.row.size)

    def table(self, genes: list[str] | np.ndarray, index: np.ndarray | None = None) -> pd.DataFrame:
        """The pairs ``index`` (all by default) as ``regulator, target, weight, sign, rank,
        effect, in_prior``; ``rank`` is the position in the whole ranking (1 = best)."""
        idx = np.arange(len(self)) if index is None else np.asarray(index)
        g = np.asarray(genes, dtype=object)
        return pd.DataFrame({
            "regulator": g[self.row[idx]], "target": g[self.col[idx]],
            "weight": self.weight[idx], "sign": np.sign(self.effect[idx]).astype(np.int8),
            "rank": idx.astype(np.int64) + 1, "effect": self.effect[idx],
            "in_prior": self.in_prior[idx].astype(np.int8),
        })


def resolve_ranking(mode: str, has_prior: bool) -> str:
    """``auto`` is ``prior-first`` with a prior and ``effect`` without one."""
    if mode == "auto":
        return "prior-first" if has_prior else "effect"
    return mode


def rank_pairs(E: sp.spmatrix, genes: list[str], prior: sp.spmatrix | None, mode: str = "auto") -> Ranking:
    """Rank the pairs of ``E`` (regulator x target) that have a non-zero effect or are in ``prior``.

    Ties are broken by regulator name, then target name, so the order is reproducible.
    """
    n = E.shape[0]
    mode = resolve_ranking(mode, prior is not None)
    if mode == "prior-first" and prior is None:
        msg = "the prior-first ranking needs a prior"
        raise ValueError(msg)
    listed = (E != 0).astype(np.int8)
    if prior is not None:
        listed = listed + (prior != 0).astype(np.int8)
    listed = sp.coo_matrix(listed)
    keep = listed.row != listed.col
    row, col = listed.row[keep].astype(np.int64), listed.col[keep].astype(np.int64)
    Ecsr = sp.csr_matrix(E)
    effect = np.asarray(Ecsr[row, col]).ravel().astype(np.float64) if row.size else np.zeros(0)
    if prior is not None and row.size:
        in_prior = np.asarray(sp.csr_matrix(prior)[row, col]).ravel() != 0
    else:
        in_prior = np.zeros(row.size, dtype=bool)
    mag = np.abs(effect)
    top = float(mag.max()) if mag.size else 0.0
    rel = mag / (2 * top) if top > 0 else np.zeros_like(mag)
    weight = rel + in_prior if mode == "prior-first" else mag
    # best first; ties by regulator then target name
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[np.argsort(np.asarray(genes, dtype=str), kind="stable")] = np.arange(n)
    order = np.lexsort((name_rank[col], name_rank[row], -weight))
    return Ranking(row=row[order], col=col[order], effect=effect[order], in_prior=in_prior[order],
                   weight=weight[order], mode=mode)


def select_edges(
    ranking: Ranking,
    n_genes: int,
    *,
    export: str = "calibrated",
    new_edge_quantile: float = 0.5,
    degree: float = 2.0,
    top_k: int | None = None,
    min_weight: float = 0.0,
) -> np.ndarray:
    """Positions (in ``ranking``) of the exported edges, best first. See the module docstring."""
    mag = np.abs(ranking.effect)
    if export == "support":
        keep = mag > 0
    elif export == "calibrated":
        if ranking.in_prior.any():
            thr = float(np.quantile(mag[ranking.in_prior], new_edge_quantile))
            keep = ranking.in_prior | ((mag >= thr) & (mag > 0))
        else:
            k = int(round(degree * n_genes))
            keep = np.zeros(len(ranking), dtype=bool)
            keep[:k] = mag[:k] > 0
    else:
        msg = f"unknown export rule {export!r}"
        raise ValueError(msg)
    if min_weight > 0:
        keep &= mag >= min_weight
    idx = np.flatnonzero(keep)
    return idx[:top_k] if top_k is not None else idx
