"""`dashgrn simulate` through the CLI: files, SIM350 via --initial, and clean errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from dashgrn.cli import app
from dashgrn.simulate import METHODS

INPUT, CONFIG, OUTPUT = 3, 4, 7

NODES = (
    "gene\ttype\tspmax\tspdeg\ttau\tn_regulators\tlogic\n"
    "A\tinput\t1\t1\t1\t0\t\nB\tinput\t1\t1\t1\t0\t\nC\tregulated\t1\t1\t1\t2\t{logic}\n"
)
EDGES = "regulator\ttarget\tsign\tweight\tEC50\tn\nA\tC\t1\t1.0\t0.5\t1.2\n{reg}\tC\t-1\t1.0\t0.45\t1.4\n"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["simulate", *args])
    return result.exit_code, result.output


def test_random_network_run(tmp_path: Path) -> None:
    out = tmp_path / "sim"
    code, text = run("--genes", "12", "--trajectories", "3", "--noise", "0.02", "--prior-noise", "0.05",
                     "--seed", "3", "--out", str(out))
    assert code == 0, text
    assert "simulated 12 genes" in text
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "expression.h5ad", "expression.csv", "expression_clean.csv", "truth.tsv", "prior_noise_0.05.tsv",
        "network_nodes.tsv", "network_edges.tsv", "manifest.json", ".dashgrn-output",
    ])
    # Same seed, same bytes; an existing folder needs --overwrite.
    code, text = run("--genes", "12", "--trajectories", "3", "--out", str(out))
    assert code == OUTPUT and "--overwrite" in text and "Traceback" not in text


def test_sim350_through_initial(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "sim350"
    code, text = run(
        "--nodes", str(shared_data / "sim350_ode_nodes.tsv"), "--edges", str(shared_data / "sim350_ode_edges.tsv"),
        "--initial", str(shared_data / "sim350_test_long.csv"), "--prior-noise", "", "--out", str(out),
    )
    assert code == 0, text
    mine = pd.read_csv(out / "expression.csv")
    ref = pd.read_csv(shared_data / "sim350_test_long.csv")
    assert mine.columns.tolist() == ref.columns.tolist()
    assert (mine[["trajectory", "time"]].to_numpy() == ref[["trajectory", "time"]].to_numpy()).all()
    assert np.abs(mine.iloc[:, 2:].to_numpy() - ref.iloc[:, 2:].to_numpy()).max() <= 1e-4


def test_snapshot_run(tmp_path: Path) -> None:
    out = tmp_path / "cells"
    code, text = run("--genes", "15", "--trajectories", "4", "--snapshot-cells", "60", "--count-scale", "30",
                     "--dropout", "0.05", "--start-jitter", "0.02", "--prior-noise", "0.05", "--out", str(out))
    assert code == 0, text
    assert (out / "cell_times.tsv").exists() and "60 cells" in text


def test_method_help_lists_the_integrators() -> None:
    """--method's help names dashgrn.simulate.METHODS (written out so that `dashgrn --help`
    need not import the simulator)."""
    (param,) = [p for p in typer.main.get_command(app).commands["simulate"].params if p.name == "method"]
    assert param.help == f"Integrator: {', '.join(METHODS[:-1])} or {METHODS[-1]}."


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--genes", "1"], "--genes: 1; a network needs at least 2 genes"),
        (["--genes", "5", "--times", "0,3,2"], "--times: times are not strictly increasing"),
        (["--genes", "5", "--times", "0"], "--times: 1 time point(s)"),
        (["--genes", "5", "--times", "0,x"], "is not a comma-separated list of numbers"),
        (["--genes", "5", "--noise", "-0.1"], "--noise: -0.1 must be >= 0"),
        (["--genes", "5", "--prior-noise", "0.7"], "--prior-noise: 0.7 is out of range"),
        (["--genes", "5", "--method", "euler"], "--method: unknown integrator 'euler'"),
        (["--genes", "5", "--dropout", "0.2"], "only apply to snapshot data"),
        (["--trajectories", "3"], "no network"),
    ],
)
def test_bad_options(tmp_path: Path, args: list[str], needle: str) -> None:
    out = tmp_path / "out"
    code, text = run(*args, "--out", str(out))
    assert code == CONFIG, text
    assert needle in text and text.startswith("error: ")
    assert "Traceback" not in text
    assert not out.exists()


@pytest.mark.parametrize(
    ("logic", "reg", "needle"),
    [
        ("A ^ !B", "B", "unknown token '^'"),
        ("A & !B", "NOPE", "regulator 'NOPE' is not a gene of the node table"),
    ],
)
def test_bad_network_files(tmp_path: Path, logic: str, reg: str, needle: str) -> None:
    (tmp_path / "n.tsv").write_text(NODES.format(logic=logic))
    (tmp_path / "e.tsv").write_text(EDGES.format(reg=reg))
    out = tmp_path / "out"
    code, text = run("--nodes", str(tmp_path / "n.tsv"), "--edges", str(tmp_path / "e.tsv"), "--out", str(out))
    assert code == INPUT, text
    assert needle in text and str(tmp_path) in text
    assert "Traceback" not in text
    assert not out.exists()
