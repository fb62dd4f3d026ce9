"""dashgrn.checkpoint: round trips, members, and refusal of anything that is not ours."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from dashgrn._errors import ConfigError, InputError
from dashgrn.checkpoint import load_checkpoint, load_ensemble, load_resume, save_checkpoint, save_resume
from dashgrn.model import PhoenixODE, effect_matrix


def _model(seed: int, n: int = 5, h: int = 3) -> PhoenixODE:
    m = PhoenixODE(n, h, generator=torch.Generator().manual_seed(seed), dtype=torch.float64, rate="softplus")
    with torch.no_grad():
        m.mask_W_s[0, :2] = 0
        m.apply_masks_()
    return m


def test_round_trip_keeps_weights_masks_genes_and_meta(tmp_path: Path) -> None:
    a, b = _model(1), _model(2)
    genes = [f"g{i}" for i in range(5)]
    path = tmp_path / "checkpoint.pt"
    save_checkpoint(path, a, genes, {"config": {"epochs": 3}}, members=[b])
    loaded, meta = load_checkpoint(path)
    assert meta["genes"] == genes and meta["config"] == {"epochs": 3} and meta["rate"] == "softplus"
    for k, v in a.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v), k
    models, _ = load_ensemble(path)
    assert len(models) == 2
    np.testing.assert_array_equal(effect_matrix(models[1]).toarray(), effect_matrix(b).toarray())
    assert not loaded.training  # loaded for inference


def test_refuses_pickles_and_foreign_files(tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):  # noqa: ANN204
            return (Path("/tmp/pwned-by-dashgrn-test").touch, ())

    evil = tmp_path / "evil.pt"
    with open(evil, "wb") as fh:
        pickle.dump({"format": "dashgrn-checkpoint/1", "x": Evil()}, fh)
    with pytest.raises(InputError, match="not a readable dashgrn checkpoint"):
        load_checkpoint(evil)
    assert not Path("/tmp/pwned-by-dashgrn-test").exists()
    other = tmp_path / "other.pt"
    torch.save({"format": "something-else"}, other)
    with pytest.raises(InputError, match="not a dashgrn checkpoint"):
        load_checkpoint(other)
    with pytest.raises(InputError, match="not found"):
        load_ensemble(tmp_path / "missing.pt")


def test_shape_mismatch_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "c.pt"
    save_checkpoint(path, _model(1), [f"g{i}" for i in range(5)], {})
    payload = torch.load(path, weights_only=True)
    payload["state"]["W_s"] = torch.zeros(2, 2, dtype=torch.float64)
    torch.save(payload, path)
    with pytest.raises(ConfigError, match="do not match"):
        load_checkpoint(path)


def test_resume_round_trip(tmp_path: Path) -> None:
    state = {"members": [{"model": {"w": torch.ones(2)}, "meta": {"epoch": 4, "history": [{"epoch": 1}]}}, None]}
    path = tmp_path / "resume.pt"
    save_resume(path, state, inputs={"expression": {"path": Path("e.csv"), "sha256": "ab"}})
    back = load_resume(path)
    assert back["members"][0]["meta"] == {"epoch": 4, "history": [{"epoch": 1}]}
    assert torch.equal(back["members"][0]["model"]["w"], torch.ones(2))
    assert back["members"][1] is None  # a member that had not started
    assert back["inputs"] == {"expression": {"path": "e.csv", "sha256": "ab"}}
    torch.save({"format": "dashgrn-resume/1", "members": []}, path)
    with pytest.raises(InputError, match="not a dashgrn resume state of this version"):
        load_resume(path)


def test_a_full_disk_is_an_oserror_not_a_torch_runtime_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    def full(self: Path, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError) as exc:
        save_checkpoint(tmp_path / "c.pt", _model(0), [f"g{i}" for i in range(5)], {})
    assert exc.value.errno == errno.ENOSPC and list(tmp_path.iterdir()) == []


def _stage(parent: Path, name: str, *, pid: int, resume: bool) -> Path:
    import socket

    stage = parent / name
    stage.mkdir()
    (stage / ".dashgrn-staging").write_text(f"{pid} {socket.gethostname()}\n")
    if resume:
        save_resume(stage / "resume.pt", {"members": [None]})
    return stage


def _dead_pid() -> int:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                         check=True)
    return int(out.stdout)


def test_find_resume_takes_the_newest_state_of_out_or_of_a_killed_runs_staging_folder(tmp_path: Path) -> None:
    import os

    from dashgrn.checkpoint import find_resume

    out = tmp_path / "run"
    with pytest.raises(InputError, match="no resume state"):
        find_resume(out)
    out.mkdir()
    save_resume(out / "resume.pt", {"members": [None]})
    assert find_resume(out) == out
    dead = _stage(tmp_path, ".run.abc.partial", pid=_dead_pid(), resume=True)
    live = _stage(tmp_path, ".run.def.partial", pid=os.getppid(), resume=True)  # a run still writing
    os.utime(out / "resume.pt", (1, 1))
    assert find_resume(out) == dead
    os.utime(dead / "resume.pt", (0, 0))
    assert find_resume(out) == out and live.is_dir()


def test_folders_of_killed_runs_are_removed_or_named(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Without a resume state a killed run's folder goes; with one it stays and is named; a
    running one's is left alone (tidy_stale_stages, called by staged_output_dir)."""
    import os

    from dashgrn._atomic import staged_output_dir

    out = tmp_path / "run"
    pid = _dead_pid()
    junk = _stage(tmp_path, ".run.a1.partial", pid=pid, resume=False)
    kept = _stage(tmp_path, ".run.b2.partial", pid=pid, resume=True)
    live = _stage(tmp_path, ".run.c3.partial", pid=os.getppid(), resume=False)
    old = tmp_path / f".run.old-{pid}"
    old.mkdir()
    other = _stage(tmp_path, ".runner.d4.partial", pid=pid, resume=False)  # another --out's
    with staged_output_dir(out, overwrite=False) as stage:
        (stage / "x.txt").write_text("x")
    assert (out / "x.txt").is_file() and not (out / ".dashgrn-staging").exists()
    assert not junk.exists() and not old.exists()
    assert kept.is_dir() and live.is_dir() and other.is_dir()
    lines = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(lines) == 3 and all("\n" not in ln for ln in lines)
    assert any(str(kept) in ln and "--resume" in ln for ln in lines)
    assert any(str(junk) in ln and "removed" in ln for ln in lines)
