"""Ensemble members as Dask tasks: one task per member, trained as the threads engine trains it.

The client sends each member's :class:`~dashgrn.model.Trainer` (model, pairs, optimiser,
pruner, random generator: as :func:`dashgrn.pipeline.build_trainers` made it, or restored
from a resume state) and the intra-op thread count of the local plan; the task trains it with
that many torch threads and returns ``Trainer.state_dict()`` (tensors and plain values), which
the client loads back into its trainer. So a member's result is the one the threads engine
gives, bit for bit (same software, same kind of CPU).

While the tasks run, the workers send every epoch's history row and the members' log records
(:meth:`distributed.Worker.log_event` on a topic of the run), and the client polls the stop
request: when it is set, a Dask ``Event`` tells the running tasks to stop before their next
batch (they return their state, the epoch in progress included) and the tasks that have not
started are cancelled (their members stay where they were). No files, no printing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .. import _errors
from .._errors import DashgrnError, DeviceError
from .._log import get_logger
from ..model import Trainer, TrainResult
from ._client import DaskEngine, import_distributed

log = get_logger(__name__)

#: Seconds between two looks of a task at the stop event (one scheduler round trip each), and
#: of the client at its futures and the stop request.
TASK_POLL = 0.25
CLIENT_POLL = 0.05


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A history row as msgpack-able Python numbers."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in row.items()}


class _Forward(logging.Handler):
    """Sends the dashgrn log records of one task's thread to the client."""

    def __init__(self, send: Callable[[dict[str, Any]], None], thread: int) -> None:
        super().__init__(logging.INFO)
        self.send, self.thread = send, thread

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.send({"log": [record.levelno, record.name, record.getMessage()]})


def train_member_task(trainer: Trainer, k: int, threads: int, stop_event: str, topic: str,
                      client_pid: int = 0) -> dict[str, Any]:
    """The task (on a worker): train member ``k`` with ``threads`` intra-op threads until it
    ends or ``stop_event`` is set; ``{"state": trainer.state_dict()}``, or ``{"error": ...}``
    for a :class:`DashgrnError` (its class, message and hint survive the trip). Log records
    go to the client unless the worker runs in the client's process (``client_pid``)."""
    import torch
    from distributed import Event, get_worker

    worker = get_worker()
    event = Event(stop_event)

    def send(msg: dict[str, Any]) -> None:
        worker.log_event(topic, {"member": k + 1, **msg})

    seen = {"at": -1.0, "stop": False}

    def stop() -> bool:
        now = time.monotonic()
        if not seen["stop"] and now - seen["at"] >= TASK_POLL:
            seen["at"], seen["stop"] = now, bool(event.is_set())
        return seen["stop"]

    logger = logging.getLogger("dashgrn")
    handler = _Forward(send, threading.get_ident())
    if os.getpid() != client_pid:  # in the client's own process the records reach its handlers anyway
        logger.addHandler(handler)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        trainer.run(callback=lambda row: send({"row": _plain(row)}), stop_requested=stop)
    except DashgrnError as exc:
        return {"error": type(exc).__name__, "message": exc.message, "hint": exc.hint}
    finally:
        torch.set_num_threads(before)
        logger.removeHandler(handler)
    return {"state": trainer.state_dict()}


def _failure(k: int, future: Any) -> BaseException | None:
    """The error of member ``k``'s finished future (None: it returned a state)."""
    if future.status == "cancelled":
        msg = f"ensemble member {k + 1}: its Dask task was cancelled (the scheduler or its worker went away)"
        return DeviceError(msg, hint="check the cluster, then run again (finished members are in the resume state)")
    if future.status != "error":
        return None
    exc = future.exception()
    if type(exc).__name__ == "KilledWorker":
        msg = f"ensemble member {k + 1}: the Dask worker training it died ({exc})"
        return DeviceError(msg, hint="a worker that runs out of memory is killed: give the workers more memory")
    return exc


