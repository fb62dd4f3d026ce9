"""dashgrn.pipeline: infer() as named steps, and run() = everything `dashgrn infer` does."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import dashgrn
from dashgrn._errors import OutputError
from dashgrn.cli import app
from dashgrn.pipeline import build_trainers, extract_network, prepare_inputs, resolve_device, train_ensemble
from tiny_data import FAST

#: files whose content records wall-clock time (compared without it below)
TIMED = {"history.tsv", "run.json", "checkpoint.pt", "report.json", "report.md", "report.html"}


def _drop_seconds(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _drop_seconds(v) for k, v in obj.items() if "seconds" not in k}
    if isinstance(obj, list):
        return [_drop_seconds(v) for v in obj]
    return obj


def _same_run(a: Path, b: Path) -> None:
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        if name not in TIMED:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ha, hb = (pd.read_csv(d / "history.tsv", sep="\t").drop(columns="seconds") for d in (a, b))
    pd.testing.assert_frame_equal(ha, hb)
    for name in ("run.json", "report.json"):
        ja, jb = (json.loads((d / name).read_text(encoding="utf-8")) for d in (a, b))
        assert _drop_seconds(ja) == _drop_seconds(jb), name
    ca, cb = (torch.load(d / "checkpoint.pt", weights_only=True) for d in (a, b))
    assert ca.keys() == cb.keys()
    for k in ca["state"]:
        assert torch.equal(ca["state"][k], cb["state"][k]), k
    assert _drop_seconds(json.loads(ca["meta"])) == _drop_seconds(json.loads(cb["meta"]))
    md = [re.sub(r"runtime\*\*: .*|run report: `\w+`", "", (d / "report.md").read_text(encoding="utf-8"))
          for d in (a, b)]
    assert md[0] == md[1]


def test_run_writes_the_cli_run_folder(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    cli = tmp_path / "cli"
    r = CliRunner().invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(cli), *FAST, "--seed", "2"])
    assert r.exit_code == 0, r.output
    settings = json.loads((cli / "config.json").read_text(encoding="utf-8"))["settings"]
    command = json.loads((cli / "run.json").read_text(encoding="utf-8"))["command"]
    api = tmp_path / "api"
    result = dashgrn.run(expr, prior, dashgrn.InferConfig.from_dict(settings), out=api, command=command)
    assert result.stopped == "completed" and len(result.edges) > 0
    _same_run(cli, api)
    # the gzip header of the ranking holds no time or name: the same ranking, the same bytes
    assert gzip.open(api / "ranking.tsv.gz").read() == gzip.open(cli / "ranking.tsv.gz").read()
    assert (api / "ranking.tsv.gz").read_bytes()[4:8] == b"\0\0\0\0"


def test_run_takes_objects_and_keyword_options(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    frame, edges = pd.read_csv(expr), pd.read_csv(prior, sep="\t")
    out = tmp_path / "obj"
    result = dashgrn.run(frame, edges, out=out, epochs=3, hidden=4, ensemble=1, threads=1, report=False)
    assert result.config.train.epochs == 3 and result.config.model.hidden == 4
    assert (out / "edges.tsv").is_file() and not (out / "report.html").exists()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["inputs"] == {} and run["command"] == "dashgrn.run(...)"
    # a folder that dashgrn did not write is never replaced
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(OutputError, match="not written by dashgrn"):
        dashgrn.run(frame, edges, out=other, overwrite=True, epochs=1)
    assert (other / "keep.txt").read_text(encoding="utf-8") == "x"


def test_infer_is_its_four_steps(tiny: tuple[Path, Path]) -> None:
    expr, prior = tiny
    frame, edges = pd.read_csv(expr), pd.read_csv(prior, sep="\t")
    cfg = dashgrn.InferConfig.from_dict({"epochs": 3, "hidden": 4, "ensemble": 2, "threads": 1, "seed": 5})
    whole = dashgrn.infer(frame, edges, cfg)
    dev = resolve_device("cpu")
    inputs = prepare_inputs(frame, edges, cfg)
    trainers = build_trainers(inputs, cfg, dev)
    assert [t.model.hidden for t in trainers] == [4, 4]
    results = train_ensemble(trainers, cfg, dev)
    steps = extract_network(trainers, results, inputs, cfg, device=dev, seconds=0.0)
    pd.testing.assert_frame_equal(whole.edges, steps.edges)
    pd.testing.assert_frame_equal(whole.history.drop(columns="seconds"), steps.history.drop(columns="seconds"))
    assert [m["seed"] for m in whole.summary["training"]["members"]] == [
        m["seed"] for m in steps.summary["training"]["members"]]


def test_keyword_options_are_checked(tiny: tuple[Path, Path]) -> None:
    expr, prior = tiny
    with pytest.raises(dashgrn.ConfigError, match="unknown setting"):
        dashgrn.infer(pd.read_csv(expr), None, epoch=3)
    with pytest.raises(dashgrn.ConfigError, match="--solver must be one of"):
        dashgrn.infer(pd.read_csv(expr), None, solver="rk45")
