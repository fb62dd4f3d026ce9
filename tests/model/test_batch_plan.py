"""The batch and learning rate that follow the number of training pairs (TrainConfig.max_batches)."""

from __future__ import annotations

import math

import pytest
import torch

from dashgrn.config import TrainConfig
from dashgrn.model import Pairs, PhoenixODE, Trainer, batch_plan
from dashgrn.model.pruning import make_pruner
from dashgrn.config import PruneConfig, SolverConfig


@pytest.mark.parametrize(("n_train", "want_batch", "want_lr"), [
    (560, 32, 1e-3),  # SIM350: 18 steps of 32, unchanged
    (640, 32, 1e-3),  # exactly 20 steps of 32
    (641, 33, 1e-3 * math.sqrt(33 / 32)),  # one pair more: ceil(641 / 20) = 33
    (1830, 92, 1e-3 * math.sqrt(92 / 32)),  # the 19-gene time course of bench_speed
    (10, 32, 1e-3),
])
def test_batch_plan_by_hand(n_train: int, want_batch: int, want_lr: float) -> None:
    batch, lr = batch_plan(n_train, TrainConfig())
    assert batch == want_batch
    assert lr == pytest.approx(want_lr, rel=1e-12)


def test_batch_plan_off_keeps_the_configured_batch() -> None:
    assert batch_plan(100_000, TrainConfig(max_batches=0, batch_size=16, lr=0.01)) == (16, 0.01)


def test_trainer_takes_the_planned_batch_and_lr() -> None:
    n, p = 3, 100
    g = torch.Generator().manual_seed(0)
    y0 = torch.rand(p, n, generator=g)
    pairs = Pairs(y0=y0, y1=y0 * 0.9, dt=torch.ones(p), train=torch.arange(90), val=torch.arange(90, 100))
    cfg = TrainConfig(batch_size=4, max_batches=5, epochs=1, lr=1e-3)
    model = PhoenixODE(n, 8, generator=g)
    steps: list[int] = []
    trainer = Trainer(model, pairs, cfg, make_pruner(PruneConfig(), None), SolverConfig(), generator=g)
    trainer.opt.step = (lambda f=trainer.opt.step: steps.append(1) or f())  # count the optimisation steps
    assert trainer.batch_size == 18  # ceil(90 / 5)
    assert [grp["lr"] for grp in trainer.opt.param_groups][0] == pytest.approx(1e-3 * math.sqrt(18 / 4))
    assert trainer.opt.param_groups[-1]["lr"] == pytest.approx(5 * 1e-3 * math.sqrt(18 / 4))  # the m group: 5x
    trainer.run()
    assert len(steps) == 5