def _rebuild(k: int, out: dict[str, Any]) -> DashgrnError:
    cls = getattr(_errors, out["error"], DashgrnError)
    cls = cls if isinstance(cls, type) and issubclass(cls, DashgrnError) else DashgrnError
    return cls(f"ensemble member {k + 1}: {out['message']}", hint=out["hint"])


def result_of(trainer: Trainer) -> TrainResult:
    """The :class:`TrainResult` of a trainer whose training has ended or stopped, without
    training further: an ended one returns its result, a stopped one stops before its next batch."""
    return trainer.run(stop_requested=lambda: True)


def train_members_dask(trainers: list[Trainer], engine: DaskEngine, *, threads: int,
                       callback: Callable[[dict[str, float]], None] | None = None,
                       stop_requested: Callable[[], bool] | None = None,
                       on_epoch: Callable[[int, Trainer], None] | None = None) -> list[TrainResult]:
    """Train every member as a task on ``engine``'s cluster; results in the trainers' order.

    ``callback`` gets every epoch's history row with ``member`` (1-based) added, one at a
    time, from the client's event-loop thread. ``on_epoch(k, trainer)`` is called once per
    member, when its state has come back (a finished member's work is then in a resume state).
    When a member fails, the others stop after their current batch and the failure is raised;
    a stop request stops every running member before its next batch and cancels the others.
    """
    distributed = import_distributed()
    client, run_id = engine.client, uuid.uuid4().hex[:12]
    event = distributed.Event(f"dashgrn-stop-{run_id}", client=client)
    topic = f"dashgrn-{run_id}"
    lock = threading.Lock()

    def on_message(item: tuple[float, dict[str, Any]]) -> None:
        msg = item[1]
        member = int(msg["member"])
        try:
            if "log" in msg:
                level, name, text = msg["log"]
                logging.getLogger(name).log(level, "%s", text)
            elif "row" in msg and callback is not None:
                with lock:
                    callback({**msg["row"], "member": member})
        except Exception:  # noqa: BLE001 - a display error must not stop the client's event loop
            log.debug("progress message of member %d not shown", member, exc_info=True)

    client.subscribe_topic(topic, on_message)
    pending: dict[int, Any] = {}
    failure: BaseException | None = None
    try:
        for k, trainer in enumerate(trainers):
            if trainer.finished is not None:  # restored from a resume state after it had ended
                continue
            [data] = client.scatter([trainer], hash=False)
            pending[k] = client.submit(train_member_task, data, k, threads, event.name, topic, os.getpid(),
                                       key=f"dashgrn-member{k + 1}-{run_id}", pure=False)
        stopping = False
        while pending:
            if not stopping and (failure is not None or (stop_requested is not None and stop_requested())):
                stopping = True
                event.set()
                # tasks still queued on the scheduler never start; those on a worker stop at their next batch
                running = {key for keys in client.processing().values() for key in keys}
                waiting = [k for k, f in pending.items() if f.key not in running and not f.done()]
                if waiting:
                    client.cancel([pending.pop(k) for k in waiting])
            for k in [k for k, f in pending.items() if f.done()]:
                future = pending.pop(k)
                error = _failure(k, future)
                out = future.result() if error is None else None
                if out is not None and "error" in out:
                    error = _rebuild(k, out)
                if error is not None:
                    failure = failure or error
                    continue
                trainers[k].load_state_dict(out["state"])
                if on_epoch is not None:
                    on_epoch(k, trainers[k])
            time.sleep(CLIENT_POLL)
    except OSError as exc:  # the connection to the scheduler broke (distributed's CommClosedError)
        msg = f"lost the connection to the Dask scheduler {engine.address} ({type(exc).__name__}: {exc})"
        raise DeviceError(msg, hint="check the cluster, then run again") from None
    finally:
        if pending:  # an error on this side (a second Ctrl-C): nothing more to wait for
            with contextlib.suppress(Exception):
                event.set()
                client.cancel(list(pending.values()))
        with contextlib.suppress(Exception):
            client.unsubscribe_topic(topic)
    if failure is not None:
        raise failure
    return [result_of(t) for t in trainers]
