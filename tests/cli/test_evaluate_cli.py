"""`dashgrn evaluate`: tables, formats, output folder, baselines and bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app

INPUT, CONFIG, OUTPUT = 3, 4, 7
TRUTH = "Gene1,Gene2,Type\nA,B,+\nA,C,-\nB,C,+\nC,D,+\n"
PRED = "regulator\ttarget\tweight\tsign\trank\nA\tB\t0.9\t1\t1\nA\tC\t0.7\t1\t2\nD\tA\t0.5\t-1\t3\n"
OTHER = "TF\ttarget\timportance\nB\tC\t3.0\nC\tA\t2.0\n"
FILES = {"metrics.tsv", "metrics.json", "pr_curves.csv", "roc_curves.csv", "pr_curves.png", "roc_curves.png",
         ".dashgrn-output"}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in {"truth.csv": TRUTH, "pred.tsv": PRED, "other.tsv": OTHER}.items():
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        out[name.split(".")[0]] = p
    return out


def _run(runner: CliRunner, *args: object):  # noqa: ANN202
    return runner.invoke(app, ["evaluate", *[str(a) for a in args]])


def test_table_with_compare_shows_every_method(runner: CliRunner, files: dict[str, Path]) -> None:
    r = _run(runner, files["pred"], "--truth", files["truth"], "--compare", files["other"], "--permutations", "50")
    assert r.exit_code == 0, r.output
    for needle in ("auroc", "average_precision", "epr_activating", "balanced_accuracy", "pred", "other", "random"):
        assert needle in r.stdout
    # The universe is printed with the result.
    assert "universe beeline" in r.stdout and "12 pairs" in r.stdout


def test_tsv_and_json_formats(runner: CliRunner, files: dict[str, Path]) -> None:
    r = _run(runner, files["pred"], "--truth", files["truth"], "-c", files["other"], "--format", "tsv", "--permutations", "0")
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    header = lines[0].split("\t")
    assert header[:3] == ["method", "auroc", "average_precision"]
    assert "universe" in header
    assert [ln.split("\t")[0] for ln in lines[1:]] == ["pred", "other", "random"]
    r = _run(runner, files["pred"], "--truth", files["truth"], "--format", "json", "--permutations", "0")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["universe"]["kind"] == "beeline" and doc["universe"]["n_pairs"] == 12
    assert [m["method"] for m in doc["methods"]] == ["pred", "random"]
    pred = doc["methods"][0]
    # Hand-checked: predicted edges AB (true), AC (true), DA (false): precision 2/3, recall 2/4.
    assert pred["precision"] == pytest.approx(2 / 3)
    assert pred["recall"] == pytest.approx(0.5)
    assert pred["n_edges"] == 3
    assert pred["sign_accuracy"] == pytest.approx(0.5)  # AB +/+ right, AC +/- wrong


def test_out_writes_every_file(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "eval"
    r = _run(runner, files["pred"], "--truth", files["truth"], "-c", files["other"], "--out", out,
             "--bootstrap", "5", "--permutations", "20")
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == FILES
    metrics = pd.read_csv(out / "metrics.tsv", sep="\t")
    assert metrics["method"].tolist() == ["pred", "other", "random"]
    assert "auroc_ci_low" in metrics and "universe" in metrics
    pr = pd.read_csv(out / "pr_curves.csv")
    roc = pd.read_csv(out / "roc_curves.csv")
    assert set(pr["method"]) == set(roc["method"]) == {"pred", "other", "random"}
    assert list(roc.columns) == ["method", "fpr", "tpr", "threshold"]
    for png in ("pr_curves.png", "roc_curves.png"):
        assert (out / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "metrics.json").read_text())["methods"][0]["method"] == "pred"
    # A second run needs --overwrite.
    again = _run(runner, files["pred"], "--truth", files["truth"], "--out", out, "--permutations", "0")
    assert again.exit_code == OUTPUT
    assert "--overwrite" in again.stderr
    ok = _run(runner, files["pred"], "--truth", files["truth"], "--out", out, "--overwrite", "--permutations", "0")
    assert ok.exit_code == 0, ok.output
    assert pd.read_csv(out / "metrics.tsv", sep="\t")["method"].tolist() == ["pred", "random"]


def test_failed_output_leaves_nothing(
    runner: CliRunner, files: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dashgrn.report.figures as figures

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(figures, "plot_roc_curves", boom)
    out = tmp_path / "eval"
    r = _run(runner, files["pred"], "--truth", files["truth"], "--out", out, "--permutations", "0")
    assert r.exit_code == OUTPUT
    assert "cannot write the results (disk full)" in r.stderr
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".eval")]


def test_prior_baseline_row(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    prior = tmp_path / "prior.tsv"
    prior.write_text("regulator\ttarget\tsign\nA\tB\t1\nB\tA\t1\n", encoding="utf-8")
    r = _run(runner, files["pred"], "--truth", files["truth"], "--prior", prior, "--format", "json", "--permutations", "0")
    assert r.exit_code == 0, r.output
    rows = {m["method"]: m for m in json.loads(r.stdout)["methods"]}
    assert list(rows) == ["pred", "prior-only", "random"]
    assert rows["prior-only"]["n_edges"] == 2
    assert rows["prior-only"]["precision"] == pytest.approx(0.5)


def test_sim350_compare_and_gene_universe(runner: CliRunner, shared_data: Path) -> None:
    d = shared_data
    r = _run(
        runner, d / "sim350_prior_noise_0.05.tsv", "--truth", d / "sim350_truth.tsv",
        "--compare", d / "sim350_prior_noise_0.1.tsv", "--genes", d / "sim350_genes.tsv",
        "--format", "tsv", "--permutations", "0",
    )
    assert r.exit_code == 0, r.output
    t = pd.read_csv(pd.io.common.StringIO(r.stdout), sep="\t").set_index("method")
    assert t.loc["sim350_prior_noise_0.05", "precision"] == pytest.approx(0.9)
    assert t.loc["sim350_prior_noise_0.05", "recall"] == pytest.approx(0.9)
    assert t.loc["sim350_prior_noise_0.05", "balanced_accuracy"] == pytest.approx(0.95, abs=1e-3)
    assert t.loc["sim350_prior_noise_0.1", "precision"] == pytest.approx(0.8)
    assert t["universe"].iloc[0].startswith("genes: ")


def test_same_file_names_are_disambiguated(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "rankedEdges.csv").write_text("Gene1\tGene2\tEdgeWeight\nA\tB\t1\n", encoding="utf-8")
    (b / "rankedEdges.csv").write_text("Gene1\tGene2\tEdgeWeight\nB\tC\t1\n", encoding="utf-8")
    r = _run(runner, a / "rankedEdges.csv", "--truth", files["truth"], "-c", b / "rankedEdges.csv",
             "--format", "tsv", "--permutations", "0")
    assert r.exit_code == 0, r.output
    assert [ln.split("\t")[0] for ln in r.stdout.strip().splitlines()[1:]] == [
        "a/rankedEdges.csv", "b/rankedEdges.csv", "random",
    ]


# --------------------------------------------------------------------------------------
# Bad inputs: exit code, "error: <path>: <problem>" + hint on stderr, nothing on stdout, no traceback


@pytest.mark.parametrize(
    ("which", "text", "needle"),
    [
        ("pred", None, "file not found"),
        ("pred", "", "is empty"),
        ("pred", "regulator\ttarget\tweight\nA\tB\tstrong\n", "non-numeric weight"),
        ("pred", "regulator\ttarget\tweight\nA\tB\tnan\n", "NaN weight"),
        ("pred", "foo\tbar\tbaz\nA\tB\t1\n", "unrecognised header"),
        ("pred", "regulator\ttarget\tweight\nX\tY\t1\n", "no gene in common with the truth"),
        ("truth", None, "file not found"),
        ("truth", "", "is empty"),
        ("truth", "Gene1,Gene2,Type\n", "no edges"),
        ("truth", "G1\tG2\t0\nG2\tG3\t0\n", "no true edge"),
        ("truth", "a,b,c,d\n1,2,3,4\n", "unrecognised truth layout"),
    ],
)
def test_bad_inputs_exit_3(
    runner: CliRunner, files: dict[str, Path], tmp_path: Path, which: str, text: str | None, needle: str
) -> None:
    bad = tmp_path / f"bad_{which}.txt"
    if text is not None:
        bad.write_text(text, encoding="utf-8")
    pred = bad if which == "pred" else files["pred"]
    truth = bad if which == "truth" else files["truth"]
    out = tmp_path / "out"
    r = _run(runner, pred, "--truth", truth, "--out", out)
    assert r.exit_code == INPUT, r.output
    assert f"error: {bad}: " in r.stderr
    assert needle in r.stderr
    assert "hint: " in r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.output
    assert not out.exists()


def test_bad_compare_and_prior_files(runner: CliRunner, files: dict[str, Path], tmp_path: Path) -> None:
    bad = tmp_path / "bad.tsv"
    bad.write_text("regulator\ttarget\tweight\nA\tB\t\n", encoding="utf-8")
    r = _run(runner, files["pred"], "--truth", files["truth"], "--compare", bad)
    assert r.exit_code == INPUT and f"error: {bad}: " in r.stderr
    r = _run(runner, files["pred"], "--truth", files["truth"], "--prior", tmp_path / "missing_prior.tsv")
    assert r.exit_code == INPUT and "missing_prior.tsv" in r.stderr
    assert "Traceback" not in r.output


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--universe", "genes"], "--universe genes needs --genes"),
        (["--universe", "tf", "--genes", "GENES"], "--genes is only used with --universe genes"),
    ],
)
def test_conflicting_options_exit_4(
    runner: CliRunner, files: dict[str, Path], tmp_path: Path, args: list[str], needle: str
) -> None:
    genes = tmp_path / "genes.txt"
    genes.write_text("A\nB\nC\nD\n", encoding="utf-8")
    args = [str(genes) if a == "GENES" else a for a in args]
    r = _run(runner, files["pred"], "--truth", files["truth"], *args)
    assert r.exit_code == CONFIG, r.output
    assert needle in r.stderr
    assert "Traceback" not in r.output


def test_usage_errors_exit_2(runner: CliRunner, files: dict[str, Path]) -> None:
    assert _run(runner, files["pred"]).exit_code == 2  # --truth is required
    assert _run(runner, files["pred"], "--truth", files["truth"], "--top-k", "0").exit_code == 2
    assert _run(runner, files["pred"], "--truth", files["truth"], "--rank-by", "rank").exit_code == 2


def test_choices_come_from_the_evaluate_package() -> None:
    from dashgrn.cli.evaluate import RankBy, UniverseChoice
    from dashgrn.evaluate import RANK_BY, UNIVERSES

    assert [c.value for c in UniverseChoice] == list(UNIVERSES)
    assert [c.value for c in RankBy] == list(RANK_BY)
    assert UniverseChoice("tf") == "tf" and RankBy.abs.value == "abs"
