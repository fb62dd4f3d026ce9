"""`dashgrn infer --groupby KEY`: one network per group (:func:`dashgrn.groups.run_groups`), its
lines on stdout, and its exit code."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .._errors import ConfigError, Interrupted
from ..io._text import printable
from ._common import stdout


def check_groupby_options(*, resume: bool, genes: Path | None) -> None:
    """The options that ``--groupby`` excludes (a :class:`ConfigError`), checked before any file is read."""
    if resume:
        msg = "--resume does not continue a --groupby run"
        raise ConfigError(msg, hint="run the interrupted groups again (groups.json lists each group's status)")
    if genes is not None:
        msg = "--genes (a 'dim,ntraj' file) and --groupby exclude each other"
        raise ConfigError(msg, hint="--groupby needs a samples x genes table with a group column, or an .h5ad")


def infer_groups(expression: Path, prior: Path | None, cfg: Any, *, groupby: str, out: Path, truth: Path | None,
                 overwrite: bool, resume: bool, genes: Path | None, command: str,
                 callback: Callable[[dict[str, float]], None] | None, stop_requested: Callable[[], bool],
                 on_trained: Callable[[float], None], protect: list[Path], t0: float) -> None:
    """Run every group, print one line of what was written and ``results: OUT``; then raise the
    first group's failure (its exit code) or :class:`Interrupted` (130) when there was one."""
    from ..groups import run_groups
    from ..groups._run import WRITTEN

    check_groupby_options(resume=resume, genes=genes)
    res = run_groups(expression, prior, cfg, groupby=groupby, out=out, truth=truth, overwrite=overwrite,
                     command=command, callback=callback, stop_requested=stop_requested, on_trained=on_trained,
                     protect=protect)
    written = [r for r in res.groups if r["status"] in WRITTEN]
    other = {s: [r for r in res.groups if r["status"] == s] for s in ("skipped", "failed", "not_started")}
    parts = [f"{printable(r['group'])} {r['edges']}" for r in written]
    extra = "".join(f"; {len(v)} {k.replace('_', ' ')}" for k, v in other.items() if v)
    stdout.print(f"{len(written)} of {len(res.groups)} groups written (edges: {', '.join(parts)}){extra}; "
                 f"{time.perf_counter() - t0:.0f} s", markup=False)
    stdout.print(f"results: {out}", markup=False)
    if res.failures:
        exc = res.failures[0]
        group = next(r["group"] for r in res.groups if r["status"] == "failed")
        msg = f"group {printable(group)}: {exc}; the other groups were written to {out}"
        raise type(exc)(msg, hint=exc.hint)
    if res.stopped == "interrupted":
        msg = f"interrupted; the groups that ended, and the best checkpoints so far of those in progress, were written to {out}"
        raise Interrupted(msg, hint="run the groups that were interrupted or not started again (groups.json lists them)")
