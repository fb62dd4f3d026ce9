"""Early precision: the precision of the top-k predictions, with BEELINE's tie rule (computeEarlyPrec.py),
and EPR, its ratio to the density of true edges."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import Metric, constant, n_true, over_density, random_density

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values

#: BEELINE rounds edge weights to 6 decimals before its early-precision cut-off.
EPR_DECIMALS = 6


def early_precision(
    score: np.ndarray,
    label: np.ndarray,
    *,
    k: float | None = None,
    weight: np.ndarray | None = None,
    candidate: np.ndarray | None = None,
    decimals: int | None = EPR_DECIMALS,
) -> float:
    """Early precision with BEELINE's tie rule.

    Among the candidate pairs with a positive (rounded) score, the cut-off is the
    k-th largest score, or the smallest positive score when fewer than ``k``
    candidates score above zero; every candidate scoring at least the cut-off is
    selected (so ties at the cut-off are all in). Pairs scoring 0 are never
    selected. The result is ``TP among selected / number selected``, and 0 when
    nothing is selected (as BEELINE).

    Parameters
    ----------
    score
        Ranking scores (|weight| for BEELINE).
    label
        1 for true edges, 0 otherwise.
    k
        Number of top predictions; default: the number of true edges.
    weight
        How many pairs each row stands for (default 1 each).
    candidate
        Rows that may be selected (default: all); the others never are.
    decimals
        Round scores to this many decimals first (BEELINE: 6); ``None`` keeps them.

    Returns
    -------
    float
    """
    score = np.asarray(score, dtype=np.float64)
    label = np.asarray(label)
    w = np.ones(len(score)) if weight is None else np.asarray(weight, dtype=np.float64)
    if decimals is not None:
        score = np.round(score, decimals)
    if k is None:
        k = float((w * (label == 1)).sum())
    cand = score > 0
    if candidate is not None:
        cand &= np.asarray(candidate, dtype=bool)
    cand &= w > 0
    if not cand.any():
        return 0.0
    cs, cw = score[cand], w[cand]
    order = np.argsort(-cs, kind="stable")
    cum = np.cumsum(cw[order])
    hit = np.searchsorted(cum, k - 1e-9)  # first position where the cumulative count reaches k
    cutoff = cs[order][min(hit, len(cs) - 1)]
    sel = cand & (score >= cutoff)
    n_sel = float(w[sel].sum())
    return float((w[sel] * (label[sel] == 1)).sum()) / n_sel


def _early_precision(rows: Rows, uni: Universe, before: Values) -> float:
    """Early precision of the compact table: k = the true edges, candidates = the listed pairs."""
    return early_precision(rows.score, rows.label, k=n_true(rows), weight=rows.weight, candidate=rows.present)


EARLY_PRECISION = Metric(
    definition=(
        "precision of the top-k predictions, k = number of true edges; all pairs scoring >= the k-th "
        "score are taken (ties included), pairs scoring 0 never (scores rounded to 6 decimals, as BEELINE)"
    ),
    compute=_early_precision,
    random=random_density,
)
EPR = Metric(
    definition="early_precision / density (early precision ratio; 1 = random)",
    compute=over_density("early_precision"),
    random=constant(1.0),
)
