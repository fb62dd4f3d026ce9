"""Property-based tests of every reader: any input ends in a valid result or a documented error.

Hypothesis writes random files (tables of random cells, delimiters, quoting, encodings,
BOMs, line endings, gzip, random bytes; AnnData of random shapes and dtypes) and each
reader must either return a valid result or raise :class:`InputError` / :class:`ConfigError`
(exit codes 3 / 4) with one line naming the file and a hint. Any other exception is a bug.

``derandomize=True`` makes CI reproducible. Hypothesis also draws literal constants from
the project's modules loaded at the time, so every dashgrn module is imported first: the
examples then depend on the code and on the test files collected, not on which tests ran
before. The tables are small so that the whole file runs in well under a minute.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib
import pkgutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import dashgrn
from dashgrn._errors import ConfigError, InputError
from dashgrn.io import read_expression, read_gene_list, read_prediction, read_prior, read_truth
from dashgrn.io.truth import Truth
from dashgrn.tables import ExpressionData, PriorNetwork

for _module in pkgutil.walk_packages(dashgrn.__path__, "dashgrn."):
    if not _module.name.endswith("__main__"):
        with contextlib.suppress(ImportError):  # a broken module is the other tests' finding
            importlib.import_module(_module.name)

EXAMPLES = 500
SETTINGS = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

# ---------------------------------------------------------------- cells and tables

NUMBER = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True, width=64).map(repr),
    st.sampled_from([
        "1e308", "-1e308", "1e309", "1e-320", "1e300", "0", "-0", "+1", "1.", ".5", "1,5", "0x1F", "1_000",
        "NaN", "-inf", "Infinity", "1e", "--1", "1.0", "-1", "0.0", " 2 ",
    ]),
)
WORD = st.one_of(
    st.sampled_from([
        "G1", "G2", "G3", "G4", "g1", "TF", "time", "trajectory", "regulator", "target", "weight", "sign",
        "source", "mor", "Gene1", "Gene2", "Type", "EdgeWeight", "label", "importance", "gene", "x", "tf",
        "motif", "force", "+", "-", "activation", "repression", "NA", "", "#n/a", "?", "=cmd|' /C calc'!A0",
        '"', "'", '""', "#comment", "sample", "cell", "G1,G2", "G1;G3", "a b", "\u00e9", "\ufeffG1",
    ]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=5),
)
CELL = st.one_of(NUMBER, WORD)
SEPARATORS = [",", "\t", ";", " ", "|", "  ", ", "]
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16", "cp1252"]


def _quote(cell: str, how: str) -> str:
    if how == "always" or (how == "needed" and any(c in cell for c in ',\t;" \n')):
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def rows(draw: st.DrawFn) -> list[list[str]]:
    """A small table: a header of names, then columns of names or of numbers; sometimes ragged."""
    n_cols = draw(st.integers(1, 5))
    n_rows = draw(st.integers(0, 6))
    kinds = draw(st.lists(st.sampled_from(["name", "number", "any"]), min_size=n_cols, max_size=n_cols))
    by_kind = {"name": WORD, "number": NUMBER, "any": CELL}
    out = []
    if draw(st.booleans()):
        out.append(draw(st.lists(WORD, min_size=n_cols, max_size=n_cols)))
    for _ in range(n_rows):
        row = [draw(by_kind[k]) for k in kinds]
        if draw(st.integers(0, 9)) == 0:  # ragged
            row = row[: draw(st.integers(0, n_cols))] + draw(st.lists(CELL, max_size=2))
        out.append(row)
    return out


@st.composite
def table_bytes(draw: st.DrawFn, table: st.SearchStrategy[list[list[str]]] | None = None) -> bytes:
    """A table as the bytes of a file: delimiter, quoting, line ending, comments, encoding, BOM, gzip."""
    if draw(st.integers(0, 14)) == 0:
        return draw(st.binary(max_size=200))
    body = draw(table if table is not None else rows())
    sep = draw(st.sampled_from(SEPARATORS))
    how = draw(st.sampled_from(["never", "needed", "always"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    lines = [sep.join(_quote(c, how) for c in row) for row in body]
    if draw(st.integers(0, 5)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(["# comment", "", "   ", "#"])))
    text = newline.join(lines) + draw(st.sampled_from(["", "\n", newline]))
    encoding = draw(st.sampled_from(ENCODINGS))
    data = text.encode(encoding, errors="replace")
    if draw(st.integers(0, 9)) == 0:
        data = b"\xef\xbb\xbf" + data
    if draw(st.integers(0, 9)) == 0:
        data = gzip.compress(data, mtime=0)
    return data


def mostly(good: st.SearchStrategy, odd: st.SearchStrategy, *, one_in: int = 6) -> st.SearchStrategy:
    """``good`` most of the time, ``odd`` about once in ``one_in`` draws."""
    return st.integers(1, one_in).flatmap(lambda k: odd if k == 1 else good)


CLEAN_NUMBER = st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: f"{v:.6g}")


@st.composite
def expression_rows(draw: st.DrawFn, *, transposed: bool = False) -> list[list[str]]:
    """An expression-like table ([sample,] [trajectory,] time, genes), valid but for a few odd cells."""
    n_genes, n_samples = draw(st.integers(1, 4)), draw(mostly(st.integers(1, 6), st.just(0)))
    genes = [f"G{i + 1}" for i in range(n_genes)]
    keys = draw(st.lists(st.sampled_from(["sample", "trajectory", "time"]), unique=True))
    cols: dict[str, list[str]] = {
        "sample": [f"s{i}" for i in range(n_samples)],
        "trajectory": draw(st.lists(st.sampled_from(["A", "B", "1", "2.0"]), min_size=n_samples, max_size=n_samples)),
        "time": [str(t) for t in draw(st.lists(st.integers(0, 5), min_size=n_samples, max_size=n_samples))],
    }
    header = [k for k in ("sample", "trajectory", "time") if k in keys] + genes
    body = [[cols[k][i] for k in header if k in cols]
            + draw(st.lists(CLEAN_NUMBER, min_size=n_genes, max_size=n_genes)) for i in range(n_samples)]
    table = [header, *body]
    for _ in range(draw(mostly(st.just(0), st.integers(1, 3), one_in=2))):  # a few odd cells
        i, j = draw(st.integers(0, len(table) - 1)), draw(st.integers(0, len(header) - 1))
        if j < len(table[i]):
            table[i][j] = draw(CELL)
    if transposed:
        width = max(len(r) for r in table)
        table = [list(col) for col in zip(*(r + [""] * (width - len(r)) for r in table))]
        table[0][0] = draw(st.sampled_from(["gene", "", "time"]))
    return table


EDGE_TABLE = st.one_of(
    rows(),
    st.lists(st.tuples(mostly(st.sampled_from(["G1", "G2", "G3", "TF"]), WORD, one_in=10),
                       mostly(st.sampled_from(["G1", "G2", "G3", "G4"]), WORD, one_in=10),
                       mostly(st.sampled_from(["+", "-", "activation", "0", "1", "-1", "0.5", "2"]), CELL)).map(list),
             min_size=1, max_size=6).flatmap(
        lambda body: st.sampled_from([
            ["regulator", "target", "weight"], ["source", "target", "mor"], ["Gene1", "Gene2", "Type"],
            ["TF", "target", "importance"], ["regulator", "target", "sign"], ["G1", "G2", "label"],
        ]).map(lambda head: [head, *body]) | st.just(body)),
)


# ---------------------------------------------------------------- the contract


@contextmanager
def _file(data: bytes, suffix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        yield path


def _outcome(read: Callable[[], object], path: Path) -> object | None:
    """The reader's result, or ``None`` after a documented error (checked here)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read()
    except (InputError, ConfigError) as exc:
        assert exc.exit_code in (3, 4)
        assert exc.message and "\n" not in exc.message, repr(exc.message)
        assert str(path) in exc.message, exc.message
        assert exc.hint, exc.message
        return None


