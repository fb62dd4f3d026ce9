"""dashgrn.model.Trainer: resumable at epoch boundaries, the checkpoint at the final sparsity, early stopping."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dashgrn._errors import ConfigError
from dashgrn.config import PruneConfig, SolverConfig, TrainConfig
from dashgrn.model import Pairs, PhoenixODE, Trainer, split_indices
from dashgrn.model.pruning import make_pruner


def _trainer(epochs: int | None, *, pruning: str = "imp", early_stopping: int = 40, seed: int = 0) -> Trainer:
    g = torch.Generator().manual_seed(seed)
    n = 5
    y0 = torch.rand(30, n, generator=g, dtype=torch.float64)
    pairs = Pairs(y0=y0, y1=0.8 * y0 + 0.1, dt=torch.full((30,), 0.5, dtype=torch.float64),
                  train=torch.arange(24), val=torch.arange(24, 30))
    model = PhoenixODE(n, 4, generator=g, dtype=torch.float64, rate="softplus")
    pruner = make_pruner(PruneConfig(strategy=pruning, start=2, every=2))
    pruner.init_state(4, n, np.random.default_rng(seed))
    cfg = TrainConfig(epochs=epochs, batch_size=8, early_stopping=early_stopping)
    return Trainer(model, pairs, cfg, pruner, SolverConfig(method="rk4", steps=2), generator=g)


def test_a_train_config_without_epochs_is_refused() -> None:
    # TrainConfig.epochs is None until InferConfig resolves it from the pruning strategy
    with pytest.raises(ConfigError, match="epochs is not set"):
        _trainer(None)


def test_stopping_and_resuming_at_an_epoch_boundary_is_the_same_run() -> None:
    whole = _trainer(6).run()
    first = _trainer(6)

    def stop_after_three_epochs() -> bool:  # polled before each epoch and between batches
        return len(first.history) >= 3

    part = first.run(stop_requested=stop_after_three_epochs)
    assert part.stopped == "interrupted" and first.epoch == 3
    state = first.state_dict()
    second = _trainer(6, seed=0)
    second.load_state_dict(state)
    rest = second.run()
    assert rest.stopped == "completed"
    assert [r["train_loss"] for r in rest.history] == [r["train_loss"] for r in whole.history]
    for k, v in whole.best_state.items():
        assert torch.equal(rest.best_state[k], v), k


def test_best_checkpoint_is_chosen_at_the_final_sparsity() -> None:
    tr = _trainer(7)
    res = tr.run()
    last_event = max(tr.pruner.schedule.events(7))
    assert res.best_epoch >= last_event and res.at_final_sparsity
    at_final = [r for r in res.history if r["epoch"] >= last_event]
    assert res.best_val_loss == min(r["val_loss"] for r in at_final)
    assert [e["epoch"] for e in res.prune_events] == tr.pruner.schedule.events(7)


def test_early_stopping_after_patience_epochs_without_improvement(monkeypatch: pytest.MonkeyPatch) -> None:
    import dashgrn.model._training as training

    monkeypatch.setattr(training, "evaluate_loss", lambda *a, **k: 1.0)  # never improves after epoch 1
    tr = _trainer(50, pruning="none", early_stopping=2)
    res = tr.run()
    assert res.stopped == "early_stopping" and len(res.history) == 3
    assert res.best_epoch == 1 and res.best_val_loss == 1.0


def test_split_indices_holds_out_whole_trajectories() -> None:
    traj = np.repeat(np.arange(10), 3)
    train, val = split_indices(traj, 0.2, np.random.default_rng(0))
    assert set(traj[train]).isdisjoint(traj[val]) and len(set(traj[val])) == 2
    assert sorted([*train, *val]) == list(range(30))
    one = np.zeros(10, dtype=int)
    train, val = split_indices(one, 0.3, np.random.default_rng(0))
    assert len(val) == 3 and len(train) == 7
    with pytest.raises(ConfigError, match="--val-fraction"):
        split_indices(traj, 1.0, np.random.default_rng(0))


@pytest.mark.parametrize("stop_at", [(1, 1), (3, 2), (4, 1), (6, 2)])
def test_stopping_between_batches_and_resuming_is_the_same_run(stop_at: tuple[int, int]) -> None:
    """A stop inside an epoch keeps its position (order of pairs, next batch, partial sums) in
    the state; the resumed trainer continues with that batch: the same losses and weights."""
    epoch, batch = stop_at  # stop before batch ``batch`` (0-based) of epoch ``epoch``
    whole = _trainer(6).run()
    first = _trainer(6)

    def stop() -> bool:
        pos = first.position
        return pos is not None and pos["epoch"] == epoch and pos["start"] == batch * first.cfg.batch_size

    part = first.run(stop_requested=stop)
    assert part.stopped == "interrupted" and first.epoch == epoch - 1 and len(first.history) == epoch - 1
    state = first.state_dict()
    assert state["meta"]["position"]["start"] == batch * 8 and state["perm"].numel() == 24
    second = _trainer(6)
    with torch.no_grad():  # other weights: everything must come from the state
        for p in second.model.parameters():
            p.add_(1.0)
    second.load_state_dict(state)
    rest = second.run()
    assert rest.stopped == "completed" and [r["epoch"] for r in rest.history] == list(range(1, 7))
    for key in ("train_loss", "val_loss", "lr", "weight_sparsity"):
        assert [r[key] for r in rest.history] == [r[key] for r in whole.history], key
    for k, v in whole.best_state.items():
        assert torch.equal(rest.best_state[k], v), k


def test_the_state_is_a_copy_that_training_does_not_change() -> None:
    tr = _trainer(4)
    tr.run(stop_requested=lambda: len(tr.history) >= 2)
    state = tr.state_dict()
    before = {k: v.clone() for k, v in state["optimizer"]["state"][0].items()}
    history = list(state["meta"]["history"])
    tr.run()
    assert all(torch.equal(before[k], state["optimizer"]["state"][0][k]) for k in before)
    assert state["meta"]["history"] == history and len(tr.history) == 4
