"""The universe of scored pairs: the kinds, the counts, listed gold standards, bad options."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scoring_cases import make_pred, make_truth
from sklearn.metrics import average_precision_score, roc_auc_score

from dashgrn import ConfigError, InputError
from dashgrn.evaluate import METRICS, UNIVERSES, build_universe, score_network
from dashgrn.io import read_prediction, read_truth


def test_universe_rules_and_counts() -> None:
    truth = make_truth([("A", "B"), ("A", "C"), ("B", "C")])
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
    truth = make_truth([("A", "B"), ("A", "C")])
    with pytest.raises(ConfigError):
        build_universe(truth, universe="everything")
    with pytest.raises(ConfigError):
        build_universe(truth, universe="genes")
    with pytest.raises(ConfigError):
        build_universe(truth, universe="tf", genes=["A"])
    with pytest.raises(InputError, match="no true edge is inside"):
        build_universe(truth, universe="genes", genes=["X", "Y"])
    with pytest.raises(InputError, match="every pair"):
        build_universe(make_truth([("A", "B"), ("B", "A")]))


def test_dream_listed_pairs_only(tmp_path: Path) -> None:
    gold = tmp_path / "gold.tsv"
    gold.write_text("G1\tG2\t1\nG1\tG3\t0\nG2\tG3\t1\nG3\tG1\t0\nG2\tG1\t0\n", encoding="utf-8")
    truth = read_truth(gold)
    pred = make_pred([("G1", "G2", 0.9), ("G3", "G2", 5.0), ("G2", "G3", 0.4), ("G1", "G3", 0.5)])
    s = score_network(pred, truth)
    assert s.universe.listed and s.universe.n_pairs == 5
    assert "listed pairs only" in s.universe.description
    # G3->G2 is not listed: ignored. Listed scores: G1G2 .9 (T), G1G3 .5, G2G3 .4 (T), G3G1 0, G2G1 0.
    assert s.metrics["n_outside_universe"] == 1
    y = np.array([1, 0, 1, 0, 0])
    sc = np.array([0.9, 0.5, 0.4, 0.0, 0.0])
    assert s.metrics["auroc"] == pytest.approx(roc_auc_score(y, sc))
    assert s.metrics["average_precision"] == pytest.approx(average_precision_score(y, sc))


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


def test_unknown_universe_lists_the_kinds() -> None:
    assert UNIVERSES == ("beeline", "tf", "genes")
    with pytest.raises(ConfigError, match=r"^unknown universe 'everything'$") as info:
        build_universe(make_truth([("A", "B"), ("A", "C")]), universe="everything")
    assert info.value.hint == "choose one of: beeline, tf, genes"