def _check_expression(expr: ExpressionData) -> None:
    assert isinstance(expr, ExpressionData)
    assert expr.n_genes >= 2 and expr.n_samples >= 1
    assert len(set(expr.genes)) == expr.n_genes and all(expr.genes)
    assert len(set(expr.samples)) == expr.n_samples
    values = expr.X.data if sp.issparse(expr.X) else np.asarray(expr.X)
    assert np.isfinite(values).all()
    assert len(expr.trajectory) == expr.n_samples
    if expr.time is not None:
        assert len(expr.time) == expr.n_samples and np.isfinite(expr.time).all() and (expr.time >= 0).all()


def _check_edges(edges: pd.DataFrame, *, value: str) -> None:
    assert len(edges) >= 1
    assert (edges["regulator"].astype(str) != "").all() and (edges["target"].astype(str) != "").all()
    assert edges["sign"].isin([-1, 0, 1]).all()
    assert np.isfinite(edges[value].to_numpy(dtype=np.float64)).all()


SUFFIXES = st.sampled_from([".csv", ".tsv", ".txt", ".gz", ".csv.gz", ""])


@SETTINGS
@given(data=st.data(), suffix=SUFFIXES, snapshot=st.booleans(), drop_nan=st.booleans(),
       require_time=st.booleans(), fmt=st.sampled_from(["auto"] * 6 + ["csv", "traj"]))
