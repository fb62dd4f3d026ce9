"""dashgrn.io.rundir: the names of a run folder's files, and the reader of the folder."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import InputError
from dashgrn.io import RunFolder, read_run_folder, write_edges
from dashgrn.io.rundir import FILES, SINGLECELL_TABLES, read_singlecell_tables, run_name
from dashgrn.tables import rank_edges


def _run_folder(path: Path, *, summary: dict | None = None) -> Path:
    """A minimal run folder: run.json, edges.tsv (2 edges among 3 genes) and history.tsv."""
    path.mkdir()
    run = {"command": "dashgrn infer x", "summary": summary or {"data": {"genes": 3}}}
    (path / FILES["run"]).write_text(json.dumps(run), encoding="utf-8")
    write_edges(rank_edges(["A", "B"], ["B", "C"], np.array([0.5, -0.25])), path / FILES["edges"])
    history = pd.DataFrame({"epoch": [2, 1], "train_loss": [0.5, 1.0], "val_loss": [0.6, 1.1]})
    history.to_csv(path / FILES["history"], sep="\t", index=False)
    return path


def test_file_names_are_unique_and_cover_the_writers() -> None:
    from dashgrn.report._write import REPORT_FILES

    assert len(set(FILES.values())) == len(FILES)
    assert set(REPORT_FILES) <= set(FILES.values())
    assert all(f"singlecell_{k}" in FILES for k in SINGLECELL_TABLES)


def test_read_a_minimal_run_folder(tmp_path: Path) -> None:
    rf = read_run_folder(_run_folder(tmp_path / "run"))
    assert isinstance(rf, RunFolder)
    assert rf.config == {} and rf.settings == {} and rf.prior is None
    assert rf.edges["regulator"].tolist() == ["A", "B"] and rf.n_genes == 3
    assert rf.effects_source == FILES["edges"]  # no ranking.tsv.gz: the effects come from edges.tsv
    assert rf.effects[["regulator", "target"]].equals(rf.edges[["regulator", "target"]])
    assert rf.history["epoch"].tolist() == [1, 2]  # sorted by epoch
    assert {k: table for k, (_, table) in read_singlecell_tables(rf).items()} == dict.fromkeys(SINGLECELL_TABLES)


def test_effects_come_from_the_ranking(tmp_path: Path) -> None:
    path = _run_folder(tmp_path / "run")
    ranking = "regulator\ttarget\tweight\tsign\trank\teffect\nA\tB\t0.5\t1\t1\t0.5\nB\tC\t0.3\t1\t2\t-0.25\n" \
              "A\tC\t0\t0\t3\t0\n"
    with gzip.open(path / FILES["ranking"], "wt", encoding="utf-8") as fh:
        fh.write(ranking)
    rf = read_run_folder(path)
    assert rf.effects_source == FILES["ranking"]
    assert rf.effects["weight"].tolist() == [0.5, 0.25] and rf.effects["sign"].tolist() == [1, -1]


def test_singlecell_tables_by_recorded_name(tmp_path: Path) -> None:
    summary = {"data": {"genes": 3}, "singlecell": {"files": {"bins": "bins.tsv"}}}
    path = _run_folder(tmp_path / "run", summary=summary)
    (path / "bins.tsv").write_text("lineage\tbin\nall\t1\n", encoding="utf-8")
    (path / FILES["singlecell_genes"]).write_text("gene\tkept\nA\tTrue\n", encoding="utf-8")
    tables = read_singlecell_tables(read_run_folder(path))
    assert tables["cells"] == (path / FILES["singlecell_cells"], None)
    assert tables["bins"][0] == path / "bins.tsv" and tables["bins"][1]["lineage"].tolist() == ["all"]
    assert tables["genes"][1]["gene"].tolist() == ["A"]


def test_missing_history(tmp_path: Path) -> None:
    path = _run_folder(tmp_path / "run")
    (path / FILES["history"]).unlink()
    with pytest.raises(InputError, match=r"not a dashgrn run folder \(history.tsv is missing\)"):
        read_run_folder(path)


def test_run_name() -> None:
    assert run_name(Path("results/myrun")) == "myrun"
    assert run_name(Path("results/.myrun.k3j2h1.partial")) == "myrun"  # infer's staging folder
