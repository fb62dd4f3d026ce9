"""Logs in pipelines (plain ``LEVEL message`` lines, never wrapped), the final paths, and the
option checks that run before any file is read."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from rich.logging import RichHandler
from typer.testing import CliRunner

from dashgrn.cli import _common, app
from tiny_data import FAST, tiny_time_course

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
#: A log line of --log-file: "2024-01-31 12:00:00,123 INFO dashgrn.x: message".
FILE_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) dashgrn[.\w]*: ")


def _env() -> dict[str, str]:
    """stderr is a file; a narrow COLUMNS, and nothing that tells rich it is a terminal."""
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    return {**env, "COLUMNS": "40"}


def _dashgrn(args: list[str], tmp_path: Path, cwd: Path | None = None) -> tuple[int, str, str]:
    """``python -m dashgrn ARGS`` with stdout and stderr sent to files; (exit code, stdout, stderr)."""
    out_file, err_file = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with open(out_file, "w", encoding="utf-8") as so, open(err_file, "w", encoding="utf-8") as se:
        rc = subprocess.run([sys.executable, "-m", "dashgrn", *args], stdout=so, stderr=se, env=_env(),
                            cwd=cwd, timeout=600, check=False).returncode
    return rc, out_file.read_text(encoding="utf-8"), err_file.read_text(encoding="utf-8")


def test_logs_to_a_file_are_one_plain_line_per_message_with_the_final_paths(tmp_path: Path) -> None:
    data = tmp_path / ("a_folder_with_a_long_name_" * 4).rstrip("_")  # every path is over 100 characters
    data.mkdir()
    expr, prior = tiny_time_course(data)
    out = data / "run"
    log_file = tmp_path / "full.log"
    rc, stdout, stderr = _dashgrn(["--log-file", str(log_file), "infer", str(expr), "--prior", str(prior),
                                   "--out", str(out), *FAST, "--ensemble", "1"], tmp_path)
    assert rc == 0, stderr
    lines = stderr.splitlines()
    assert len(lines) >= 5, stderr
    for line in lines:
        assert line.split(" ", 1)[0] in LEVELS, f"not a 'LEVEL message' line: {line!r}"
        assert "\x1b[" not in line  # no colour codes
    # a message far longer than COLUMNS stays whole, on its own line
    assert f"INFO {prior}: no weight column; every edge gets weight 1" in lines
    assert any(line.startswith("INFO epoch 1/6 ") for line in lines), stderr
    # no staging folder anywhere: the only paths are the final ones
    assert ".partial" not in stderr + stdout
    assert lines[-1].startswith("INFO training done in ") and lines[-1].endswith(f"; writing {out}")
    assert stdout.splitlines()[-1] == f"results: {out}"
    # --log-file: every message, DEBUG too, one line each with time, level and logger
    logged = log_file.read_text(encoding="utf-8").splitlines()
    assert logged and all(FILE_LINE.match(line) for line in logged), logged
    assert any(line.endswith(f"INFO dashgrn.io.prior: {prior}: no weight column; every edge gets weight 1")
               for line in logged), logged
    assert any(" DEBUG " in line and "report written: " in line for line in logged)  # the staging step, at DEBUG


def test_rich_on_a_terminal_plain_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    root = logging.getLogger("dashgrn")
    try:
        monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich's own test: what it says decides
        _common.setup_logging(verbose=0, quiet=False, log_file=None)
        assert [type(h) for h in root.handlers] == [RichHandler]
        monkeypatch.setenv("TTY_COMPATIBLE", "0")
        _common.setup_logging(verbose=0, quiet=False, log_file=None)
        (handler,) = root.handlers
        assert not isinstance(handler, RichHandler)
        assert isinstance(handler.formatter, _common.OneLineFormatter)
    finally:
        monkeypatch.delenv("TTY_COMPATIBLE")
        _common.setup_logging(verbose=0, quiet=False, log_file=None)


def test_a_message_with_line_breaks_is_logged_as_one_line() -> None:
    fmt = _common.OneLineFormatter("%(levelname)s %(message)s")
    record = logging.LogRecord("dashgrn.x", logging.WARNING, __file__, 1, "gene %s:\nsecond\r\nthird", ("G1",), None)
    assert fmt.format(record) == "WARNING gene G1: | second | third"


def test_error_lines_print_names_as_they_are(tmp_path: Path) -> None:
    """No markup and no :emoji: codes in error lines: a file called ':smile:.csv' keeps its name."""
    missing = tmp_path / ":smile: [bold]x[/bold].csv"
    r = CliRunner().invoke(app, ["infer", str(missing), "--out", str(tmp_path / "o")])
    assert r.exit_code == 3
    assert r.stderr.splitlines()[0] == f"error: {missing}: expression file not found"
    assert r.stderr.splitlines()[1] == "hint: check the path and the current folder"


BAD_OPTIONS = [
    (["--seed", "-1"], "--seed must be an integer in 0..4294967295 (0..2**32-1), got -1"),
    (["--seed", str(2**32)], "--seed must be an integer in 0..4294967295 (0..2**32-1), got 4294967296"),
    (["--threads", "0"], "--threads must be an integer >= 1, got 0"),
    (["--device", "gpu"], "--device must be auto, cpu, cuda or cuda:N (N = 0, 1, ...), got 'gpu'"),
    (["--device", "cuda:x"], "--device must be auto, cpu, cuda or cuda:N (N = 0, 1, ...), got 'cuda:x'"),
    (["--min-weight", "nan"], "--min-weight must be >= 0, got nan"),
    (["--epochs", "0"], "--epochs must be >= 1, got 0"),
    (["--lr", "0"], "--lr must be > 0, got 0.0"),
    (["--batch-size", "0"], "--batch-size must be >= 1, got 0"),
]


@pytest.mark.parametrize(("options", "problem"), BAD_OPTIONS, ids=[" ".join(o) for o, _ in BAD_OPTIONS])
def test_bad_options_exit_4_before_any_file_is_read(tmp_path: Path, options: list[str], problem: str) -> None:
    """The input files do not exist: the option is refused first (exit 4, not 3), nothing is written."""
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["infer", str(tmp_path / "missing.csv"), "--prior", str(tmp_path / "missing.tsv"),
                                 "--out", str(out), *options])
    assert r.exit_code == 4, r.output
    assert r.stderr.splitlines()[0] == f"error: {problem}"
    assert "missing" not in r.stderr and "Traceback" not in r.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("options", [["--seed", "0"], ["--seed", str(2**32 - 1)], ["--threads", "1"],
                                     ["--device", "cpu"], ["--device", "cuda:3"]])
def test_options_at_the_edges_of_their_range_pass_on_to_the_inputs(tmp_path: Path, options: list[str]) -> None:
    r = CliRunner().invoke(app, ["infer", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o"), *options])
    if options[-1] == "cuda:3":  # a well-formed name: whether this machine has that GPU is the device check
        assert r.exit_code in (3, 6) and "--device must be" not in r.stderr, r.output
        return
    assert r.exit_code == 3, r.output  # accepted: the missing input is the first problem
    assert "expression file not found" in r.stderr


@pytest.mark.parametrize(("obs", "var", "problem"), [
    (["c1", "c1", "c2", "c3"], ["G1", "G2", "G3"], "duplicated sample ids: c1"),
    (["c1", "c2", "c3", "c4"], ["G1", "G1", "G2"], "duplicated gene names: G1"),
])
def test_duplicate_h5ad_names_print_only_our_error(tmp_path: Path, obs: list[str], var: list[str],
                                                   problem: str) -> None:
    """anndata warns about duplicated names when it reads the file; only dashgrn's lines reach stderr."""
    obs_df = pd.DataFrame({"time": [0.0, 1.0, 0.0, 1.0], "trajectory": ["a", "a", "b", "b"]}, index=obs)
    path = tmp_path / "dup.h5ad"
    with pytest.warns(UserWarning, match="names are not unique"):
        ad.AnnData(np.random.default_rng(0).random((4, 3)), obs=obs_df, var=pd.DataFrame(index=var)).write_h5ad(path)
    rc, stdout, stderr = _dashgrn(["infer", str(path), "--pruning", "none", "--out", str(tmp_path / "o")], tmp_path)
    assert rc == 3
    lines = stderr.splitlines()
    assert lines[0] == f"error: {path}: {problem}", stderr
    assert len(lines) == 2 and lines[1].startswith("hint: "), stderr
    assert not (tmp_path / "o").exists()


def test_a_library_warning_is_one_log_line(tmp_path: Path) -> None:
    """A warning from a library (here a stand-in, warned while a command runs) is logged, on one line."""
    script = (
        "import sys, warnings\n"
        "import dashgrn.report\n"
        "def write_report(run_dir, truth=None):\n"
        "    warnings.warn('a library\\nwarning over two lines', UserWarning)\n"
        "    return []\n"
        "dashgrn.report.write_report = write_report\n"
        "sys.argv = ['dashgrn', 'report', 'run']\n"
        "from dashgrn.cli import main\n"
        "main()\n"
    )
    err_file = tmp_path / "stderr.txt"
    with open(err_file, "w", encoding="utf-8") as se:
        rc = subprocess.run([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=se, env=_env(),
                            timeout=300, check=False).returncode
    assert rc == 0
    (line,) = err_file.read_text(encoding="utf-8").splitlines()
    assert line.startswith("WARNING ") and "UserWarning: a library | warning over two lines" in line, line