def test_read_expression_table(data: st.DataObject, suffix: str, snapshot: bool, drop_nan: bool,
                               require_time: bool, fmt: str) -> None:
    transpose = data.draw(st.booleans(), label="transpose")
    table = st.one_of(rows(), *[expression_rows(transposed=transpose)] * 3)
    with _file(data.draw(table_bytes(table), label="file"), suffix) as path:
        expr = _outcome(lambda: read_expression(path, transpose=transpose, snapshot=snapshot, drop_nan=drop_nan,
                                                require_time=require_time, fmt=fmt), path)
        if expr is not None:
            _check_expression(expr)


_DTYPES = st.sampled_from(["float64", "float32", "int64", "int8", "bool", "float16"])
_SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308, 1e300, 0.0, -1.0, 1e-320])


@st.composite
def anndata_files(draw: st.DrawFn) -> ad.AnnData:
    """Mostly valid AnnData: odd shapes, dtypes, values, names and obs columns now and then."""
    n_obs = draw(mostly(st.integers(1, 5), st.just(0)))
    n_vars = draw(mostly(st.integers(2, 4), st.integers(0, 1)))
    dtype = draw(mostly(st.just("float64"), _DTYPES))
    X = np.asarray(draw(st.lists(st.floats(-1e3, 1e3), min_size=n_obs * n_vars, max_size=n_obs * n_vars)),
                   dtype=np.float64).reshape(n_obs, n_vars)
    if X.size and draw(mostly(st.just(False), st.just(True), one_in=3)):
        X.flat[draw(st.integers(0, X.size - 1))] = draw(_SPECIAL)
    with np.errstate(all="ignore"):
        if draw(st.integers(0, 5)) == 0:
            X = X * 1e300
        X = X.astype(dtype) if dtype != "bool" else X > 0
    if X.dtype != np.float16 and draw(st.booleans()):
        X = sp.csr_matrix(X)
    names = st.sampled_from(["a", "b", "c", "d", "e", "G1", "G1", "", "1"])
    obs_names = draw(mostly(st.just([f"c{i}" for i in range(n_obs)]),
                            st.lists(names, min_size=n_obs, max_size=n_obs)))
    var_names = draw(mostly(st.just([f"G{i}" for i in range(n_vars)]),
                            st.lists(names, min_size=n_vars, max_size=n_vars)))
    obs = pd.DataFrame(index=pd.Index(obs_names, dtype=str))
    good_time = st.lists(st.integers(0, 5).map(float), min_size=n_obs, max_size=n_obs)
    column = mostly(good_time, st.one_of(
        st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=n_obs, max_size=n_obs),
        st.lists(st.integers(-3, 5), min_size=n_obs, max_size=n_obs),
        st.lists(st.sampled_from(["0", "1", "x", "", "nan", "A"]), min_size=n_obs, max_size=n_obs),
        st.lists(st.booleans(), min_size=n_obs, max_size=n_obs),
    ), one_in=3)
    for key in draw(mostly(st.just(["time"]), st.lists(st.sampled_from(["time", "trajectory", "Time", "other"]),
                                                        unique=True, max_size=3))):
        values = draw(column)
        obs[key] = pd.Categorical(values) if values and isinstance(values[0], str) and draw(st.booleans()) else values
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names: the reader's problem, not the strategy's
        adata = ad.AnnData(X=X, obs=obs, var=pd.DataFrame(index=pd.Index(var_names, dtype=str)))
    if draw(st.booleans()):
        adata.layers["counts"] = X
    return adata


