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
    state = {"members": [{"model": {"w": torch.ones(2)}, "meta": {"epoch": 4, "history": [{"epoch": 1}]}}]}
    path = tmp_path / "resume.pt"
    save_resume(path, state)
    back = load_resume(path)
    assert back["members"][0]["meta"] == {"epoch": 4, "history": [{"epoch": 1}]}
    assert torch.equal(back["members"][0]["model"]["w"], torch.ones(2))
    torch.save({"format": "dashgrn-resume/1", "members": []}, path)
    with pytest.raises(InputError, match="not a dashgrn resume state of this version"):
        load_resume(path)
