"""Significance: the p-values (Mann-Whitney for AUROC, a permutation test for average
precision) and the bootstrap's percentile intervals."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from ._metrics import EPR_DECIMALS

if TYPE_CHECKING:
    from ._rows import Rows
    from ._universe import Universe

#: p-value columns.
PVALUES: tuple[str, ...] = ("auroc_pvalue", "average_precision_pvalue")
#: Metrics that get bootstrap intervals (``<name>_ci_low``, ``<name>_ci_high``).
CI_METRICS: tuple[str, ...] = ("auroc", "average_precision", "auprc_trapezoid", "early_precision", "epr")


def auroc_pvalue(score: np.ndarray, label: np.ndarray, weight: np.ndarray, auroc: float) -> float:
    """One-sided Mann-Whitney p-value for AUROC > 0.5 (normal approximation, tie-corrected)."""
    n1 = float(weight[label == 1].sum())
    n0 = float(weight[label == 0].sum())
    n = n1 + n0
    _, inv = np.unique(score, return_inverse=True)
    t = np.bincount(inv, weights=weight)
    ties = float(np.sum(t**3 - t))
    var = n1 * n0 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))
    if not var > 0:
        return float("nan")
    z = (auroc * n1 * n0 - n1 * n0 / 2.0) / math.sqrt(var)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _ap_groups(score: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tie groups by decreasing score: the group of each row, and cumulative group sizes."""
    uniq, inv = np.unique(-score, return_inverse=True)
    sizes = np.bincount(inv, weights=weight, minlength=len(uniq))
    return inv, np.cumsum(sizes)


def _ap_from_groups(groups_of_positives: np.ndarray, cum_size: np.ndarray, n_pos: int) -> float:
    g, counts = np.unique(groups_of_positives, return_counts=True)
    cum_tp = np.cumsum(counts)
    return float(np.sum(counts / n_pos * cum_tp / cum_size[g]))


def ap_pvalue(rows: Rows, ap_obs: float, n_permutations: int, rng: np.random.Generator) -> float:
    """Permutation p-value for average precision: true-edge labels placed at random pairs."""
    if n_permutations <= 0:
        return float("nan")
    _, cum = _ap_groups(rows.score, rows.weight)
    n_total = int(round(cum[-1]))
    n_pos = int(round(float(rows.weight[rows.label == 1].sum())))
    # Pair positions 0..n_total-1 are laid out group by group (highest score first).
    cum_int = np.rint(cum).astype(np.int64)
    hits = 0
    for _ in range(n_permutations):
        pos = rng.choice(n_total, size=n_pos, replace=False)
        grp = np.searchsorted(cum_int, pos, side="right")
        if _ap_from_groups(grp, cum, n_pos) >= ap_obs - 1e-12:
            hits += 1
    return (hits + 1) / (n_permutations + 1)



def group_curve_metrics(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float, float]:
    """AUROC, average precision and trapezoid AUPRC from per-tie-group counts.

    ``pos`` and ``neg`` are the (weighted) numbers of true and false pairs in each
    group of tied scores, groups sorted by decreasing score. These are the formulas
    of scikit-learn's ``roc_auc_score``, ``average_precision_score`` and
    ``auc(recall, precision)`` over ``precision_recall_curve``, evaluated on the
    groups directly (used for the bootstrap, where only the weights change; a test
    checks them against scikit-learn).
    """
    keep = (pos + neg) > 0
    pos, neg = pos[keep], neg[keep]
    tp, fp = np.cumsum(pos), np.cumsum(neg)
    n_pos, n_neg = tp[-1], fp[-1]
    tp0, fp0 = np.r_[0.0, tp[:-1]], np.r_[0.0, fp[:-1]]
    auroc = float(np.sum((fp - fp0) * (tp + tp0)) / (2.0 * n_pos * n_neg))
    precision = tp / (tp + fp)
    ap = float(np.sum(pos / n_pos * precision))
    recall = np.r_[0.0, tp / n_pos]
    prec = np.r_[1.0, precision]
    trap = float(np.sum(np.diff(recall) * (prec[1:] + prec[:-1]) / 2.0))
    return auroc, ap, trap


def bootstrap_intervals(rows: Rows, uni: Universe, n_boot: int, rng: np.random.Generator) -> dict[str, float]:
    """Percentile 95% intervals from resampling the universe's pairs with replacement.

    A replicate draws ``n_pairs`` pairs with replacement (a multinomial count per
    row; the aggregated row stands for its many pairs) and recomputes the metrics
    of :data:`CI_METRICS` with those counts as weights.
    """
    n = uni.n_pairs
    p = rows.weight / rows.weight.sum()
    inv, _ = _ap_groups(rows.score, rows.weight)
    n_groups = int(inv.max()) + 1
    is_pos = rows.label == 1
    # Early precision: candidates grouped by decreasing rounded score (BEELINE's rule).
    rounded = np.round(rows.score, EPR_DECIMALS)
    cand = rows.present & (rounded > 0)
    cand_inv = np.unique(-rounded[cand], return_inverse=True)[1] if cand.any() else np.zeros(0, dtype=np.int64)
    n_cand_groups = int(cand_inv.max()) + 1 if cand.any() else 0
    values: dict[str, list[float]] = {k: [] for k in CI_METRICS}
    for _ in range(n_boot):
        counts = rng.multinomial(n, p).astype(np.float64)
        pos_w = np.where(is_pos, counts, 0.0)
        n_pos = float(pos_w.sum())
        if n_pos == 0 or n_pos == n:
            continue
        gp = np.bincount(inv, weights=pos_w, minlength=n_groups)
        gn = np.bincount(inv, weights=counts - pos_w, minlength=n_groups)
        auroc, ap, trap = group_curve_metrics(gp, gn)
        ep = 0.0
        if n_cand_groups:
            cc = np.cumsum(np.bincount(cand_inv, weights=counts[cand], minlength=n_cand_groups))
            cp = np.cumsum(np.bincount(cand_inv, weights=pos_w[cand], minlength=n_cand_groups))
            if cc[-1] > 0:
                at = min(int(np.searchsorted(cc, n_pos - 1e-9)), n_cand_groups - 1)
                ep = float(cp[at] / cc[at])
        m = {"auroc": auroc, "average_precision": ap, "auprc_trapezoid": trap,
             "early_precision": ep, "epr": ep / (n_pos / n)}
        for k in CI_METRICS:
            values[k].append(m[k])
    out: dict[str, float] = {}
    for k in CI_METRICS:
        v = np.asarray(values[k])
        lo, hi = (np.percentile(v, [2.5, 97.5]) if len(v) else (np.nan, np.nan))
        out[f"{k}_ci_low"] = float(lo)
        out[f"{k}_ci_high"] = float(hi)
    return out

