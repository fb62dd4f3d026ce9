"""The metrics: one registry test per metric, invariants, hand-computed cases, BEELINE cross-checks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scoring_cases import TRUTH_ABC, all_pairs, make_pred, make_truth, random_network, true_labels
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

from dashgrn import ConfigError
from dashgrn.evaluate import METRIC_DEFINITIONS, METRICS, PVALUES, build_universe, early_precision, score_network
from dashgrn.evaluate._rows import Rows, prepare_rows
from dashgrn.evaluate._universe import Universe
from dashgrn.io import read_prediction, read_truth


# --------------------------------------------------------------------------------------
# Invariants


def test_perfect_ranking_gives_auroc_and_ap_one() -> None:
    genes, truth = random_network(12, 20, seed=1)
    pairs = all_pairs(genes)
    y = true_labels(pairs, truth)
    rng = np.random.default_rng(0)
    pairs["weight"] = np.where(y == 1, 1.0 + rng.random(len(y)), rng.random(len(y)) * 0.9)
    m = score_network(pairs, truth, n_permutations=200).metrics
    assert m["auroc"] == pytest.approx(1.0)
    assert m["average_precision"] == pytest.approx(1.0)
    assert m["auprc_trapezoid"] == pytest.approx(1.0)
    assert m["early_precision"] == pytest.approx(1.0)
    assert m["average_precision_pvalue"] == pytest.approx(1 / 201)
    assert m["auroc_pvalue"] < 1e-10


def test_reversed_ranking_gives_auroc_zero() -> None:
    genes, truth = random_network(12, 20, seed=2)
    pairs = all_pairs(genes)
    y = true_labels(pairs, truth)
    rng = np.random.default_rng(1)
    pairs["weight"] = np.where(y == 1, 0.01 + rng.random(len(y)) * 0.5, 1.0 + rng.random(len(y)))
    m = score_network(pairs, truth, n_permutations=0).metrics
    assert m["auroc"] == pytest.approx(0.0)
    assert m["early_precision"] == 0.0
    assert m["auroc_pvalue"] > 1 - 1e-10
    assert np.isnan(m["average_precision_pvalue"])


def test_shuffled_rankings_average_half() -> None:
    genes, truth = random_network(20, 40, seed=3)
    pairs = all_pairs(genes)
    aurocs, eprs = [], []
    for seed in range(30):
        pairs["weight"] = np.random.default_rng(100 + seed).random(len(pairs))
        m = score_network(pairs, truth, n_permutations=0).metrics
        aurocs.append(m["auroc"])
        eprs.append(m["epr"])
    assert np.mean(aurocs) == pytest.approx(0.5, abs=0.03)
    assert np.mean(eprs) == pytest.approx(1.0, abs=0.35)
    assert np.std(aurocs) > 0.01  # the shuffles really differ


# --------------------------------------------------------------------------------------
# Hand-computed cases (3 genes A, B, C: 6 ordered pairs; truth A->B, A->C; density 1/3)


def test_early_precision_includes_ties_at_kth_weight() -> None:
    # Sorted: AB 0.9 (T), BA 0.5, AC 0.5 (T), CB 0.1. k = 2; the 2nd weight is 0.5,
    # so AB, BA and AC are selected: 2 true of 3.
    m = score_network(make_pred([("A", "B", 0.9), ("B", "A", 0.5), ("A", "C", 0.5), ("C", "B", 0.1)]), TRUTH_ABC).metrics
    assert m["early_precision"] == pytest.approx(2 / 3)
    assert m["epr"] == pytest.approx((2 / 3) / (2 / 6))


def test_early_precision_never_selects_zero_weights() -> None:
    # One non-zero weight only: k = 2 but the zero-weight pair BA is not taken.
    m = score_network(make_pred([("A", "B", 0.9), ("B", "A", 0.0)]), TRUTH_ABC).metrics
    assert m["early_precision"] == 1.0
    assert m["epr"] == pytest.approx(3.0)
    # Only zero weights: nothing selected, early precision 0 (as BEELINE).
    m0 = score_network(make_pred([("A", "B", 0.0)]), TRUTH_ABC).metrics
    assert m0["early_precision"] == 0.0
    assert m0["n_edges"] == 0


def test_early_precision_rounds_weights_to_six_decimals() -> None:
    # 0.30000001 and 0.3 tie after BEELINE's rounding: AB, BA, AC selected (2 of 3 true);
    # without rounding only AB and BA would be (1 of 2).
    pred = make_pred([("A", "B", 0.7), ("B", "A", 0.30000001), ("A", "C", 0.3)])
    assert score_network(pred, TRUTH_ABC).metrics["early_precision"] == pytest.approx(2 / 3)
    s = np.array([0.7, 0.30000001, 0.3])
    y = np.array([1, 0, 1])
    assert early_precision(s, y, k=2, decimals=None) == pytest.approx(1 / 2)
    assert early_precision(s, y, k=2) == pytest.approx(2 / 3)


def test_binary_predictor_trapezoid_differs_from_ap() -> None:
    # Predicted: AB (true) and BA (false), both weight 1; the other 4 pairs score 0.
    # PR points: threshold 1 -> P 1/2, R 1/2; threshold 0 -> P 2/6, R 1; plus (R 0, P 1).
    # AP  = 1/2 * 1/2 + 1/2 * 1/3                              = 5/12
    # trapezoid = 1/2 * (1 + 1/2)/2 + 1/2 * (1/2 + 1/3)/2       = 7/12
    m = score_network(make_pred([("A", "B", 1.0), ("B", "A", 1.0)]), TRUTH_ABC).metrics
    assert m["average_precision"] == pytest.approx(5 / 12)
    assert m["auprc_trapezoid"] == pytest.approx(7 / 12)
    assert m["auprc_ratio"] == pytest.approx((5 / 12) / (1 / 3))
    # AUROC by hand: AB ties BA (1/2), beats 3 zeros (3); AC loses to BA, ties 3 zeros (3/2): 5/8.
    assert m["auroc"] == pytest.approx(5 / 8)
    # Predicted set {AB, BA}: TP 1, FP 1, FN 1, TN 3.
    assert m["precision"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["f1"] == pytest.approx(0.5)
    assert m["balanced_accuracy"] == pytest.approx((1 / 2 + 3 / 4) / 2)
    assert m["n_edges"] == 2


def test_signed_epr_hand_computed() -> None:
    # 4 genes, 12 pairs. Activating A->B, A->C; repressing B->D, C->D.
    truth = make_truth([("A", "B", 1), ("A", "C", 1), ("B", "D", -1), ("C", "D", -1)])
    pred = make_pred([("B", "D", 0.9), ("A", "B", 0.8), ("C", "D", 0.75), ("D", "A", 0.7), ("A", "C", 0.2)])
    m = score_network(pred, truth).metrics
    # Activating: repressing edges leave the universe (10 pairs, density 2/10); k = 2;
    # candidates AB .8, DA .7, AC .2 -> AB, DA selected -> 1/2 -> EPR 2.5.
    assert m["epr_activating"] == pytest.approx(2.5)
    # Repressing: activating edges leave (10 pairs, density 2/10); k = 2;
    # candidates BD .9, CD .75, DA .7 -> BD, CD -> 1 -> EPR 5.
    assert m["epr_repressing"] == pytest.approx(5.0)
    # Unsigned EPR: k = 4 over 12 pairs; BD, AB, CD, DA selected -> 3/4 / (4/12).
    assert m["epr"] == pytest.approx(2.25)


def test_signed_epr_nan_for_unsigned_truth() -> None:
    m = score_network(make_pred([("A", "B", 1.0)]), TRUTH_ABC).metrics
    assert np.isnan(m["epr_activating"]) and np.isnan(m["epr_repressing"])
    assert np.isnan(m["sign_accuracy"])


def test_sign_accuracy() -> None:
    truth = make_truth([("A", "B", 1), ("A", "C", -1), ("B", "C", 1)])
    pred = pd.DataFrame(
        {
            "regulator": ["A", "A", "B", "C"],
            "target": ["B", "C", "C", "A"],
            "weight": [1.0, 1.0, 1.0, 1.0],
            "sign": [1, 1, 0, -1],  # AB right, AC wrong, BC unknown sign, CA not a true edge
        }
    )
    assert score_network(pred, truth).metrics["sign_accuracy"] == pytest.approx(0.5)


# --------------------------------------------------------------------------------------
# Cross-checks against scikit-learn, scipy and a direct numpy BEELINE implementation


def _beeline_trapezoid_numpy(y: np.ndarray, s: np.ndarray) -> float:
    """BEELINE's AUPRC from scratch: PR points at every distinct threshold, (R 0, P 1) added, trapezoid."""
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    tp = np.cumsum(y)[last]
    n_sel = last + 1
    precision = np.r_[1.0, tp / n_sel]
    recall = np.r_[0.0, tp / tp[-1]]
    return float(np.sum(np.diff(recall) * (precision[1:] + precision[:-1]) / 2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cross_check_against_full_arrays(seed: int) -> None:
    genes, truth = random_network(15, 25, seed=seed)
    rng = np.random.default_rng(seed)
    pairs = all_pairs(genes)
    # A sparse prediction with ties, signed weights and a duplicate; 60% of pairs missing.
    listed = pairs.sample(frac=0.4, random_state=seed).copy()
    listed["weight"] = np.round(rng.normal(size=len(listed)), 1)
    listed = pd.concat([listed, listed.iloc[:3].assign(weight=0.0)], ignore_index=True)
    s = score_network(listed, truth, n_permutations=0)
    # Full universe by hand: missing -> 0, duplicates -> max |w|.
    best = listed.assign(score=listed["weight"].abs()).groupby(["regulator", "target"])["score"].max()
    full = pairs.merge(best.reset_index(), how="left", on=["regulator", "target"]).fillna({"score": 0.0})
    y = true_labels(full, truth)
    sc = full["score"].to_numpy()
    assert len(y) == s.universe.n_pairs == 15 * 14
    assert s.metrics["auroc"] == pytest.approx(roc_auc_score(y, sc), abs=1e-12)
    assert s.metrics["average_precision"] == pytest.approx(average_precision_score(y, sc), abs=1e-12)
    assert s.metrics["auprc_trapezoid"] == pytest.approx(_beeline_trapezoid_numpy(y, sc), abs=1e-12)
    # Early precision straight from BEELINE's recipe on the full arrays.
    r = np.round(sc, 6)
    k = int(y.sum())
    srt = np.sort(r)[::-1]
    cutoff = max(srt[min(len(r), k) - 1], r[r > 0].min())
    sel = r >= cutoff
    assert s.metrics["early_precision"] == pytest.approx(y[sel].sum() / sel.sum())
    # AUROC p-value: scipy's tie-corrected asymptotic Mann-Whitney, one-sided.
    from scipy.stats import mannwhitneyu

    ref = mannwhitneyu(sc[y == 1], sc[y == 0], alternative="greater", method="asymptotic", use_continuity=False)
    assert s.metrics["auroc_pvalue"] == pytest.approx(ref.pvalue, rel=1e-9)


# --------------------------------------------------------------------------------------
# SIM350: the 5%-noise prior scored as a prediction


def test_sim350_noisy_prior_precision_recall_balanced_accuracy(shared_data: Path) -> None:
    pred = read_prediction(shared_data / "sim350_prior_noise_0.05.tsv")
    truth = read_truth(shared_data / "sim350_truth.tsv")
    s = score_network(pred, truth, n_permutations=0)
    # The truth covers all 350 genes, so BEELINE's universe is 350 x 349 pairs.
    assert s.universe.n_pairs == 350 * 349 == 122_150
    assert s.universe.n_positive == 550
    m = s.metrics
    assert m["n_edges"] == 550 and m["n_outside_universe"] == 0
    assert m["precision"] == pytest.approx(0.9)  # 495 of the 550 prior edges are true
    assert m["recall"] == pytest.approx(0.9)
    # TPR 0.9, TNR 1 - 55 / 121,600: BA = 0.94977.
    assert m["balanced_accuracy"] == pytest.approx((0.9 + 1 - 55 / 121_600) / 2)
    assert m["balanced_accuracy"] == pytest.approx(0.95, abs=1e-3)
    assert m["sign_accuracy"] == 1.0  # the noisy priors keep signs
    # A binary predictor: AUROC equals its balanced accuracy, early precision its precision.
    assert m["auroc"] == pytest.approx(m["balanced_accuracy"])
    assert m["early_precision"] == pytest.approx(0.9)


# --------------------------------------------------------------------------------------
# The registry: one test per metric (``test_metric_<name>``), each looking the metric up
# by name and checking it against scikit-learn or numpy on the full n_pairs arrays.


@dataclass
class Case:
    """A sparse signed prediction with ties and zeros, laid over a 15-gene universe."""

    rows: Rows
    uni: Universe
    values: dict[str, float]  # every metric, as score_network computes them
    y: np.ndarray  # full arrays over the 210 pairs: true edge,
    s: np.ndarray  # score (missing pairs 0),
    tsign: np.ndarray  # truth sign,
    psign: np.ndarray  # predicted sign (missing pairs 0)


@pytest.fixture(scope="module")
def case() -> Case:
    genes, truth = random_network(15, 25, seed=5)
    rng = np.random.default_rng(5)
    pairs = all_pairs(genes)
    listed = pairs.sample(frac=0.4, random_state=5).reset_index(drop=True)
    listed["weight"] = np.abs(np.round(rng.normal(size=len(listed)), 1))  # ties, and zeros
    listed["sign"] = rng.choice([1, -1, 0], size=len(listed))
    uni = build_universe(truth)
    rows = prepare_rows(listed, uni, rank_by="abs", top_k=None, source="case")
    values = score_network(listed, truth, n_permutations=0).metrics
    full = pairs.merge(listed, how="left", on=["regulator", "target"]).fillna({"weight": 0.0, "sign": 0})
    tsign = full.merge(truth, how="left", on=["regulator", "target"], suffixes=("", "_t"))["sign_t"].fillna(0)
    assert len(full) == uni.n_pairs == 15 * 14
    return Case(rows, uni, values, true_labels(full, truth), full["weight"].to_numpy(), tsign.to_numpy(dtype=int),
                full["sign"].to_numpy(dtype=int))


def _compute(case: Case, name: str) -> float:
    return METRICS.get(name).compute(case.rows, case.uni, case.values)


def _beeline_early_precision(y: np.ndarray, s: np.ndarray) -> float:
    """BEELINE's recipe on full arrays: k = true edges, cut-off = k-th rounded score (> 0), ties in."""
    r = np.round(s, 6)
    srt = np.sort(r)[::-1]
    cutoff = max(srt[min(len(r), int(y.sum())) - 1], r[r > 0].min())
    sel = r >= cutoff
    return y[sel].sum() / sel.sum()


def _signed_epr_full(case: Case, sign: int) -> float:
    keep = ~((case.y == 1) & (case.tsign != sign))  # true edges of the other sign leave
    y = ((case.y == 1) & (case.tsign == sign)).astype(int)[keep]
    return _beeline_early_precision(y, case.s[keep]) / y.mean()


def test_metric_auroc(case: Case) -> None:
    assert _compute(case, "auroc") == pytest.approx(roc_auc_score(case.y, case.s), abs=1e-12)


def test_metric_average_precision(case: Case) -> None:
    assert _compute(case, "average_precision") == pytest.approx(average_precision_score(case.y, case.s), abs=1e-12)


def test_metric_auprc_trapezoid(case: Case) -> None:
    assert _compute(case, "auprc_trapezoid") == pytest.approx(_beeline_trapezoid_numpy(case.y, case.s), abs=1e-12)


def test_metric_auprc_ratio(case: Case) -> None:
    want = average_precision_score(case.y, case.s) / case.y.mean()
    assert _compute(case, "auprc_ratio") == pytest.approx(want, rel=1e-12)


def test_metric_early_precision(case: Case) -> None:
    assert _compute(case, "early_precision") == pytest.approx(_beeline_early_precision(case.y, case.s))


def test_metric_epr(case: Case) -> None:
    want = _beeline_early_precision(case.y, case.s) / case.y.mean()
    assert _compute(case, "epr") == pytest.approx(want, rel=1e-12)


def test_metric_epr_activating(case: Case) -> None:
    assert _compute(case, "epr_activating") == pytest.approx(_signed_epr_full(case, 1), rel=1e-12)


def test_metric_epr_repressing(case: Case) -> None:
    assert _compute(case, "epr_repressing") == pytest.approx(_signed_epr_full(case, -1), rel=1e-12)


def test_metric_sign_accuracy(case: Case) -> None:
    both = (case.s > 0) & (case.y == 1) & (case.tsign != 0) & (case.psign != 0)
    assert both.sum() >= 3
    assert _compute(case, "sign_accuracy") == pytest.approx((case.psign[both] == case.tsign[both]).mean())


def test_metric_precision(case: Case) -> None:
    assert _compute(case, "precision") == pytest.approx(precision_score(case.y, case.s > 0), rel=1e-12)


def test_metric_recall(case: Case) -> None:
    assert _compute(case, "recall") == pytest.approx(recall_score(case.y, case.s > 0), rel=1e-12)


def test_metric_f1(case: Case) -> None:
    assert _compute(case, "f1") == pytest.approx(f1_score(case.y, case.s > 0), rel=1e-12)


def test_metric_balanced_accuracy(case: Case) -> None:
    want = balanced_accuracy_score(case.y, case.s > 0)
    assert _compute(case, "balanced_accuracy") == pytest.approx(want, rel=1e-12)


def test_metric_n_edges(case: Case) -> None:
    got = _compute(case, "n_edges")
    assert isinstance(got, int) and got == int((case.s > 0).sum())


def test_every_registered_metric_has_its_test() -> None:
    tested = {name.removeprefix("test_metric_") for name in globals() if name.startswith("test_metric_")}
    assert tested == set(METRICS)


def test_registry_order_is_the_table_order() -> None:
    assert list(METRICS) == [
        "auroc", "average_precision", "auprc_trapezoid", "auprc_ratio", "early_precision", "epr",
        "epr_activating", "epr_repressing", "sign_accuracy", "precision", "recall", "f1",
        "balanced_accuracy", "n_edges",
    ]
    assert list(METRIC_DEFINITIONS) == [*METRICS, *PVALUES, "n_outside_universe"]
    assert all(METRIC_DEFINITIONS.values())


def test_unknown_metric_lists_the_registered_ones() -> None:
    with pytest.raises(ConfigError, match=r"^metric must be one of auroc, average_precision, .*, n_edges, got 'auc'$"):
        METRICS.get("auc")
    assert "auc" not in METRICS
