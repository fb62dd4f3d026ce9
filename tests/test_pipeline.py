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


# -- interruptions at exact positions, resume, periodic resume states, warnings, the device --------
#: FAST as keyword options (tests/tiny_data.py), two members
OPTS = {"epochs": 6, "pruning": "dash", "prune_start": 2, "prune_every": 2, "hidden": 6, "solver": "rk4",
        "solver_steps": 4, "batch_size": 16, "ensemble": 2, "report": False}


@pytest.fixture(scope="module")
def tiny_ref(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[int, Path]]:
    """The tiny data and its uninterrupted runs (``threads`` 1 and 2)."""
    from tiny_data import tiny_time_course

    tmp = tmp_path_factory.mktemp("ref")
    expr, prior = tiny_time_course(tmp)
    refs = {}
    for threads in (1, 2):
        refs[threads] = tmp / f"full{threads}"
        dashgrn.run(expr, prior, out=refs[threads], threads=threads, **OPTS)
    return expr, prior, refs


def _capture_trainers(monkeypatch: pytest.MonkeyPatch) -> list:
    import dashgrn.pipeline as pipeline

    built: list = []
    real = pipeline.build_trainers
    monkeypatch.setattr(pipeline, "build_trainers", lambda *a, **k: built.extend(real(*a, **k)) or built)
    return built


@pytest.mark.parametrize(("threads", "member", "epoch"), [(1, 0, 3), (1, 1, 2), (2, 0, 5), (2, 1, 4)],
                         ids=["1-thread-member-1", "1-thread-member-2", "side-by-side-member-1",
                              "side-by-side-member-2"])
