"""dashgrn.simulate._network_io: reading SIM350 and round trips of written network tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dashgrn.simulate import random_network, read_network, write_network


def test_sim350_truth_matches_shared_truth(shared_data: Path) -> None:
    net = read_network(shared_data / "sim350_ode_nodes.tsv", shared_data / "sim350_ode_edges.tsv")
    truth = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t")
    mine = net.truth()
    key = ["regulator", "target"]
    merged = truth.merge(mine, on=key, suffixes=("", "_sim"))
    assert len(merged) == len(truth) == len(mine)
    assert (merged["sign"] == merged["sign_sim"]).all()


def test_random_network_round_trips_through_tables(tmp_path: Path) -> None:
    net = random_network(30, np.random.default_rng(2))
    write_network(net, tmp_path / "n.tsv", tmp_path / "e.tsv")
    back = read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    pd.testing.assert_frame_equal(back.nodes, net.nodes, check_exact=True)
    pd.testing.assert_frame_equal(back.edges, net.edges, check_exact=True)
    x = np.random.default_rng(0).random((3, 30))
    assert np.array_equal(back.compile().activation(x), net.compile().activation(x))
