"""`dashgrn perturb` end to end on a tiny trained run: the files, the Python API, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dashgrn
from dashgrn.cli import app
from dashgrn.perturbation import COLUMNS
from dashgrn.perturbation._html import render_page

TRAIN = ["--epochs", "4", "--hidden", "6", "--pruning", "none", "--batch-size", "16", "--threads", "1",
         "--ensemble", "2", "--seed", "1"]


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    from tiny_data import tiny_time_course

    tmp = tmp_path_factory.mktemp("perturb")
    expr, prior = tiny_time_course(tmp)
    res = CliRunner().invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(tmp / "run"), *TRAIN])
    assert res.exit_code == 0, res.output
    return tmp / "run", expr


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if not line.startswith(("INFO ", "WARNING "))]


def test_perturb_writes_the_table_and_page(run: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, expr = run
    out = tmp_path / "ko"
    res = CliRunner().invoke(app, ["perturb", str(run_dir), "--knockout", "G0", "--overexpress", "G1=0.9",
                                   "--from", str(expr), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"results: {out}" in res.output
    assert sorted(p.name for p in out.iterdir()) == [".dashgrn-output", "perturbation.html", "perturbation.json",
                                                     "perturbation.tsv"]
    table = pd.read_csv(out / "perturbation.tsv", sep="\t")
    assert list(table.columns) == COLUMNS
    assert list(dict.fromkeys(table["perturbation"])) == ["knockout:G0", "overexpress:G1=0.9"]
    assert len(table) == 16
    clamped = table[table["rank"] == 0]
    assert list(clamped["gene"]) == ["G0", "G1"]
    np.testing.assert_allclose(clamped["perturbed"], [0.0, 0.9], atol=1e-7)
    for _, rows in table.groupby("perturbation"):
        others = rows[rows["rank"] > 0]
        assert list(others["rank"]) == list(range(1, 8))
        assert (np.diff(others["delta"].abs()) <= 1e-12).all()
    assert (table["delta_sd"] >= 0).all()  # two members
    record = json.loads((out / "perturbation.json").read_text())
    assert record["start_states"] == 12 and record["members"] == 2 and record["end_time"] == 4.0
    page = (out / "perturbation.html").read_text()
    assert "Content-Security-Policy" in page and "<script" not in page
    assert page.count("<svg") == 4  # a bar chart and a network per perturbation
    # the Python API gives the same table
    api = dashgrn.perturb(run_dir, knockout=["G0"], overexpress={"G1": 0.9}, start=expr)
    np.testing.assert_allclose(api["delta"], table["delta"], rtol=1e-7, atol=1e-9)
    assert list(api["gene"]) == list(table["gene"])


def test_combined_perturbation_and_t_end(run: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, expr = run
    out = tmp_path / "both"
    res = CliRunner().invoke(app, ["perturb", str(run_dir / "checkpoint.pt"), "--knockout", "G0,G1", "--combine",
                                   "--t-end", "10", "--from", str(expr), "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "perturbation.tsv", sep="\t")
    assert set(table["perturbation"]) == {"knockout:G0+knockout:G1"}
    assert json.loads((out / "perturbation.json").read_text())["end_time"] == 10.0
    again = CliRunner().invoke(app, ["perturb", str(run_dir), "--knockout", "G0", "--from", str(expr),
                                     "--out", str(out)])
    assert again.exit_code == 7


def test_unknown_gene_is_one_line_exit_3_and_no_output(run: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, expr = run
    out = tmp_path / "bad"
    res = CliRunner().invoke(app, ["perturb", str(run_dir), "--knockout", "G00", "--from", str(expr),
                                   "--out", str(out)])
    assert res.exit_code == 3
    (line,) = _errors(res.output)
    assert line.startswith("error: --knockout: 'G00' is not a gene of the checkpoint (close matches: G0")
    assert not out.exists()
    assert not list(tmp_path.iterdir())  # no staging folder either


def test_start_file_without_the_model_genes(run: tuple[Path, Path], tmp_path: Path) -> None:
    run_dir, expr = run
    other = tmp_path / "other.csv"
    pd.read_csv(expr).rename(columns={"G3": "g3"}).to_csv(other, index=False)
    out = tmp_path / "bad"
    res = CliRunner().invoke(app, ["perturb", str(run_dir), "--knockout", "G0", "--from", str(other),
                                   "--out", str(out)])
    assert res.exit_code == 3
    (line,) = _errors(res.output)
    assert line.startswith(f"error: {other}: 1 of the checkpoint's 8 genes are not in the data, e.g. 'G3'")
    assert "close matches: g3" in line
    assert not out.exists()


def test_page_escapes_every_name() -> None:
    evil = "<b onclick=x>&G"
    table = pd.DataFrame({"perturbation": f"knockout:{evil}", "gene": [evil, "<i>T</i>"], "baseline": [0.5, 0.4],
                          "perturbed": [0.0, 0.1], "delta": [-0.5, -0.3], "delta_sd": [0.01, np.nan],
                          "rank": [0, 1]})
    edges = pd.DataFrame({"regulator": [evil], "target": ["<i>T</i>"], "sign": [1]})
    page = render_page(table, edges, {"model": "<run>", "start_source": "a&b", "clamped": {}})
    assert "<b onclick" not in page and "<i>T" not in page and "<run>" not in page
    assert "&lt;b onclick=x&gt;&amp;G" in page and "&lt;i&gt;T&lt;/i&gt;" in page and "a&amp;b" in page


def test_write_perturbation_writes_na_and_refuses_an_existing_folder(tmp_path: Path) -> None:
    from dashgrn import OutputError
    from dashgrn.perturbation import write_perturbation

    table = pd.DataFrame({"perturbation": "knockout:A", "gene": ["A", "B"], "baseline": [0.5, 0.4],
                          "perturbed": [0.0, 0.1], "delta": [-0.5, -0.3], "delta_sd": [np.nan, np.nan],
                          "rank": [0, 1]})
    table.attrs.update({"end_time": 2.0, "members": 1, "clamped": {"knockout:A": ["A"]}})
    paths = write_perturbation(table, tmp_path / "out")
    lines = paths["table"].read_text().splitlines()
    assert lines[0] == "\t".join(COLUMNS)
    assert lines[1] == "knockout:A\tA\t0.5\t0\t-0.5\tNA\t0"
    assert json.loads(paths["json"].read_text())["members"] == 1
    with pytest.raises(OutputError, match="exists"):
        write_perturbation(table, tmp_path / "out")
