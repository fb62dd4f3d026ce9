"""A prediction laid over the universe: missing, duplicate and outside pairs, rank_by, top_k."""

from __future__ import annotations

import pytest
from scoring_cases import TRUTH_ABC, make_pred

from dashgrn import InputError
from dashgrn.evaluate import score_network


def test_missing_duplicates_outside_and_self_loops() -> None:
    pred = make_pred(
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
    pred = make_pred([("A", "B", 1.0), ("B", "A", -3.0), ("A", "C", 0.5), ("C", "A", -1.0), ("B", "C", -2.0), ("C", "B", -2.5)])
    raw = score_network(pred, TRUTH_ABC, rank_by="raw").metrics
    assert raw["auroc"] == pytest.approx(1.0)
    assert raw["n_edges"] == 2  # positive scores only
    ab = score_network(pred, TRUTH_ABC, rank_by="abs").metrics
    assert ab["auroc"] < 0.5


def test_raw_ranks_missing_pairs_below_listed_ones() -> None:
    pred = make_pred([("A", "B", -1.0), ("A", "C", -2.0)])  # only true edges listed, both negative
    assert score_network(pred, TRUTH_ABC, rank_by="raw").metrics["auroc"] == pytest.approx(1.0)


def test_top_k_predicted_set() -> None:
    pred = make_pred([("A", "B", 0.9), ("B", "A", 0.8), ("A", "C", 0.7), ("C", "B", 0.6)])
    m = score_network(pred, TRUTH_ABC, top_k=1).metrics
    assert (m["n_edges"], m["precision"], m["recall"]) == (1, 1.0, 0.5)
    m3 = score_network(pred, TRUTH_ABC, top_k=3).metrics
    assert (m3["n_edges"], m3["precision"], m3["recall"]) == (3, pytest.approx(2 / 3), 1.0)
    # Ranking metrics do not depend on top_k.
    assert m["auroc"] == m3["auroc"]


def test_no_gene_overlap_is_an_input_error() -> None:
    pred = make_pred([("X", "Y", 1.0)])
    pred.attrs["source"] = "pred.tsv"
    with pytest.raises(InputError, match=r"^pred.tsv: no gene in common with the truth") as info:
        score_network(pred, TRUTH_ABC)
    assert info.value.hint
