"""`dashgrn infer --scheduler`: ensemble members as tasks on a real Dask scheduler and worker
started here on 127.0.0.1, byte-identical to the threads engine (issue 16)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from tiny_data import FAST, tiny_time_course

distributed = pytest.importorskip("distributed")

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return tiny_time_course(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="module")
def local_run(tiny_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    expr, prior = tiny_files
    out = tmp_path_factory.mktemp("local") / "run"
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST])
    assert r.exit_code == 0, r.output
    return out


def test_a_dask_run_writes_the_bytes_of_a_local_run(cluster, tiny_files, local_run: Path, tmp_path: Path) -> None:
    expr, prior = tiny_files
    out = tmp_path / "dask"
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST,
                            "--scheduler", cluster.scheduler_address])
    assert r.exit_code == 0, r.output
    for name in ("edges.tsv", "history.tsv"):
        if name == "history.tsv":  # seconds differ; every other column is the same
            import pandas as pd

            a, b = (pd.read_csv(d / name, sep="\t").drop(columns="seconds") for d in (local_run, out))
            pd.testing.assert_frame_equal(a, b)
        else:
            assert (out / name).read_bytes() == (local_run / name).read_bytes()
    engine = json.loads((out / "run.json").read_text())["summary"]["engine"]
    assert engine == {"engine": "dask", "scheduler": cluster.scheduler_address, "address": cluster.scheduler_address,
                      "workers": 1, "worker_threads": 1, "threads_per_member": 1}
    local = json.loads((local_run / "run.json").read_text())["summary"]["engine"]
    assert local["engine"] == "threads" and local["scheduler"] is None and local["threads_per_member"] == 1
    assert json.loads((out / "config.json").read_text())["settings"]["scheduler"] == cluster.scheduler_address
    assert not (out / "resume.pt").exists()


def test_the_epochs_of_dask_members_reach_the_callback_and_the_log(cluster, tiny_files, tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    from dashgrn.pipeline import run

    expr, prior = tiny_files
    rows: list[dict] = []
    with caplog.at_level("INFO", logger="dashgrn"):
        res = run(expr, prior, out=tmp_path / "o", report=False, scheduler=cluster.scheduler_address,
                  callback=rows.append, epochs=6, pruning="dash", prune_start=2, prune_every=2, hidden=6,
                  batch_size=16, evidence="model", threads=1)
    assert sorted((r["member"], r["epoch"]) for r in rows) == [(m, e) for m in (1, 2) for e in range(1, 7)]
    # the workers' log records come back: the pruning events of both members
    assert sum("pruned 70%" in m for m in caplog.messages) == 2, caplog.messages
    assert res.summary["engine"]["engine"] == "dask"


def test_a_stopped_dask_run_keeps_its_work_and_resumes_to_the_same_bytes(cluster, tiny_files, tmp_path: Path) -> None:
    """Ctrl-C under Dask: running members stop before their next batch and their state comes back;
    --resume (on threads) continues to the bytes of a run that was never stopped."""
    from dashgrn.pipeline import run

    expr, prior = tiny_files
    opts = {"epochs": 80, "pruning": "none", "hidden": 6, "batch_size": 16, "evidence": "model", "threads": 1,
            "early_stopping": 0}
    full = run(expr, prior, out=tmp_path / "full", report=False, **opts)
    seen: list[dict] = []
    res = run(expr, prior, out=tmp_path / "stopped", report=False, scheduler=cluster.scheduler_address,
              callback=seen.append, stop_requested=lambda: len(seen) >= 3, **opts)
    assert res.stopped == "interrupted"
    assert (tmp_path / "stopped" / "resume.pt").is_file()
    assert 3 <= len(res.history) < 160
    again = run(expr, prior, out=tmp_path / "stopped", resume=True, report=False, **opts)
    assert again.stopped != "interrupted"
    assert (tmp_path / "stopped" / "edges.tsv").read_bytes() == (tmp_path / "full" / "edges.tsv").read_bytes()
    assert full.summary["engine"]["engine"] == "threads"


def test_a_member_that_fails_on_a_worker_is_a_clear_error(cluster, tiny_files, tmp_path: Path) -> None:
    expr, prior = tiny_files
    out = tmp_path / "bad"
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST, "--lr", "1e12",
                            "--scheduler", cluster.scheduler_address])
    assert r.exit_code == 5, r.output
    # the error's class (exit code), message and hint survive the trip from the worker
    assert "error: ensemble member 1: the ODE solve failed" in r.output and "hint: try a lower --lr" in r.output
    assert "Traceback" not in r.output
    assert not out.exists()


def test_an_unreachable_scheduler_is_one_line_and_exit_6(tiny_files, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    from dashgrn.engine import _client

    monkeypatch.setattr(_client, "CONNECT_TIMEOUT", 1.0)
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    expr, prior = tiny_files
    out = tmp_path / "o"
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST,
                            "--scheduler", f"tcp://127.0.0.1:{port}"])
    assert r.exit_code == 6, r.output
    assert f"error: --scheduler tcp://127.0.0.1:{port}: no Dask scheduler answered" in r.output
    assert "Traceback" not in r.output and not out.exists()


def test_a_malformed_scheduler_fails_before_any_file_is_read(tmp_path: Path) -> None:
    r = runner.invoke(app, ["infer", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"),
                            "--scheduler", "http://example:80"])
    assert r.exit_code == 4, r.output
    assert "error: --scheduler: 'http://example:80' is neither 'local' nor a scheduler address" in r.output


def test_without_distributed_the_hint_names_the_extra(tiny_files, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    expr, prior = tiny_files
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), *FAST,
                            "--scheduler", "local"])
    assert r.exit_code == 4, r.output
    assert "pip install 'dashgrn[dask]'" in r.output


def test_scheduler_local_starts_and_stops_its_own_cluster(tiny_files, local_run: Path, tmp_path: Path) -> None:
    expr, prior = tiny_files
    out = tmp_path / "local-cluster"
    r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST,
                            "--scheduler", "local"])
    assert r.exit_code == 0, r.output
    assert (out / "edges.tsv").read_bytes() == (local_run / "edges.tsv").read_bytes()
    engine = json.loads((out / "run.json").read_text())["summary"]["engine"]
    assert engine["scheduler"] == "local" and engine["address"].startswith("tcp://127.0.0.1:")
    assert engine["workers"] == 1  # --threads 1: one worker process of one thread
    from dashgrn.engine import _client

    assert not _client._open  # closed again
