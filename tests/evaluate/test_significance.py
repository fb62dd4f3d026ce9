"""p-values and bootstrap intervals: seeded, calibrated, and their kernels checked against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from scoring_cases import all_pairs, random_network, true_labels
from sklearn.metrics import average_precision_score, roc_auc_score

from dashgrn.evaluate import CI_METRICS, score_network


def test_ap_permutation_pvalue_is_seeded_and_calibrated() -> None:
    genes, truth = random_network(15, 25, seed=7)
    pairs = all_pairs(genes)
    pairs["weight"] = np.random.default_rng(5).random(len(pairs))
    a = score_network(pairs, truth, seed=3, n_permutations=300).metrics["average_precision_pvalue"]
    b = score_network(pairs, truth, seed=3, n_permutations=300).metrics["average_precision_pvalue"]
    assert a == b
    assert 0.02 < a <= 1.0  # a random prediction is not significant
    y = true_labels(pairs, truth)
    pairs["weight"] = y + 0.5 * np.random.default_rng(6).random(len(pairs))  # perfect
    assert score_network(pairs, truth, n_permutations=300).metrics["average_precision_pvalue"] == pytest.approx(1 / 301)


def test_bootstrap_intervals() -> None:
    genes, truth = random_network(15, 25, seed=4)
    pairs = all_pairs(genes)
    y = true_labels(pairs, truth)
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


def test_group_kernel_of_the_bootstrap_matches_sklearn() -> None:
    from sklearn.metrics import auc, precision_recall_curve

    from dashgrn.evaluate._significance import group_curve_metrics

    rng = np.random.default_rng(9)
    s = np.round(rng.random(400), 1)  # many ties
    y = (rng.random(400) < 0.2).astype(int)
    w = rng.integers(0, 4, size=400).astype(float)  # bootstrap-like counts, zeros included
    order = np.unique(-s, return_inverse=True)[1]
    pos = np.bincount(order, weights=w * y)
    neg = np.bincount(order, weights=w * (1 - y))
    auroc, ap, trap = group_curve_metrics(pos, neg)
    keep = w > 0
    assert auroc == pytest.approx(roc_auc_score(y[keep], s[keep], sample_weight=w[keep]), abs=1e-12)
    assert ap == pytest.approx(average_precision_score(y[keep], s[keep], sample_weight=w[keep]), abs=1e-12)
    p, r, _ = precision_recall_curve(y[keep], s[keep], sample_weight=w[keep])
    assert trap == pytest.approx(auc(r, p), abs=1e-12)


def test_bootstrap_early_precision_kernel_matches_definition(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a multinomial that returns the original weights, every replicate equals the point estimate."""
    genes, truth = random_network(12, 15, seed=8)
    pairs = all_pairs(genes).sample(frac=0.5, random_state=1)
    pairs["weight"] = np.round(np.random.default_rng(3).random(len(pairs)), 2)  # ties
    point = score_network(pairs, truth, n_permutations=0).metrics

    class Identity:
        def multinomial(self, n: int, p: np.ndarray) -> np.ndarray:
            return np.rint(p * n)

    import dashgrn.evaluate._score as scoring

    monkeypatch.setattr(scoring.np.random, "default_rng", lambda *a, **k: Identity())
    m = score_network(pairs, truth, bootstrap=3, n_permutations=0).metrics
    for k in CI_METRICS:
        assert m[f"{k}_ci_low"] == pytest.approx(point[k], abs=1e-12)
        assert m[f"{k}_ci_high"] == pytest.approx(point[k], abs=1e-12)