@SETTINGS
@given(adata=st.one_of(anndata_files(), st.binary(max_size=64)), layer=st.sampled_from([None, None, "counts"]),
       snapshot=st.booleans(), drop_nan=st.booleans())
def test_read_expression_h5ad(adata: ad.AnnData | bytes, layer: str | None, snapshot: bool, drop_nan: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "input.h5ad"
        if isinstance(adata, bytes):
            path.write_bytes(adata)
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    adata.write_h5ad(path)
            except Exception:  # noqa: BLE001 - anndata cannot write this one: not a reader's input
                assume(False)
        expr = _outcome(lambda: read_expression(path, layer=layer, snapshot=snapshot, drop_nan=drop_nan), path)
        if expr is not None:
            _check_expression(expr)


@SETTINGS
@given(data=table_bytes(EDGE_TABLE), suffix=st.sampled_from([".tsv", ".csv", ".txt", ".gmt", ".tsv.gz"]),
       fmt=st.sampled_from(["auto", "auto", "auto", "edges", "wide", "gmt", "matrix"]))
def test_read_prior(data: bytes, suffix: str, fmt: str) -> None:
    with _file(data, suffix) as path:
        prior = _outcome(lambda: read_prior(path, fmt=fmt), path)
        if prior is not None:
            assert isinstance(prior, PriorNetwork)
            _check_edges(prior.edges, value="weight")
            assert (prior.edges["weight"] > 0).all()
            assert not prior.edges.duplicated(["regulator", "target"]).any()


def _check_truth(truth: Truth) -> None:
    assert isinstance(truth, Truth)
    _check_edges(truth.edges, value="label")
    assert truth.edges["label"].isin([0, 1]).all()
    assert ((truth.edges["label"] == 1) & (truth.edges["regulator"] != truth.edges["target"])).any()


def _check_prediction(pred: pd.DataFrame) -> None:
    assert list(pred.columns) == ["regulator", "target", "weight", "sign"]
    _check_edges(pred, value="weight")


@pytest.mark.parametrize(("read", "check"), [(read_truth, _check_truth), (read_prediction, _check_prediction)],
                         ids=["read_truth", "read_prediction"])
@SETTINGS
@given(data=table_bytes(EDGE_TABLE), suffix=st.sampled_from([".tsv", ".csv", ".txt", ".tsv.gz"]))
def test_read_truth_and_prediction(read: Callable[[Path], object], check: Callable[[object], None], data: bytes,
                                   suffix: str) -> None:
    with _file(data, suffix) as path:
        result = _outcome(lambda: read(path), path)
        if result is not None:
            check(result)


@SETTINGS
@given(data=table_bytes(), suffix=st.sampled_from([".txt", ".tsv", ".csv", ".gz"]))
def test_read_gene_list(data: bytes, suffix: str) -> None:
    with _file(data, suffix) as path:
        genes = _outcome(lambda: read_gene_list(path), path)
        if genes is not None:
            assert genes and all(isinstance(g, str) and g for g in genes)


def test_the_strategies_reach_valid_results() -> None:
    """Guards the properties above: valid inputs of each kind are accepted (not only errors)."""
    with _file(b"trajectory,time,G1,G2\nA,0,1,2\nA,1,3,4\n", ".csv") as path:
        _check_expression(read_expression(path))
    with _file(b"regulator\ttarget\tweight\nG1\tG2\t-1\n", ".tsv") as path:
        _check_edges(read_prior(path).edges, value="weight")
    with _file(b"Gene1,Gene2,Type\nG1,G2,+\n", ".csv") as path:
        _check_edges(read_truth(path).edges, value="label")
    with _file(b"TF\ttarget\timportance\nG1\tG2\t0.5\n", ".tsv") as path:
        _check_edges(read_prediction(path), value="weight")
    with _file(b"x\nG1\nG2\n", ".txt") as path:
        assert read_gene_list(path) == ["G1", "G2"]

