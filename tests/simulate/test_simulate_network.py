"""dashgrn.simulate._network: validation of node and edge tables."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from dashgrn import InputError
from dashgrn.simulate import Network, random_network, read_network

NODES = (
    "gene\ttype\tspmax\tspdeg\ttau\tn_regulators\tlogic\n"
    "A\tinput\t1\t1\t1\t0\t\nB\tinput\t1\t1\t1\t0\t\nC\tregulated\t1\t1\t1\t2\t{logic}\n"
)
EDGES = "regulator\ttarget\tsign\tweight\tEC50\tn\nA\tC\t1\t1.0\t0.5\t1.2\n{reg}\tC\t-1\t1.0\t0.45\t1.4\n"


def test_network_built_directly_is_validated() -> None:
    net = random_network(12, np.random.default_rng(0))
    again = Network(nodes=net.nodes, edges=net.edges)
    assert again.max_depth == net.max_depth and again.compile().n_slots == net.compile().n_slots
    bad = net.edges.copy()
    bad.loc[0, "regulator"] = "NOPE"
    with pytest.raises(InputError, match="NOPE"):
        Network(nodes=net.nodes, edges=bad)


@pytest.mark.parametrize(
    ("logic", "reg", "needle"),
    [
        ("A + !B", "B", "unknown token '+'"),
        ("A & !B", "Z", "regulator 'Z' is not a gene of the node table"),
        ("A & !Q", "B", "'Q' has no edge Q -> C"),
        ("A & B", "B", "sign +1 in the formula but the edge table says -1"),
        ("A", "B", "missing in the logic"),
        ("A & !A", "B", "appears more than once"),
    ],
)
def test_bad_network_tables(tmp_path: Path, logic: str, reg: str, needle: str) -> None:
    (tmp_path / "n.tsv").write_text(NODES.format(logic=logic))
    (tmp_path / "e.tsv").write_text(EDGES.format(reg=reg))
    with pytest.raises(InputError, match=re.escape(needle)):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")


def test_bad_network_values(tmp_path: Path) -> None:
    (tmp_path / "n.tsv").write_text(NODES.format(logic="A & !B"))
    (tmp_path / "e.tsv").write_text(EDGES.format(reg="B").replace("0.45", "1.5"))
    with pytest.raises(InputError, match="bad EC50 value"):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    (tmp_path / "e.tsv").write_text("regulator,target\nA,C\n")
    with pytest.raises(InputError, match="tab-separated"):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    (tmp_path / "e.tsv").write_text(EDGES.format(reg="B"))
    (tmp_path / "n1.tsv").write_text("gene\ttype\nA\tinput\n")
    with pytest.raises(InputError, match="at least 2"):
        read_network(tmp_path / "n1.tsv", tmp_path / "e.tsv")
    with pytest.raises(InputError, match="file not found"):
        read_network(tmp_path / "missing.tsv", tmp_path / "e.tsv")
