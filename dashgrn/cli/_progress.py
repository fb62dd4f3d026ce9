"""The training progress of ``dashgrn infer``: members, epochs, losses, elapsed time and an honest ETA.

:class:`TrainingProgress` follows the epoch rows of every member (:func:`dashgrn.pipeline.infer`'s
``callback``). A member is done at its last epoch or when early stopping ends it (its epoch is
``--early-stopping`` past its best, which the trainer sets only at the final sparsity: the
trainer's own rule). The ETA is an upper bound: every member still running is assumed to run
to ``--epochs``, at the recent wall-clock seconds per epoch, with as many members at once as
were seen training at once; early stopping can only end the run sooner, so it reads "up to".

:func:`progress_callback` renders it: a rich bar on a terminal, plain log lines otherwise.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("dashgrn.infer")

__all__ = ["TrainingProgress", "clock_text", "progress_callback"]


def clock_text(seconds: float | None) -> str:
    """``H:MM:SS`` (``-:--:--`` when unknown)."""
    if seconds is None or not math.isfinite(seconds):
        return "-:--:--"
    s = int(round(max(seconds, 0.0)))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class TrainingProgress:
    """The state of training, from the epoch rows of every member (module docstring)."""

    def __init__(self, epochs: int, members: int = 1, *, early_stopping: int = 0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.epochs, self.members, self.patience = int(epochs), int(members), int(early_stopping)
        self.clock = clock
        self.t0 = clock()
        self.reached: dict[int, int] = {}  # member (1-based) -> last epoch seen
        self.done: dict[int, str] = {}  # member -> "completed" | "early stopping"
        self.recent: deque[float] = deque(maxlen=20)  # wall seconds of the recent epochs (all members)
        self.parallel = 1  # most members seen training at once

    def update(self, row: dict[str, Any]) -> None:
        """Take one epoch row (``member`` 1-based, ``epoch``, ``best_epoch``, ``seconds``)."""
        m, e = int(row.get("member", 1)), int(row["epoch"])
        if not self.reached:  # the first epoch of this session started this long ago
            self.t0 = min(self.t0, self.clock() - float(row.get("seconds") or 0.0))
        self.reached[m] = e
        best = int(row.get("best_epoch") or 0)
        if e >= self.epochs:
            self.done[m] = "completed"
        elif self.patience > 0 and best > 0 and e - best >= self.patience:
            self.done[m] = "early stopping"
        sec = row.get("seconds")
        if sec is not None and math.isfinite(float(sec)):
            self.recent.append(float(sec))
        self.parallel = max(self.parallel, len(self.running))

    @property
    def running(self) -> list[int]:
        """Members that have run an epoch and are not done."""
        return sorted(m for m in self.reached if m not in self.done)

    @property
    def elapsed(self) -> float:
        return self.clock() - self.t0

    @property
    def completed(self) -> int:
        """Epochs done, a finished member counting all ``epochs`` (the bar ends at 100%)."""
        return sum(self.epochs if m in self.done else e for m, e in self.reached.items())

    def eta(self) -> float | None:
        """An upper bound on the seconds left (module docstring); ``None`` before the first epoch."""
        if not self.recent:
            return None
        left = [self.epochs - self.reached.get(m, 0) for m in range(1, self.members + 1) if m not in self.done]
        if not left:
            return 0.0
        per_epoch = sorted(self.recent)[len(self.recent) // 2]  # the median: one slow epoch does not swing it
        return per_epoch * max(max(left), sum(left) / max(self.parallel, 1))

    def status(self) -> str:
        """``1/4 models done, 2 training`` (empty for a single model)."""
        if self.members <= 1:
            return ""
        return f"{len(self.done)}/{self.members} models done, {len(self.running)} training"

    def timing(self) -> str:
        """``elapsed 0:00:12  eta up to 0:02:10``."""
        eta = self.eta()
        return f"elapsed {clock_text(self.elapsed)}  " + (
            "eta -:--:--" if eta is None else f"eta up to {clock_text(eta)}")


def progress_callback(epochs: int, members: int = 1, *, early_stopping: int = 0, terminal: bool, console: Any = None,
                      clock: Callable[[], float] = time.monotonic):  # noqa: ANN201
    """``(callback, progress)``: on a ``terminal``, a rich ``Progress`` on ``console`` (to start
    and stop) and its callback; otherwise a callback that logs plain lines and ``None``.

    Plain lines: the first epoch of each member, every ``epochs // 20`` epochs, pruning epochs,
    and the epoch a member ends, each with the member, epoch / max, losses, elapsed time, the
    ETA, and (ensembles) how many members are done.
    """
    state = TrainingProgress(epochs, members, early_stopping=early_stopping, clock=clock)

    def tag(row: dict[str, Any]) -> str:
        return f"model {int(row.get('member', 1))}/{members} " if members > 1 else ""

    if terminal:
        from rich.progress import BarColumn, Progress, TextColumn

        progress = Progress(
            TextColumn("{task.fields[status]}"), TextColumn("{task.fields[tag]}epoch {task.fields[epoch]}/" + str(epochs)),
            BarColumn(), TextColumn("{task.fields[info]}"), TextColumn("{task.fields[timing]}"),
            console=console, transient=True,
        )
        task = progress.add_task("train", total=epochs * members, info="", tag="", epoch=0, status="",
                                 timing=state.timing())

        def cb(row: dict[str, Any]) -> None:
            state.update(row)
            progress.update(task, completed=state.completed, tag=tag(row), epoch=int(row["epoch"]),
                            status=state.status(), timing=state.timing(), info=(
                f"train {row['train_loss']:.3g} val {row['val_loss']:.3g} sparsity {row['weight_sparsity']:.1%}"))

        return cb, progress
    every = max(1, epochs // 20)

    def cb_plain(row: dict[str, Any]) -> None:
        m, e = int(row.get("member", 1)), int(row["epoch"])
        was_done = m in state.done
        state.update(row)
        ended = m in state.done and not was_done
        if e == 1 or e % every == 0 or row["pruned"] or ended:
            end = ""
            if ended:
                end = "  (done)" if state.done[m] == "completed" else (
                    f"  (early stopping: best epoch {int(row.get('best_epoch') or 0)})")
            status = state.status()
            log.info(
                "%sepoch %d/%d  train %.4g  val %.4g  lr %.2g  sparsity %.1f%%%s  %s%s%s", tag(row), e, epochs,
                row["train_loss"], row["val_loss"], row["lr"], 100 * row["weight_sparsity"],
                "  (pruned)" if row["pruned"] else "", state.timing(), f"  {status}" if status else "", end,
            )

    return cb_plain, None
