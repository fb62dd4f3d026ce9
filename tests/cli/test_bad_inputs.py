"""`dashgrn infer` on bad inputs: exit code, one-line message naming the file, no output.

Every case stops before training. The few valid-input checks patch
``PriorNetwork.align`` (the last input check, done before any training) to stop
with exit code 42 once the inputs were accepted, so these tests never train.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from dashgrn.cli import app
from dashgrn.tables import PriorNetwork

INPUT, OUTPUT, ACCEPTED = 3, 7, 42
GOOD_EXPR = (
    "trajectory,time,G1,G2,G3\n"
    "A,0,0.1,0.2,0.3\nA,1,0.2,0.3,0.4\nA,2,0.3,0.4,0.5\n"
    "B,0,0.5,0.4,0.3\nB,1,0.4,0.3,0.2\nB,2,0.3,0.2,0.1\n"
)
GOOD_PRIOR = "regulator\ttarget\tsign\nG1\tG2\t1\nG2\tG3\t-1\n"


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


class Case:
    """Input files in ``tmp_path``; :meth:`run` invokes ``dashgrn infer`` on them."""

    def __init__(self, tmp_path: Path) -> None:
        self.dir = tmp_path
        self.expr = self.write("expr.csv", GOOD_EXPR)
        self.prior = self.write("prior.tsv", GOOD_PRIOR)
        self.out = tmp_path / "out"

    def write(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text, encoding="utf-8")
        return path

    def run(self, *extra: str, expr: Path | None = None, prior: Path | None = None, out: Path | None = None):
        before = _tree(self.dir)
        args = ["infer", str(expr or self.expr), "--prior", str(prior or self.prior), "--out", str(out or self.out)]
        result = CliRunner().invoke(app, [*args, *extra])
        self.created = _tree(self.dir) - before
        return result


@pytest.fixture
def case(tmp_path: Path) -> Case:
    return Case(tmp_path)


@pytest.fixture
def accept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stop with exit code 42 as soon as the prior was aligned (inputs accepted)."""
    original = PriorNetwork.align

    def align_then_stop(self: PriorNetwork, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        raise typer.Exit(code=ACCEPTED)

    monkeypatch.setattr(PriorNetwork, "align", align_then_stop)


def check(case: Case, result, code: int, path: Path, *problems: str) -> None:
    """The documented exit code, an error line naming ``path`` and the problem, nothing written."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1, result.output
    assert str(path) in error[0], error[0]
    for problem in problems:
        assert problem in error[0], error[0]
    assert "hint:" in result.stderr
    assert not case.out.exists()
    assert case.created == set(), case.created


# ---------------------------------------------------------------- files


def test_missing_expression_file(case: Case) -> None:
    missing = case.dir / "nope.csv"
    check(case, case.run(expr=missing), INPUT, missing, "expression file not found")


def test_missing_prior_file(case: Case) -> None:
    missing = case.dir / "nope.tsv"
    check(case, case.run(prior=missing), INPUT, missing, "prior file not found")


@pytest.mark.parametrize("which", ["expr", "prior"])
def test_empty_file(case: Case, which: str) -> None:
    empty = case.write(f"empty_{which}.csv", "")
    result = case.run(**{which: empty})
    check(case, result, INPUT, empty, "is empty")


def test_wrong_delimiter(case: Case) -> None:
    piped = case.write("piped.csv", GOOD_EXPR.replace(",", "|"))
    check(case, case.run(expr=piped), INPUT, piped, "only one column found; is the delimiter right?")


def test_unparseable_file(case: Case) -> None:
    ragged = case.write("ragged.csv", "time,G1,G2\n0,1,2\n1,3,4,5,6\n")
    check(case, case.run(expr=ragged), INPUT, ragged, "cannot parse the table")
    binary = case.dir / "binary.csv"
    binary.write_bytes(b"\x1f\x8b\x08\x00garbage")
    check(case, case.run(expr=binary), INPUT, binary, "cannot decompress")


# ---------------------------------------------------------------- values


def test_non_numeric_value(case: Case) -> None:
    bad = case.write("bad.csv", GOOD_EXPR.replace("0.4,0.5\n", "abc,0.5\n"))
    check(case, case.run(expr=bad), INPUT, bad, "non-numeric expression value 'abc' in column 'G2'")


@pytest.mark.parametrize(("token", "kind"), [("nan", "missing (NaN)"), ("NA", "missing (NaN)"), ("inf", "infinite")])
def test_nan_or_inf(case: Case, token: str, kind: str) -> None:
    bad = case.write("nan.csv", GOOD_EXPR.replace("B,1,0.4", f"B,1,{token}"))
    check(case, case.run(expr=bad), INPUT, bad, f"{kind} value for sample 's5', gene 'G1'")


@pytest.mark.usefixtures("accept")
def test_nan_with_drop_nan_is_read(case: Case) -> None:
    text = GOOD_EXPR + "B,3,nan,0.1,0.1\n"
    bad = case.write("nan.csv", text)
    result = case.run("--drop-nan", expr=bad)
    assert result.exit_code == ACCEPTED, result.output
    assert "dropped 1 of 7 samples" in result.stderr
    assert not case.out.exists()


@pytest.mark.usefixtures("accept")
def test_valid_inputs_are_accepted(case: Case) -> None:
    """Guards the cases below: the good files pass every input check."""
    assert case.run().exit_code == ACCEPTED


def test_duplicated_genes(case: Case) -> None:
    bad = case.write("dup.csv", GOOD_EXPR.replace("G1,G2,G3", "G1,G2,G1"))
    check(case, case.run(expr=bad), INPUT, bad, "duplicated gene names: G1")


def test_duplicated_sample_ids(case: Case) -> None:
    text = "sample,trajectory,time,G1,G2\nx,A,0,1,2\nx,A,1,3,4\ny,A,2,5,6\n"
    bad = case.write("dup.csv", text)
    check(case, case.run(expr=bad), INPUT, bad, "duplicated sample ids: x")


def test_missing_time_column(case: Case) -> None:
    bad = case.write("notime.csv", GOOD_EXPR.replace("trajectory,time,", "trajectory,hours,"))
    check(case, case.run(expr=bad), INPUT, bad, "no time column 'time'", "hours")


@pytest.mark.parametrize(("time", "problem"), [("soon", "non-numeric time 'soon'"), ("-2", "negative time -2")])
def test_bad_time(case: Case, time: str, problem: str) -> None:
    bad = case.write("time.csv", GOOD_EXPR.replace("B,2,", f"B,{time},"))
    check(case, case.run(expr=bad), INPUT, bad, problem, "'s6'")


def test_single_time_point(case: Case) -> None:
    bad = case.write("single.csv", GOOD_EXPR + "C,0,0.1,0.1,0.1\n")
    check(case, case.run(expr=bad), INPUT, bad, "trajectory 'C' has a single time point")


def test_fewer_than_two_genes(case: Case) -> None:
    text = "trajectory,time,G1\nA,0,0.1\nA,1,0.2\n"
    bad = case.write("one.csv", text)
    check(case, case.run(expr=bad), INPUT, bad, "fewer than 2 genes")


# ---------------------------------------------------------------- priors


def test_prior_unrecognised_columns(case: Case) -> None:
    bad = case.write("cols.tsv", "foo\tbar\tbaz\nG1\tG2\t1\n")
    check(case, case.run(prior=bad), INPUT, bad, "cannot find the regulator and target columns", "foo, bar, baz")


def test_prior_no_overlap(case: Case) -> None:
    bad = case.write("other.tsv", "regulator\ttarget\nTF1\tT1\nTF2\tT2\n")
    check(case, case.run(prior=bad), INPUT, bad, "no prior gene is among the expression genes", "TF1", "G1")


def test_prior_self_loops_only(case: Case) -> None:
    bad = case.write("loops.tsv", "regulator\ttarget\nG1\tG1\nG2\tG2\nG1\tOTHER\n")
    check(case, case.run(prior=bad), INPUT, bad, "self-loop")


# ---------------------------------------------------------------- h5ad


@pytest.fixture
def h5ad(case: Case) -> Path:
    df = pd.read_csv(case.expr)
    adata = ad.AnnData(
        X=df[["G1", "G2", "G3"]].to_numpy(),
        obs=pd.DataFrame({"trajectory": df["trajectory"].to_numpy(), "time": df["time"].to_numpy()},
                         index=[f"c{i}" for i in range(len(df))]),
        var=pd.DataFrame(index=["G1", "G2", "G3"]),
    )
    adata.layers["counts"] = np.round(adata.X * 10)
    path = case.dir / "data.h5ad"
    adata.write_h5ad(path)
    return path


def test_h5ad_missing_layer(case: Case, h5ad: Path) -> None:
    check(case, case.run("--layer", "spliced", expr=h5ad), INPUT, h5ad, "no layer 'spliced'", "counts")


def test_h5ad_missing_obs_key(case: Case, h5ad: Path) -> None:
    result = case.run("--time-key", "pseudotime", expr=h5ad)
    check(case, result, INPUT, h5ad, "no time obs key 'pseudotime'", "trajectory, time")


def test_not_an_h5ad(case: Case) -> None:
    bad = case.write("fake.h5ad", GOOD_EXPR)
    check(case, case.run(expr=bad), INPUT, bad, "not a valid .h5ad file")


# ---------------------------------------------------------------- output folder


def test_existing_output_without_overwrite(case: Case) -> None:
    case.out.mkdir()
    (case.out / "edges.tsv").write_text("old", encoding="utf-8")
    result = case.run()
    assert result.exit_code == OUTPUT, result.output
    assert "Traceback" not in result.output
    assert f"error: {case.out}: output folder exists" in result.stderr and "--overwrite" in result.stderr
    assert case.created == set()
    assert [p.name for p in case.out.iterdir()] == ["edges.tsv"]
    assert (case.out / "edges.tsv").read_text(encoding="utf-8") == "old"


def test_overwrite_refuses_a_folder_dashgrn_did_not_write(case: Case) -> None:
    # Data loss once: --overwrite deleted every file of a folder that was not a run.
    case.out.mkdir()
    (case.out / "thesis.txt").write_text("four years", encoding="utf-8")
    result = case.run("--overwrite")
    assert result.exit_code == OUTPUT, result.output
    assert "Traceback" not in result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "was not written by dashgrn" in error[0], result.stderr
    assert (case.out / "thesis.txt").read_text(encoding="utf-8") == "four years"
    assert case.created == set()
    # Without --overwrite the hint does not recommend it for such a folder.
    plain = case.run()
    assert plain.exit_code == OUTPUT and "will not replace it" in plain.stderr


def test_overwrite_refuses_a_folder_that_holds_an_input(case: Case) -> None:
    from dashgrn._atomic import MARKER

    precious = case.dir / "precious"
    precious.mkdir()
    (precious / MARKER).write_text("", encoding="utf-8")  # even a dashgrn folder
    expr = precious / "expression.csv"
    expr.write_text(GOOD_EXPR, encoding="utf-8")
    result = case.run("--overwrite", expr=expr, out=precious)
    assert result.exit_code == OUTPUT, result.output
    assert "holds the input" in result.stderr and "Traceback" not in result.output
    assert expr.read_text(encoding="utf-8") == GOOD_EXPR
    assert case.created == set()


def test_overwrite_refuses_the_current_folder(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashgrn._atomic import MARKER

    work = case.dir / "work"
    work.mkdir()
    (work / MARKER).write_text("", encoding="utf-8")
    (work / "notes.txt").write_text("keep", encoding="utf-8")
    monkeypatch.chdir(work)
    result = case.run("--overwrite", out=Path("."))
    assert result.exit_code == OUTPUT, result.output
    assert "current folder" in result.stderr
    assert sorted(p.name for p in work.iterdir()) == sorted([MARKER, "notes.txt"])
    assert case.created == set()


def test_unwritable_output(case: Case) -> None:
    locked = case.dir / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            # Running as root: permissions do not stop us; a path below a regular
            # file cannot be created by anyone.
            blocker = case.write("file.txt", "not a folder")
            out = blocker / "out"
        else:
            out = locked / "out"
        result = case.run(out=out)
    finally:
        locked.chmod(stat.S_IRWXU)
    assert result.exit_code == OUTPUT, result.output
    assert "Traceback" not in result.output
    assert f"error: {out}: output folder cannot be" in result.stderr
    assert not out.exists() and case.created == set()


@pytest.mark.parametrize(("option", "value", "problem"), [
    ("--solver", "rk5", "--solver must be one of dopri5, rk4, euler, bosh3, dopri8, got 'rk5'"),
    ("--pruning", "magic", "--pruning must be one of dash, imp, prior, none, gradual, dash-paper, got 'magic'"),
    ("--epochs", "0", "--epochs must be >= 1"),
])
def test_bad_choice_fails_before_any_file_is_read(case: Case, monkeypatch: pytest.MonkeyPatch,
                                                  option: str, value: str, problem: str) -> None:
    import dashgrn.io as io

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("an input file was read")

    monkeypatch.setattr(io, "read_expression", never)
    monkeypatch.setattr(io, "read_prior", never)
    missing = case.dir / "nope.csv"  # not even the missing file is noticed first
    result = case.run(option, value, expr=missing)
    assert result.exit_code == 4, result.output
    assert problem in result.stderr and "Traceback" not in result.output
    assert not case.out.exists() and case.created == set()


# ---------------------------------------------------------------- issue 17: units, sizes, names


def _h5ad(path: Path, X: np.ndarray, obs: dict[str, object], genes: list[str]) -> Path:
    adata = ad.AnnData(X=X, obs=pd.DataFrame(obs, index=[f"c{i}" for i in range(X.shape[0])]),
                       var=pd.DataFrame(index=genes))
    adata.write_h5ad(path)
    return path


def _no_cells(case: Case) -> Path:
    return _h5ad(case.dir / "empty.h5ad", np.zeros((0, 3)), {"time": np.zeros(0)}, ["G1", "G2", "G3"])


def _huge_cell(case: Case) -> Path:
    return case.write("huge.csv", GOOD_EXPR.replace("B,1,0.4,", "B,1,1e308,"))


def _times_1e300(case: Case) -> Path:
    df = pd.read_csv(case.expr)
    df[["G1", "G2", "G3"]] *= 1e300
    path = case.dir / "x1e300.csv"
    df.to_csv(path, index=False)
    return path


def _times_1e300_h5ad(case: Case) -> Path:
    df = pd.read_csv(case.expr)
    X = df[["G1", "G2", "G3"]].to_numpy() * 1e300
    return _h5ad(case.dir / "x1e300.h5ad", X, {"trajectory": df["trajectory"].to_numpy(),
                                               "time": df["time"].to_numpy()}, ["G1", "G2", "G3"])


@pytest.mark.parametrize(("make", "code", "problems"), [
    (_no_cells, INPUT, ["no samples (0 observations of 3 genes)"]),
    (_huge_cell, INPUT, ["expression value 1e+308 for sample 's5', gene 'G1' is too large", "above 1e+150"]),
    (_times_1e300, INPUT, ["expression value 1e+299 for sample 's1', gene 'G1' is too large",
                           "(18 values in 6 samples"]),
    (_times_1e300_h5ad, INPUT, ["is too large (18 values in 6 samples"]),
], ids=["h5ad-0-observations", "one-cell-1e308", "values-x1e300", "h5ad-values-x1e300"])
def test_unusable_values_and_shapes(case: Case, make, code: int, problems: list[str]) -> None:
    # Once: exit 1 without a message (0 cells); accepted, with a network of noise (1e308, x 1e300).
    bad = make(case)
    check(case, case.run(expr=bad), code, bad, *problems)


@pytest.mark.usefixtures("accept")
def test_nan_prior_weight_is_a_warning(case: Case) -> None:
    # Once: sign +1 and weight 1, said only at INFO.
    prior = case.write("nan_weight.tsv", "source\ttarget\tweight\nG1\tG2\tnan\nG2\tG3\t-1\nG3\tG1\t\n")
    result = case.run(prior=prior)
    assert result.exit_code == ACCEPTED, result.output
    warning = [line for line in result.stderr.splitlines() if "have no 'weight' value" in line]
    assert len(warning) == 1, result.stderr
    assert "2 edges have no 'weight' value (NaN or empty, the first on row 2)" in warning[0]
    assert "assumed weight 1 and an unknown sign (0)" in warning[0]
    assert not case.out.exists() and case.created == set()


@pytest.mark.usefixtures("accept")
def test_formula_like_gene_names_are_read_as_names(case: Case) -> None:
    # Documented (README, outputs): names are written as they are; a spreadsheet may run '=...'.
    name = "=cmd|' /C calc'!A0"
    expr = case.write("formula.csv", GOOD_EXPR.replace("G1,G2,G3", f"{name},G2,G3"))
    prior = case.write("formula.tsv", GOOD_PRIOR.replace("G1\t", f"{name}\t"))
    result = case.run(expr=expr, prior=prior)
    assert result.exit_code == ACCEPTED, result.output
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "formula" in readme and "CSV injection" in readme


def _log_normalised_cells(path: Path) -> tuple[Path, list[str]]:
    """Like scanpy's krumsiek11: log-normalised values in about [-0.02, 1.01], not counts."""
    rng = np.random.default_rng(0)
    n, genes = 80, ["Gata1", "Gata2", "Fli1", "Pu.1", "Cebpa"]
    t = np.sort(rng.random(n))
    X = np.log1p(np.column_stack([t, 1 - t, t ** 2, np.sqrt(t), 0.5 + 0 * t]) * 1.7)
    X += rng.normal(0, 0.01, X.shape)
    X = np.clip(X, -0.02, 1.01)
    assert X.min() < 0 and X.max() <= 1.01
    return _h5ad(path, X, {"dpt": t, "cell_type": ["progenitor"] * n}, genes), genes


@pytest.mark.usefixtures("accept")
def test_log_normalised_single_cells_are_used_as_they_are(case: Case) -> None:
    # Once: exit 3, "pass --no-normalize if the values are already normalised".
    cells, genes = _log_normalised_cells(case.dir / "krumsiek_like.h5ad")
    prior = case.write("sc_prior.tsv", "regulator\ttarget\n" + "".join(f"{genes[0]}\t{g}\n" for g in genes[1:]))
    result = case.run("--pseudotime-key", "dpt", "--bins", "8", expr=cells, prior=prior)
    assert result.exit_code == ACCEPTED, result.output
    assert "the values are already normalised" in result.stderr and "used as they are" in result.stderr
    assert "error:" not in result.stderr
    assert not case.out.exists() and case.created == set()
