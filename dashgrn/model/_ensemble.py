"""Training the members of an ensemble, side by side on a multi-core CPU. No files, no printing.

The matrices of one training batch are small (32 pairs x a few hundred genes), so one model
gains little from a second intra-op thread (about 1.2x on 2 cores); two models trained at once,
one thread each, use both cores fully (about 1.8x). Each member has its own seed, data split,
model and optimiser, so its result does not depend on which members run beside it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch

from ._training import Callback, Trainer, TrainResult


def member_seed(seed: int, k: int) -> int:
    """The seed of ensemble member ``k`` (0-based; member 0 uses ``seed`` itself)."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def plan_workers(members: int, device: torch.device, threads: int | None) -> tuple[int, int]:
    """(members trained at once, intra-op threads each) for ``members`` on ``device`` with
    ``threads`` CPU threads in all (``None``: torch's current setting)."""
    total = threads or torch.get_num_threads()
    if device.type != "cpu" or members < 2 or total < 2:
        return 1, total
    workers = min(members, total)
    return workers, max(1, total // workers)


def train_members(trainers: list[Trainer], *, workers: int = 1, callback: Callback | None = None,
                  stop_requested: Callable[[], bool] | None = None,
                  on_epoch: Callable[[int, Trainer], None] | None = None) -> list[TrainResult]:
    """Run every trainer to its end (``workers`` at a time); results in the trainers' order.

    ``callback`` gets every epoch's history row with ``member`` (1-based) added, from one
    thread at a time. ``on_epoch(k, trainer)`` is called after every completed epoch of
    member ``k`` (0-based), from the thread that trains it (e.g. to save a resume state).
    When a member fails, the others stop after their current batch and the failure is raised.
    A stop request stops every member before its next batch; members not started yet stay
    at epoch 0.
    """
    lock = threading.Lock()
    failed = threading.Event()

    def stop() -> bool:
        return failed.is_set() or (stop_requested is not None and stop_requested())

    def run(k: int) -> TrainResult:
        def cb(row: dict[str, float]) -> None:
            if callback is not None:
                with lock:
                    callback({**row, "member": k + 1})
            if on_epoch is not None:
                on_epoch(k, trainers[k])

        try:
            return trainers[k].run(callback=cb, stop_requested=stop)
        except BaseException:
            failed.set()
            raise

    if workers <= 1:
        return [run(k) for k in range(len(trainers))]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dashgrn-member") as pool:
        futures = [pool.submit(run, k) for k in range(len(trainers))]
        return [f.result() for f in futures]
