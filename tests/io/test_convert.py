"""as_prior / as_expression: the Python API takes what the command line takes (column aliases, paths)."""

from __future__ import annotations

import logging
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest

from dashgrn import ConfigError, InputError
from dashgrn.io import as_expression, as_prior, read_expression, read_prior
from dashgrn.tables import PriorNetwork

EXPR = "trajectory,time,G1,G2,G3\nA,0,0.1,0.2,0.3\nA,1,0.2,0.3,0.4\nB,0,0.5,0.4,0.3\nB,1,0.4,0.3,0.2\n"


def _edges(prior: PriorNetwork) -> dict[str, list]:
    return prior.edges.to_dict("list")


# ---------------------------------------------------------------- priors


def test_decoupler_source_target_weight() -> None:
    # CollecTRI through decoupler: the sign of the weight is the mode of regulation.
    df = pd.DataFrame({"source": ["G1", "G2"], "target": ["G2", "G3"], "weight": [1.0, -1.0]})
    assert _edges(as_prior(df)) == {"regulator": ["G1", "G2"], "target": ["G2", "G3"], "sign": [1, -1],
                                    "weight": [1.0, 1.0]}


def test_decoupler_mor_and_other_aliases() -> None:
    mor = pd.DataFrame({"source": ["G1", "G2"], "target": ["G2", "G3"], "mor": [0.5, -2]})
    assert _edges(as_prior(mor)) == {"regulator": ["G1", "G2"], "target": ["G2", "G3"], "sign": [1, -1],
                                     "weight": [0.5, 2.0]}
    tf = pd.DataFrame({"TF": ["G1"], "Gene": ["G3"], "Mode": ["repression"]})
    assert _edges(as_prior(tf)) == {"regulator": ["G1"], "target": ["G3"], "sign": [-1], "weight": [1.0]}


def test_frame_matches_the_file_reader(tmp_path: Path) -> None:
    df = pd.DataFrame({"tf": ["G1", "G2", "G3"], "target_gene": ["G2", "G3", "G1"], "score": [0.3, 2.0, 1.0]})
    path = tmp_path / "prior.tsv"
    df.to_csv(path, sep="\t", index=False)
    pd.testing.assert_frame_equal(as_prior(df).edges, read_prior(path).edges)


@pytest.mark.parametrize("kind", [str, Path])
def test_prior_path(tmp_path: Path, kind: type) -> None:
    path = tmp_path / "prior.tsv"
    path.write_text("source\ttarget\tweight\nG1\tG2\t-1\n", encoding="utf-8")
    prior = as_prior(kind(path))
    assert _edges(prior) == {"regulator": ["G1"], "target": ["G2"], "sign": [-1], "weight": [1.0]}
    assert prior.source == str(path)


def test_missing_weights_in_a_frame_warn(logs: pytest.LogCaptureFixture) -> None:
    df = pd.DataFrame({"source": ["G1", "G2", "G3"], "target": ["G2", "G3", "G1"],
                       "weight": pd.array([-1.0, None, np.nan], dtype="Float64")})
    prior = as_prior(df)
    assert _edges(prior)["sign"] == [-1, 0, 0] and _edges(prior)["weight"] == [1.0, 1.0, 1.0]
    warned = {r.getMessage() for r in logs.records if r.levelno == logging.WARNING}
    assert warned == {"DataFrame: 2 edges have no 'weight' value (NaN or empty, the first on row 3); "
                      "assumed weight 1 and an unknown sign (0)"}


def test_unrecognised_prior_columns() -> None:
    with pytest.raises(InputError, match=r"cannot find the regulator and target columns \(columns found: a, b\)"):
        as_prior(pd.DataFrame({"a": ["G1"], "b": ["G2"]}))
    with pytest.raises(ConfigError, match="prior must be a PriorNetwork, a DataFrame or a file path, not int"):
        as_prior(3)
    assert as_prior(None) is None


# ---------------------------------------------------------------- expression


