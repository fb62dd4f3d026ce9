"""score_network's options and score_networks' multi-method table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scoring_cases import TRUTH_ABC, make_pred, make_truth

from dashgrn import ConfigError
from dashgrn.evaluate import METRICS, RANK_BY, score_network, score_networks
from dashgrn.tables import PriorNetwork


def test_option_validation() -> None:
    pred = make_pred([("A", "B", 1.0)])
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, rank_by="rank")
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, top_k=0)
    with pytest.raises(ConfigError):
        score_network(pred, TRUTH_ABC, bootstrap=-1)


def test_score_networks_table_with_prior_and_random() -> None:
    truth = make_truth([("A", "B", 1), ("A", "C", -1), ("B", "C", 1)])
    prior = PriorNetwork(
        edges=pd.DataFrame(
            {"regulator": ["A", "B"], "target": ["B", "A"], "sign": np.array([1, -1], dtype=np.int8), "weight": [1.0, 2.0]}
        ),
        source="prior.tsv",
    )
    ev = score_networks(
        {"mine": make_pred([("A", "B", 0.9), ("A", "C", 0.5)]), "other": make_pred([("C", "A", 1.0)])},
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


def test_unknown_rank_by_lists_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"^unknown rank_by 'rank'$") as info:
        score_network(make_pred([("A", "B", 1.0)]), TRUTH_ABC, rank_by="rank")
    assert info.value.hint == f"choose one of: {', '.join(RANK_BY)}"
