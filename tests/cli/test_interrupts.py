"""`dashgrn infer` interrupted for real: SIGINT and SIGTERM in every ensemble member, SIGKILL in
training and while writing, then `--resume`; a full disk; the device checked before reading.

The child processes run the real command through a wrapper (CHILD below) that can hold a
member at an exact batch until the signal arrives, or make a write hang, so that nothing here
depends on timing: a signal always lands where the test says.
"""

from __future__ import annotations

import errno
import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from tiny_data import FAST, tiny_time_course

runner = CliRunner()

#: ``python CHILD PLAN dashgrn-args...``; PLAN (JSON): "pause": {member (0-based): [epoch, batch]}
#: holds that member before that batch until a stop is requested; "hang": a writer that prints
#: HANG and sleeps instead; "every": RESUME_EVERY_EPOCHS.
CHILD = r'''
import json, sys, time
plan = json.loads(sys.argv[1])
import dashgrn.checkpoint, dashgrn.io, dashgrn.pipeline as pipeline, dashgrn.result
if "every" in plan:
    dashgrn.checkpoint.RESUME_EVERY_EPOCHS = plan["every"]
built = []
real_build, real_run = pipeline.build_trainers, pipeline.Trainer.run
def build(*a, **k):
    built.extend(real_build(*a, **k))
    return built
def run(self, *, callback=None, stop_requested=None):
    k = built.index(self)
    target = plan.get("pause", {}).get(str(k))
    def stop():
        pos = self.position
        if target and pos is not None and [pos["epoch"], pos["start"] // self.cfg.batch_size] == target:
            print(f"PAUSED {k + 1}", file=sys.stderr, flush=True)
            while not stop_requested():
                time.sleep(0.005)
        return stop_requested()
    return real_run(self, callback=callback, stop_requested=stop)
pipeline.build_trainers, pipeline.Trainer.run = build, run
if "hang" in plan:
    def hang(*a, **k):
        print("HANG", file=sys.stderr, flush=True)
        time.sleep(600)
    for mod in (dashgrn.io, dashgrn.result):
        setattr(mod, plan["hang"], hang)
from dashgrn.cli import main
sys.argv = ["dashgrn", *sys.argv[2:]]
main()
'''


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Tiny data, the child wrapper, and the uninterrupted runs with --threads 1 and 2."""
    tmp = tmp_path_factory.mktemp("interrupts")
    expr, prior = tiny_time_course(tmp)
    child = tmp / "child.py"
    child.write_text(CHILD, encoding="utf-8")
    refs = {}
    for threads in ("1", "2"):
        refs[threads] = tmp / f"full{threads}"
        r = runner.invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(refs[threads]),
                                *_fast(threads)])
        assert r.exit_code == 0, r.output
    return {"expr": expr, "prior": prior, "child": child, "refs": refs}


def _fast(threads: str) -> list[str]:
    return [*FAST[:-1], threads, "--ensemble", "2"]


class _Child:
    """A child process of CHILD; its stderr is read line by line in a thread."""

    def __init__(self, setup: dict, out: Path, plan: dict, threads: str = "1", args: list[str] | None = None) -> None:
        args = args or ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out), *_fast(threads)]
        self.proc = subprocess.Popen([sys.executable, str(setup["child"]), json.dumps(plan), *args],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=lambda: [self.lines.put(ln) for ln in self.proc.stderr], daemon=True)
        self.reader.start()

    def wait_for(self, markers: set[str]) -> None:
        """Until every marker line was printed (PAUSED k, HANG)."""
        while markers - {ln.strip() for ln in self.seen}:
            try:
                self.seen.append(self.lines.get(timeout=300))
            except queue.Empty:  # pragma: no cover - the child died or hangs elsewhere
                self.proc.kill()
                pytest.fail("the child never printed " + ", ".join(sorted(markers)) + ":\n" + "".join(self.seen))

    def finish(self, sig: int | None = None) -> str:
        """Send ``sig`` (SIGKILL by default), wait for the end; all of stderr."""
        self.proc.send_signal(signal.SIGKILL if sig is None else sig)
        self.proc.wait(timeout=300)
        self.reader.join(timeout=60)
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)


def _same_edges(out: Path, ref: Path) -> None:
    assert (out / "edges.tsv").read_bytes() == (ref / "edges.tsv").read_bytes()
    h_ref, h_out = (pd.read_csv(d / "history.tsv", sep="\t").drop(columns="seconds") for d in (ref, out))
    pd.testing.assert_frame_equal(h_ref, h_out)


@pytest.mark.parametrize(("sig", "threads", "pause"), [
    (signal.SIGINT, "1", {"1": [3, 1]}),              # member 2 of 2, after member 1 completed
    (signal.SIGTERM, "1", {"0": [2, 1]}),             # member 1: member 2 never starts
    (signal.SIGINT, "2", {"0": [4, 1], "1": [2, 1]}),  # side by side: both inside an epoch
    (signal.SIGTERM, "2", {"0": [5, 1], "1": [6, 1]}),
], ids=["sigint-member-2-of-2", "sigterm-member-1", "sigint-side-by-side", "sigterm-side-by-side"])
def test_a_signal_in_any_member_exits_130_and_resume_gives_the_same_edges(
        setup: dict, tmp_path: Path, sig: signal.Signals, threads: str, pause: dict) -> None:
    out = tmp_path / "run"
    child = _Child(setup, out, {"pause": pause}, threads)
    child.wait_for({f"PAUSED {int(k) + 1}" for k in pause})
    stderr = child.finish(sig)
    assert child.proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert [ln for ln in stderr.splitlines() if ln.startswith("error:")] == [
        f"error: interrupted; the best checkpoint so far was written to {out}"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["stopped"] == run["summary"]["training"]["stopped"] == "interrupted"
    assert "interrupted" in (out / "report.md").read_text(encoding="utf-8")
    assert (out / "resume.pt").is_file()
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            "--resume"])
    assert r.exit_code == 0, r.output
    assert not (out / "resume.pt").exists() and not list(tmp_path.glob(".run.*"))
    _same_edges(out, setup["refs"][threads])


def test_sigkill_in_training_leaves_a_resume_state_that_resume_continues(setup: dict, tmp_path: Path) -> None:
    """Killed inside member 2's epoch 3 (states saved every 2 epochs): nothing at --out, the
    staging folder holds the resume state of member 1 (finished) and member 2 (epoch 2)."""
    out = tmp_path / "run"
    child = _Child(setup, out, {"pause": {"1": [3, 1]}, "every": 2})
    child.wait_for({"PAUSED 2"})
    child.finish()
    assert not out.exists()
    (stage,) = tmp_path.glob(".run.*.partial")
    from dashgrn.checkpoint import load_resume

    assert [m["meta"]["epoch"] for m in load_resume(stage / "resume.pt")["members"]] == [6, 2]
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            "--resume"])
    assert r.exit_code == 0, r.output
    assert not stage.exists() and not list(tmp_path.glob(".run.*"))
    _same_edges(out, setup["refs"]["1"])


def test_sigkill_while_writing_leaves_no_output_and_the_next_run_names_the_folder(
        setup: dict, tmp_path: Path) -> None:
    out = tmp_path / "run"
    child = _Child(setup, out, {"hang": "write_graphml"})
    child.wait_for({"HANG"})
    child.finish()
    assert not out.exists()  # absent, never half written
    (stage,) = tmp_path.glob(".run.*.partial")
    assert (stage / "edges.tsv").is_file() and (stage / "resume.pt").is_file()
    # the next run is not blocked by it, and names it in one line
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            *_fast("1")])
    assert r.exit_code == 0, r.output
    named = [ln for ln in r.output.splitlines() if str(stage) in ln]
    assert len(named) == 1 and "--resume" in named[0], r.output
    _same_edges(out, setup["refs"]["1"])
    # --resume continues the killed run (its members had finished): the same edges again
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            "--resume"])
    assert r.exit_code == 0, r.output
    assert not stage.exists() and not list(tmp_path.glob(".run.*"))
    _same_edges(out, setup["refs"]["1"])


def test_sigkill_while_exporting_leaves_a_folder_the_next_run_removes(setup: dict, tmp_path: Path) -> None:
    out = tmp_path / "exp"
    checkpoint = setup["refs"]["1"] / "checkpoint.pt"
    child = _Child(setup, out, {"hang": "write_graphml"}, args=["export", str(checkpoint), "--out", str(out)])
    child.wait_for({"HANG"})
    child.finish()
    assert not out.exists()
    (stage,) = tmp_path.glob(".exp.*.partial")
    r = runner.invoke(app, ["export", str(checkpoint), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert not stage.exists() and (out / "network.graphml").is_file()
    named = [ln for ln in r.output.splitlines() if str(stage) in ln]
    assert len(named) == 1 and "removed" in named[0], r.output


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES])
def test_a_full_or_read_only_disk_is_exit_7_with_one_line_and_nothing_left(
        setup: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    import os

    import dashgrn.result as result

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(result, "write_graphml", full)
    out = tmp_path / "run"
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            *FAST, "--epochs", "1"])
    assert r.exit_code == 7, r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("error:")]
    assert len(errors) == 1 and str(out) in errors[0] and os.strerror(code) in errors[0], r.output
    assert "Traceback" not in r.output and "internal error" not in r.output
    assert list(tmp_path.iterdir()) == []


def test_the_device_is_checked_before_any_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    r = runner.invoke(app, ["infer", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"), "--device", "cuda"])
    assert r.exit_code == 6, r.output
    assert "CUDA is not available" in r.output and "missing.csv" not in r.output


def test_a_two_epoch_run_warns_that_it_learned_nothing(setup: dict, tmp_path: Path) -> None:
    out = tmp_path / "run"
    r = runner.invoke(app, ["infer", str(setup["expr"]), "--prior", str(setup["prior"]), "--out", str(out),
                            *FAST, "--epochs", "2"])
    assert r.exit_code == 0, r.output
    warned = [ln for ln in r.output.splitlines() if "fewer than 10" in ln]
    assert len(warned) == 1, r.output
    training = json.loads((out / "run.json").read_text(encoding="utf-8"))["summary"]["training"]
    assert any("after 2 epoch(s)" in w for w in training["warnings"])
