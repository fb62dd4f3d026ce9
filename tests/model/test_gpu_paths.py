"""The CUDA paths of training and effect extraction, against the same computation on the CPU
(float64, so that the two agree to rounding). Skipped without a CUDA device (marker ``gpu``)."""

from __future__ import annotations

import pytest
import torch

from dashgrn.config import PruneConfig, SolverConfig, TrainConfig
from dashgrn.model import Pairs, PhoenixODE, Trainer, effect_matrix
from dashgrn.model.pruning import make_pruner

pytestmark = pytest.mark.gpu


def _trainer(device: str) -> Trainer:
    g = torch.Generator().manual_seed(3)
    n, p = 12, 96
    y0 = torch.rand(p, n, generator=g, dtype=torch.float64)
    y1 = 0.8 * y0 + 0.1 * y0.roll(1, dims=1)
    pairs = Pairs(y0=y0, y1=y1, dt=torch.full((p,), 0.5, dtype=torch.float64), train=torch.arange(80),
                  val=torch.arange(80, 96)).to(torch.device(device), torch.float64)
    model = PhoenixODE(n, 16, generator=torch.Generator().manual_seed(4), dtype=torch.float64,
                       rate="softplus").to(device)
    return Trainer(model, pairs, TrainConfig(epochs=3, early_stopping=0), make_pruner(PruneConfig(), None),
                   SolverConfig(), generator=torch.Generator().manual_seed(5))


def test_cuda_training_follows_the_cpu_to_rounding() -> None:
    cpu, gpu = _trainer("cpu").run(), _trainer("cuda").run()
    for a, b in zip(cpu.history, gpu.history):
        assert a["train_loss"] == pytest.approx(b["train_loss"], rel=1e-9)
        assert a["val_loss"] == pytest.approx(b["val_loss"], rel=1e-9)


def test_cuda_effects_equal_the_cpu_effects() -> None:
    t = _trainer("cuda")
    t.run()
    E_gpu = effect_matrix(t.model).toarray()
    E_cpu = effect_matrix(t.model.cpu()).toarray()
    assert E_gpu.shape == (12, 12)
    assert abs(E_gpu - E_cpu).max() < 1e-12
