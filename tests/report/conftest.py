"""A tiny ``dashgrn infer`` run whose gene names need escaping, shared by the report tests."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app

#: Gene names with HTML/XML/Markdown/matplotlib specials; G0..G5 are plain.
ODD_GENES = [
    "<script>alert(1)</script>",
    "A&B",
    '"quoted"',
    "it's",
    "x>y|z",
    "$\\alpha$_`tick`",
]
GENES = [*ODD_GENES, "G0", "G1"]
FAST = ["--epochs", "3", "--pruning", "dash", "--hidden", "4", "--solver", "rk4", "--solver-steps", "2", "--prune-start", "2",
        "--prune-every", "2", "--batch-size", "8", "--threads", "1", "--val-fraction", "0.2",
        "--evidence", "model"]  # 3 epochs learn little: the crowd would rank; these tests read the model's ranking


def write_inputs(folder: Path) -> tuple[Path, Path, Path]:
    """8 genes, 6 trajectories of 4 time points; a 6-edge prior and a 6-edge truth."""
    rng = np.random.default_rng(0)
    n = len(GENES)
    A = np.zeros((n, n))
    truth = [(0, 2, 1), (1, 3, -1), (2, 4, 1), (3, 5, 1), (6, 0, -1), (7, 1, 1)]
    for i, j, s in truth:
        A[i, j] = s
    rows = []
    for k in range(6):
        y = rng.random(n)
        for t in (0.0, 1.0, 2.0, 3.0):
            rows.append([k + 1, t, *y])
            for _ in range(25):
                y = y + 0.04 * (1 / (1 + np.exp(-3 * (y @ A))) - y)
    expr = folder / "expr.csv"
    pd.DataFrame(rows, columns=["trajectory", "time", *GENES]).to_csv(expr, index=False)
    prior_edges = [*truth[:4], (4, 6, 1), (5, 7, -1)]
    prior = folder / "prior.tsv"
    pd.DataFrame([(GENES[i], GENES[j], s) for i, j, s in prior_edges], columns=["regulator", "target", "sign"]) \
        .to_csv(prior, sep="\t", index=False)
    gold = folder / "truth.tsv"
    pd.DataFrame([(GENES[i], GENES[j], s) for i, j, s in truth], columns=["regulator", "target", "sign"]) \
        .to_csv(gold, sep="\t", index=False)
    return expr, prior, gold


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A finished run folder (``run``), its inputs (``expr``, ``prior``, ``truth``) and gene names
    (``genes``, ``odd_genes``); do not modify the folder."""
    folder = tmp_path_factory.mktemp("report_tiny")
    expr, prior, gold = write_inputs(folder)
    out = folder / "run"
    res = CliRunner().invoke(app, ["-q", "infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST])
    assert res.exit_code == 0, res.output
    return {"run": out, "expr": expr, "prior": prior, "truth": gold, "genes": GENES, "odd_genes": ODD_GENES}


@pytest.fixture()
def run_copy(tiny_run: dict[str, Any], tmp_path: Path) -> Path:
    """A private copy of the tiny run folder, free to modify."""
    dst = tmp_path / "run"
    shutil.copytree(tiny_run["run"], dst)
    return dst
