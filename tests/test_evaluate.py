"""Metrics: invariants, hand-computed cases, BEELINE definitions and cross-checks."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from dashgrn import ConfigError, InputError
from dashgrn.evaluate import (
    CI_METRICS,
    METRICS,
    build_universe,
    early_precision,
    prior_prediction,
    random_baseline,
    score_network,
    score_networks,
)
from dashgrn.io.networks import read_prediction, read_truth
from dashgrn.tables import PriorNetwork


def _pred(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["regulator", "target", "weight"])


def _truth(rows: list[tuple[str, str]] | list[tuple[str, str, int]]) -> pd.DataFrame:
    cols = ["regulator", "target", "sign"] if len(rows[0]) == 3 else ["regulator", "target"]
    return pd.DataFrame(rows, columns=cols)


def _random_network(n_genes: int, n_edges: int, seed: int) -> tuple[list[str], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    genes = [f"g{i:02d}" for i in range(n_genes)]
    pairs = list(itertools.permutations(genes, 2))
    idx = rng.choice(len(pairs), size=n_edges, replace=False)
    truth = pd.DataFrame([pairs[i] for i in idx], columns=["regulator", "target"])
    truth["sign"] = rng.choice([1, -1], size=n_edges)
    return genes, truth


def _all_pairs(genes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(list(itertools.permutations(genes, 2)), columns=["regulator", "target"])


def _labels(pairs: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    key = set(zip(truth["regulator"], truth["target"]))
    return np.array([(r, t) in key for r, t in zip(pairs["regulator"], pairs["target"])], dtype=int)


# --------------------------------------------------------------------------------------
# Invariants


def test_perfect_ranking_gives_auroc_and_ap_one() -> None:
    genes, truth = _random_network(12, 20, seed=1)
    pairs = _all_pairs(genes)
    y = _labels(pairs, truth)
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
    genes, truth = _random_network(12, 20, seed=2)
    pairs = _all_pairs(genes)
    y = _labels(pairs, truth)
    rng = np.random.default_rng(1)
    pairs["weight"] = np.where(y == 1, 0.01 + rng.random(len(y)) * 0.5, 1.0 + rng.random(len(y)))
    m = score_network(pairs, truth, n_permutations=0).metrics
    assert m["auroc"] == pytest.approx(0.0)
    assert m["early_precision"] == 0.0
    assert m["auroc_pvalue"] > 1 - 1e-10
    assert np.isnan(m["average_precision_pvalue"])


def test_shuffled_rankings_average_half() -> None:
    genes, truth = _random_network(20, 40, seed=3)
    pairs = _all_pairs(genes)
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

TRUTH_ABC = _truth([("A", "B"), ("A", "C")])


def test_early_precision_includes_ties_at_kth_weight() -> None:
    # Sorted: AB 0.9 (T), BA 0.5, AC 0.5 (T), CB 0.1. k = 2; the 2nd weight is 0.5,
    # so AB, BA and AC are selected: 2 true of 3.
    m = score_network(_pred([("A", "B", 0.9), ("B", "A", 0.5), ("A", "C", 0.5), ("C", "B", 0.1)]), TRUTH_ABC).metrics
    assert m["early_precision"] == pytest.approx(2 / 3)
    assert m["epr"] == pytest.approx((2 / 3) / (2 / 6))


def test_early_precision_never_selects_zero_weights() -> None:
    # One non-zero weight only: k = 2 but the zero-weight pair BA is not taken.
    m = score_network(_pred([("A", "B", 0.9), ("B", "A", 0.0)]), TRUTH_ABC).metrics
    assert m["early_precision"] == 1.0
    assert m["epr"] == pytest.approx(3.0)
    # Only zero weights: nothing selected, early precision 0 (as BEELINE).
    m0 = score_network(_pred([("A", "B", 0.0)]), TRUTH_ABC).metrics
    assert m0["early_precision"] == 0.0
    assert m0["n_edges"] == 0


def test_early_precision_rounds_weights_to_six_decimals() -> None:
    # 0.30000001 and 0.3 tie after BEELINE's rounding: AB, BA, AC selected (2 of 3 true);
    # without rounding only AB and BA would be (1 of 2).
    pred = _pred([("A", "B", 0.7), ("B", "A", 0.30000001), ("A", "C", 0.3)])
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
    m = score_network(_pred([("A", "B", 1.0), ("B", "A", 1.0)]), TRUTH_ABC).metrics
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
    truth = _truth([("A", "B", 1), ("A", "C", 1), ("B", "D", -1), ("C", "D", -1)])
    pred = _pred([("B", "D", 0.9), ("A", "B", 0.8), ("C", "D", 0.75), ("D", "A", 0.7), ("A", "C", 0.2)])
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
    m = score_network(_pred([("A", "B", 1.0)]), TRUTH_ABC).metrics
    assert np.isnan(m["epr_activating"]) and np.isnan(m["epr_repressing"])
    assert np.isnan(m["sign_accuracy"])


def test_sign_accuracy() -> None:
    truth = _truth([("A", "B", 1), ("A", "C", -1), ("B", "C", 1)])
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
# Universe rules


def test_universe_rules_and_counts() -> None:
    truth = _truth([("A", "B"), ("A", "C"), ("B", "C")])
    u = build_universe(truth)
    assert (u.kind, u.n_pairs, u.n_positive) == ("beeline", 6, 3)
    assert u.density == pytest.approx(0.5)
    assert "6 pairs" in u.description and "3 true edges" in u.description
    tf = build_universe(truth, universe="tf")  # regulators A, B x genes A, B, C, no self-pairs
    assert tf.n_pairs == 4
    g = build_universe(truth, universe="genes", genes=["A", "B", "D", "E"])  # A->B only survives
    assert (g.n_pairs, g.n_positive, g.n_truth_dropped) == (12, 1, 2)
    assert "2 true edges outside the universe dropped" in g.description


def test_universe_option_errors() -> None:
    truth = _truth([("A", "B"), ("A", "C")])
    with pytest.raises(ConfigError):
        build_universe(truth, universe="everything")
    with pytest.raises(ConfigError):
        build_universe(truth, universe="genes")
    with pytest.raises(ConfigError):
        build_universe(truth, universe="tf", genes=["A"])
    with pytest.raises(InputError, match="no true edge is inside"):
        build_universe(truth, universe="genes", genes=["X", "Y"])
    with pytest.raises(InputError, match="every pair"):
        build_universe(_truth([("A", "B"), ("B", "A")]))


def test_missing_duplicates_outside_and_self_loops() -> None:
    pred = _pred(
        [
            ("A", "B", 0.2),
            ("A", "B", -0.9),  # duplicate: the largest |weight| (0.9) is kept
            ("B", "A", 0.5),
            ("A", "A", 5.0),  # self-loop: outside the universe
            ("A", "Z", 3.0),  # unknown gene: outside
            ("A", "Z", 1.0),  # same outside pair again
        ]
    )
    s = score_network(pred, TRUTH_ABC)
    m = s.metrics
    assert m["n_outside_universe"] == 2
    assert m["n_edges"] == 2
    # AB 0.9 > BA 0.5 > the rest 0 (AC true, missing -> 0): early precision at k=2 takes AB, BA.
    assert m["early_precision"] == pytest.approx(0.5)
    # AUROC: AB beats all 4 negatives (4); AC ties 3 zero negatives, loses to BA (1.5) -> 5.5/8.
    assert m["auroc"] == pytest.approx(5.5 / 8)


def test_rank_by_raw_puts_negative_scores_low() -> None:
    # PANDA-like: negative force = unlikely. Under abs, BA (-3) would rank first.
    pred = _pred([("A", "B", 1.0), ("B", "A", -3.0), ("A", "C", 0.5), ("C", "A", -1.0), ("B", "C", -2.0), ("C", "B", -2.5)])
    raw = score_network(pred, TRUTH_ABC, rank_by="raw").metrics
    assert raw["auroc"] == pytest.approx(1.0)
    assert raw["n_edges"] == 2  # positive scores only
    ab = score_network(pred, TRUTH_ABC, rank_by="abs").metrics
    assert ab["auroc"] < 0.5


def test_raw_ranks_missing_pairs_below_listed_ones() -> None:
    pred = _pred([("A", "B", -1.0), ("A", "C", -2.0)])  # only true edges listed, both negative
    assert score_network(pred, TRUTH_ABC, rank_by="raw").metrics["auroc"] == pytest.approx(1.0)


def test_top_k_predicted_set() -> None:
    pred = _pred([("A", "B", 0.9), ("B", "A", 0.8), ("A", "C", 0.7), ("C", "B", 0.6)])
    m = score_network(pred, TRUTH_ABC, top_k=1).metrics
    assert (m["n_edges"], m["precision"], m["recall"]) == (1, 1.0, 0.5)
    m3 = score_network(pred, TRUTH_ABC, top_k=3).metrics
    assert (m3["n_edges"], m3["precision"], m3["recall"]) == (3, pytest.approx(2 / 3), 1.0)
    # Ranking metrics do not depend on top_k.
    assert m["auroc"] == m3["auroc"]


def test_dream_listed_pairs_only(tmp_path: Path) -> None:
    gold = tmp_path / "gold.tsv"
    gold.write_text("G1\tG2\t1\nG1\tG3\t0\nG2\tG3\t1\nG3\tG1\t0\nG2\tG1\t0\n", encoding="utf-8")
    truth = read_truth(gold)
    pred = _pred([("G1", "G2", 0.9), ("G3", "G2", 5.0), ("G2", "G3", 0.4), ("G1", "G3", 0.5)])
    s = score_network(pred, truth)
    assert s.universe.listed and s.universe.n_pairs == 5
    assert "listed pairs only" in s.universe.description
    # G3->G2 is not listed: ignored. Listed scores: G1G2 .9 (T), G1G3 .5, G2G3 .4 (T), G3G1 0, G2G1 0.
    assert s.metrics["n_outside_universe"] == 1
    y = np.array([1, 0, 1, 0, 0])
    sc = np.array([0.9, 0.5, 0.4, 0.0, 0.0])
    assert s.metrics["auroc"] == pytest.approx(roc_auc_score(y, sc))
    assert s.metrics["average_precision"] == pytest.approx(average_precision_score(y, sc))


def test_no_gene_overlap_is_an_input_error() -> None:
    pred = _pred([("X", "Y", 1.0)])
    pred.attrs["source"] = "pred.tsv"
    with pytest.raises(InputError, match=r"^pred.tsv: no gene in common with the truth") as info:
        score_network(pred, TRUTH_ABC)
    assert info.value.hint


def test_option_validation() -> None:
    pred = _pred([("A", "B", 1.0)])
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, rank_by="rank")
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, top_k=0)
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, bootstrap=-1)


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
    genes, truth = _random_network(15, 25, seed=seed)
    rng = np.random.default_rng(seed)
    pairs = _all_pairs(genes)
    # A sparse prediction with ties, signed weights and a duplicate; 60% of pairs missing.
    listed = pairs.sample(frac=0.4, random_state=seed).copy()
    listed["weight"] = np.round(rng.normal(size=len(listed)), 1)
    listed = pd.concat([listed, listed.iloc[:3].assign(weight=0.0)], ignore_index=True)
    s = score_network(listed, truth, n_permutations=0)
    # Full universe by hand: missing -> 0, duplicates -> max |w|.
    best = listed.assign(score=listed["weight"].abs()).groupby(["regulator", "target"])["score"].max()
    full = pairs.merge(best.reset_index(), how="left", on=["regulator", "target"]).fillna({"score": 0.0})
    y = _labels(full, truth)
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


def test_ap_permutation_pvalue_is_seeded_and_calibrated() -> None:
    genes, truth = _random_network(15, 25, seed=7)
    pairs = _all_pairs(genes)
    pairs["weight"] = np.random.default_rng(5).random(len(pairs))
    a = score_network(pairs, truth, seed=3, n_permutations=300).metrics["average_precision_pvalue"]
    b = score_network(pairs, truth, seed=3, n_permutations=300).metrics["average_precision_pvalue"]
    assert a == b
    assert 0.02 < a <= 1.0  # a random prediction is not significant
    y = _labels(pairs, truth)
    pairs["weight"] = y + 0.5 * np.random.default_rng(6).random(len(pairs))  # perfect
    assert score_network(pairs, truth, n_permutations=300).metrics["average_precision_pvalue"] == pytest.approx(1 / 301)


def test_bootstrap_intervals() -> None:
    genes, truth = _random_network(15, 25, seed=4)
    pairs = _all_pairs(genes)
    y = _labels(pairs, truth)
    pairs["weight"] = y * 0.5 + np.random.default_rng(2).random(len(pairs))
    m1 = score_network(pairs, truth, bootstrap=50, seed=11, n_permutations=0).metrics
    m2 = score_network(pairs, truth, bootstrap=50, seed=11, n_permutations=0).metrics
    m3 = score_network(pairs, truth, bootstrap=50, seed=12, n_permutations=0).metrics
    for k in CI_METRICS:
        assert m1[f"{k}_ci_low"] == m2[f"{k}_ci_low"]
        assert m1[f"{k}_ci_low"] <= m1[k] + 1e-9 <= m1[f"{k}_ci_high"] + 2e-9
        assert m1[f"{k}_ci_low"] < m1[f"{k}_ci_high"]
    assert m1["auroc_ci_low"] != m3["auroc_ci_low"]
    assert "auroc_ci_low" not in score_network(pairs, truth, n_permutations=0).metrics


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


def test_sim350_universes(shared_data: Path) -> None:
    from dashgrn.io import read_gene_list

    pred = read_prediction(shared_data / "sim350_prior_noise_0.05.tsv")
    truth = read_truth(shared_data / "sim350_truth.tsv")
    genes = read_gene_list(shared_data / "sim350_genes.tsv")
    g = score_network(pred, truth, universe="genes", genes=genes, n_permutations=0)
    b = score_network(pred, truth, n_permutations=0)
    # All 350 genes are in the truth: --universe genes with the full list is the same universe.
    assert g.universe.n_pairs == b.universe.n_pairs
    for k in METRICS:
        assert g.metrics[k] == pytest.approx(b.metrics[k], nan_ok=True)
    # tf: 97 truth regulators x 350 genes minus 97 self-pairs. 39 relocated prior edges
    # start at a non-regulator and fall outside; 495 of the 511 inside are true.
    tf = score_network(pred, truth, universe="tf", n_permutations=0)
    assert tf.universe.n_pairs == 97 * 350 - 97
    assert tf.metrics["n_outside_universe"] == 39
    assert tf.metrics["precision"] == pytest.approx(495 / 511)
    assert tf.metrics["recall"] == pytest.approx(0.9)


# --------------------------------------------------------------------------------------
# Baselines and the multi-method table


def test_random_baseline_is_analytic() -> None:
    u = build_universe(_truth([("A", "B", 1), ("A", "C", -1)]))
    r = random_baseline(u)
    assert r["auroc"] == 0.5
    assert r["average_precision"] == pytest.approx(1 / 3)
    assert r["epr"] == r["auprc_ratio"] == r["epr_activating"] == r["epr_repressing"] == 1.0
    assert r["balanced_accuracy"] == 0.5
    assert r["n_edges"] == 2
    assert random_baseline(u, top_k=3)["recall"] == pytest.approx(3 / 6)


def test_score_networks_table_with_prior_and_random() -> None:
    truth = _truth([("A", "B", 1), ("A", "C", -1), ("B", "C", 1)])
    prior = PriorNetwork(
        edges=pd.DataFrame(
            {"regulator": ["A", "B"], "target": ["B", "A"], "sign": np.array([1, -1], dtype=np.int8), "weight": [1.0, 2.0]}
        ),
        source="prior.tsv",
    )
    ev = score_networks(
        {"mine": _pred([("A", "B", 0.9), ("A", "C", 0.5)]), "other": _pred([("C", "A", 1.0)])},
        truth,
        prior=prior,
        n_permutations=0,
    )
    t = ev.table
    assert t["method"].tolist() == ["mine", "other", "prior-only", "random"]
    assert list(t.columns[1 : 1 + len(METRICS)]) == list(METRICS)
    prior_row = t.set_index("method").loc["prior-only"]
    # Prior: BA (weight 2, false) ranked above AB (weight 1, true); the rest tied at 0.
    assert prior_row["n_edges"] == 2 and prior_row["precision"] == pytest.approx(0.5)
    assert prior_row["source"] == "prior.tsv"
    pr, roc = ev.pr_curves(), ev.roc_curves()
    assert set(pr["method"]) == set(roc["method"]) == {"mine", "other", "prior-only", "random"}
    doc = ev.to_dict()
    assert doc["universe"]["n_pairs"] == 6
    assert doc["methods"][0]["method"] == "mine"
    assert doc["methods"][3]["auroc_pvalue"] is None  # NaN -> null


def test_prior_prediction_from_dataframe() -> None:
    table = prior_prediction(pd.DataFrame({"regulator": ["A"], "target": ["B"], "sign": [-1], "weight": [-2.0]}))
    assert table["weight"].tolist() == [2.0]
    assert table["sign"].tolist() == [-1]


def test_group_kernel_of_the_bootstrap_matches_sklearn() -> None:
    from sklearn.metrics import auc, precision_recall_curve

    from dashgrn.evaluate import _group_curve_metrics

    rng = np.random.default_rng(9)
    s = np.round(rng.random(400), 1)  # many ties
    y = (rng.random(400) < 0.2).astype(int)
    w = rng.integers(0, 4, size=400).astype(float)  # bootstrap-like counts, zeros included
    order = np.unique(-s, return_inverse=True)[1]
    pos = np.bincount(order, weights=w * y)
    neg = np.bincount(order, weights=w * (1 - y))
    auroc, ap, trap = _group_curve_metrics(pos, neg)
    keep = w > 0
    assert auroc == pytest.approx(roc_auc_score(y[keep], s[keep], sample_weight=w[keep]), abs=1e-12)
    assert ap == pytest.approx(average_precision_score(y[keep], s[keep], sample_weight=w[keep]), abs=1e-12)
    p, r, _ = precision_recall_curve(y[keep], s[keep], sample_weight=w[keep])
    assert trap == pytest.approx(auc(r, p), abs=1e-12)


def test_bootstrap_early_precision_kernel_matches_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a multinomial that returns the original weights, every replicate equals the point estimate."""
    genes, truth = _random_network(12, 15, seed=8)
    pairs = _all_pairs(genes).sample(frac=0.5, random_state=1)
    pairs["weight"] = np.round(np.random.default_rng(3).random(len(pairs)), 2)  # ties
    point = score_network(pairs, truth, n_permutations=0).metrics

    class Identity:
        def multinomial(self, n: int, p: np.ndarray) -> np.ndarray:
            return np.rint(p * n)

    import dashgrn.evaluate as ev

    monkeypatch.setattr(ev.np.random, "default_rng", lambda *a, **k: Identity())
    m = score_network(pairs, truth, bootstrap=3, n_permutations=0).metrics
    for k in CI_METRICS:
        assert m[f"{k}_ci_low"] == pytest.approx(point[k], abs=1e-12)
        assert m[f"{k}_ci_high"] == pytest.approx(point[k], abs=1e-12)
