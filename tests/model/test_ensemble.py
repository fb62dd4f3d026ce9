"""Ensemble members trained side by side: same results as one after the other, failures surface."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from dashgrn._errors import TrainingError
from dashgrn.model import plan_workers, train_members
from dashgrn.model import PhoenixODE
from dashgrn.config import PruneConfig
from dashgrn.model.pruning import make_pruner
from dashgrn.config import SolverConfig, TrainConfig
from dashgrn.model import Pairs, Trainer


def _trainer(seed: int, epochs: int = 4) -> Trainer:
    n, h = 8, 4
    g = torch.Generator().manual_seed(100 + seed)
    y0 = torch.rand(40, n, generator=g, dtype=torch.float64)
    pairs = Pairs(y0=y0, y1=0.6 * y0 + 0.2, dt=torch.full((40,), 1.0, dtype=torch.float64),
                  train=torch.arange(32), val=torch.arange(32, 40))
    m = PhoenixODE(n, h, generator=torch.Generator().manual_seed(seed), dtype=torch.float64, rate="softplus")
    pruner = make_pruner(PruneConfig(strategy="none"))
    pruner.init_state(h, n, np.random.default_rng(seed))
    return Trainer(m, pairs, TrainConfig(epochs=epochs, batch_size=8), pruner, SolverConfig(method="rk4", steps=4),
                   generator=torch.Generator().manual_seed(seed))


def test_plan_workers() -> None:
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert plan_workers(2, cpu, 2) == (2, 1)
    assert plan_workers(2, cpu, 8) == (2, 4)
    assert plan_workers(3, cpu, 2) == (2, 1)
    assert plan_workers(1, cpu, 4) == (1, 4)
    assert plan_workers(2, cpu, 1) == (1, 1)
    assert plan_workers(2, cuda, 8) == (1, 8)


def test_side_by_side_equals_one_after_the_other() -> None:
    torch.set_num_threads(1)
    seq = train_members([_trainer(s) for s in range(3)], workers=1)
    rows: list[dict] = []
    par = train_members([_trainer(s) for s in range(3)], workers=2, callback=rows.append)
    for a, b in zip(seq, par):
        assert a.best_epoch == b.best_epoch and a.stopped == b.stopped == "completed"
        for k in a.best_state:
            torch.testing.assert_close(a.best_state[k], b.best_state[k], rtol=0, atol=0)
    # every epoch of every member reached the callback, tagged with its member
    assert sorted((r["member"], r["epoch"]) for r in rows) == [(m, e) for m in (1, 2, 3) for e in range(1, 5)]


def test_a_failing_member_stops_the_others_and_raises() -> None:
    trainers = [_trainer(0, epochs=10_000), _trainer(1)]
    with torch.no_grad():
        trainers[1].model.m.fill_(float("nan"))  # its loss is NaN in the first batch
    with pytest.raises(TrainingError):
        train_members(trainers, workers=2)
    assert trainers[0].epoch < 10_000  # stopped early, not trained to the end


def test_a_finished_trainer_returns_its_result_without_training() -> None:
    tr = _trainer(0, epochs=3)
    first = tr.run()
    state = tr.state_dict()
    again = _trainer(0, epochs=3)
    again.load_state_dict(state)
    res = again.run()
    assert res.stopped == "completed" and len(res.history) == 3 and res.best_epoch == first.best_epoch


def test_on_epoch_sees_every_completed_epoch_of_every_member_in_its_thread() -> None:
    seen: list[tuple[int, int, str]] = []
    trainers = [_trainer(s, epochs=3) for s in range(2)]
    train_members(trainers, workers=2,
                  on_epoch=lambda k, t: seen.append((k, t.epoch, threading.current_thread().name)))
    assert sorted((k, e) for k, e, _ in seen) == [(k, e) for k in (0, 1) for e in (1, 2, 3)]
    assert all(name.startswith("dashgrn-member") for _, _, name in seen)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_stop_interrupts_every_member_and_resuming_each_is_the_same_run(workers: int) -> None:
    """A stop request inside member 2's third epoch: one after the other, member 1 has
    completed and member 2 stops there; side by side both stop where they are. Each resumed
    member's best weights equal an uninterrupted run's."""
    torch.set_num_threads(1)
    whole = train_members([_trainer(s) for s in range(2)], workers=1)
    trainers = [_trainer(s) for s in range(2)]
    hit = threading.Event()  # latched: once member 2 reached batch 1 of epoch 3, everyone stops

    def stop() -> bool:
        pos = trainers[1].position
        if pos is not None and pos["epoch"] == 3 and pos["start"] == 8:
            hit.set()
        return hit.is_set()

    part = train_members(trainers, workers=workers, stop_requested=stop)
    assert part[1].stopped == "interrupted" and trainers[1].state_dict()["meta"]["position"]["start"] == 8
    if workers == 1:
        assert part[0].stopped == "completed"
    states = [t.state_dict() for t in trainers]
    again = [_trainer(s) for s in range(2)]
    for t, st in zip(again, states):
        t.load_state_dict(st)
    rest = train_members(again, workers=workers)
    for a, b in zip(whole, rest):
        assert b.stopped == "completed" and a.best_epoch == b.best_epoch
        for k in a.best_state:
            assert torch.equal(a.best_state[k], b.best_state[k]), k
