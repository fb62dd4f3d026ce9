"""`dashgrn infer EXPR --groupby KEY`: one run folder per group, edges_by_group.tsv, groups.json,
escaped folder names; with a Dask scheduler, the same bytes (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from tiny_data import FAST, tiny_time_course

runner = CliRunner()


def _grouped_csv(tmp: Path, names: tuple[str, str]) -> tuple[Path, Path, Path]:
    """The tiny time course with a ``condition`` column (trajectories 1-6 and 7-12), plus a group
    of one sample that cannot be trained; and the first group alone, as its own file."""
    expr, prior = tiny_time_course(tmp)
    df = pd.read_csv(expr)
    df.insert(0, "condition", [names[0] if t <= 6 else names[1] for t in df["trajectory"]])
    tiny = df.iloc[[0]].assign(condition="tiny", trajectory=99)
    pd.concat([df, tiny]).to_csv(tmp / "grouped.csv", index=False)
    df[df["condition"] == names[0]].drop(columns="condition").to_csv(tmp / "first.csv", index=False)
    return tmp / "grouped.csv", prior, tmp / "first.csv"


def _edges_of(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "edges.tsv", sep="\t", dtype=str, keep_default_na=False)


def test_groupby_writes_one_run_folder_per_group(tmp_path: Path) -> None:
    grouped, prior, first = _grouped_csv(tmp_path, ("a/b", ".."))
    out = tmp_path / "out"
    r = runner.invoke(app, ["infer", str(grouped), "--prior", str(prior), "--out", str(out), *FAST,
                            "--groupby", "condition"])
    assert r.exit_code == 0, r.output
    assert "2 of 3 groups written" in r.output and "1 skipped" in r.output and f"results: {out}" in r.output
    # folders are escaped names: no '/', no '..', nothing hidden but the marker
    assert {p.name for p in out.iterdir()} == {
        ".dashgrn-output", "%2E%2E", "a%2Fb", "edges_by_group.tsv", "groups.json"}
    for folder in ("%2E%2E", "a%2Fb"):
        for name in ("edges.tsv", "run.json", "config.json", "checkpoint.pt", "report.html"):
            assert (out / folder / name).is_file(), (folder, name)
        assert not (out / folder / "resume.pt").exists()
    groups = json.loads((out / "groups.json").read_text())
    assert groups["groupby"] == "condition" and groups["stopped"] == "completed"
    assert len(groups["expression"]["sha256"]) == 64
    by = {g["group"]: g for g in groups["groups"]}
    assert {k: (v["folder"], v["status"], v["samples"]) for k, v in by.items()} == {
        "..": ("%2E%2E", "completed", 24), "a/b": ("a%2Fb", "completed", 24), "tiny": ("tiny", "skipped", 1)}
    assert "time point" in by["tiny"]["reason"]
    # edges_by_group.tsv: a group column first, then each group's edges.tsv rows as they are
    table = pd.read_csv(out / "edges_by_group.tsv", sep="\t", dtype=str, keep_default_na=False)
    assert list(table.columns) == ["group", *_edges_of(out / "a%2Fb").columns]
    for name, folder in (("..", "%2E%2E"), ("a/b", "a%2Fb")):
        part = table[table["group"] == name].drop(columns="group").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, _edges_of(out / folder))
        assert by[name]["edges"] == len(part)
    run = json.loads((out / "a%2Fb" / "run.json").read_text())
    assert run["inputs"]["expression"]["group"] == "a/b" and run["inputs"]["expression"]["group_samples"] == 24
    # a group's network is the one a run on its samples alone gives
    alone = tmp_path / "alone"
    r = runner.invoke(app, ["infer", str(first), "--prior", str(prior), "--out", str(alone), *FAST])
    assert r.exit_code == 0, r.output
    assert (alone / "edges.tsv").read_bytes() == (out / "a%2Fb" / "edges.tsv").read_bytes()


def test_groupby_names_a_missing_column_and_writes_nothing(tmp_path: Path) -> None:
    grouped, prior, _ = _grouped_csv(tmp_path, ("x", "y"))
    out = tmp_path / "out"
    r = runner.invoke(app, ["infer", str(grouped), "--prior", str(prior), "--out", str(out), *FAST,
                            "--groupby", "cell_type"])
    assert r.exit_code == 3, r.output
    assert "--groupby cell_type: no such column (columns: condition, trajectory, time" in r.output
    assert not out.exists() and "Traceback" not in r.output
    r = runner.invoke(app, ["infer", str(grouped), "--out", str(out), "--groupby", "time"])
    assert r.exit_code == 4 and "also the time or trajectory key" in r.output


def test_groupby_on_a_scheduler_gives_the_bytes_of_threads(cluster, tmp_path: Path) -> None:
    """An .h5ad obs key; the groups' members as Dask tasks; names that differ only in case."""
    anndata = pytest.importorskip("anndata")
    expr, prior = tiny_time_course(tmp_path)
    df = pd.read_csv(expr)
    genes = [c for c in df.columns if c not in ("trajectory", "time")]
    obs = pd.DataFrame({"time": df["time"].to_numpy(), "trajectory": df["trajectory"].astype(str).to_numpy(),
                        "cell_type": ["T" if t <= 6 else "t" for t in df["trajectory"]]},
                       index=[f"c{i}" for i in range(len(df))])
    path = tmp_path / "cells.h5ad"
    anndata.AnnData(df[genes].to_numpy(), obs=obs, var=pd.DataFrame(index=genes)).write_h5ad(path)
    outs = {}
    for engine, extra in (("threads", []), ("dask", ["--scheduler", cluster.scheduler_address])):
        outs[engine] = tmp_path / engine
        r = runner.invoke(app, ["infer", str(path), "--prior", str(prior), "--out", str(outs[engine]), *FAST,
                                "--groupby", "cell_type", *extra])
        assert r.exit_code == 0, r.output
    assert sorted(p.name for p in outs["dask"].iterdir() if p.is_dir()) == ["T", "t~2"]  # one folder each on macOS too
    for name in ("edges_by_group.tsv", "T/edges.tsv", "t~2/edges.tsv"):
        assert (outs["dask"] / name).read_bytes() == (outs["threads"] / name).read_bytes(), name
    groups = json.loads((outs["dask"] / "groups.json").read_text())
    assert groups["engine"]["engine"] == "dask" and groups["engine"]["scheduler"] == cluster.scheduler_address


def test_a_stop_request_keeps_the_groups_that_ended(tmp_path: Path) -> None:
    from dashgrn.groups import run_groups

    grouped, prior, _ = _grouped_csv(tmp_path, ("first", "second"))
    seen: list[dict] = []
    res = run_groups(grouped, prior, groupby="condition", out=tmp_path / "out", report=False,
                     callback=seen.append, stop_requested=lambda: any(r["group"] == "second" for r in seen),
                     epochs=6, hidden=6, batch_size=16, evidence="model", threads=1)
    status = {g["group"]: g["status"] for g in res.groups}
    assert status["first"] == "completed" and status["second"] == "interrupted" and res.stopped == "interrupted"
    assert (tmp_path / "out" / "first" / "edges.tsv").is_file()
    assert (tmp_path / "out" / "second" / "resume.pt").is_file()  # the group in progress keeps its state
    assert set(res.edges["group"]) == {"first", "second"}


def test_groupby_refuses_resume_before_anything_is_read(tmp_path: Path) -> None:
    r = runner.invoke(app, ["infer", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"),
                            "--groupby", "condition", "--resume"])
    assert r.exit_code == 4, r.output
    assert "error: --resume does not continue a --groupby run" in r.output