def test_expression_path(tmp_path: Path) -> None:
    path = tmp_path / "expr.csv"
    path.write_text(EXPR, encoding="utf-8")
    got = as_expression(str(path))
    want = read_expression(path)
    np.testing.assert_array_equal(got.X, want.X)
    assert got.genes == ["G1", "G2", "G3"] and list(got.time) == [0, 1, 0, 1] and got.source == str(path)


def test_expression_path_with_options(tmp_path: Path) -> None:
    t = pd.read_csv(pd.io.common.StringIO(EXPR)).rename(columns={"time": "hours"}).set_index("trajectory").T
    path = tmp_path / "genes_by_samples.tsv"
    t.to_csv(path, sep="\t", header=["A", "A", "B", "B"], index_label="gene")
    path.write_text(path.read_text(encoding="utf-8").replace("gene\tA\tA\tB\tB", "gene\ts1\ts2\ts3\ts4"),
                    encoding="utf-8")
    got = as_expression(path, transpose=True, time_key="hours")
    assert got.genes == ["G1", "G2", "G3"] and list(got.time) == [0, 1, 0, 1]
    with pytest.raises(InputError, match="no time row 'time'"):
        as_expression(path, transpose=True)


def test_expression_h5ad_path_and_layer(tmp_path: Path) -> None:
    adata = ad.AnnData(X=np.arange(8.0).reshape(4, 2), obs=pd.DataFrame({"time": [0.0, 1, 2, 3]},
                       index=["a", "b", "c", "d"]), var=pd.DataFrame(index=["G1", "G2"]))
    adata.layers["raw"] = adata.X * 2
    path = tmp_path / "d.h5ad"
    adata.write_h5ad(path)
    np.testing.assert_array_equal(as_expression(path, layer="raw").X, adata.X * 2)


def test_expression_of_another_type() -> None:
    with pytest.raises(ConfigError, match="expression must be ExpressionData, AnnData, a DataFrame or a file path"):
        as_expression([1, 2, 3])


# ---------------------------------------------------------------- dashgrn.infer


def _time_course() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [[k, t, *rng.random(4)] for k in range(3) for t in (0.0, 1.0, 2.0)]
    return pd.DataFrame(rows, columns=["trajectory", "time", "G1", "G2", "G3", "G4"])


FAST = {"ensemble": 1, "hidden": 4, "solver": "rk4", "solver_steps": 2, "threads": 1, "device": "cpu"}


@pytest.mark.slow
def test_infer_takes_a_decoupler_frame_and_keyword_options() -> None:
    import dashgrn

    decoupler = pd.DataFrame({"source": ["G1", "G2", "G3"], "target": ["G2", "G3", "G4"],
                              "weight": [1.0, -1.0, 1.0]})
    result = dashgrn.infer(_time_course(), decoupler, epochs=1, **FAST)
    assert result.config.train.epochs == 1 and len(result.history) == 1
    assert result.prior_edges is not None
    signs = dict(zip(zip(result.prior_edges["regulator"], result.prior_edges["target"]), result.prior_edges["sign"]))
    assert signs == {("G1", "G2"): 1, ("G2", "G3"): -1, ("G3", "G4"): 1}


@pytest.mark.slow
def test_infer_takes_paths_and_keyword_options(tmp_path: Path) -> None:
    import dashgrn

    expr, prior = tmp_path / "genes_by_samples.csv", tmp_path / "prior.tsv"
    course = _time_course()
    course.index = [f"s{i}" for i in range(len(course))]
    course.T.to_csv(expr, index_label="gene")  # genes x samples: --transpose
    prior.write_text("source\ttarget\tmor\nG1\tG2\t1\nG2\tG3\t-1\n", encoding="utf-8")
    result = dashgrn.infer(str(expr), prior, epochs=2, transpose=True, **FAST)
    assert result.config.train.epochs == 2 and len(result.history) == 2
    assert result.genes == ["G1", "G2", "G3", "G4"] and result.summary["data"]["samples"] == 9
