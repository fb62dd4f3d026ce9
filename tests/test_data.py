"""From expression to training pairs: time units (issue 17), too few pairs, no validation set."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn._errors import InputError
from dashgrn.cli import app
from dashgrn.data import TIME_MAX_INTERVAL, TIME_MIN_MEDIAN, make_pairs, time_scale
from dashgrn.tables import ExpressionData

runner = CliRunner()
#: One fast model: every run here takes a few seconds.
FAST = ["--epochs", "2", "--ensemble", "1", "--hidden", "8", "--threads", "1"]


def _expr(times: np.ndarray, traj: np.ndarray, seed: int = 0) -> ExpressionData:
    rng = np.random.default_rng(seed)
    X = rng.random((times.size, 4))
    return ExpressionData(X=X, genes=[f"g{i}" for i in range(4)], samples=[f"s{i}" for i in range(times.size)],
                          time=times.astype(np.float64), trajectory=traj, source="expr.csv")


def _course(factor: float) -> ExpressionData:
    """3 trajectories at times (0, 2, 3, 7, 9) x factor: the example data's times."""
    t = np.tile([0.0, 2.0, 3.0, 7.0, 9.0], 3) * factor
    return _expr(t, np.repeat([1, 2, 3], 5))


# --------------------------------------------------------------------------------------
# The time scale


def test_times_of_order_one_are_used_as_given() -> None:
    pa = make_pairs(_course(1.0))
    assert pa.scale["time_scale"] == 1.0
    np.testing.assert_array_equal(pa.dt, np.tile([2.0, 1.0, 4.0, 2.0], 3))  # untouched, bit for bit


def test_example_data_times_are_not_rescaled(example_data: Path) -> None:
    """The pinned example runs (times 0..9) keep their pairs exactly."""
    from dashgrn.io import read_expression

    pa = make_pairs(read_expression(example_data / "expression.csv"))
    assert pa.scale["time_scale"] == 1.0
    assert pa.dt.max() <= 5.0


@pytest.mark.parametrize("factor", [3600.0, 1e12, 1e-6, 60.0 * 1e-9])
def test_any_time_unit_gives_the_same_pairs(factor: float) -> None:
    """Times x factor are divided by their median interval: the pairs of the times in that unit."""
    base = make_pairs(_course(0.5))  # median interval 1: the rescaled unit itself
    scaled = make_pairs(_course(0.5 * factor))
    assert base.scale["time_scale"] == 1.0
    assert scaled.scale["time_scale"] == pytest.approx(factor, rel=1e-12)
    np.testing.assert_allclose(scaled.dt, base.dt, rtol=1e-12)
    np.testing.assert_array_equal(scaled.y0, base.y0)
    np.testing.assert_array_equal(scaled.y1, base.y1)
    assert float(np.median(scaled.dt)) == pytest.approx(1.0)


def test_the_rule_for_rescaling() -> None:
    assert time_scale(np.array([1.0, TIME_MAX_INTERVAL])) == 1.0  # the largest at the limit: as given
    assert time_scale(np.array([1.0, 2.0, 2.0 * TIME_MAX_INTERVAL])) == 2.0  # above: divided by the median
    assert time_scale(np.array([TIME_MIN_MEDIAN, TIME_MIN_MEDIAN])) == 1.0
    assert time_scale(np.array([TIME_MIN_MEDIAN / 2] * 3)) == TIME_MIN_MEDIAN / 2
    assert time_scale(np.array([1e-6, 1.0, 1.0])) == 1.0  # one short interval among typical ones: as given
    assert time_scale(np.array([], dtype=np.float64)) == 1.0


def test_the_time_scale_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="dashgrn"):
        make_pairs(_course(3600.0))
    assert any("intervals divided by 7200" in r.getMessage() for r in caplog.records)


def _write_csv(path: Path, factor: float) -> Path:
    """The 8-gene time course of tests/tiny_data.py (times 0, 1, 2, 4) with its times x factor."""
    from tiny_data import tiny_time_course

    path.parent.mkdir(parents=True)
    expr, _ = tiny_time_course(path.parent)
    df = pd.read_csv(expr)
    df["time"] = df["time"] * factor
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("factor", [3600.0, 1e12])
def test_infer_in_seconds_gives_the_network_of_the_rescaled_unit(tmp_path: Path, factor: float) -> None:
    """Times 0, 1, 2, 4 (median interval 1) and the same times x 3600 or x 1e12: the same edges.tsv, byte for
    byte, after 2 epochs (before the fix: minutes per epoch, then a traceback or unbounded memory)."""
    runs = {}
    for name, f in (("as_given", 1.0), ("scaled", factor)):
        expr = _write_csv(tmp_path / name / "expr.csv", f)
        out = tmp_path / name / "run"
        res = runner.invoke(app, ["-q", "infer", str(expr), "--out", str(out), *FAST])
        assert res.exit_code == 0, res.output
        runs[name] = out
    assert (runs["scaled"] / "edges.tsv").read_bytes() == (runs["as_given"] / "edges.tsv").read_bytes()
    data = json.loads((runs["scaled"] / "run.json").read_text(encoding="utf-8"))["summary"]["data"]
    assert data["scaling"]["time_scale"] == factor
    report = json.loads((runs["scaled"] / "report.json").read_text(encoding="utf-8"))
    assert report["data_time_scale"] == factor


# --------------------------------------------------------------------------------------
# Too few pairs


def test_one_pair_is_an_input_error() -> None:
    with pytest.raises(InputError, match="only 1 pair of consecutive time points") as exc:
        make_pairs(_expr(np.array([0.0, 1.0]), np.array([1, 1])))
    assert exc.value.hint


def test_one_pair_exits_3_with_one_line_and_no_output(tmp_path: Path) -> None:
    csv = tmp_path / "one.csv"
    pd.DataFrame({"trajectory": [1, 1], "time": [0.0, 1.0], "A": [0.1, 0.5], "B": [0.7, 0.2]}).to_csv(csv, index=False)
    out = tmp_path / "run"
    res = runner.invoke(app, ["infer", str(csv), "--out", str(out), *FAST])
    assert res.exit_code == 3, res.output
    assert res.output.count("error:") == 1 and "only 1 pair" in res.output and "hint:" in res.output
    assert "Traceback" not in res.output
    assert not out.exists()


def test_no_validation_pairs_warns_and_trains_on_the_training_loss(tmp_path: Path) -> None:
    """One trajectory of 3 pairs with --val-fraction 0.2 leaves no validation pair: a warning, exit 0."""
    csv = tmp_path / "short.csv"
    rng = np.random.default_rng(1)
    pd.DataFrame({"trajectory": 1, "time": [0.0, 1.0, 2.0, 3.0], "A": rng.random(4), "B": rng.random(4),
                  "C": rng.random(4)}).to_csv(csv, index=False)
    out = tmp_path / "run"
    res = runner.invoke(app, ["infer", str(csv), "--out", str(out), "--val-fraction", "0.2", *FAST])
    assert res.exit_code == 0, res.output
    assert "WARNING" in res.output and "no validation pairs" in res.output
    summary = json.loads((out / "run.json").read_text(encoding="utf-8"))["summary"]
    assert summary["data"]["validation_pairs"] == 0
    assert summary["training"]["best_epoch"] >= 1  # chosen on the training loss
    assert any("no validation pairs" in n for n in
               [line for line in (out / "report.md").read_text(encoding="utf-8").splitlines() if "Note" in line])
