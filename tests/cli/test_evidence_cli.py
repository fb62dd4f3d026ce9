"""`dashgrn infer --evidence`: the crowd end to end (run.json, checkpoint, export, report)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.checkpoint import load_evidence_scores
from dashgrn.cli import app
from tests.tiny_data import FAST, tiny_time_course

QUICK = [a for a in FAST if a not in ("--evidence", "model")] + ["--pruning", "none"]


def _run(args: list[str]):  # noqa: ANN202
    return CliRunner().invoke(app, ["-q", *args])


@pytest.fixture(scope="module")
def crowd_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    tmp = tmp_path_factory.mktemp("crowd")
    expr, prior = tiny_time_course(tmp)
    out = tmp / "run"
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *QUICK, "--evidence", "crowd"])
    assert r.exit_code == 0, r.output
    return expr, prior, out


def test_crowd_run_records_its_evidence_and_exports_the_prior(crowd_run: tuple[Path, Path, Path]) -> None:
    _, prior, out = crowd_run
    ev = json.loads((out / "run.json").read_text())["summary"]["evidence"]
    assert ev["mode"] == "crowd" and ev["reason"] == "--evidence crowd" and ev["sources"][0] == "levels"
    assert set(ev["skills"]) >= {"model", "linear", "trees"}
    edges = pd.read_csv(out / "edges.tsv", sep="\t")
    want = pd.read_csv(prior, sep="\t")
    assert set(zip(edges["regulator"], edges["target"])) == set(zip(want["regulator"], want["target"]))
    ranking = pd.read_csv(out / "ranking.tsv.gz", sep="\t")
    assert len(ranking) == 8 * 7  # the crowd scores every ordered pair
    scores = load_evidence_scores(out / "checkpoint.pt")
    assert scores.shape == (8, 8) and (abs(scores) <= 1).all()
    report = (out / "report.md").read_text()
    assert "crowd" in report


def test_export_reranks_with_the_saved_crowd_or_the_model(crowd_run: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, _, out = crowd_run
    same = tmp_path / "same"
    assert _run(["export", str(out / "checkpoint.pt"), "--out", str(same)]).exit_code == 0
    for name in ("edges.tsv", "ranking.tsv.gz"):
        pd.testing.assert_frame_equal(pd.read_csv(same / name, sep="\t"), pd.read_csv(out / name, sep="\t"))
    model = tmp_path / "model"
    assert _run(["export", str(out / "checkpoint.pt"), "--evidence", "model", "--out", str(model)]).exit_code == 0
    assert len(pd.read_csv(model / "ranking.tsv.gz", sep="\t")) < 8 * 7 or not (
        pd.read_csv(model / "ranking.tsv.gz", sep="\t").equals(pd.read_csv(out / "ranking.tsv.gz", sep="\t")))


def test_export_asks_for_crowd_scores_a_model_run_does_not_have(tmp_path: Path) -> None:
    expr, prior = tiny_time_course(tmp_path)
    out = tmp_path / "run"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *QUICK, "--evidence", "model"]).exit_code == 0
    assert json.loads((out / "run.json").read_text())["summary"]["evidence"]["mode"] == "model"
    assert load_evidence_scores(out / "checkpoint.pt") is None
    r = _run(["export", str(out / "checkpoint.pt"), "--evidence", "crowd", "--out", str(tmp_path / "x")])
    assert r.exit_code == 4 and "crowd" in r.output
    assert not (tmp_path / "x").exists()


def test_a_crowd_run_reranked_with_another_prior_equals_a_run_with_it(
        crowd_run: tuple[Path, Path, Path], tmp_path: Path) -> None:
    """The checkpoint keeps the data's crowd without the prior, and the ranking adds the prior's
    regulators: `export --prior B` of a run made with prior A is a run made with prior B."""
    expr, _, out = crowd_run
    assert json.loads((out / "run.json").read_text())["summary"]["evidence"]["sources"][-1] == "prior-regulators"
    other = tmp_path / "other.tsv"
    pd.DataFrame([("G0", "G2"), ("G0", "G5"), ("G0", "G6"), ("G3", "G1")], columns=["regulator", "target"]).to_csv(
        other, sep="\t", index=False)
    b, c = tmp_path / "b", tmp_path / "c"
    r = _run(["infer", str(expr), "--prior", str(other), "--out", str(b), *QUICK, "--evidence", "crowd"])
    assert r.exit_code == 0, r.output
    assert _run(["export", str(out / "checkpoint.pt"), "--prior", str(other), "--out", str(c)]).exit_code == 0
    for name in ("edges.tsv", "ranking.tsv.gz"):
        pd.testing.assert_frame_equal(pd.read_csv(c / name, sep="\t"), pd.read_csv(b / name, sep="\t"))
