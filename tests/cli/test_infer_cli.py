"""`dashgrn infer` and `dashgrn export` end to end on a tiny data set made here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from dashgrn.cli import app
from tiny_data import FAST, GENES

runner = CliRunner()


def _run(args: list[str]):
    return runner.invoke(app, args)


def test_infer_writes_every_output(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    out = tmp_path / "run"
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST, "--ensemble", "1"])
    assert r.exit_code == 0, r.output
    for name in ("edges.tsv", "network.graphml", "checkpoint.pt", "config.json", "history.tsv", "run.json",
                 "ranking.tsv.gz"):
        assert (out / name).is_file(), name
    edges = pd.read_csv(out / "edges.tsv", sep="\t")
    assert list(edges.columns) == ["regulator", "target", "weight", "sign", "rank", "effect", "in_prior",
                                   "confidence"]
    assert (edges["confidence"] == 1).all()  # one member: its own export is the run's
    assert (edges["weight"] > 0).all()
    assert edges["rank"].tolist() == list(range(1, len(edges) + 1))
    assert (edges["regulator"] != edges["target"]).all()
    hist = pd.read_csv(out / "history.tsv", sep="\t")
    assert len(hist) == 6 and hist["pruned"].tolist() == [0, 1, 0, 1, 0, 0]  # events at 2 and 4, none at the last epoch
    run = json.loads((out / "run.json").read_text())
    assert len(run["inputs"]["expression"]["sha256"]) == 64
    assert run["versions"]["torch"] == torch.__version__.split("+")[0] or run["versions"]["torch"].startswith(
        torch.__version__.split("+")[0]
    )
    assert run["summary"]["network"]["edges"] == len(edges)
    ranking = pd.read_csv(out / "ranking.tsv.gz", sep="\t")
    assert len(ranking) == 8 * 7
    assert ranking["rank"].tolist() == list(range(1, 57))
    # prior-first: the prior's pairs lead, each group by |effect| standardised within its target
    pri = pd.read_csv(prior, sep="\t")
    n_prior = len(pri)
    assert ranking["in_prior"].tolist() == [1] * n_prior + [0] * (56 - n_prior)
    mag = ranking["effect"].abs()
    z = (mag - mag.groupby(ranking["target"]).transform("mean")) / mag.groupby(ranking["target"]).transform(
        lambda v: v.std(ddof=0))
    listed = (ranking["in_prior"] == 1) | (mag > 0)
    for part in (z[:n_prior], z[n_prior:][listed[n_prior:]]):
        assert (part.to_numpy()[:-1] >= part.to_numpy()[1:] - 1e-6).all()
    # calibrated export: every prior edge, plus new pairs whose z reaches the prior edges' 0.9 quantile of z
    thr = z[:n_prior].quantile(0.9)
    expect = ranking[(ranking["in_prior"] == 1) | ((z >= thr - 1e-6) & (mag > 0))]
    assert edges[["regulator", "target"]].values.tolist() == expect[["regulator", "target"]].values.tolist()
    assert run["summary"]["network"]["prior_edges_exported"] == n_prior


def test_same_seed_same_edges_and_config_rerun(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(a), *FAST, "--seed", "3"]).exit_code == 0
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(b), *FAST, "--seed", "3"]).exit_code == 0
    assert (a / "edges.tsv").read_bytes() == (b / "edges.tsv").read_bytes()
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(c), "--config", str(a / "config.json")])
    assert r.exit_code == 0, r.output
    assert (a / "edges.tsv").read_bytes() == (c / "edges.tsv").read_bytes()
    cfg = json.loads((c / "config.json").read_text())["settings"]
    assert cfg["seed"] == 3 and cfg["epochs"] == 6


def test_overwrite_replaces_a_run_folder_and_marks_every_output(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    from dashgrn._atomic import MARKER

    expr, prior = tiny
    out = tmp_path / "run"
    args = ["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST]
    assert _run(args).exit_code == 0
    assert (out / MARKER).is_file()
    (out / "edges.tsv").write_text("stale", encoding="utf-8")
    again = _run([*args, "--overwrite"])
    assert again.exit_code == 0, again.output
    assert (out / "edges.tsv").read_text(encoding="utf-8").startswith("regulator")
    exported = tmp_path / "exported"
    assert _run(["export", str(out / "checkpoint.pt"), "--out", str(exported)]).exit_code == 0
    assert (exported / MARKER).is_file()
    # A run folder from before the marker (its run.json names dashgrn) may be replaced too.
    (out / MARKER).unlink()
    assert _run([*args, "--overwrite"]).exit_code == 0


def test_config_file_is_overridden_by_flags(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    a, b = tmp_path / "a", tmp_path / "b"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(a), *FAST]).exit_code == 0
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(b), "--config", str(a / "config.json"),
              "--epochs", "3"])
    assert r.exit_code == 0, r.output
    cfg = json.loads((b / "config.json").read_text())["settings"]
    assert cfg["epochs"] == 3 and cfg["hidden"] == 6


def test_unknown_config_key_is_a_config_error(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"settings": {"epochs": 2, "learning_speed": 3}}))
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), "--config", str(bad)])
    assert r.exit_code == 4
    assert "learning_speed" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_export_reextracts_at_threshold(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    out = tmp_path / "run"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST]).exit_code == 0
    same = tmp_path / "same"
    r = _run(["export", str(out / "checkpoint.pt"), "--out", str(same)])
    assert r.exit_code == 0, r.output
    assert (same / "edges.tsv").read_bytes() == (out / "edges.tsv").read_bytes()  # checkpoint round trip
    top = tmp_path / "top"
    assert _run(["export", str(out / "checkpoint.pt"), "--out", str(top), "--top-k", "3"]).exit_code == 0
    e = pd.read_csv(top / "edges.tsv", sep="\t")
    full = pd.read_csv(out / "edges.tsv", sep="\t")
    assert len(e) == min(3, len(full))
    pd.testing.assert_frame_equal(e, full.iloc[: len(e)])


def test_export_with_another_prior_equals_infer_with_it(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    """Without pruning the prior does not touch training, so re-ranking a run with prior B
    gives exactly what a run with prior B gives (the benchmark relies on this)."""
    expr, prior = tiny
    other = tmp_path / "other.tsv"
    pd.DataFrame([("G0", "G2", 1), ("G5", "G1", -1), ("G3", "G6", 1)], columns=["regulator", "target", "sign"]).to_csv(
        other, sep="\t", index=False)
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    none = [*FAST, "--pruning", "none"]
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(a), *none]).exit_code == 0
    assert _run(["infer", str(expr), "--prior", str(other), "--out", str(b), *none]).exit_code == 0
    r = _run(["export", str(a / "checkpoint.pt"), "--prior", str(other), "--out", str(c)])
    assert r.exit_code == 0, r.output
    for name in ("edges.tsv", "ranking.tsv.gz"):
        ours = pd.read_csv(c / name, sep="\t")
        theirs = pd.read_csv(b / name, sep="\t")
        pd.testing.assert_frame_equal(ours, theirs)
    assert pd.read_csv(c / "ranking.tsv.gz", sep="\t")["in_prior"].head(3).tolist() == [1, 1, 1]
    # and the run's own prior (prior_used.tsv) is the default
    d = tmp_path / "d"
    assert _run(["export", str(a / "checkpoint.pt"), "--out", str(d)]).exit_code == 0
    assert (d / "edges.tsv").read_bytes() == (a / "edges.tsv").read_bytes()
    # a run without a prior: the same model; --no-prior re-ranks as that run did
    e, f = tmp_path / "e", tmp_path / "f"
    assert _run(["infer", str(expr), "--out", str(e), *none]).exit_code == 0
    assert _run(["export", str(a / "checkpoint.pt"), "--no-prior", "--out", str(f)]).exit_code == 0
    assert (f / "edges.tsv").read_bytes() == (e / "edges.tsv").read_bytes()
    assert (f / "ranking.tsv.gz").is_file()
    r = _run(["export", str(a / "checkpoint.pt"), "--no-prior", "--prior", str(other), "--out", str(tmp_path / "g")])
    assert r.exit_code == 4 and "exclude" in r.output


def test_ensemble_members_are_trained_saved_and_averaged(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    from dashgrn.checkpoint import load_ensemble
    from dashgrn.model import effect_matrix
    from dashgrn.pipeline import member_seed
    from dashgrn.network import rank_pairs, standardised_effects

    expr, prior = tiny
    out = tmp_path / "run"
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST, "--ensemble", "3"])
    assert r.exit_code == 0, r.output
    hist = pd.read_csv(out / "history.tsv", sep="\t")
    assert hist["member"].tolist() == [1] * 6 + [2] * 6 + [3] * 6  # each: events at 2 and 4
    assert hist["pruned"].tolist() == [0, 1, 0, 1, 0, 0] * 3
    run = json.loads((out / "run.json").read_text())
    members = run["summary"]["training"]["members"]
    assert [m["seed"] for m in members] == [0, member_seed(0, 1), member_seed(0, 2)]
    assert len({m["seed"] for m in members}) == 3
    models, meta = load_ensemble(out / "checkpoint.pt")
    assert len(models) == 3
    assert not torch.equal(models[0].W_s, models[1].W_s)
    # the ranking is the mean of the members' standardised effects
    genes = meta["genes"]
    effects = [effect_matrix(m) for m in models]
    rk = rank_pairs(effects, genes, None, "effect")
    zsum = sum(standardised_effects(E, rk.row, rk.col) for E in effects)  # zeros of pruned members count
    np.testing.assert_allclose(rk.z, zsum / 3, atol=1e-9)
    np.testing.assert_allclose(rk.effect, [np.mean([E[i, j] for E in effects]) for i, j in zip(rk.row, rk.col)])
    # dashgrn export re-derives the same network from the three saved models
    again = tmp_path / "again"
    assert _run(["export", str(out / "checkpoint.pt"), "--out", str(again)]).exit_code == 0
    assert (again / "edges.tsv").read_bytes() == (out / "edges.tsv").read_bytes()


def test_prior_first_without_a_prior_is_a_config_error(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    r = _run(["infer", str(expr), "--out", str(tmp_path / "a"), *FAST, "--pruning", "none", "--ranking",
              "prior-first"])
    assert r.exit_code == 4 and "needs a prior" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "a").exists()
    run = tmp_path / "run"
    assert _run(["infer", str(expr), "--out", str(run), *FAST, "--pruning", "none", "--ensemble", "1"]).exit_code == 0
    r = _run(["export", str(run / "checkpoint.pt"), "--ranking", "prior-first", "--out", str(tmp_path / "b")])
    assert r.exit_code == 4 and "needs a prior" in r.output
    assert not (tmp_path / "b").exists()


def test_export_rejects_a_non_checkpoint(tmp_path: Path) -> None:
    bad = tmp_path / "x.pt"
    bad.write_bytes(b"not a checkpoint")
    r = _run(["export", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 3 and "checkpoint" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_nan_loss_is_a_training_error_and_writes_nothing(tiny: tuple[Path, Path], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    import dashgrn.model._stiffness as stepping  # the trainer's solves go through solve_stepped

    real = stepping.solve_pairs

    def poisoned(func, y0, dt, cfg, steps=None, **kw):  # noqa: ANN001, ANN003, ANN202
        return real(func, y0, dt, cfg, steps, **kw) * float("nan")

    monkeypatch.setattr(stepping, "solve_pairs", poisoned)
    expr, prior = tiny
    out = tmp_path / "run"
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST])
    assert r.exit_code == 5
    assert "loss became nan" in r.output and "--lr" in r.output and "Traceback" not in r.output
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".run")]


def test_constant_expression_is_an_input_error(tmp_path: Path) -> None:
    df = pd.DataFrame({"trajectory": [1, 1, 2, 2], "time": [0, 1, 0, 1], "A": [0.5] * 4, "B": [0.2] * 4})
    expr = tmp_path / "c.csv"
    df.to_csv(expr, index=False)
    prior = tmp_path / "p.tsv"
    prior.write_text("regulator\ttarget\nA\tB\n")
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), *FAST])
    assert r.exit_code == 3 and "constant" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "o").exists()


def test_dash_without_prior_is_a_config_error(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, _ = tiny
    r = _run(["infer", str(expr), "--out", str(tmp_path / "o"), *FAST])
    assert r.exit_code == 4 and "needs a prior" in r.output


def test_imp_without_prior_runs(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, _ = tiny
    r = _run(["infer", str(expr), "--out", str(tmp_path / "o"), *FAST, "--pruning", "imp"])
    assert r.exit_code == 0, r.output


def test_cuda_request_without_cuda_is_a_device_error(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    expr, prior = tiny
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), *FAST, "--device", "cuda"])
    assert r.exit_code == 6 and "CUDA" in r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.gpu
def test_cuda_run_matches_cpu_edges_closely(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    for dev in ("cpu", "cuda"):
        r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / dev), *FAST, "--device", dev,
                  "--dtype", "float64"])
        assert r.exit_code == 0, r.output
    a = pd.read_csv(tmp_path / "cpu" / "edges.tsv", sep="\t")
    b = pd.read_csv(tmp_path / "cuda" / "edges.tsv", sep="\t")
    assert set(zip(a.regulator, a.target)) == set(zip(b.regulator, b.target))


def test_ctrl_c_keeps_the_best_checkpoint_and_exits_130(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    expr, prior = tiny
    out = tmp_path / "run"
    args = [sys.executable, "-m", "dashgrn", "infer", str(expr), "--prior", str(prior), "--out", str(out),
            *FAST, "--epochs", "4000", "--prune-every", "1000", "--early-stopping", "0"]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # wait until training has run a few epochs (plain progress lines on stderr)
    deadline = time.time() + 60
    seen = ""
    while time.time() < deadline:
        line = proc.stderr.readline()
        seen += line
        if "epoch 200/4000" in line:
            break
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    stderr = seen + stderr
    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert (out / "edges.tsv").is_file() and (out / "checkpoint.pt").is_file()
    hist = pd.read_csv(out / "history.tsv", sep="\t")
    assert 200 <= len(hist) < 4000
    run = json.loads((out / "run.json").read_text())
    assert run["stopped"] == "interrupted"


@pytest.mark.parametrize("threads", ["1", "2"])
def test_resume_after_interruption_gives_the_uninterrupted_edges(tiny: tuple[Path, Path], tmp_path: Path,
                                                                 threads: str) -> None:
    """Stop both ensemble members at epoch 3 through the Python API, resume through the CLI: the
    edges and history equal an uninterrupted run's. With 2 threads the members train side by side."""
    import dashgrn.pipeline as pipeline

    expr, prior = tiny
    fast = [*FAST[:-1], threads, "--ensemble", "2"]
    full, part = tmp_path / "full", tmp_path / "part"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(full), *fast]).exit_code == 0

    phase = {"interrupt": True}
    real = pipeline.Trainer.run

    def run_until_epoch_3(self, *, callback=None, stop_requested=None):  # noqa: ANN001, ANN202
        def stop() -> bool:
            return len(self.history) == 3 and self.history[-1]["complete"] == 1

        return real(self, callback=callback, stop_requested=stop if phase["interrupt"] else stop_requested)

    mp = pytest.MonkeyPatch()
    mp.setattr(pipeline.Trainer, "run", run_until_epoch_3)
    try:
        r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(part), *fast])
        assert r.exit_code == 130 and "--resume" in r.output
        assert (part / "resume.pt").is_file()
        hist = pd.read_csv(part / "history.tsv", sep="\t")
        assert sorted(hist.groupby("member").size().tolist()) == [3, 3]
        phase["interrupt"] = False
        r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(part), "--resume"])
        assert r.exit_code == 0, r.output
    finally:
        mp.undo()
    assert not (part / "resume.pt").exists()
    assert (part / "edges.tsv").read_bytes() == (full / "edges.tsv").read_bytes()
    h_full = pd.read_csv(full / "history.tsv", sep="\t").drop(columns="seconds")
    h_part = pd.read_csv(part / "history.tsv", sep="\t").drop(columns="seconds")
    pd.testing.assert_frame_equal(h_full, h_part)


def test_resume_refuses_changed_inputs(tiny: tuple[Path, Path], tmp_path: Path) -> None:
    expr, prior = tiny
    out = tmp_path / "o"
    assert _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), *FAST]).exit_code == 0
    r = _run(["infer", str(expr), "--prior", str(prior), "--out", str(out), "--resume"])
    assert r.exit_code == 3 and "no resume state" in r.output


def test_unexpected_error_prints_one_line_and_logs_the_traceback(tiny: tuple[Path, Path], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import dashgrn.pipeline as pipeline

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(pipeline, "make_pairs", broken)
    expr, prior = tiny
    log = tmp_path / "dashgrn.log"
    r = _run(["--log-file", str(log), "infer", str(expr), "--prior", str(prior), "--out", str(tmp_path / "o"), *FAST])
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if "internal error" in ln]
    assert len(lines) == 1 and "simulated bug" in lines[0] and str(log) in lines[0]
    assert "Traceback" not in r.output
    assert "Traceback" in log.read_text() and "RuntimeError: simulated bug" in log.read_text()
    assert not (tmp_path / "o").exists()
