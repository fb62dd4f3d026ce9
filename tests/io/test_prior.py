"""read_prior: SIM350 priors, the other layouts, sign vocabularies, alignment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import InputError
from dashgrn.io import read_prior


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _triples(edges: pd.DataFrame) -> set[tuple[str, str, int]]:
    return set(zip(edges["regulator"], edges["target"], edges["sign"].astype(int)))


# ---------------------------------------------------------------- SIM350


@pytest.mark.parametrize("noise", ["0.0", "0.025", "0.05", "0.1"])
def test_sim350_priors(shared_data: Path, noise: str) -> None:
    prior = read_prior(shared_data / f"sim350_prior_noise_{noise}.tsv")
    e = prior.edges
    assert prior.n_edges == 550
    assert list(e.columns) == ["regulator", "target", "sign", "weight"]
    assert e["sign"].dtype == np.int8 and e["weight"].dtype == np.float64
    assert set(e["sign"]) == {1, -1} and (e["weight"] == 1.0).all()
    assert prior.source.endswith(f"sim350_prior_noise_{noise}.tsv")


def test_sim350_noise0_equals_truth(shared_data: Path) -> None:
    prior = read_prior(shared_data / "sim350_prior_noise_0.0.tsv")
    truth = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t", keep_default_na=False)
    assert _triples(prior.edges) == _triples(truth)
    genes = pd.read_csv(shared_data / "sim350_genes.tsv", sep="\t")["gene"].tolist()
    aligned = prior.align(genes)
    assert aligned.n_edges == 550 and aligned.n_edges_dropped == 0


# ---------------------------------------------------------------- layouts


def test_decoupler_signed_weights(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "net.csv", "source,target,weight\nTF1,A,1\nTF1,B,-0.5\nTF2,A,0\nTF2,C,2\n")
    e = read_prior(path).edges
    assert _triples(e) == {("TF1", "A", 1), ("TF1", "B", -1), ("TF2", "C", 1)}
    assert e.set_index("target")["weight"].to_dict() == {"A": 1.0, "B": 0.5, "C": 2.0}
    assert "dropped 1 edges with weight 0" in logs.text


def test_dorothea_layout_picks_weight_not_confidence(tmp_path: Path) -> None:
    path = _write(tmp_path, "doro.tsv", "source\tconfidence\ttarget\tweight\nTF1\tA\tG1\t-1\nTF1\tB\tG2\t1\n")
    assert _triples(read_prior(path).edges) == {("TF1", "G1", -1), ("TF1", "G2", 1)}


def test_importance_is_unsigned(tmp_path: Path) -> None:
    path = _write(tmp_path, "grnboost.tsv", "TF\ttarget\timportance\nTF1\tA\t3.5\nTF1\tB\t0.25\n")
    e = read_prior(path).edges
    assert (e["sign"] == 0).all() and e["weight"].tolist() == [3.5, 0.25]


def test_headerless_dream(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "gold.tsv", "G1\tG2\t1\nG1\tG3\t1\nG2\tG3\t0\nG3\tG1\t0\n")
    e = read_prior(path).edges
    assert _triples(e) == {("G1", "G2", 0), ("G1", "G3", 0)}
    assert "dropped 2 rows with value 0" in logs.text
    signed = read_prior(_write(tmp_path, "signed.txt", "G1 G2 1\nG1 G3 -1\n")).edges
    assert _triples(signed) == {("G1", "G2", 1), ("G1", "G3", -1)}
    two = read_prior(_write(tmp_path, "two.txt", "G1 G2\nG2 G3\n")).edges
    assert _triples(two) == {("G1", "G2", 0), ("G2", "G3", 0)} and (two["weight"] == 1).all()


def test_gmt(tmp_path: Path) -> None:
    path = _write(tmp_path, "sets.gmt", "TF1\thttp://x\tA\tB\tC\nTF2\tna\tA\n")
    e = read_prior(path).edges
    assert _triples(e) == {("TF1", "A", 0), ("TF1", "B", 0), ("TF1", "C", 0), ("TF2", "A", 0)}


def test_wide_ragged_and_lists(tmp_path: Path) -> None:
    expected = {("TF1", "A", 0), ("TF1", "B", 0), ("TF1", "C", 0), ("TF2", "A", 0)}
    ragged = _write(tmp_path, "wide.csv", "TF1,A,B,C\nTF2,A\n")
    assert _triples(read_prior(ragged).edges) == expected
    lists = _write(tmp_path, "lists.csv", 'TF1,"A,B;C"\nTF2,A\n')
    assert _triples(read_prior(lists).edges) == expected
    header = _write(tmp_path, "lists.tsv", "tf\ttargets\nTF1\tA B C\nTF2\tA\n")
    assert _triples(read_prior(header).edges) == expected


def test_dense_matrix(tmp_path: Path) -> None:
    text = ",A,B,C\nA,0,1,0\nB,-0.5,0,0\nC,0,2,0\n"
    e = read_prior(_write(tmp_path, "m.csv", text)).edges
    assert _triples(e) == {("A", "B", 1), ("B", "A", -1), ("C", "B", 1)}
    assert e.set_index(["regulator", "target"])["weight"].to_dict() == {("A", "B"): 1.0, ("B", "A"): 0.5, ("C", "B"): 2.0}
    # header without the corner cell (R's write.table), tab separated
    e2 = read_prior(_write(tmp_path, "m.tsv", "A\tB\tC\nA\t0\t1\t0\nB\t-0.5\t0\t0\nC\t0\t2\t0\n")).edges
    assert _triples(e2) == _triples(e)


def test_headerless_numeric_matrix_needs_genes(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.csv", "0,1\n-1,0\n")
    with pytest.raises(InputError, match="headerless 2 x 2 matrix"):
        read_prior(path)
    genes = _write(tmp_path, "genes.csv", "x\nP\nQ\n")
    e = read_prior(path, genes_file=genes).edges
    assert _triples(e) == {("P", "Q", 1), ("Q", "P", -1)}


@pytest.mark.parametrize(
    ("words", "signs"),
    [
        (["1", "-1", "0"], [1, -1, 0]),
        (["+1", "-1.0", "unknown"], [1, -1, 0]),
        (["+", "-", "?"], [1, -1, 0]),
        (["activation", "repression", "unknown"], [1, -1, 0]),
        (["Activating", "REPRESSING", "dual"], [1, -1, 0]),
        (["act", "rep", ""], [1, -1, 0]),
        (["stimulation", "inhibition", "NA"], [1, -1, 0]),
    ],
)
def test_sign_vocabularies(tmp_path: Path, words: list[str], signs: list[int]) -> None:
    rows = "".join(f"TF\t{g}\t{w}\n" for g, w in zip("ABC", words))
    e = read_prior(_write(tmp_path, "p.tsv", "regulator\ttarget\tmode\n" + rows)).edges
    assert e["sign"].tolist() == signs


def test_bad_sign_word(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.tsv", "regulator\ttarget\tsign\nTF\tA\tmaybe\n")
    with pytest.raises(InputError, match="unknown sign 'maybe' in column 'sign' \\(row 2\\)"):
        read_prior(path)


def test_aliases_case_insensitive(tmp_path: Path) -> None:
    beeline = _write(tmp_path, "ref.csv", "Gene1,Gene2,Type\nA,B,+\nB,C,-\n")
    assert _triples(read_prior(beeline).edges) == {("A", "B", 1), ("B", "C", -1)}
    upper = _write(tmp_path, "up.tsv", "REGULATOR\tTARGET\tSIGN\nA\tB\t-1\n")
    assert _triples(read_prior(upper).edges) == {("A", "B", -1)}
    custom = _write(tmp_path, "c.tsv", "x\ty\tz\nA\tB\t1\n")
    assert _triples(read_prior(custom, regulator_col="x", target_col="y").edges) == {("A", "B", 0)}


def test_duplicates_and_self_loops(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    text = "regulator\ttarget\tsign\nA\tB\t1\nA\tB\t-1\nA\tA\t1\nB\tC\t1\nB\tC\t1\n"
    e = read_prior(_write(tmp_path, "p.tsv", text)).edges
    assert list(zip(e["regulator"], e["target"], e["sign"])) == [("A", "B", 1), ("A", "A", 1), ("B", "C", 1)]
    assert "2 duplicated regulator-target pairs" in logs.text


def test_unrecognised_columns(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "foo,bar,baz\nA,B,1\nB,C,1\n")
    with pytest.raises(InputError) as info:
        read_prior(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: cannot find the regulator and target columns")
    assert "columns found: foo, bar, baz" in msg and "regulator, source, tf" in msg and "target" in msg


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("regulator,target\n", "header but no edges"),
        ("A\nB\n", "only one column found; is the delimiter right?"),
        ("source,target,weight\nA,B,0\n", "no edges"),
        ("source,target,weight\nA,B,strong\n", "non-numeric weight 'strong'"),
    ],
)
def test_bad_priors(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path, "bad.csv", text)
    with pytest.raises(InputError, match=match) as info:
        read_prior(path)
    assert str(info.value).startswith(f"{path}: ") and info.value.hint


def test_missing_prior(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="prior file not found"):
        read_prior(tmp_path / "none.tsv")


# ---------------------------------------------------------------- alignment


def test_align_counts_and_case(tmp_path: Path) -> None:
    text = "regulator\ttarget\tsign\nA\tB\t1\nA\tX\t1\nb\tc\t-1\nC\tC\t1\n"
    prior = read_prior(_write(tmp_path, "p.tsv", text))
    a = prior.align(["A", "B", "C"])
    assert a.n_edges == 1 and a.n_edges_dropped == 3 and a.n_self_loops_dropped == 1
    assert a.genes_missing == ["X", "b", "c"]
    ci = prior.align(["A", "B", "C"], case_insensitive=True)
    assert ci.n_edges == 2 and ci.matrix[1, 2] == -1.0 and ci.matrix[0, 1] == 1.0


def test_align_no_overlap_names_both_sides(tmp_path: Path) -> None:
    prior = read_prior(_write(tmp_path, "p.tsv", "regulator\ttarget\nTF1\tT1\n"))
    with pytest.raises(InputError) as info:
        prior.align(["G1", "G2"])
    msg = str(info.value)
    assert "no prior gene is among the expression genes" in msg and "TF1" in msg and "G1" in msg


def test_align_self_loops_only(tmp_path: Path) -> None:
    prior = read_prior(_write(tmp_path, "p.tsv", "regulator\ttarget\nG1\tG1\nG2\tG2\nG1\tX\n"))
    with pytest.raises(InputError, match="self-loop"):
        prior.align(["G1", "G2"])


def test_prior_from_frame_reads_sign_words_and_weights() -> None:
    from dashgrn.io import prior_from_frame

    df = pd.DataFrame({"regulator": ["A", "B", "A"], "target": ["B", "C", "B"],
                       "sign": ["activation", "-", "+"], "weight": [0.5, 2.0, 9.0]})
    p = prior_from_frame(df)
    assert p.edges.to_dict("list") == {"regulator": ["A", "B"], "target": ["B", "C"], "sign": [1, -1],
                                       "weight": [0.5, 2.0]}  # duplicate pair: the first is kept
    with pytest.raises(InputError, match=r"cannot find the regulator and target columns \(columns found: regulator, t"):
        prior_from_frame(df.rename(columns={"target": "tgt"}))
