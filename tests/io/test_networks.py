"""Prediction and truth readers: every supported layout, and every malformed file."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import InputError
from dashgrn.io import Truth, as_truth, normalize_prediction, read_prediction, read_truth
from dashgrn.io.prediction import PREDICTION_COLUMNS
from dashgrn.tables import rank_edges


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _edges(df: pd.DataFrame) -> list[tuple[str, str, float, int]]:
    return [(r.regulator, r.target, float(r.weight), int(r.sign)) for r in df.itertuples()]


# --------------------------------------------------------------------------------------
# Predictions: layouts


def test_dashgrn_edges_tsv(tmp_path: Path) -> None:
    table = rank_edges(["A", "B", "C"], ["B", "C", "A"], np.array([0.5, -2.0, 0.0]))
    p = tmp_path / "edges.tsv"
    table.to_csv(p, sep="\t", index=False)
    df = read_prediction(p)
    assert list(df.columns) == PREDICTION_COLUMNS
    assert df.attrs["format"] == "dashgrn"
    assert df.attrs["source"] == str(p)
    got = sorted(_edges(df))
    assert got == [("A", "B", 0.5, 1), ("B", "C", 2.0, -1), ("C", "A", 0.0, 0)]


@pytest.mark.parametrize("header", [True, False])
def test_arboreto_adjacencies(tmp_path: Path, header: bool) -> None:
    text = ("TF\ttarget\timportance\n" if header else "") + "G1\tG2\t3.5\nG1\tG3\t1.25\nG4\tG1\t0.0\n"
    df = read_prediction(_write(tmp_path, "adj.tsv", text))
    assert df.attrs["format"] == ("arboreto" if header else "edge-list (no header)")
    assert _edges(df) == [("G1", "G2", 3.5, 0), ("G1", "G3", 1.25, 0), ("G4", "G1", 0.0, 0)]


def test_beeline_ranked_edges_signed(tmp_path: Path) -> None:
    text = "Gene1\tGene2\tEdgeWeight\nA\tB\t0.9\nB\tA\t-0.4\nC\tA\t0.1\n"
    df = read_prediction(_write(tmp_path, "rankedEdges.csv", text))
    assert df.attrs["format"] == "beeline"
    # Negative weights present: the weights are signed.
    assert _edges(df) == [("A", "B", 0.9, 1), ("B", "A", -0.4, -1), ("C", "A", 0.1, 1)]


@pytest.mark.parametrize("header", [True, False])
def test_panda_output(tmp_path: Path, header: bool) -> None:
    text = ("tf gene motif force\n" if header else "") + "TF1 G1 1 2.5\nTF1 G2 0 -1.5\nTF2 G1 0 0.25\n"
    df = read_prediction(_write(tmp_path, "panda.txt", text))
    assert df.attrs["format"] == "panda"
    # Force is a likelihood score: negative is "unlikely", never "repression".
    assert _edges(df) == [("TF1", "G1", 2.5, 0), ("TF1", "G2", -1.5, 0), ("TF2", "G1", 0.25, 0)]


@pytest.mark.parametrize(
    ("sep", "name"), [("\t", "a.tsv"), (",", "a.csv"), (" ", "a.txt"), ("  ", "b.txt")]
)
def test_headerless_three_columns_any_separator(tmp_path: Path, sep: str, name: str) -> None:
    text = f"A{sep}B{sep}1.5\nB{sep}C{sep}0.5\n"
    df = read_prediction(_write(tmp_path, name, text))
    assert _edges(df) == [("A", "B", 1.5, 0), ("B", "C", 0.5, 0)]


def test_quoted_csv_and_gzip(tmp_path: Path) -> None:
    p = tmp_path / "net.csv.gz"
    with gzip.open(p, "wt", encoding="utf-8") as fh:
        fh.write('"regulator","target","weight"\n"A","B",2\n"B","A",1\n')
    df = read_prediction(p)
    assert _edges(df) == [("A", "B", 2.0, 0), ("B", "A", 1.0, 0)]


def test_edge_list_without_weights_weighs_one(tmp_path: Path) -> None:
    df = read_prediction(_write(tmp_path, "p.tsv", "regulator\ttarget\tsign\nA\tB\t1\nB\tC\t-1\n"))
    assert _edges(df) == [("A", "B", 1.0, 1), ("B", "C", 1.0, -1)]
    df2 = read_prediction(_write(tmp_path, "p2.tsv", "A\tB\nB\tC\n"))
    assert _edges(df2) == [("A", "B", 1.0, 0), ("B", "C", 1.0, 0)]


def test_sim350_prior_as_prediction(shared_data: Path) -> None:
    df = read_prediction(shared_data / "sim350_prior_noise_0.05.tsv")
    assert len(df) == 550
    assert (df["weight"] == 1.0).all()
    assert set(df["sign"]) == {1, -1}


@pytest.mark.parametrize("r_style", [False, True])
def test_dense_matrix(tmp_path: Path, r_style: bool) -> None:
    head = "A,B,C" if r_style else ",A,B,C"
    text = f"{head}\nA,0,0.5,0\nB,-1,0,0\nC,0,2,0\n"
    df = read_prediction(_write(tmp_path, "m.csv", text))
    assert df.attrs["format"] == "matrix"
    # Rows are regulators, columns targets; zeros are "no edge"; negatives make it signed.
    assert sorted(_edges(df)) == [("A", "B", 0.5, 1), ("B", "A", -1.0, -1), ("C", "B", 2.0, 1)]


def test_normalize_prediction_aliases_and_signs() -> None:
    df = normalize_prediction(pd.DataFrame({"TF": ["a", "b"], "Gene": ["b", "a"], "Importance": [1, 2]}))
    assert _edges(df) == [("a", "b", 1.0, 0), ("b", "a", 2.0, 0)]
    signed = normalize_prediction(pd.DataFrame({"source": ["a"], "target": ["b"], "weight": [-0.5]}))
    assert int(signed["sign"].iloc[0]) == -1


# --------------------------------------------------------------------------------------
# Predictions: malformed files -> InputError "<path>: <problem>" with a hint


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("empty.tsv", "", "is empty"),
        ("blank.tsv", "\n\n  \n", "is empty"),
        ("header_only.tsv", "regulator\ttarget\tweight\n", "no edges"),
        ("text_weight.tsv", "regulator\ttarget\tweight\nA\tB\thigh\n", "non-numeric weight 'high' on row 2"),
        ("nan_weight.tsv", "regulator\ttarget\tweight\nA\tB\t1\nB\tC\tNaN\n", "NaN weight"),
        ("empty_weight.tsv", "regulator\ttarget\tweight\nA\tB\t\n", "NaN weight"),
        ("inf_weight.tsv", "A\tB\tinf\n", "infinite weight"),
        ("bad_header.tsv", "foo\tbar\tbaz\nA\tB\t1\n", "unrecognised header"),
        ("wide.tsv", "a\tb\tc\td\te\tf\nA\tB\tC\tD\tE\tF\n", "unrecognised layout"),
        ("panda_bad.txt", "TF1 G1 7 2.5\n", "PANDA"),
        ("ragged.tsv", "A\tB\t1\nB\tC\t2\t9\t9\n", "cannot parse"),
        ("missing_gene.tsv", "regulator\ttarget\tweight\nA\t\t1\n", "missing gene name on row 2"),
        ("zero_matrix.csv", ",A,B\nA,0,0\nB,0,0\n", "no non-zero entry"),
    ],
)
def test_malformed_prediction(tmp_path: Path, name: str, text: str, needle: str) -> None:
    p = _write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        read_prediction(p)
    assert str(info.value).startswith(f"{p}: ")
    assert needle in str(info.value)
    assert info.value.hint
    assert info.value.exit_code == 3


def test_missing_and_folder_and_binary(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_prediction(tmp_path / "nope.tsv")
    with pytest.raises(InputError, match="is a folder"):
        read_prediction(tmp_path)
    b = tmp_path / "bin.tsv"
    b.write_bytes(b"\xff\xfe\x00\x81\x82garbage\n")
    with pytest.raises(InputError, match="not a UTF-8 text file"):
        read_prediction(b)


def test_normalize_prediction_errors() -> None:
    with pytest.raises(InputError, match="no regulator/target columns"):
        normalize_prediction(pd.DataFrame({"x": ["a"], "y": ["b"]}))
    with pytest.raises(InputError, match="NaN weight"):
        normalize_prediction(pd.DataFrame({"regulator": ["a"], "target": ["b"], "weight": [np.nan]}))
    with pytest.raises(InputError, match="no edges"):
        normalize_prediction(pd.DataFrame({"regulator": [], "target": [], "weight": []}))


# --------------------------------------------------------------------------------------
# Truth


def test_beeline_ref_network(tmp_path: Path) -> None:
    t = read_truth(_write(tmp_path, "refNetwork.csv", "Gene1,Gene2,Type\nA,B,+\nB,C,-\nC,A,+\n"))
    assert t.format == "beeline"
    assert t.signed and not t.listed and t.n_edges == 3
    assert t.edges["sign"].tolist() == [1, -1, 1]
    assert t.genes == ["A", "B", "C"]
    assert t.regulators == ["A", "B", "C"]


def test_sim350_truth(shared_data: Path) -> None:
    t = read_truth(shared_data / "sim350_truth.tsv")
    assert t.format == "tsv"
    assert t.n_edges == 550
    assert int((t.edges["sign"] == 1).sum()) == 374
    assert int((t.edges["sign"] == -1).sum()) == 176
    assert len(t.genes) == 350
    assert len(t.regulators) == 97


def test_dream_gold_standard_with_negatives(tmp_path: Path) -> None:
    t = read_truth(_write(tmp_path, "gold.tsv", "G1\tG2\t1\nG1\tG3\t0\nG2\tG3\t1\nG3\tG1\t0\n"))
    assert t.format == "dream"
    assert t.listed
    assert t.n_edges == 2
    assert t.edges["label"].tolist() == [1, 0, 1, 0]
    assert not t.signed


def test_truth_headerless_pairs_and_signs(tmp_path: Path) -> None:
    t = read_truth(_write(tmp_path, "pairs.txt", "A B\nB C\n"))
    assert t.format == "pairs" and t.n_edges == 2 and not t.signed
    t2 = read_truth(_write(tmp_path, "signed.tsv", "A\tB\t+1\nB\tC\t-1\n"))
    assert t2.edges["sign"].tolist() == [1, -1]
    t3 = read_truth(_write(tmp_path, "lab.tsv", "regulator\ttarget\tlabel\nA\tB\t1\nB\tA\t0\n"))
    assert t3.format == "labelled" and t3.listed


def test_truth_duplicates_positive_wins(tmp_path: Path) -> None:
    t = read_truth(_write(tmp_path, "dup.tsv", "A\tB\t0\nA\tB\t1\nB\tC\t1\nB\tC\t1\n"))
    assert len(t.edges) == 2
    assert t.edges["label"].tolist() == [1, 1]


def test_as_truth_from_dataframe() -> None:
    t = as_truth(pd.DataFrame({"regulator": ["a", "b"], "target": ["b", "c"], "sign": ["+", "-"]}))
    assert isinstance(t, Truth)
    assert t.edges["sign"].tolist() == [1, -1]
    assert as_truth(t) is t


@pytest.mark.parametrize(
    ("name", "text", "needle"),
    [
        ("empty.csv", "", "is empty"),
        ("header_only.csv", "Gene1,Gene2,Type\n", "no edges"),
        ("bad_header.tsv", "foo\tbar\tbaz\nA\tB\t1\n", "unrecognised truth header"),
        ("bad_third.tsv", "A\tB\t1\nB\tC\t0.5\n", "neither a 0/1 label nor a sign"),
        ("bad_sign.csv", "Gene1,Gene2,Type\nA,B,sideways\n", "unknown sign 'sideways' on row 2"),
        ("bad_label.tsv", "regulator\ttarget\tlabel\nA\tB\t2\n", "is not 0 or 1"),
        ("all_negative.tsv", "A\tB\t0\nB\tC\t0\n", "no true edge"),
        ("self_loops.tsv", "regulator\ttarget\nA\tA\nB\tB\n", "only self-loops"),
        ("wide.tsv", "a\tb\tc\td\nA\tB\tC\tD\n", "unrecognised truth layout"),
        ("one_col.txt", "A\nB\n", "unrecognised truth layout"),
    ],
)
def test_malformed_truth(tmp_path: Path, name: str, text: str, needle: str) -> None:
    p = _write(tmp_path, name, text)
    with pytest.raises(InputError) as info:
        read_truth(p)
    assert str(info.value).startswith(f"{p}: ")
    assert needle in str(info.value)
    assert info.value.hint


def test_truth_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="truth file not found"):
        read_truth(tmp_path / "gold.tsv")
