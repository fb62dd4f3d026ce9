"""`dashgrn infer cells.h5ad --root-group ...` on a tiny simulated snapshot set: the whole
run, and every single-cell error (exit code, one error line, no traceback, no output)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app

runner = CliRunner()
FAST = ["--epochs", "4", "--prune-start", "2", "--prune-every", "2", "--hidden", "6", "--solver", "rk4",
        "--solver-steps", "2", "--threads", "1", "--bins", "8"]
INPUT, CONFIG = 3, 4


@pytest.fixture(scope="module")
def cells(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dashgrn simulate` snapshot mode: 30 genes, 240 cells with hidden times (cell_type has stem)."""
    out = tmp_path_factory.mktemp("sc") / "sim"
    r = runner.invoke(app, [
        "simulate", "--genes", "30", "--snapshot-cells", "240", "--trajectories", "20", "--count-scale", "50",
        "--dropout", "0.1", "--start-jitter", "0.02", "--times", "0,3", "--prior-noise", "0.05",
        "--prior-name", "prior.tsv", "--seed", "3", "--out", str(out),
    ])
    assert r.exit_code == 0, r.output
    return out


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def test_infer_on_snapshots_end_to_end(cells: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = runner.invoke(app, ["infer", str(cells / "expression.h5ad"), "--prior", str(cells / "prior.tsv"),
                            "--root-group", "cell_type=stem", "--out", str(out), *FAST])
    assert r.exit_code == 0, r.output
    for name in ("edges.tsv", "ranking.tsv.gz", "report.html", "report.json", "singlecell_cells.tsv.gz",
                 "singlecell_bins.tsv", "singlecell_genes.tsv"):
        assert (out / name).is_file(), name
    settings = json.loads((out / "config.json").read_text())["settings"]
    assert settings["root_group"] == "cell_type=stem" and settings["bins"] == 8 and settings["normalize"] is True
    run = json.loads((out / "run.json").read_text())
    s = run["summary"]["singlecell"]
    assert s["pseudotime"] == "dpt" and s["cells_in"] == 240 and s["time_points"] == 8
    assert run["summary"]["data"]["samples"] == 8 and run["summary"]["data"]["trajectories"] == 1
    bins = pd.read_csv(out / "singlecell_bins.tsv", sep="\t")
    assert bins["cells"].sum() == 240 and bins["time"].min() == 0 and bins["time"].max() == 1
    with gzip.open(out / "singlecell_cells.tsv.gz", "rt") as fh:
        per_cell = pd.read_csv(fh, sep="\t")
    truth = pd.read_csv(cells / "cell_times.tsv", sep="\t").set_index("cell")
    root = per_cell.loc[per_cell["root"], "cell"].tolist()
    assert len(root) == 1 and truth.loc[root[0], "cell_type"] == "stem"
    assert per_cell["pseudotime"].min() == 0 and per_cell["pseudotime"].max() == 1
    report = json.loads((out / "report.json").read_text())
    assert report["singlecell_root_cell"] == root[0] and report["singlecell_genes_kept"] == s["genes_kept"]
    html = (out / "report.html").read_text()
    assert 'id="singlecell"' in html and "Cells coloured by pseudotime" not in html  # titles are in the PNGs
    assert "## Single cells and pseudotime" in (out / "report.md").read_text()
    # The saved config re-runs the same preprocessing.
    again = runner.invoke(app, ["infer", str(cells / "expression.h5ad"), "--prior", str(cells / "prior.tsv"),
                                "--config", str(out / "config.json"), "--out", str(tmp_path / "again")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "edges.tsv").read_bytes() == (out / "edges.tsv").read_bytes()


def test_report_rebuilds_the_singlecell_section(cells: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    adata = ad.read_h5ad(cells / "expression.h5ad")
    adata.obs["t"] = pd.read_csv(cells / "cell_times.tsv", sep="\t")["time"].to_numpy()
    a, b = "<a>&x", "$b$"  # lineage names that need escaping in HTML, Markdown and matplotlib
    i = np.arange(adata.n_obs)
    adata.obs["lin"] = np.where(i % 3 == 0, f"{a};{b}", np.where(i % 2, a, b))
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    r = runner.invoke(app, ["infer", str(path), "--prior", str(cells / "prior.tsv"), "--pseudotime-key", "t",
                            "--lineage-key", "lin", "--out", str(out), "--n-top-genes", "10", "--smooth", "1", *FAST])
    assert r.exit_code == 0, r.output
    s = json.loads((out / "run.json").read_text())["summary"]["singlecell"]
    assert s["lineages"] == 2 and s["time_points"] == 16 and s["pseudotime"] == "obs key"
    assert s["genes_highly_variable"] == 10 and s["genes_kept"] >= s["genes_regulators_kept"]
    (out / "report.html").unlink()
    r = runner.invoke(app, ["report", str(out)])
    assert r.exit_code == 0, r.output
    html = (out / "report.html").read_text()
    assert 'id="singlecell"' in html and "obs key <span class=\"mono\">t</span>" in html
    assert "&lt;a&gt;&amp;x" in html and "<a>&x" not in html
    assert "`<a>&x`" in (out / "report.md").read_text()


# ---------------------------------------------------------------- errors


def _fails(cells: Path, tmp_path: Path, *extra: str, expr: Path | None = None, prior: Path | None = None,
           code: int = INPUT, problem: str = "") -> str:
    """Run infer; check the exit code, one error line with ``problem``, no traceback, no output."""
    out = tmp_path / "out"
    before = _tree(tmp_path)
    r = runner.invoke(app, ["infer", str(expr or cells / "expression.h5ad"), "--prior",
                            str(prior or cells / "prior.tsv"), "--out", str(out), *FAST, *extra])
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and problem in errors[0], r.stderr
    assert "hint:" in r.stderr or code == CONFIG
    assert not out.exists() and _tree(tmp_path) == before
    return errors[0]


def test_root_cell_not_found(cells: Path, tmp_path: Path) -> None:
    line = _fails(cells, tmp_path, "--root-cell", "cell9999", problem="root cell 'cell9999' not found")
    assert "expression.h5ad" in line


@pytest.mark.parametrize(("option", "value", "problem"), [
    ("--root-group", "celltype=stem", "no obs key 'celltype' for --root-group (obs keys: cell_type)"),
    ("--pseudotime-key", "dpt_pseudotime", "no obs key 'dpt_pseudotime' for --pseudotime-key"),
])
def test_obs_key_missing(cells: Path, tmp_path: Path, option: str, value: str, problem: str) -> None:
    _fails(cells, tmp_path, option, value, problem=problem)


def test_lineage_key_missing(cells: Path, tmp_path: Path) -> None:
    _fails(cells, tmp_path, "--root-group", "cell_type=stem", "--lineage-key", "branch",
           problem="no obs key 'branch' for --lineage-key")


def test_root_group_value_missing(cells: Path, tmp_path: Path) -> None:
    _fails(cells, tmp_path, "--root-group", "cell_type=hsc", problem="no cell has cell_type='hsc'")


def test_fewer_cells_than_bins(cells: Path, tmp_path: Path) -> None:
    line = _fails(cells, tmp_path, "--root-group", "cell_type=stem", "--bins", "500",
                  problem="lineage 'all' has 240 cells, fewer than --bins 500")
    assert "expression.h5ad" in line


def test_every_gene_filtered_out(cells: Path, tmp_path: Path) -> None:
    prior = tmp_path / "other.tsv"
    prior.write_text("regulator\ttarget\nTP53\tMDM2\nMYC\tCDK4\n")
    _fails(cells, tmp_path, "--root-group", "cell_type=stem", prior=prior,
           problem="every gene was filtered out in gene selection")


def test_lineage_with_fewer_than_three_cells(cells: Path, tmp_path: Path) -> None:
    adata = ad.read_h5ad(cells / "expression.h5ad")
    lab = np.array(["main"] * adata.n_obs, dtype=object)
    lab[[5, 9]] = "rare"
    adata.obs["lineage"] = lab
    path = tmp_path / "lin.h5ad"
    adata.write_h5ad(path)
    _fails(cells, tmp_path, "--root-group", "cell_type=stem", "--lineage-key", "lineage", expr=path,
           problem="lineage 'rare' has 2 cell(s); a lineage needs at least 3")


def test_no_time_and_no_pseudotime(cells: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = runner.invoke(app, ["infer", str(cells / "expression.h5ad"), "--prior", str(cells / "prior.tsv"),
                            "--out", str(out), *FAST])
    assert r.exit_code == INPUT and "no time obs key 'time'" in r.stderr and "--root-group" in r.stderr
    assert not out.exists()


@pytest.mark.parametrize(("extra", "problem"), [
    (["--root-cell", "cell001", "--root-group", "cell_type=stem"], "--root-cell and --root-group exclude each other"),
    (["--root-group", "stem"], "--root-group: 'stem' is not KEY=VALUE"),
    (["--root-group", "cell_type=stem", "--bins", "1"], "--bins must be 0 (every cell) or >= 2"),
    (["--root-group", "cell_type=stem", "--time-key", "hours"], "exclude each other"),
])
def test_conflicting_options(cells: Path, tmp_path: Path, extra: list[str], problem: str) -> None:
    _fails(cells, tmp_path, *extra, code=CONFIG, problem=problem)