def test_a_stop_inside_an_epoch_of_any_member_resumes_to_the_same_edges(
        tiny_ref: tuple[Path, Path, dict[int, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        threads: int, member: int, epoch: int) -> None:
    """stop_requested turns True when ``member`` reaches the second batch of ``epoch`` (one after
    the other: member 1 first; side by side: the other member stops wherever it is). The run is
    interrupted (whichever member it was), its resume state holds that batch, and resuming gives
    the uninterrupted run's edges.tsv byte for byte."""
    from dashgrn.checkpoint import load_resume

    expr, prior, refs = tiny_ref
    trainers = _capture_trainers(monkeypatch)
    hit: list[bool] = []

    def stop() -> bool:
        pos = trainers[member].position if len(trainers) > member else None
        if pos is not None and pos["epoch"] == epoch and pos["start"] == 16:
            hit.append(True)
        return bool(hit)

    out = tmp_path / "run"
    result = dashgrn.run(expr, prior, out=out, threads=threads, stop_requested=stop, **OPTS)
    assert hit and result.stopped == "interrupted"
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["stopped"] == run["summary"]["training"]["stopped"] == "interrupted"
    state = load_resume(out / "resume.pt")
    assert state["members"][member]["meta"]["position"] == {**state["members"][member]["meta"]["position"],
                                                           "epoch": epoch, "start": 16}
    monkeypatch.undo()
    again = dashgrn.run(expr, prior, out=out, threads=threads, resume=True, **OPTS)
    assert again.stopped == "completed" and not (out / "resume.pt").exists()
    assert (out / "edges.tsv").read_bytes() == (refs[threads] / "edges.tsv").read_bytes()
    h_full, h_part = (pd.read_csv(d / "history.tsv", sep="\t").drop(columns="seconds") for d in (refs[threads], out))
    pd.testing.assert_frame_equal(h_full, h_part)


def test_the_staging_folder_holds_a_periodic_resume_state_while_training(
        tiny_ref: tuple[Path, Path, dict[int, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every RESUME_EVERY_EPOCHS epochs (and when a member has finished) the resume state is
    written into the staging folder ``.NAME.XXXX.partial``; a completed run's folder has none."""
    import dashgrn.checkpoint as checkpoint

    expr, prior, refs = tiny_ref
    monkeypatch.setattr(checkpoint, "RESUME_EVERY_EPOCHS", 2)
    out = tmp_path / "run"
    seen: list[tuple[int, int, object]] = []

    def look(row: dict) -> None:  # runs before the save of the epoch it reports
        stages = list(tmp_path.glob(".run.*.partial"))
        assert len(stages) == 1 and (stages[0] / "config.json").is_file()
        saved = None
        if (stages[0] / "resume.pt").is_file():
            st = checkpoint.load_resume(stages[0] / "resume.pt")
            saved = [None if m is None else m["meta"]["epoch"] for m in st["members"]]
        seen.append((int(row["member"]), int(row["epoch"]), saved))

    dashgrn.run(expr, prior, out=out, threads=1, callback=look, **OPTS)
    # each member saved after epochs 2, 4 and 6 (finished); member 2 is None (from scratch) until its first
    assert seen == [(1, 1, None), (1, 2, None), (1, 3, [2, None]), (1, 4, [2, None]), (1, 5, [4, None]),
                    (1, 6, [4, None]), (2, 1, [6, None]), (2, 2, [6, None]), (2, 3, [6, 2]), (2, 4, [6, 2]),
                    (2, 5, [6, 4]), (2, 6, [6, 4])]
    assert not (out / "resume.pt").exists() and not list(tmp_path.glob(".run.*"))
    assert (out / "edges.tsv").read_bytes() == (refs[1] / "edges.tsv").read_bytes()


def test_an_abort_keeps_the_staging_folder_with_its_resume_state_and_resume_continues_it(
        tiny_ref: tuple[Path, Path, dict[int, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A KeyboardInterrupt in training (a second Ctrl-C aborts) keeps the staging folder
    ``.NAME.XXXX.partial`` when it holds a periodic resume state, as a kill leaves it; resume=True
    finds it beside ``out`` and gives the uninterrupted run's edges."""
    import dashgrn.checkpoint as checkpoint

    expr, prior, refs = tiny_ref
    monkeypatch.setattr(checkpoint, "RESUME_EVERY_EPOCHS", 2)

    def abort(row: dict) -> None:
        if row["member"] == 2 and row["epoch"] == 3:
            raise KeyboardInterrupt  # after member 2's save of epoch 2

    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        dashgrn.run(expr, prior, out=out, threads=1, callback=abort, **OPTS)
    monkeypatch.undo()
    (stage,) = tmp_path.glob(".run.*.partial")
    assert not out.exists() and (stage / "config.json").is_file()
    assert [m["meta"]["epoch"] for m in checkpoint.load_resume(stage / "resume.pt")["members"]] == [6, 2]
    assert checkpoint.find_resume(out) == stage
    dashgrn.run(expr, prior, out=out, threads=1, resume=True, **OPTS)
    assert (out / "edges.tsv").read_bytes() == (refs[1] / "edges.tsv").read_bytes()
    assert not stage.exists() and not list(tmp_path.glob(".run.*"))


def test_an_interrupted_member_makes_the_run_interrupted_and_warnings_are_recorded(
        tiny_ref: tuple[Path, Path, dict[int, Path]], tmp_path: Path) -> None:
    """Member 1 completed, member 2 stopped in its first epoch: the run is interrupted (not
    member 1's "completed"); 6 epochs are too few to learn anything: a warning in run.json."""
    expr, prior, _ = tiny_ref
    rows: list[dict] = []
    out = tmp_path / "run"
    result = dashgrn.run(expr, prior, out=out, threads=1, callback=rows.append,
                         stop_requested=lambda: any(r["member"] == 2 for r in rows), **OPTS)
    assert result.stopped == "interrupted"
    training = json.loads((out / "run.json").read_text(encoding="utf-8"))["summary"]["training"]
    assert training["stopped"] == "interrupted"
    assert [m["stopped"] for m in training["members"]] == ["completed", "interrupted"]
    assert any("fewer than 10" in w for w in training["warnings"])


def test_the_device_is_checked_before_any_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(dashgrn.DeviceError, match="CUDA is not available"):
        dashgrn.run(tmp_path / "missing.csv", tmp_path / "missing.tsv", out=tmp_path / "o", device="cuda")
    assert not list(tmp_path.iterdir())


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(proc.stdout)


def test_a_stop_before_the_first_epoch_ended_writes_nothing(
        tiny_ref: tuple[Path, Path, dict[int, Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No member finished an epoch: no checkpoint to write, nothing worth resuming; exit 130's
    error, and neither --out nor a staging folder is left."""
    from dashgrn._errors import Interrupted

    expr, prior, _ = tiny_ref
    trainers = _capture_trainers(monkeypatch)

    def stop() -> bool:
        return bool(trainers) and trainers[0].position is not None and trainers[0].position["start"] == 16

    with pytest.raises(Interrupted, match="before the first epoch ended"):
        dashgrn.run(expr, prior, out=tmp_path / "run", threads=1, stop_requested=stop, **OPTS)
    assert list(tmp_path.iterdir()) == []
