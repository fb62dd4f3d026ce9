"""dashgrn.io.edges (write_edges / read_edges / write_graphml): round trips, escaping, atomicity."""

from __future__ import annotations

from collections.abc import Iterator

import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import dashgrn.io.edges as export

from dashgrn import InputError
from dashgrn.io import read_edges, write_edges, write_graphml
from dashgrn.tables import EDGE_COLUMNS, rank_edges

WEIRD = ['a<b', 'c>d', 'R&D', 'say "hi"', "it's", "NA", "nan", "ü-gene", "1e5"]


@pytest.fixture
def edges() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = len(WEIRD)
    reg = [WEIRD[i] for i in range(n)]
    tgt = [WEIRD[(i + 1) % n] for i in range(n)]
    w = rng.normal(size=n) / 7.0
    w[2] = 0.0
    return rank_edges(reg, tgt, w)


def test_edges_round_trip_is_exact(tmp_path: Path, edges: pd.DataFrame) -> None:
    path = write_edges(edges, tmp_path / "edges.tsv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "\t".join(EDGE_COLUMNS) and len(lines) == len(edges) + 1
    back = read_edges(path)
    pd.testing.assert_frame_equal(back, edges)
    assert back["sign"].dtype == np.int8 and back["rank"].dtype == np.int64
    assert list(path.parent.iterdir()) == [path]


def test_write_edges_is_byte_identical(tmp_path: Path, edges: pd.DataFrame) -> None:
    a = write_edges(edges, tmp_path / "a.tsv").read_bytes()
    b = write_edges(edges.copy(), tmp_path / "b.tsv").read_bytes()
    assert a == b


def test_graphml_weird_names(tmp_path: Path, edges: pd.DataFrame) -> None:
    path = write_graphml(edges, tmp_path / "net.graphml")
    root = ET.parse(path).getroot()  # well-formed XML despite <, >, & and quotes
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    ids = {n.get("id") for n in root.iter(f"{{{ns['g']}}}node")}
    assert ids == set(WEIRD)
    keys = {k.get("attr.name"): k.get("attr.type") for k in root.iter(f"{{{ns['g']}}}key")}
    assert keys["weight"] == "double" and keys["sign"] in ("int", "long") and keys["rank"] in ("int", "long")
    g = nx.read_graphml(path)
    assert g.is_directed() and set(g.nodes) == set(WEIRD)
    for reg, tgt, weight, sign, rank in edges.itertuples(index=False, name=None):
        attrs = g.edges[reg, tgt]
        assert attrs["weight"] == weight and attrs["sign"] == sign and attrs["rank"] == rank


class _Boom(Exception):
    pass


def test_atomic_on_error(tmp_path: Path, edges: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(self: pd.DataFrame, path: Path, *args: object, **kwargs: object) -> None:
        Path(path).write_text("partial", encoding="utf-8")
        raise _Boom

    monkeypatch.setattr(pd.DataFrame, "to_csv", explode)
    with pytest.raises(_Boom):
        write_edges(edges, tmp_path / "edges.tsv")
    monkeypatch.undo()

    def explode_graphml(table: pd.DataFrame, step: int = 1) -> Iterator[str]:
        yield "<graphml"
        raise _Boom

    monkeypatch.setattr(export, "_graphml_chunks", explode_graphml)
    with pytest.raises(_Boom):
        write_graphml(edges, tmp_path / "net.graphml")
    assert list(tmp_path.iterdir()) == []


def test_atomic_keeps_old_file(tmp_path: Path, edges: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_edges(edges, tmp_path / "edges.tsv")
    before = path.read_bytes()

    def explode(self: pd.DataFrame, p: Path, *args: object, **kwargs: object) -> None:
        Path(p).write_text("partial", encoding="utf-8")
        raise _Boom

    monkeypatch.setattr(pd.DataFrame, "to_csv", explode)
    with pytest.raises(_Boom):
        write_edges(edges, path)
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda t: t.drop(columns="rank"), "missing edge-table columns rank"),
        (lambda t: t.assign(weight=-t["weight"] - 1), "weights must be finite and >= 0"),
        (lambda t: t.assign(sign=2), "signs must be -1, 0 or 1"),
        (lambda t: t.assign(rank=1), "rank must number the edges"),
        (lambda t: t.assign(regulator="A", target="B"), "duplicated edge A -> B"),
        (lambda t: t.assign(weight="x"), "non-numeric weight 'x'"),
    ],
)
def test_read_edges_validates(tmp_path: Path, edges: pd.DataFrame, change, match: str) -> None:
    path = tmp_path / "edges.tsv"
    change(edges).to_csv(path, sep="\t", index=False)
    with pytest.raises(InputError, match=match):
        read_edges(path)


def test_read_edges_missing_and_empty(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="edge table not found"):
        read_edges(tmp_path / "none.tsv")
    (tmp_path / "empty.tsv").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the edge table"):
        read_edges(tmp_path / "empty.tsv")


def test_write_rejects_invalid_table(tmp_path: Path, edges: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="missing edge-table columns"):
        write_edges(edges.drop(columns="sign"), tmp_path / "e.tsv")
    assert not (tmp_path / "e.tsv").exists()


def test_formula_like_names_are_written_as_they_are(tmp_path: Path) -> None:
    # Documented in the README (outputs): no quote is added, so edges.tsv keeps the input's names.
    names = ["=cmd|' /C calc'!A0", "+G1", "-G2", "@G3"]
    edges = rank_edges(names, names[1:] + names[:1], np.array([0.4, -0.3, 0.2, 0.1]))
    path = write_edges(edges, tmp_path / "edges.tsv")
    assert path.read_text(encoding="utf-8").splitlines()[1].startswith("=cmd|' /C calc'!A0\t+G1\t")
    pd.testing.assert_frame_equal(read_edges(path), edges)
