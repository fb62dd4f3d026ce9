"""``dashgrn infer --groupby KEY``: one complete run folder per group, and their networks side by side."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError, DashgrnError, InputError, Interrupted
from .._log import get_logger
from ..config import InferConfig
from ..io import as_prior, validate_edges
from ..io.rundir import FILES
from ..result import InferResult
from ._names import folder_names
from ._split import read_grouped, subset

log = get_logger(__name__)

#: The files of a groups folder (beside one run folder per group).
GROUP_FILES = {"edges": "edges_by_group.tsv", "groups": "groups.json"}
#: How a group's run ended, in groups.json: a run folder exists for the first three.
WRITTEN = ("completed", "early_stopping", "interrupted")


@dataclass
class GroupsResult:
    """What ``run_groups`` wrote: one record per group (groups.json), every written group's
    :class:`InferResult`, the edges of all of them (``edges_by_group.tsv``), and whether a
    stop request interrupted the run."""

    out: Path
    groups: list[dict[str, Any]]
    results: dict[str, InferResult] = field(default_factory=dict)
    edges: pd.DataFrame | None = None
    stopped: str = "completed"  # completed | interrupted
    failures: list[Exception] = field(default_factory=list)  # groups whose training failed (status "failed")


def _stopped_of(result: InferResult) -> str:
    return "interrupted" if result.stopped == "interrupted" else str(result.summary["training"]["stopped"])


def run_groups(
    expression: Any,
    prior: Any = None,
    config: InferConfig | None = None,
    *,
    groupby: str,
    out: str | Path,
    truth: str | Path | None = None,
    overwrite: bool = False,
    report: bool = True,
    command: str | None = None,
    callback: Callable[[dict[str, float]], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    on_trained: Callable[[float], None] | None = None,
    protect: Iterable[str | Path] = (),
    **options: Any,
) -> GroupsResult:
    """One network per group of the samples' ``groupby`` value (an ``.h5ad`` obs key or a
    table's column): ``out/<group>/`` is a complete run folder of :func:`dashgrn.pipeline.run`
    for each group (its name escaped as a folder name: :mod:`dashgrn.groups._names`), beside
    ``edges_by_group.tsv`` (``group`` and the columns of ``edges.tsv``) and ``groups.json``
    (each group's folder, samples, status and edges). ``out`` appears complete or not at all.

    A group that cannot be trained (an :class:`InputError` before training: too few samples,
    pairs or cells) is skipped with a warning and recorded as ``skipped`` with the reason. A
    group whose training fails (another :class:`DashgrnError`) is recorded as ``failed``; the
    other groups go on, and the error is in ``result.failures`` (``dashgrn infer`` exits with
    its code after writing the folder). When no group is written, the first failure, or an
    :class:`InputError` naming the reasons, is raised and nothing is written. With
    ``cfg.run.scheduler``, one Dask cluster serves every group, and several groups run at once
    (their members are the tasks). A stop request stops the groups in progress (written as
    ``interrupted``, with their resume state) and starts no more (``not_started``).
    """
    from .._atomic import check_output_dir, staged_output_dir
    from ..model._device import resolve_device
    from ..pipeline import check_prior_needed, resolve_config, run
    from ..provenance import file_record
    from ..result import dump_json

    cfg = resolve_config(config, options)
    device = resolve_device(cfg.run.device)
    check_prior_needed(cfg, prior is not None)
    if groupby in (cfg.data.time_key, cfg.data.trajectory_key):
        msg = f"--groupby {groupby}: the column is also the time or trajectory key"
        raise ConfigError(msg, hint="group by another column (e.g. a condition or cell type)")
    in_files = [p for p in (expression, prior, truth, *protect) if isinstance(p, (str, Path))]
    check_output_dir(out, overwrite=overwrite, inputs=in_files)
    opts = {"time_key": cfg.data.time_key, "trajectory_key": cfg.data.trajectory_key, "drop_nan": cfg.data.drop_nan,
            "snapshot": cfg.single_cell}
    expr, labels = read_grouped(expression, groupby, options=opts, transpose=cfg.data.transpose, layer=cfg.data.layer)
    source = file_record(expression, samples=expr.n_samples, genes=expr.n_genes) if isinstance(
        expression, (str, Path)) else {"source": expr.source, "samples": expr.n_samples, "genes": expr.n_genes}
    as_prior(prior)  # a bad prior fails once, before any group
    if truth is not None:
        from ..io import read_truth

        read_truth(truth)
    names = sorted({str(v) for v in labels if v is not None})
    folders = folder_names(names, reserved=frozenset([*GROUP_FILES.values(), *FILES.values()]))
    log.info("--groupby %s: %d group(s): %s", groupby, len(names), ", ".join(names[:10]) + (" ..." if len(names) > 10 else ""))
    command = command or "dashgrn.run_groups(...)"
    records = [{"group": g, "folder": folders[g], "samples": int(np.sum(labels == g)), "status": "not_started",
                "edges": None, "reason": None} for g in names]
    outcome = GroupsResult(out=Path(out), groups=records)
    lock, failures, broken = threading.Lock(), [], threading.Event()

    def stop() -> bool:
        return broken.is_set() or (stop_requested is not None and stop_requested())

    def one(i: int, stage: Path) -> None:
        rec, name = records[i], names[i]
        if stop():
            return
        rows = np.flatnonzero(labels == name)
        part = subset(expr, rows, f"{expr.source} [{groupby}={name}]")
        work = stage / f".group-{i}"  # a private parent: the run's staging folder never meets another group's
        work.mkdir()
        tag = (lambda row: callback({**row, "group": name})) if callback is not None else None
        log.info("group %s (%d samples): training", name, len(rows))
        try:
            if not cfg.single_cell:
                from ..io import check_trajectories

                check_trajectories(part)
            result = run(part, prior, cfg, out=work / rec["folder"], truth=truth, report=report, command=command,
                         callback=tag, stop_requested=stop)
            os.replace(work / rec["folder"], stage / rec["folder"])
        except InputError as exc:  # before training: the group is too small (or its data unusable)
            rec.update(status="skipped", reason=str(exc))
            log.warning("group %s skipped: %s", name, exc)
            return
        except Interrupted as exc:
            rec.update(status="interrupted", reason=str(exc))
            return
        except DashgrnError as exc:  # training failed: the other groups go on
            rec.update(status="failed", reason=str(exc))
            log.error("group %s failed: %s", name, exc)
            with lock:
                failures.append(exc)
            return
        except BaseException:  # a bug: stop every group
            broken.set()
            raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        _record_source(stage / rec["folder"] / FILES["run"], source, groupby, name, len(rows), dump_json)
        with lock:
            outcome.results[name] = result
        rec.update(status=_stopped_of(result), edges=int(len(result.edges)))
        log.info("group %s: %d edges", name, len(result.edges))

    t0 = time.perf_counter()
    with contextlib.ExitStack() as stack:
        if cfg.run.scheduler is not None:  # one cluster for every group
            from ..engine import dask_engine, local_workers

            engine = stack.enter_context(dask_engine(
                cfg.run.scheduler, n_workers=local_workers(cfg.model.members, device, cfg.run.threads)))
            at_once = max(1, min(len(names), engine.workers()[1] // max(1, cfg.model.members) + 1))
        else:
            at_once = 1
        stage = stack.enter_context(staged_output_dir(out, overwrite=overwrite, inputs=in_files))
        with ThreadPoolExecutor(max_workers=at_once, thread_name_prefix="dashgrn-group") as pool:
            for f in [pool.submit(one, i, stage) for i in range(len(names))]:
                f.result()
        if on_trained is not None:
            on_trained(time.perf_counter() - t0)
        done = [r for r in records if r["status"] in WRITTEN]
        if not done:
            if failures:
                raise failures[0]
            if stop():
                msg = f"interrupted before any group's first epoch ended; nothing was written to {out}"
                raise Interrupted(msg, hint="run the command again")
            reasons = "; ".join(f"{r['group']}: {r['reason']}" for r in records[:3])
            msg = f"--groupby {groupby}: no group could be trained ({reasons})"
            raise InputError(msg, hint="each group needs enough samples (time points, pairs or cells) to train on")
        outcome.edges = _edges_by_group(stage, names, outcome.results)
        outcome.stopped = "interrupted" if any(r["status"] in ("interrupted", "not_started") for r in records) else "completed"
        outcome.failures = failures
        engine_record = next((res.summary.get("engine") for res in outcome.results.values()), None)
        dump_json(stage / GROUP_FILES["groups"], {
            "groupby": groupby, "expression": source, "command": command, "stopped": outcome.stopped,
            "engine": engine_record, "groups": records})
    return outcome


def _record_source(path: Path, source: dict[str, Any], groupby: str, name: str, samples: int,
                   dump_json: Callable[[Path, Any], None]) -> None:
    """run.json of a group: its expression is the group's samples of the input file."""
    run = json.loads(path.read_text(encoding="utf-8"))
    run.setdefault("inputs", {})["expression"] = {**source, "groupby": groupby, "group": name, "group_samples": samples}
    dump_json(path, run)


def _edges_by_group(stage: Path, names: list[str], results: dict[str, InferResult]) -> pd.DataFrame:
    """``edges_by_group.tsv``: ``group`` first, then every written group's edges.tsv rows."""
    from .._atomic import atomic_path

    parts = [validate_edges(results[g].edges, source=f"group {g}").assign(group=g) for g in names if g in results]
    table = pd.concat(parts, ignore_index=True)
    table = table[["group", *[c for c in table.columns if c != "group"]]]
    with atomic_path(stage / GROUP_FILES["edges"]) as tmp:
        table.to_csv(tmp, sep="\t", index=False, encoding="utf-8", lineterminator="\n")
    return table
