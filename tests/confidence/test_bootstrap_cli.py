"""--bootstrap end to end: `dashgrn infer --bootstrap 3` on the tiny time course (stderr a file:
plain progress lines), then run.json's draws, the confidence of edges.tsv and ranking.tsv.gz
recomputed from checkpoint.pt, `dashgrn export` agreeing with infer, the report, and the readers
with and without the column."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn.cli import app
from tiny_data import tiny_time_course

B = 3
OPTS = ["--epochs", "4", "--pruning", "none", "--hidden", "6", "--batch-size", "16", "--evidence", "model",
        "--threads", "1",
        "--seed", "4"]
LINE = re.compile(r"^INFO model (\d)/3 epoch (\d)/4  train \S+  val \S+  lr \S+  sparsity \S+%  "
                  r"elapsed \d:\d\d:\d\d  eta up to \d:\d\d:\d\d  (\d)/3 models done, \d training")


def _dashgrn(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    return subprocess.run([sys.executable, "-m", "dashgrn", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600, check=False)


@pytest.fixture(scope="module")
def boot(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    tmp = tmp_path_factory.mktemp("boot")
    expr, prior = tiny_time_course(tmp)
    done = _dashgrn(["infer", str(expr), "--prior", str(prior), "--out", "run", "--bootstrap", str(B), *OPTS], tmp)
    assert done.returncode == 0, done.stderr[-3000:]
    return tmp, tmp / "run", done.stderr


@pytest.mark.slow
def test_infer_records_every_members_draw(boot: tuple[Path, Path, str]) -> None:
    from dashgrn._bootstrap import draw_member
    from dashgrn.model import member_seed

    _, run, _ = boot
    summary = json.loads((run / "run.json").read_text())["summary"]
    rec = summary["training"]["bootstrap"]
    assert rec["members"] == B and rec["unit"] == "trajectory" and rec["units"] == 12
    traj = np.repeat(np.arange(12), 3)  # the tiny course: 12 trajectories of 4 times, 3 pairs each
    for k, d in enumerate(rec["draws"]):
        want = draw_member(traj, member_seed(4, k), 0.066)
        assert d["member"] == k + 1 and d["seed"] == member_seed(4, k) and d["sha256"] == want.digest
        assert len(d["drawn"]) == 12 and d["train_pairs"] == want.train.size == 36  # 12 draws of 3 pairs
        assert d["out_of_bag"] == 12 - d["distinct_drawn"] and d["validation"] == "out-of-bag"
        assert d["validation_pairs"] == 3 * d["out_of_bag"]
    assert len({d["sha256"] for d in rec["draws"]}) == B
    assert json.loads((run / "config.json").read_text())["settings"]["bootstrap"] == B
    assert summary["training"]["ensemble"] == B
    conf = summary["network"]["confidence"]
    assert conf["members"] == B and conf["resampled"] is True
    hist = pd.read_csv(run / "history.tsv", sep="\t")
    assert sorted(hist["member"].unique()) == [1, 2, 3]


@pytest.mark.slow
def test_confidence_is_recomputed_from_the_checkpoint_and_export_agrees(boot: tuple[Path, Path, str]) -> None:
    from dashgrn.checkpoint import load_ensemble
    from dashgrn.config import ExportConfig
    from dashgrn.io import read_prior
    from dashgrn.model import effect_matrix
    from dashgrn.network import member_exports

    tmp, run, _ = boot
    edges = pd.read_csv(run / "edges.tsv", sep="\t")
    assert list(edges.columns)[-1] == "confidence"
    c = edges["confidence"].to_numpy()
    assert ((c >= 0) & (c <= 1)).all() and np.allclose(c * B, np.rint(c * B))
    # by hand: member k's own export (the run's rule on its effects alone), the same sign
    models, meta = load_ensemble(run / "checkpoint.pt")
    assert len(models) == B
    genes = meta["genes"]
    prior = read_prior(run / "prior_used.tsv").align(genes).matrix
    exports = member_exports([effect_matrix(m) for m in models], genes, prior, ExportConfig())
    held = [{(genes[r], genes[t]): s for r, t, s in zip(*e)} for e in exports]
    for row in edges.itertuples():
        votes = sum(1 for h in held if (row.regulator, row.target) in h
                    and (row.sign == 0 or h[(row.regulator, row.target)] == row.sign))
        assert row.confidence == pytest.approx(votes / B)
    with gzip.open(run / "ranking.tsv.gz", "rt") as fh:
        ranking = pd.read_csv(fh, sep="\t")
    assert list(ranking.columns) == list(edges.columns)
    head = ranking.set_index(["regulator", "target"])["confidence"]
    # ranking.tsv.gz writes 9 significant digits
    assert all(abs(head[(r, t)] - v) < 1e-8 for r, t, v in zip(edges["regulator"], edges["target"], edges["confidence"]))
    assert (ranking.loc[ranking["weight"] == 0, "confidence"] == 0).all()
    # dashgrn export recomputes it from checkpoint.pt: the same files, byte for byte
    done = _dashgrn(["export", str(run / "checkpoint.pt"), "--out", "exp"], tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (tmp / "exp" / "edges.tsv").read_bytes() == (run / "edges.tsv").read_bytes()
    assert gzip.decompress((tmp / "exp" / "ranking.tsv.gz").read_bytes()) == gzip.decompress(
        (run / "ranking.tsv.gz").read_bytes())


@pytest.mark.slow
def test_plain_progress_lines_tell_members_epochs_elapsed_and_eta(boot: tuple[Path, Path, str]) -> None:
    _, _, stderr = boot
    assert "\x1b[" not in stderr
    assert "INFO bootstrap: 3 members, each trained on 12 trajectories drawn with replacement" in stderr
    lines = [m for line in stderr.splitlines() if (m := LINE.match(line))]
    assert {int(m.group(1)) for m in lines} == {1, 2, 3}
    assert {int(m.group(2)) for m in lines} == {1, 2, 3, 4}  # 4 epochs: every epoch is shown
    last = [line for line in stderr.splitlines() if line.startswith("INFO model 3/3 epoch 4/4 ")]
    assert last and last[0].endswith("3/3 models done, 0 training  (done)")


@pytest.mark.slow
def test_the_report_shows_the_confidence_and_older_edge_files_still_read(boot: tuple[Path, Path, str]) -> None:
    import shutil

    tmp, run, _ = boot
    values = json.loads((run / "report.json").read_text())
    values = values.get("values", values)
    edges = pd.read_csv(run / "edges.tsv", sep="\t")
    assert values["network_confidence_members"] == B and values["network_confidence_resampled"] is True
    assert values["network_confidence_all"] == int((edges["confidence"] == 1).sum())
    md = (run / "report.md").read_text()
    assert "edges have confidence 1" in md and "(--bootstrap)" in md
    html = (run / "report.html").read_text()
    assert 'alt="Histogram of the edges\' confidence"' in html
    # an edges.tsv without the column (an older dashgrn): the report says so, evaluate scores the same
    old = tmp / "old_run"
    shutil.copytree(run, old)
    edges.drop(columns="confidence").to_csv(old / "edges.tsv", sep="\t", index=False, lineterminator="\n")
    done = _dashgrn(["report", str(old)], tmp)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "no confidence column" in (old / "report.md").read_text()
    assert "Histogram of the edges' confidence" not in (old / "report.html").read_text()
    gold = tmp / "gold.tsv"
    pd.DataFrame({"regulator": ["G0", "G0", "G1"], "target": ["G2", "G3", "G4"]}).to_csv(gold, sep="\t", index=False)
    scores = [_dashgrn(["evaluate", str(p), "--truth", str(gold)], tmp) for p in (run / "edges.tsv", old / "edges.tsv")]
    assert all(s.returncode == 0 for s in scores), scores[0].stderr[-2000:]
    assert scores[0].stdout.replace(str(run), "X") == scores[1].stdout.replace(str(old), "X")


@pytest.mark.parametrize(("args", "message"), [
    (["--bootstrap", "1"], "--bootstrap must be 0 (off) or at least 2, got 1"),
    (["--bootstrap", "4", "--ensemble", "3"], "--ensemble 3 and --bootstrap 4 disagree"),
])
def test_bad_bootstrap_options_are_config_errors(args: list[str], message: str, tmp_path: Path) -> None:
    expr, prior = tiny_time_course(tmp_path)
    res = CliRunner().invoke(app, ["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), *args])
    assert res.exit_code == 4, res.output
    assert message in res.output and "Traceback" not in res.output
    assert not (tmp_path / "o").exists()
