"""read_expression / check_trajectories: SIM350 in three formats, layouts, bad values."""

from __future__ import annotations

import gzip
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from dashgrn import InputError
from dashgrn.io import check_trajectories, read_expression

GENES = ["G1", "G2", "G3"]


def _frame() -> pd.DataFrame:
    """2 trajectories x 3 times x 3 genes, values that need all their digits."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.random((6, 3)), columns=GENES)
    df.insert(0, "time", [0.0, 1.5, 3.0, 0.0, 1.5, 3.0])
    df.insert(0, "trajectory", ["A", "A", "A", "B", "B", "B"])
    return df


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- SIM350


@pytest.fixture(scope="module")
def sim350(shared_data: Path):
    long = read_expression(shared_data / "sim350_test_long.csv")
    h5ad = read_expression(shared_data / "sim350_test.h5ad")
    traj = read_expression(shared_data / "sim350_test_traj.csv", genes_file=shared_data / "sim350_genes.tsv")
    return long, h5ad, traj


def test_sim350_three_formats_identical(sim350, shared_data: Path) -> None:
    long, h5ad, traj = sim350
    genes = pd.read_csv(shared_data / "sim350_genes.tsv", sep="\t")["gene"].tolist()
    for e in (long, h5ad, traj):
        assert e.X.shape == (50, 350)
        assert e.genes == genes
        np.testing.assert_array_equal(e.time, np.tile([0.0, 2.0, 3.0, 7.0, 9.0], 10))
        assert list(e.trajectory) == [str(k) for k in range(1, 11) for _ in range(5)]
    # All three files hold the same 15-significant-digit decimals (the long CSV and the
    # h5ad were converted from the trajectory file), and every reader parses decimals with
    # correct rounding, so the matrices must agree exactly, not just to a tolerance.
    np.testing.assert_array_equal(long.dense(), h5ad.dense())
    np.testing.assert_array_equal(long.dense(), traj.dense())
    assert h5ad.samples[:2] == ["traj1_t0", "traj1_t2"]
    assert traj.samples[:2] == ["traj1_t0", "traj1_t2"]
    assert h5ad.obs is not None and list(h5ad.obs.columns) == ["trajectory", "time"]
    for e in (long, h5ad, traj):
        check_trajectories(e)


def test_sim350_traj_without_gene_list(shared_data: Path) -> None:
    e = read_expression(shared_data / "sim350_test_traj.csv")
    assert e.genes[:3] == ["g1", "g2", "g3"] and e.n_genes == 350


def test_traj_gene_list_length_mismatch(shared_data: Path, tmp_path: Path) -> None:
    genes = _write(tmp_path / "genes.csv", "x\nA\nB\n")
    with pytest.raises(InputError, match="2 gene names"):
        read_expression(shared_data / "sim350_test_traj.csv", genes_file=genes)


# ---------------------------------------------------------------- layouts


def test_csv_layouts_agree(tmp_path: Path) -> None:
    df = _frame()
    ref = read_expression(_write(tmp_path / "a.csv", df.to_csv(index=False)))
    assert ref.genes == GENES and list(ref.trajectory) == list("AAABBB")
    np.testing.assert_array_equal(ref.dense(), df[GENES].to_numpy())
    assert ref.samples == [f"s{i}" for i in range(1, 7)]
    variants = {
        "tsv": (tmp_path / "a.tsv", df.to_csv(sep="\t", index=False)),
        "semicolon": (tmp_path / "a.txt", df.to_csv(sep=";", index=False)),
        "whitespace": (tmp_path / "b.txt", df.to_csv(sep=" ", index=False)),
    }
    for name, (path, text) in variants.items():
        e = read_expression(_write(path, text))
        np.testing.assert_array_equal(e.dense(), ref.dense(), err_msg=name)
        assert e.genes == GENES, name
    gz = tmp_path / "a.csv.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(df.to_csv(index=False))
    np.testing.assert_array_equal(read_expression(gz).dense(), ref.dense())


def test_transposed(tmp_path: Path) -> None:
    df = _frame()
    df.index = [f"c{i}" for i in range(6)]
    ref = read_expression(_write(tmp_path / "a.csv", df.to_csv(index_label="cell")))
    assert ref.samples == list(df.index)
    t = read_expression(_write(tmp_path / "t.csv", df.T.to_csv(index_label="gene")), transpose=True)
    assert t.genes == GENES and t.samples == ref.samples
    np.testing.assert_array_equal(t.dense(), ref.dense())
    np.testing.assert_array_equal(t.time, ref.time)
    assert list(t.trajectory) == list(ref.trajectory)


def test_no_trajectory_column_and_sample_ids(tmp_path: Path) -> None:
    text = ",time,G1,G2\nx1,0,1,2\nx2,1,3,4\n"
    e = read_expression(_write(tmp_path / "a.csv", text))
    assert e.samples == ["x1", "x2"] and list(e.trajectory) == ["1", "1"]
    assert e.genes == ["G1", "G2"]


def test_explicit_trajectory_key_must_exist(tmp_path: Path) -> None:
    path = _write(tmp_path / "a.csv", "time,G1,G2\n0,1,2\n1,3,4\n")
    with pytest.raises(InputError, match="no trajectory column 'lineage'"):
        read_expression(path, trajectory_key="lineage")


def test_require_time_false(tmp_path: Path) -> None:
    e = read_expression(_write(tmp_path / "a.csv", "G1,G2\n1,2\n3,4\n"), require_time=False)
    assert e.time is None and e.n_samples == 2
    with pytest.raises(InputError, match="no time"):
        check_trajectories(e)


def test_traj_nan_padding_dropped(tmp_path: Path) -> None:
    # trajectory 1 has 3 time points, trajectory 2 only 2: its rows end in empty fields
    text = "2,2,,\n1,2,3\n4,5,6\n0,1,2\n7,8,\n9,10,\n0,5,\n"
    e = read_expression(_write(tmp_path / "t.csv", text), fmt="auto")
    np.testing.assert_array_equal(e.dense(), [[1, 4], [2, 5], [3, 6], [7, 9], [8, 10]])
    np.testing.assert_array_equal(e.time, [0, 1, 2, 0, 5])
    assert list(e.trajectory) == ["1", "1", "1", "2", "2"]


def test_traj_nan_inside_data_is_an_error(tmp_path: Path) -> None:
    text = "2,1,,\n1,,3\n4,5,6\n0,1,2\n"
    with pytest.raises(InputError, match="NaN"):
        read_expression(_write(tmp_path / "t.csv", text))


def test_traj_row_count_checked(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="rows should follow"):
        read_expression(_write(tmp_path / "t.csv", "2,2\n1,2\n3,4\n0,1\n"))


def test_h5ad_sparse_layer_and_obs(tmp_path: Path) -> None:
    df = _frame()
    dense = df[GENES].to_numpy()
    dense[dense < 0.5] = 0.0
    adata = ad.AnnData(
        X=np.zeros_like(dense),
        obs=pd.DataFrame({"t": df["time"].to_numpy(), "lineage": pd.Categorical(df["trajectory"]), "batch": 1},
                         index=[f"c{i}" for i in range(6)]),
        var=pd.DataFrame(index=GENES),
    )
    adata.layers["counts"] = sp.csr_matrix(dense)
    path = tmp_path / "a.h5ad"
    adata.write_h5ad(path)
    e = read_expression(path, layer="counts", time_key="t", trajectory_key="lineage")
    assert sp.issparse(e.X)
    np.testing.assert_array_equal(e.dense(), dense)
    assert list(e.trajectory) == list("AAABBB") and e.samples[0] == "c0"
    assert e.obs is not None and "batch" in e.obs.columns
    with pytest.raises(InputError, match=r"no layer 'raw' \(layers: counts\)"):
        read_expression(path, layer="raw", time_key="t")
    with pytest.raises(InputError, match=r"no time obs key 'time' \(obs keys: t, lineage, batch\)"):
        read_expression(path)


def test_h5ad_sparse_nan_dropped(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    X = sp.csr_matrix(np.array([[1.0, 0.0], [np.nan, 2.0], [0.0, 3.0]]))
    adata = ad.AnnData(X=X, obs=pd.DataFrame({"time": [0.0, 1.0, 2.0]}, index=["a", "b", "c"]),
                       var=pd.DataFrame(index=["G1", "G2"]))
    path = tmp_path / "n.h5ad"
    adata.write_h5ad(path)
    with pytest.raises(InputError, match="sample 'b', gene 'G1'"):
        read_expression(path)
    e = read_expression(path, drop_nan=True)
    assert sp.issparse(e.X) and e.samples == ["a", "c"]
    assert list(e.obs.index) == ["a", "c"]
    assert "dropped 1 of 3 samples" in logs.text


def test_not_an_h5ad(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a valid .h5ad file"):
        read_expression(_write(tmp_path / "x.h5ad", "hello\n"))


def test_drop_nan(tmp_path: Path, logs: pytest.LogCaptureFixture) -> None:
    text = "trajectory,time,G1,G2\n1,0,1,2\n1,1,NA,4\n1,2,5,inf\n1,3,7,8\n"
    path = _write(tmp_path / "a.csv", text)
    with pytest.raises(InputError, match=r"missing \(NaN\) value for sample 's2', gene 'G1' \(2 non-finite values in 2 samples\)"):
        read_expression(path)
    e = read_expression(path, drop_nan=True)
    assert e.samples == ["s1", "s4"]
    np.testing.assert_array_equal(e.time, [0.0, 3.0])
    assert "dropped 2 of 4 samples" in logs.text


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("time,G1,G1\n0,1,2\n1,3,4\n", "duplicated gene names: G1"),
        ("sample,time,G1,G2\na,0,1,2\na,1,3,4\n", "duplicated sample ids: a"),
        ("t,G1,G2\n0,1,2\n1,3,4\n", r"no time column 'time' \(columns: t, G1, G2\)"),
        ("time,G1,G2\n0,1,2\nlate,3,4\n", "non-numeric time 'late' for sample 's2'"),
        ("time,G1,G2\n0,1,2\n-1,3,4\n", "negative time -1 for sample 's2'"),
        ("time,G1,G2\n0,1,2\n1,3,high\n", "non-numeric expression value 'high' in column 'G2'"),
        ("time,G1\n0,1\n1,3\n", "fewer than 2 genes"),
        ("time|G1|G2\n0|1|2\n1|3|4\n", "only one column found; is the delimiter right?"),
        ("time,G1,G2\n", "header but no samples"),
        ("time,G1,G2\n0,1,2\n1,3,4,5\n", "cannot parse the table"),
    ],
)
def test_bad_tables(tmp_path: Path, text: str, match: str) -> None:
    path = _write(tmp_path / "bad.csv", text)
    with pytest.raises(InputError, match=match) as info:
        read_expression(path)
    assert str(info.value).startswith(f"{path}: ")
    assert info.value.hint


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="expression file not found"):
        read_expression(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is empty"):
        read_expression(_write(tmp_path / "e.csv", ""))
    with pytest.raises(InputError, match="is empty"):
        read_expression(_write(tmp_path / "b.csv", "\n  \n"))
    (tmp_path / "bin.csv").write_bytes(b"\x00\x01\x02time,G1")
    with pytest.raises(InputError, match="binary"):
        read_expression(tmp_path / "bin.csv")


def test_check_trajectories(tmp_path: Path) -> None:
    single = _write(tmp_path / "s.csv", "trajectory,time,G1,G2\nA,0,1,2\nA,1,3,4\nB,0,5,6\n")
    with pytest.raises(InputError, match="trajectory 'B' has a single time point"):
        check_trajectories(read_expression(single))
    repeated = _write(tmp_path / "r.csv", "trajectory,time,G1,G2\nA,0,1,2\nA,1,3,4\nA,1,5,6\n")
    with pytest.raises(InputError, match="trajectory 'A' has time 1 more than once"):
        check_trajectories(read_expression(repeated))
    check_trajectories(read_expression(_write(tmp_path / "ok.csv", _frame().to_csv(index=False))))


def test_float_trajectory_labels_normalised(tmp_path: Path) -> None:
    e = read_expression(_write(tmp_path / "a.csv", "trajectory,time,G1,G2\n1.0,0,1,2\n1.0,1,3,4\n"))
    assert list(e.trajectory) == ["1", "1"]


def test_in_memory_anndata_and_frame_match_the_files(shared_data: Path) -> None:
    import anndata as ad

    from dashgrn.io import expression_from_anndata, expression_from_frame

    ref = read_expression(shared_data / "sim350_test.h5ad")
    a = expression_from_anndata(ad.read_h5ad(shared_data / "sim350_test.h5ad"))
    df = pd.read_csv(shared_data / "sim350_test_long.csv", float_precision="round_trip")
    f = expression_from_frame(df)
    for e in (a, f):
        np.testing.assert_array_equal(e.dense(), ref.dense())
        assert e.genes == ref.genes
        np.testing.assert_array_equal(e.time, ref.time)
        np.testing.assert_array_equal(e.trajectory, ref.trajectory)


def test_in_memory_frame_gets_the_file_checks() -> None:
    from dashgrn.io import expression_from_frame

    df = pd.DataFrame({"time": [0.0, 1.0], "A": [0.1, np.nan], "B": [0.2, 0.3]})
    with pytest.raises(InputError, match="DataFrame: missing \\(NaN\\) value"):
        expression_from_frame(df)
    with pytest.raises(InputError, match="DataFrame: .*time"):
        expression_from_frame(df.drop(columns="time"))
