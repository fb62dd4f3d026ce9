"""The training progress (dashgrn.cli._progress) on a fake clock: members done, early stopping seen
as the trainer sees it, an ETA that is an upper bound, and the plain lines' content."""

from __future__ import annotations

import logging

import pytest

from dashgrn.cli._progress import TrainingProgress, clock_text, progress_callback


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _row(member: int, epoch: int, best: int, seconds: float = 2.0, pruned: int = 0) -> dict[str, float]:
    return {"member": member, "epoch": epoch, "best_epoch": best, "seconds": seconds, "train_loss": 0.5,
            "val_loss": 0.25, "lr": 1e-3, "weight_sparsity": 0.0, "pruned": pruned}


def test_clock_text() -> None:
    assert [clock_text(s) for s in (0, 59.6, 61, 3600 + 62, None, float("nan"))] == [
        "0:00:00", "0:01:00", "0:01:01", "1:01:02", "-:--:--", "-:--:--"]


def test_members_end_at_their_last_epoch_or_by_early_stopping_and_the_eta_bounds_the_rest() -> None:
    clock = Clock()
    p = TrainingProgress(10, 3, early_stopping=3, clock=clock)
    assert p.eta() is None and p.status() == "0/3 models done, 0 training"
    clock.t += 2
    p.update(_row(1, 1, 1))
    assert p.elapsed == pytest.approx(2.0)  # from the start of the first epoch
    # the bound: member 1 has 9 epochs left, members 2 and 3 all 10, one at a time, 2 s each
    assert p.eta() == pytest.approx(2.0 * 29)
    for e in range(2, 5):  # epochs 2..4 without improvement: 4 - 1 >= 3 ends member 1
        clock.t += 2
        p.update(_row(1, e, 1))
    assert p.done == {1: "early stopping"} and p.completed == 10  # the bar counts it whole
    assert p.eta() == pytest.approx(2.0 * 20)
    p.update(_row(2, 1, 0))  # best epoch 0 (not at the final sparsity yet): never early stopping
    for e in range(2, 11):
        p.update(_row(2, e, 0))
    assert p.done[2] == "completed"
    assert p.status() == "2/3 models done, 0 training"
    # side by side: the bound divides by the members seen training at once, but not below the longest
    q = TrainingProgress(10, 4, clock=clock)
    q.update(_row(1, 1, 1))
    q.update(_row(2, 1, 1))
    assert q.parallel == 2
    assert q.eta() == pytest.approx(2.0 * max(9, (9 + 9 + 10 + 10) / 2))


def test_plain_lines_name_the_member_epoch_losses_elapsed_and_eta(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    cb, progress = progress_callback(40, 2, early_stopping=5, terminal=False, clock=clock)
    assert progress is None
    with caplog.at_level(logging.INFO, logger="dashgrn.infer"):
        for e in range(1, 9):
            clock.t += 3
            cb(_row(1, e, 2, seconds=3.0))  # epoch 7 is 5 past the best: early stopping
        cb(_row(2, 1, 1, seconds=3.0))
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == ("model 1/2 epoch 1/40  train 0.5  val 0.25  lr 0.001  sparsity 0.0%  elapsed 0:00:03  "
                        "eta up to 0:03:57  0/2 models done, 1 training")
    assert any(x.startswith("model 1/2 epoch 2/40 ") for x in lines)  # every 40 // 20 = 2 epochs
    assert not any(x.startswith("model 1/2 epoch 3/40 ") for x in lines)
    ended = [x for x in lines if "early stopping" in x]
    assert len(ended) == 1 and ended[0].startswith("model 1/2 epoch 7/40 ")
    assert ended[0].endswith("1/2 models done, 0 training  (early stopping: best epoch 2)")
    assert "eta up to 0:02:00" in ended[0]  # member 2's 40 epochs at 3 s
    assert lines[-1].startswith("model 2/2 epoch 1/40 ") and "elapsed 0:00:24" in lines[-1]
    # one model: no member tag, no member count
    cb1, _ = progress_callback(6, 1, terminal=False, clock=clock)
    with caplog.at_level(logging.INFO, logger="dashgrn.infer"):
        caplog.clear()
        cb1(_row(1, 1, 1))
    assert caplog.records[0].getMessage().startswith("epoch 1/6  train 0.5 ")
    assert caplog.records[0].getMessage().endswith("eta up to 0:00:10")
