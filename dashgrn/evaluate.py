"""Score predicted networks against a gold standard (BEELINE / DREAM-style metrics).

The universe
------------
Every metric is computed over a *universe* of ordered (regulator, target) pairs:

==========  =================================================================
universe    pairs
==========  =================================================================
``beeline`` ordered pairs of distinct genes that appear in the truth (BEELINE's
            ``computeAUC`` with ``selfEdges=False``); the default
``tf``      truth regulators x truth genes, self-pairs excluded (BEELINE's
            ``TFEdges``)
``genes``   ordered pairs of distinct genes of a given gene list; true edges
            with a gene outside the list are dropped (and counted)
listed      a gold standard with explicit negatives (DREAM ``G1 G2 0`` rows):
            only the listed pairs, intersected with the rule above
==========  =================================================================

Pairs missing from the prediction score 0. Duplicate pairs keep the largest
score. Predicted pairs outside the universe (self-loops included) are ignored and
counted in ``n_outside_universe``. Scores are ``|weight|`` (``rank_by="abs"``) or
the weight itself (``rank_by="raw"``, for scores such as PANDA's force where a
negative value means "unlikely"); under ``raw``, missing pairs rank below every
listed pair.

The metrics
-----------
See :data:`METRIC_DEFINITIONS`. The curve metrics (AUROC, average precision, the
PR and ROC curves) come from scikit-learn; BEELINE's trapezoid AUPRC and early
precision are computed here to match ``BLEval`` (computeAUC.py, computeEarlyPrec.py,
computeSignedEPR.py). The universe is stored compactly: the pairs that are listed
in the prediction or are true edges are kept one per row, all the other pairs of
the universe form one tied row with a sample weight equal to their number. With
scikit-learn's tie handling this gives exactly the same numbers as the full
``n_pairs`` arrays.

This module uses numpy, pandas and scikit-learn only (never torch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._errors import ConfigError, InputError
from ._json import jsonable
from ._log import get_logger
from .io.networks import Truth, as_truth, normalize_prediction

log = get_logger(__name__)

#: The metric columns, in table order (stable names).
METRICS: tuple[str, ...] = (
    "auroc",
    "average_precision",
    "auprc_trapezoid",
    "auprc_ratio",
    "early_precision",
    "epr",
    "epr_activating",
    "epr_repressing",
    "sign_accuracy",
    "precision",
    "recall",
    "f1",
    "balanced_accuracy",
    "n_edges",
)
#: p-value columns.
PVALUES: tuple[str, ...] = ("auroc_pvalue", "average_precision_pvalue")
#: Metrics that get bootstrap intervals (``<name>_ci_low``, ``<name>_ci_high``).
CI_METRICS: tuple[str, ...] = ("auroc", "average_precision", "auprc_trapezoid", "early_precision", "epr")

METRIC_DEFINITIONS: dict[str, str] = {
    "auroc": "area under the ROC curve (sklearn roc_auc_score; ties count one half)",
    "average_precision": "AUPRC as average precision, sum_n (R_n - R_(n-1)) P_n (sklearn average_precision_score)",
    "auprc_trapezoid": "AUPRC as BEELINE computes it: trapezoid auc(recall, precision) over sklearn's precision_recall_curve",
    "auprc_ratio": "average_precision / density (density = true edges / pairs in the universe)",
    "early_precision": (
        "precision of the top-k predictions, k = number of true edges; all pairs scoring >= the k-th "
        "score are taken (ties included), pairs scoring 0 never (scores rounded to 6 decimals, as BEELINE)"
    ),
    "epr": "early_precision / density (early precision ratio; 1 = random)",
    "epr_activating": (
        "EPR for activating true edges: repressing (and unsigned) true edges are removed from the "
        "universe, k = number of activating edges, ratio over their density"
    ),
    "epr_repressing": "EPR for repressing true edges, defined as epr_activating",
    "sign_accuracy": (
        "among true edges in the predicted edge set whose sign is known in both the truth and the "
        "prediction, the fraction with the right sign"
    ),
    "precision": "TP / predicted edges (the predicted edge set: non-zero scores, or the top_k)",
    "recall": "TP / true edges",
    "f1": "2 precision recall / (precision + recall)",
    "balanced_accuracy": "(TPR + TNR) / 2 over the universe for the predicted edge set",
    "n_edges": "size of the predicted edge set inside the universe",
    "auroc_pvalue": "one-sided Mann-Whitney p-value (normal approximation, tie-corrected) for AUROC > 0.5",
    "average_precision_pvalue": "one-sided permutation p-value (true-edge labels permuted over the universe, seeded)",
    "n_outside_universe": "distinct predicted pairs outside the universe (ignored), self-loops included",
}

UNIVERSES: tuple[str, ...] = ("beeline", "tf", "genes")
RANK_BY: tuple[str, ...] = ("abs", "raw")
#: BEELINE rounds edge weights to 6 decimals before its early-precision cut-off.
EPR_DECIMALS = 6


# --------------------------------------------------------------------------------------
# Universe


@dataclass(frozen=True)
class Universe:
    """The ordered pairs that are scored, and the true edges among them.

    Build it with :func:`build_universe`.

    Attributes
    ----------
    kind
        ``beeline``, ``tf`` or ``genes``.
    listed
        ``True`` when the truth has explicit negatives (DREAM): only listed pairs count.
    genes, regulators
        Sorted genes (targets) and allowed regulators.
    n_pairs, n_positive, n_activating, n_repressing
        Pairs in the universe; true edges among them (all, +1, -1).
    n_truth_dropped
        True edges left out: a gene outside the universe (``genes``) or a self-loop.
    truth_source
        Where the truth came from.
    """

    kind: str
    listed: bool
    genes: tuple[str, ...]
    regulators: tuple[str, ...]
    n_pairs: int
    n_positive: int
    n_activating: int
    n_repressing: int
    n_truth_dropped: int
    truth_source: str
    codes: np.ndarray = field(repr=False, compare=False)
    labels: np.ndarray = field(repr=False, compare=False)
    signs: np.ndarray = field(repr=False, compare=False)
    regulator_mask: np.ndarray = field(repr=False, compare=False)

    @property
    def density(self) -> float:
        """True edges over pairs: the precision of a random predictor."""
        return self.n_positive / self.n_pairs

    @property
    def signed(self) -> bool:
        """Whether any true edge in the universe has a known sign."""
        return (self.n_activating + self.n_repressing) > 0

    @property
    def description(self) -> str:
        """One line saying which pairs were scored."""
        if self.kind == "beeline":
            rule = f"ordered pairs of distinct truth genes ({len(self.genes):,} genes)"
        elif self.kind == "tf":
            rule = (
                f"truth regulators x truth genes, self-pairs excluded ({len(self.regulators):,} regulators x "
                f"{len(self.genes):,} genes)"
            )
        else:
            rule = f"ordered pairs of distinct genes of the gene list ({len(self.genes):,} genes)"
        if self.listed:
            rule += ", listed pairs only (explicit negatives)"
        text = (
            f"{self.kind}: {rule}; {self.n_pairs:,} pairs, {self.n_positive:,} true edges, "
            f"density {self.density:.4g}"
        )
        if self.n_truth_dropped:
            text += f"; {self.n_truth_dropped:,} true edges outside the universe dropped"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "kind": self.kind,
            "description": self.description,
            "listed_pairs_only": self.listed,
            "n_genes": len(self.genes),
            "n_regulators": len(self.regulators),
            "n_pairs": self.n_pairs,
            "n_true_edges": self.n_positive,
            "n_activating": self.n_activating,
            "n_repressing": self.n_repressing,
            "n_truth_dropped": self.n_truth_dropped,
            "density": self.density,
            "truth": self.truth_source,
        }


def build_universe(
    truth: Truth | pd.DataFrame,
    *,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
) -> Universe:
    """Build the universe of scored pairs from a truth network.

    Parameters
    ----------
    truth
        A :class:`~dashgrn.io.networks.Truth` or a truth table (see
        :func:`~dashgrn.io.networks.as_truth`).
    universe
        ``beeline`` (default), ``tf`` or ``genes`` (see the module docstring).
    genes
        The gene list for ``universe="genes"``.

    Returns
    -------
    Universe

    Raises
    ------
    ConfigError
        Unknown universe, or ``genes`` missing for ``universe="genes"``.
    InputError
        No true edge inside the universe, or every pair of the universe is a true edge.
    """
    truth = as_truth(truth)
    if universe not in UNIVERSES:
        msg = f"unknown universe {universe!r}"
        raise ConfigError(msg, hint=f"choose one of: {', '.join(UNIVERSES)}")
    if universe == "genes" and genes is None:
        msg = "universe 'genes' needs a gene list"
        raise ConfigError(msg, hint="give --genes FILE (one gene per line)")
    if universe != "genes" and genes is not None:
        msg = f"a gene list was given but the universe is {universe!r}"
        raise ConfigError(msg, hint="use --universe genes with --genes, or leave --genes out")
    edges = truth.edges
    n_loops = int(((edges["regulator"] == edges["target"]) & (edges["label"] == 1)).sum())
    if n_loops:
        log.info("%s: %d self-loop true edge(s) excluded (the universe has no self-pairs)", truth.source, n_loops)
    edges = edges[edges["regulator"] != edges["target"]]
    if universe == "genes":
        gene_list = sorted({str(g) for g in genes})  # type: ignore[union-attr]
        regs = gene_list
    else:
        gene_list = sorted(set(edges["regulator"]) | set(edges["target"]))
        regs = gene_list if universe == "beeline" else sorted(set(edges.loc[edges["label"] == 1, "regulator"]))
    index = pd.Index(gene_list)
    reg_mask = np.zeros(len(gene_list), dtype=bool)
    reg_mask[index.get_indexer(regs)] = True
    ri = index.get_indexer(edges["regulator"])
    ti = index.get_indexer(edges["target"])
    inside = (ri >= 0) & (ti >= 0)
    inside[inside] &= reg_mask[ri[inside]]
    lab = edges["label"].to_numpy(dtype=np.int8)
    dropped = int((~inside & (lab == 1)).sum())
    if dropped:
        log.warning("%s: %d true edge(s) outside the universe were dropped", truth.source, dropped)
    n_genes = len(gene_list)
    codes = ri[inside].astype(np.int64) * n_genes + ti[inside]
    labels = lab[inside]
    signs = edges["sign"].to_numpy(dtype=np.int8)[inside] * labels
    order = np.argsort(codes, kind="stable")
    codes, labels, signs = codes[order], labels[order], signs[order]
    listed = truth.listed
    n_pairs = len(codes) if listed else len(regs) * (n_genes - 1)
    n_pos = int(labels.sum())
    if n_pos == 0:
        msg = f"{truth.source}: no true edge is inside the {universe!r} universe"
        hint = (
            "check that the gene list uses the truth's gene identifiers"
            if universe == "genes"
            else "the truth needs at least one edge between two distinct genes"
        )
        raise InputError(msg, hint=hint)
    if n_pos == n_pairs:
        msg = f"{truth.source}: every pair of the {universe!r} universe is a true edge; there is nothing to rank"
        raise InputError(msg, hint="use a larger universe (--universe genes --genes FILE)")
    return Universe(
        kind=universe,
        listed=listed,
        genes=tuple(gene_list),
        regulators=tuple(regs),
        n_pairs=int(n_pairs),
        n_positive=n_pos,
        n_activating=int((signs == 1).sum()),
        n_repressing=int((signs == -1).sum()),
        n_truth_dropped=dropped + n_loops,
        truth_source=truth.source,
        codes=codes,
        labels=labels,
        signs=signs,
        regulator_mask=reg_mask,
    )


# --------------------------------------------------------------------------------------
# The compact scored table


@dataclass
class _Rows:
    """Universe pairs that matter, one per row, plus one weighted row for all the others."""

    code: np.ndarray  # int64 pair code (-1 for the aggregated row)
    score: np.ndarray  # float ranking score
    label: np.ndarray  # int8 1 = true edge
    tsign: np.ndarray  # int8 truth sign (0 unknown / not an edge)
    psign: np.ndarray  # int8 predicted sign (0 unknown / not listed)
    present: np.ndarray  # bool: listed in the prediction
    weight: np.ndarray  # float64 number of universe pairs the row stands for
    predicted: np.ndarray  # bool: in the predicted edge set
    missing_score: float
    n_outside: int


def _prepare(
    prediction: pd.DataFrame, uni: Universe, *, rank_by: str, top_k: int | None, source: str
) -> _Rows:
    pred = normalize_prediction(prediction, source=source)
    genes = pd.Index(uni.genes)
    reg = pred["regulator"].to_numpy(dtype=object)
    tgt = pred["target"].to_numpy(dtype=object)
    ri = genes.get_indexer(reg)
    ti = genes.get_indexer(tgt)
    if not ((ri >= 0).any() or (ti >= 0).any()):
        ex_p = ", ".join(sorted(set(reg) | set(tgt))[:4])
        ex_t = ", ".join(uni.genes[:4])
        msg = (
            f"{source}: no gene in common with the truth {uni.truth_source} "
            f"(prediction has e.g. {ex_p}; truth has e.g. {ex_t})"
        )
        raise InputError(msg, hint="both files must use the same gene identifiers (matching is case-sensitive)")
    w = pred["weight"].to_numpy(dtype=np.float64)
    score = np.abs(w) if rank_by == "abs" else w.copy()
    inside = (ri >= 0) & (ti >= 0) & (ri != ti)
    inside[inside] &= uni.regulator_mask[ri[inside]]
    n_genes = len(uni.genes)
    code = np.full(len(pred), -1, dtype=np.int64)
    code[inside] = ri[inside].astype(np.int64) * n_genes + ti[inside]
    if uni.listed:
        inside &= np.isin(code, uni.codes)
    # Outside pairs: count distinct (regulator, target) pairs.
    out_pairs = pred.loc[~inside, ["regulator", "target"]]
    n_outside = int(len(out_pairs.drop_duplicates()))
    if n_outside:
        log.info("%s: %d predicted pair(s) outside the universe ignored", source, n_outside)
    code, score, psign = code[inside], score[inside], pred["sign"].to_numpy(dtype=np.int8)[inside]
    # Duplicates keep the largest score.
    order = np.lexsort((-score, code))
    code, score, psign = code[order], score[order], psign[order]
    first = np.ones(len(code), dtype=bool)
    first[1:] = code[1:] != code[:-1]
    n_dup = int((~first).sum())
    if n_dup:
        log.info("%s: %d duplicate pair(s); the largest score was kept", source, n_dup)
    code, score, psign = code[first], score[first], psign[first]
    if len(code) == 0:
        log.warning("%s: no predicted pair is inside the universe; every pair scores as missing", source)
    all_codes = np.union1d(code, uni.codes)
    n = len(all_codes)
    present = np.zeros(n, dtype=bool)
    pos_p = np.searchsorted(all_codes, code)
    present[pos_p] = True
    if rank_by == "abs":
        missing = 0.0
    else:
        lo = min(float(score.min()) if len(score) else 0.0, 0.0)
        missing = lo - max(1.0, abs(lo))
    s = np.full(n, missing, dtype=np.float64)
    s[pos_p] = score
    ps = np.zeros(n, dtype=np.int8)
    ps[pos_p] = psign
    lab = np.zeros(n, dtype=np.int8)
    ts = np.zeros(n, dtype=np.int8)
    pos_t = np.searchsorted(all_codes, uni.codes)
    lab[pos_t] = uni.labels
    ts[pos_t] = uni.signs
    weight = np.ones(n, dtype=np.float64)
    rest = uni.n_pairs - n
    if rest > 0:
        all_codes = np.append(all_codes, -1)
        s = np.append(s, missing)
        lab = np.append(lab, np.int8(0))
        ts = np.append(ts, np.int8(0))
        ps = np.append(ps, np.int8(0))
        present = np.append(present, False)
        weight = np.append(weight, float(rest))
    predicted = present & (s > 0)
    if top_k is not None and int(predicted.sum()) > top_k:
        cand = np.flatnonzero(predicted)
        # Highest score first; ties broken by regulator, then target name (the code order).
        order = np.lexsort((all_codes[cand], -s[cand]))
        predicted = np.zeros(len(s), dtype=bool)
        predicted[cand[order[:top_k]]] = True
    return _Rows(
        code=all_codes, score=s, label=lab, tsign=ts, psign=ps, present=present,
        weight=weight, predicted=predicted, missing_score=missing, n_outside=n_outside,
    )


# --------------------------------------------------------------------------------------
# Metric kernels


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


def _auroc_pvalue(score: np.ndarray, label: np.ndarray, weight: np.ndarray, auroc: float) -> float:
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


def _ap_pvalue(rows: _Rows, ap_obs: float, n_permutations: int, rng: np.random.Generator) -> float:
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


def _curve_metrics(rows: _Rows, uni_pairs: float) -> dict[str, float]:
    from sklearn.metrics import auc, average_precision_score, precision_recall_curve, roc_auc_score

    y, s, w = rows.label, rows.score, rows.weight
    out: dict[str, float] = {}
    out["auroc"] = float(roc_auc_score(y, s, sample_weight=w))
    out["average_precision"] = float(average_precision_score(y, s, sample_weight=w))
    prec, rec, _ = precision_recall_curve(y, s, sample_weight=w)
    out["auprc_trapezoid"] = float(auc(rec, prec))
    n_pos = float(w[y == 1].sum())
    density = n_pos / uni_pairs
    out["auprc_ratio"] = out["average_precision"] / density
    ep = early_precision(s, y, k=n_pos, weight=w, candidate=rows.present)
    out["early_precision"] = ep
    out["epr"] = ep / density
    return out


def _signed_epr(rows: _Rows, sign: int) -> float:
    """BEELINE-style signed EPR: edges of the other sign leave the universe."""
    true = rows.label == 1
    keep = ~(true & (rows.tsign != sign))
    pos = (true & (rows.tsign == sign)).astype(np.int8)
    k = float(rows.weight[pos == 1].sum())
    if k == 0:
        return float("nan")
    density = k / float(rows.weight[keep].sum())
    ep = early_precision(
        rows.score[keep], pos[keep], k=k, weight=rows.weight[keep], candidate=rows.present[keep]
    )
    return ep / density


def _set_metrics(rows: _Rows, uni: Universe) -> dict[str, float]:
    pred, true = rows.predicted, rows.label == 1
    tp = float(rows.weight[pred & true].sum())
    n_pred = float(rows.weight[pred].sum())
    fp = n_pred - tp
    p_all = float(uni.n_positive)
    n_all = float(uni.n_pairs - uni.n_positive)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / p_all
    f1 = 2 * precision * recall / (precision + recall) if (precision + recall) else 0.0
    tnr = (n_all - fp) / n_all
    both = pred & true & (rows.tsign != 0) & (rows.psign != 0)
    sign_acc = float(np.mean(rows.psign[both] == rows.tsign[both])) if both.any() else float("nan")
    return {
        "sign_accuracy": sign_acc,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "balanced_accuracy": (recall + tnr) / 2.0,
        "n_edges": int(n_pred),
    }


def _curves(rows: _Rows, rank_by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.metrics import precision_recall_curve, roc_curve

    prec, rec, thr = precision_recall_curve(rows.label, rows.score, sample_weight=rows.weight)
    thr = np.append(thr, np.nan)
    fpr, tpr, rthr = roc_curve(rows.label, rows.score, sample_weight=rows.weight)
    if rank_by == "raw":
        thr = np.where(thr == rows.missing_score, -np.inf, thr)
        rthr = np.where(rthr == rows.missing_score, -np.inf, rthr)
    pr = pd.DataFrame({"recall": rec, "precision": prec, "threshold": thr})
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": rthr})
    return pr, roc


# --------------------------------------------------------------------------------------
# Public API


@dataclass
class NetworkScore:
    """The scores of one predicted network.

    Attributes
    ----------
    name
        Method name (a table row).
    source
        Where the prediction came from.
    metrics
        Metric name -> value: :data:`METRICS`, :data:`PVALUES`, ``n_outside_universe``
        and, with a bootstrap, ``<metric>_ci_low`` / ``<metric>_ci_high`` for
        :data:`CI_METRICS`. NaN where a metric is undefined (e.g. signed EPR for an
        unsigned truth).
    pr_curve
        ``recall, precision, threshold`` (sklearn ``precision_recall_curve``).
    roc_curve
        ``fpr, tpr, threshold`` (sklearn ``roc_curve``).
    universe
        The pairs that were scored.
    """

    name: str
    source: str
    metrics: dict[str, float]
    pr_curve: pd.DataFrame
    roc_curve: pd.DataFrame
    universe: Universe


def _check_options(rank_by: str, top_k: int | None, bootstrap: int, n_permutations: int) -> None:
    if rank_by not in RANK_BY:
        msg = f"unknown rank_by {rank_by!r}"
        raise ConfigError(msg, hint=f"choose one of: {', '.join(RANK_BY)}")
    if top_k is not None and top_k < 1:
        msg = f"top_k must be at least 1 (got {top_k})"
        raise ConfigError(msg, hint="leave --top-k out to use every non-zero edge")
    if bootstrap < 0:
        msg = f"bootstrap must be >= 0 (got {bootstrap})"
        raise ConfigError(msg, hint="use 0 for no bootstrap")
    if n_permutations < 0:
        msg = f"n_permutations must be >= 0 (got {n_permutations})"
        raise ConfigError(msg, hint="use 0 to skip the permutation p-value")


def _score_on(
    prediction: pd.DataFrame,
    uni: Universe,
    *,
    name: str,
    rank_by: str,
    top_k: int | None,
    bootstrap: int,
    seed: int,
    n_permutations: int,
) -> NetworkScore:
    source = str(prediction.attrs.get("source", name)) if isinstance(prediction, pd.DataFrame) else name
    rows = _prepare(prediction, uni, rank_by=rank_by, top_k=top_k, source=source)
    m = _curve_metrics(rows, float(uni.n_pairs))
    metrics: dict[str, float] = dict(m)
    metrics["epr_activating"] = _signed_epr(rows, 1) if uni.signed else float("nan")
    metrics["epr_repressing"] = _signed_epr(rows, -1) if uni.signed else float("nan")
    metrics.update(_set_metrics(rows, uni))
    metrics = {k: metrics[k] for k in METRICS}
    metrics["auroc_pvalue"] = _auroc_pvalue(rows.score, rows.label, rows.weight, metrics["auroc"])
    rng_perm = np.random.default_rng([seed, 0])
    metrics["average_precision_pvalue"] = _ap_pvalue(rows, metrics["average_precision"], n_permutations, rng_perm)
    metrics["n_outside_universe"] = rows.n_outside
    if bootstrap:
        metrics.update(_bootstrap(rows, uni, bootstrap, np.random.default_rng([seed, 1])))
    pr, roc = _curves(rows, rank_by)
    return NetworkScore(name=name, source=source, metrics=metrics, pr_curve=pr, roc_curve=roc, universe=uni)


def _group_curve_metrics(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float, float]:
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


def _bootstrap(rows: _Rows, uni: Universe, n_boot: int, rng: np.random.Generator) -> dict[str, float]:
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
        auroc, ap, trap = _group_curve_metrics(gp, gn)
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


def score_network(
    prediction: pd.DataFrame,
    truth: Truth | pd.DataFrame,
    *,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
    rank_by: str = "abs",
    top_k: int | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    n_permutations: int = 1000,
    name: str = "prediction",
) -> NetworkScore:
    """Score one predicted network against a gold standard.

    Parameters
    ----------
    prediction
        An edge table ``regulator, target, weight[, sign]`` (as returned by
        :func:`~dashgrn.io.networks.read_prediction`, or any table with those columns
        or their aliases; without ``weight`` every edge weighs 1).
    truth
        A :class:`~dashgrn.io.networks.Truth` or a table ``regulator, target[, sign][, label]``.
    universe
        ``beeline`` (pairs of distinct truth genes), ``tf`` (truth regulators x truth
        genes) or ``genes`` (pairs of distinct genes of ``genes``).
    genes
        Gene list for ``universe="genes"``.
    rank_by
        ``abs`` ranks by ``|weight|``; ``raw`` by the weight itself.
    top_k
        Use the ``top_k`` highest-scoring pairs as the predicted edge set (ties
        broken by regulator, then target) instead of every non-zero score.
    bootstrap
        Number of bootstrap resamples for 95% intervals (0 = none).
    seed
        Seed of the permutation test and the bootstrap.
    n_permutations
        Permutations for the average-precision p-value (0 = skip).
    name
        Name of the method in tables.

    Returns
    -------
    NetworkScore
        ``.metrics`` holds the numbers (see :data:`METRIC_DEFINITIONS`).

    Raises
    ------
    InputError
        Malformed prediction or truth, no shared gene, no true edge in the universe.
    ConfigError
        Invalid options.
    """
    _check_options(rank_by, top_k, bootstrap, n_permutations)
    uni = build_universe(truth, universe=universe, genes=genes)
    return _score_on(
        prediction, uni, name=name, rank_by=rank_by, top_k=top_k, bootstrap=bootstrap,
        seed=seed, n_permutations=n_permutations,
    )


def random_baseline(uni: Universe, *, top_k: int | None = None) -> dict[str, float]:
    """Analytic scores of a random predictor on ``uni``.

    AUROC 0.5; average precision, trapezoid AUPRC and early precision equal the
    density (so every ratio is 1); a random predicted set of ``top_k`` pairs (default:
    as many as there are true edges) has precision = density, recall =
    size / pairs and balanced accuracy 0.5; a random sign is right half the time.
    """
    d = uni.density
    n_sel = top_k if top_k is not None else uni.n_positive
    n_sel = min(n_sel, uni.n_pairs)
    precision = d
    recall = n_sel / uni.n_pairs
    f1 = 2 * precision * recall / (precision + recall)
    out: dict[str, float] = {
        "auroc": 0.5,
        "average_precision": d,
        "auprc_trapezoid": d,
        "auprc_ratio": 1.0,
        "early_precision": d,
        "epr": 1.0,
        "epr_activating": 1.0 if uni.n_activating else float("nan"),
        "epr_repressing": 1.0 if uni.n_repressing else float("nan"),
        "sign_accuracy": 0.5 if uni.signed else float("nan"),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "balanced_accuracy": 0.5,
        "n_edges": int(n_sel),
        "auroc_pvalue": float("nan"),
        "average_precision_pvalue": float("nan"),
        "n_outside_universe": 0,
    }
    return out


def prior_prediction(prior: Any) -> pd.DataFrame:
    """The prior-only baseline as a prediction: prior edges scored by |weight|, the rest 0.

    Parameters
    ----------
    prior
        A :class:`~dashgrn.tables.PriorNetwork` (``.edges``: ``regulator, target, sign,
        weight``) or such a DataFrame.
    """
    edges = prior.edges if hasattr(prior, "edges") else prior
    source = str(getattr(prior, "source", edges.attrs.get("source", "<prior>")))
    table = normalize_prediction(edges, source=source)
    table["weight"] = table["weight"].abs()
    table.attrs["source"] = source
    return table


@dataclass
class Evaluation:
    """Several methods scored on one universe.

    Attributes
    ----------
    table
        One row per method: ``method``, the :data:`METRICS`, the :data:`PVALUES`,
        bootstrap interval columns (if any), ``n_outside_universe`` and ``source``.
    universe
        The pairs that were scored.
    scores
        The per-method :class:`NetworkScore` (baselines without curves excluded).
    settings
        The options used (``rank_by``, ``top_k``, ``bootstrap``, ``seed``, ...).
    """

    table: pd.DataFrame
    universe: Universe
    scores: list[NetworkScore]
    settings: dict[str, Any]

    def pr_curves(self) -> pd.DataFrame:
        """PR curves of every method (long: ``method, recall, precision, threshold``); random included."""
        parts = [s.pr_curve.assign(method=s.name) for s in self.scores]
        if "random" in set(self.table["method"]) and "random" not in {s.name for s in self.scores}:
            d = self.universe.density
            parts.append(pd.DataFrame({"recall": [0.0, 1.0], "precision": [d, d], "threshold": [np.nan, np.nan], "method": "random"}))
        out = pd.concat(parts, ignore_index=True)
        return out[["method", "recall", "precision", "threshold"]]

    def roc_curves(self) -> pd.DataFrame:
        """ROC curves of every method (long: ``method, fpr, tpr, threshold``); random included."""
        parts = [s.roc_curve.assign(method=s.name) for s in self.scores]
        if "random" in set(self.table["method"]) and "random" not in {s.name for s in self.scores}:
            parts.append(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0], "threshold": [np.nan, np.nan], "method": "random"}))
        out = pd.concat(parts, ignore_index=True)
        return out[["method", "fpr", "tpr", "threshold"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, the universe and one metrics object per method (NaN -> None)."""
        methods = []
        for rec in self.table.to_dict(orient="records"):
            methods.append(jsonable(rec))
        return {"universe": self.universe.to_dict(), "settings": dict(self.settings), "methods": methods}


