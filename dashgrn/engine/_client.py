"""Dask clients: a ``LocalCluster`` that dashgrn starts and stops, or a running scheduler.

:func:`dask_engine` opens one (or reuses the one an enclosing block opened for the same
``--scheduler``: every group of ``--groupby`` trains on one cluster), and closes what it
opened. ``distributed`` is imported here, lazily: the core works without it. No files, no
printing.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .._errors import ConfigError, DeviceError
from .._log import get_logger

log = get_logger(__name__)

#: Seconds to reach a scheduler, and to wait for a first worker on a cluster that has none.
CONNECT_TIMEOUT = 10.0
WORKER_TIMEOUT = 60.0
INSTALL_HINT = "pip install 'dashgrn[dask]' (on this machine and on every worker)"


def import_distributed() -> Any:
    """The ``distributed`` module; a :class:`ConfigError` naming the extra when it is missing."""
    try:
        import distributed
    except ImportError:
        msg = "--scheduler needs Dask's 'distributed' package, which is not installed"
        raise ConfigError(msg, hint=INSTALL_HINT) from None
    return distributed


@dataclass
class DaskEngine:
    """An open Dask client and, for ``--scheduler local``, the cluster dashgrn started."""

    client: Any
    scheduler: str  # "local" or the address given
    cluster: Any = None
    users: int = 0

    @property
    def address(self) -> str:
        return str(self.client.scheduler.address)

    def workers(self) -> tuple[int, int]:
        """(workers, their threads in all) now."""
        nthreads = self.client.nthreads()
        return len(nthreads), int(sum(nthreads.values()))

    def record(self, threads_per_member: int) -> dict[str, Any]:
        """``run.json``'s ``summary.engine``."""
        workers, threads = self.workers()
        return {"engine": "dask", "scheduler": self.scheduler, "address": self.address, "workers": workers,
                "worker_threads": threads, "threads_per_member": threads_per_member}

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a scheduler that went away cannot be closed politely
            self.client.close()
        if self.cluster is not None:
            with contextlib.suppress(Exception):
                self.cluster.close()


def _start_local(n_workers: int) -> DaskEngine:
    distributed = import_distributed()
    log.info("starting a Dask LocalCluster: %d worker process(es), 1 task each", n_workers)
    try:
        cluster = distributed.LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0",
            silence_logs=logging.ERROR)
    except Exception as exc:  # noqa: BLE001 - whatever stops a cluster from starting is one message
        msg = f"--scheduler local: the Dask LocalCluster did not start ({type(exc).__name__}: {exc})"
        raise DeviceError(msg, hint="run without --scheduler, or start a cluster yourself and give its address") from None
    return DaskEngine(distributed.Client(cluster), "local", cluster)


def _connect(address: str) -> DaskEngine:
    distributed = import_distributed()
    try:
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError) as exc:
        msg = f"--scheduler {address}: no Dask scheduler answered within {CONNECT_TIMEOUT:.0f} s ({type(exc).__name__})"
        hint = ("check the address and port (the scheduler prints them: 'Scheduler at: tcp://HOST:PORT'), "
                "or use --scheduler local")
        raise DeviceError(msg, hint=hint) from None
    engine = DaskEngine(client, address)
    try:
        if not client.nthreads():
            log.warning("%s: the cluster has no worker yet; waiting up to %.0f s for one", address, WORKER_TIMEOUT)
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
    except (OSError, TimeoutError):
        engine.close()
        msg = f"--scheduler {address}: the cluster has no worker (waited {WORKER_TIMEOUT:.0f} s)"
        raise DeviceError(msg, hint=f"start one: dask worker {address}") from None
    return engine


def _check_workers(engine: DaskEngine) -> None:
    """Every worker imports dashgrn; other versions of dashgrn or torch are worth a warning
    (a member's result is byte-identical only with the same software on the same kind of CPU)."""
    here = {name: importlib.metadata.version(name) for name in ("dashgrn", "torch")}
    for name, version in here.items():
        try:
            there = engine.client.run(importlib.metadata.version, name)
        except importlib.metadata.PackageNotFoundError:
            engine.close()
            msg = f"--scheduler {engine.scheduler}: a Dask worker does not have {name} installed"
            raise DeviceError(msg, hint=INSTALL_HINT) from None
        other = sorted({v for v in there.values() if v != version})
        if other:
            log.warning("Dask workers run %s %s, this machine %s: results may differ from a local run",
                        name, ", ".join(other), version)


_lock = threading.Lock()
_open: dict[str, DaskEngine] = {}


@contextlib.contextmanager
def dask_engine(scheduler: str, *, n_workers: int = 1) -> Iterator[DaskEngine]:
    """An open Dask engine for ``scheduler`` (``local``: a LocalCluster of ``n_workers``
    single-task worker processes; else a scheduler address) for the block; an engine that an
    enclosing block opened for the same scheduler is reused, and only the opener closes it.

    Raises :class:`ConfigError` when ``distributed`` is missing, :class:`DeviceError` when
    the scheduler cannot be reached or has no worker.
    """
    with _lock:  # one connection per scheduler, even when groups start side by side
        engine = _open.get(scheduler)
        if engine is None:
            engine = _start_local(n_workers) if scheduler == "local" else _connect(scheduler)
            _check_workers(engine)
            _open[scheduler] = engine
        engine.users += 1
    try:
        yield engine
    finally:
        with _lock:
            engine.users -= 1
            last = engine.users == 0
            if last:
                _open.pop(scheduler, None)
        if last:
            engine.close()
