"""Where the ensemble members train: the engines of :func:`dashgrn.pipeline.train_ensemble`.

=========  ================================================================================
engine     ``--scheduler`` (``RunConfig.scheduler``)
=========  ================================================================================
threads    none (the default): side by side in threads of this process
           (:func:`dashgrn.model.train_members`, planned by :func:`dashgrn.model.plan_workers`)
dask       ``local`` (a ``LocalCluster`` that dashgrn starts and stops) or the address of a
           running scheduler (``tcp://HOST:PORT``): one task per member (:mod:`._dask`)
=========  ================================================================================

Each member trains with the intra-op thread count that the threads engine would give it
(computed here, on the client), so with the same seed a member's result, and ``edges.tsv``,
are byte-identical on either engine. :class:`TrainedMembers` carries the record of how they
were trained (``run.json``: ``summary.engine``). ``distributed`` is optional (the ``dask``
extra) and imported only when a scheduler is given. No files, no printing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch

from .._errors import ConfigError
from .._log import get_logger
from ..config import RunConfig
from ..model import Trainer, TrainResult, plan_workers, train_members
from ._client import INSTALL_HINT, DaskEngine, dask_engine, import_distributed
from ._dask import train_members_dask

__all__ = ["INSTALL_HINT", "DaskEngine", "TrainedMembers", "dask_engine", "import_distributed", "local_workers",
           "threads_record", "train", "train_on_dask"]

log = get_logger(__name__)


class TrainedMembers(list):  # type: ignore[type-arg]
    """The members' :class:`TrainResult` in order, with ``engine``: how they were trained."""

    def __init__(self, results: Iterable[TrainResult], engine: dict[str, Any]) -> None:
        super().__init__(results)
        self.engine = engine


def threads_record(workers: int, intra: int) -> dict[str, Any]:
    """``summary.engine`` of the threads engine: ``workers`` members at once, ``intra`` threads each."""
    return {"engine": "threads", "scheduler": None, "address": None, "workers": workers,
            "worker_threads": workers * intra, "threads_per_member": intra}


def local_workers(members: int, device: torch.device, threads: int | None) -> int:
    """Worker processes of ``--scheduler local``: as many as the cores (``threads``, else torch's
    setting) hold members at the local plan's intra-op threads each."""
    _, intra = plan_workers(members, device, threads)
    return max(1, (threads or torch.get_num_threads()) // intra)


def train(trainers: list[Trainer], run: RunConfig, device: torch.device, *,
          callback: Callable[[dict[str, float]], None] | None = None,
          stop_requested: Callable[[], bool] | None = None,
          on_epoch: Callable[[int, Trainer], None] | None = None) -> TrainedMembers:
    """Train every member to its end on the engine of ``run.scheduler``: threads of this process
    (on a CPU with several threads, side by side, planned by :func:`plan_workers`) or Dask tasks
    (:func:`train_on_dask`). ``callback``, ``stop_requested`` and ``on_epoch`` as in
    :func:`dashgrn.model.train_members`."""
    if run.scheduler is not None:
        return train_on_dask(trainers, run.scheduler, device, threads=run.threads, callback=callback,
                             stop_requested=stop_requested, on_epoch=on_epoch)
    workers, intra = plan_workers(len(trainers), device, run.threads)
    if workers > 1:
        log.info("training %d ensemble members side by side, %d thread(s) each", len(trainers), intra)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(intra)
    try:
        results = train_members(trainers, workers=workers, callback=callback, stop_requested=stop_requested,
                                on_epoch=on_epoch)
    finally:
        torch.set_num_threads(threads_before)
    return TrainedMembers(results, threads_record(workers, intra))


def train_on_dask(trainers: list[Trainer], scheduler: str, device: torch.device, *, threads: int | None,
                  callback: Callable[[dict[str, float]], None] | None = None,
                  stop_requested: Callable[[], bool] | None = None,
                  on_epoch: Callable[[int, Trainer], None] | None = None) -> TrainedMembers:
    """Train the members as tasks on the Dask cluster of ``scheduler`` (``local`` or an address),
    each with the intra-op threads of the local plan for ``threads``; see :func:`train_members_dask`."""
    if device.type != "cpu":
        msg = f"--scheduler trains on the Dask workers' CPUs; the run's device is {device}"
        raise ConfigError(msg, hint="add --device cpu, or run without --scheduler to train on this GPU")
    _, intra = plan_workers(len(trainers), device, threads)
    with dask_engine(scheduler, n_workers=local_workers(len(trainers), device, threads)) as engine:
        workers, total = engine.workers()
        log.info("training %d ensemble member(s) as Dask tasks on %s (%d worker(s), %d thread(s)), %d thread(s) each",
                 len(trainers), engine.address if scheduler == "local" else scheduler, workers, total, intra)
        results = train_members_dask(trainers, engine, threads=intra, callback=callback,
                                     stop_requested=stop_requested, on_epoch=on_epoch)
        return TrainedMembers(results, engine.record(intra))