def score_networks(
    predictions: Mapping[str, pd.DataFrame],
    truth: Truth | pd.DataFrame,
    *,
    prior: Any | None = None,
    random: bool = True,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
    rank_by: str = "abs",
    top_k: int | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    n_permutations: int = 1000,
) -> Evaluation:
    """Score several predicted networks, plus baselines, on one universe.

    Parameters
    ----------
    predictions
        Method name -> prediction table (first = the main one), as for
        :func:`score_network`.
    truth
        The gold standard.
    prior
        A prior network (:class:`~dashgrn.tables.PriorNetwork` or a table
        ``regulator, target[, sign][, weight]``); adds a ``prior-only`` row: prior
        edges ranked first by |weight|, every other pair tied at zero.
    random
        Add the analytic ``random`` row (see :func:`random_baseline`).
    universe, genes, rank_by, top_k, bootstrap, seed, n_permutations
        As for :func:`score_network`; shared by every method.

    Returns
    -------
    Evaluation
        ``.table`` has one row per method.
    """
    _check_options(rank_by, top_k, bootstrap, n_permutations)
    if not predictions:
        msg = "no prediction to score"
        raise ConfigError(msg, hint="give at least one prediction")
    uni = build_universe(truth, universe=universe, genes=genes)
    scores: list[NetworkScore] = []
    kw = {"rank_by": rank_by, "top_k": top_k, "bootstrap": bootstrap, "seed": seed, "n_permutations": n_permutations}
    for name, pred in predictions.items():
        scores.append(_score_on(pred, uni, name=name, **kw))  # type: ignore[arg-type]
    if prior is not None:
        scores.append(_score_on(prior_prediction(prior), uni, name="prior-only", **kw))  # type: ignore[arg-type]
    rows = []
    for s in scores:
        rows.append({"method": s.name, **s.metrics, "source": s.source})
    if random:
        rows.append({"method": "random", **random_baseline(uni, top_k=top_k), "source": "analytic"})
    cols = ["method", *METRICS, *PVALUES]
    if bootstrap:
        cols += [f"{k}_ci_{b}" for k in CI_METRICS for b in ("low", "high")]
    cols += ["n_outside_universe", "source"]
    table = pd.DataFrame(rows)
    for c in cols:
        if c not in table:
            table[c] = np.nan
    table = table[cols]
    table["n_edges"] = table["n_edges"].astype(np.int64)
    table["n_outside_universe"] = table["n_outside_universe"].astype(np.int64)
    settings = {"rank_by": rank_by, "top_k": top_k, "bootstrap": bootstrap, "seed": seed, "n_permutations": n_permutations}
    return Evaluation(table=table, universe=uni, scores=scores, settings=settings)
