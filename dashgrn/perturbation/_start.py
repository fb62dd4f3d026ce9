"""The start states of a perturbation: observed states read from expression data, matched to the
model's genes, with their start and end times. No torch.

Without ``cells``, every trajectory starts at its first time point; with ``cells="KEY=VALUE"``,
every sample of that group (an ``obs`` column of an AnnData, or the trajectory label) is a start
state, at its own time (0 when the data have no time). Every start state is integrated to the end
time: ``t_end`` when given, else the last observed time of the data, on the data's own clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._checks import close_matches
from .._errors import ConfigError, InputError
from .._log import get_logger
from ..tables import ExpressionData

__all__ = ["StartStates", "read_start", "start_states"]

log = get_logger(__name__)


@dataclass
class StartStates:
    """Observed states to integrate from, in the model's gene order and the input's units.

    Attributes
    ----------
    values
        ``(S, N)`` start states.
    start
        ``(S,)`` their times (the data's clock).
    end
        The end time (the data's clock), after every start.
    labels
        ``(S,)`` the trajectory (or sample, with ``cells``) of each start state.
    source
        Where the states came from, for messages.
    """

    values: np.ndarray
    start: np.ndarray
    end: float
    labels: list[str]
    source: str

    @property
    def horizon(self) -> np.ndarray:
        """``(S,)`` end - start, the time each state is integrated over (the data's clock)."""
        return self.end - self.start


def read_start(data: Any, *, cells: str | None = None, time_key: str = "time", trajectory_key: str = "trajectory",
               layer: str | None = None) -> ExpressionData:
    """Expression data (a path, an AnnData, a DataFrame or :class:`ExpressionData`) read as the
    readers of ``dashgrn infer`` do; a time is required unless ``cells`` selects the states."""
    from ..io import as_expression

    return as_expression(data, time_key=time_key, trajectory_key=trajectory_key, layer=layer,
                         require_time=cells is None)


def _columns(expr: ExpressionData, genes: Sequence[str]) -> np.ndarray:
    """Column of every model gene in ``expr``; an :class:`InputError` when any is missing."""
    pos = {g: i for i, g in enumerate(expr.genes)}
    missing = [g for g in genes if g not in pos]
    if missing:
        first = missing[0]
        msg = (f"{expr.source}: {len(missing)} of the checkpoint's {len(genes)} genes are not in the data, "
               f"e.g. {first!r}{close_matches(first, expr.genes)}")
        raise InputError(msg)  # one line: the close matches are the hint
    extra = len(expr.genes) - len(genes)
    if extra:
        log.info("%s: %d gene(s) that the model does not know are left out", expr.source, extra)
    return np.asarray([pos[g] for g in genes], dtype=np.int64)


def _group(expr: ExpressionData, cells: str) -> np.ndarray:
    """Rows of the group ``KEY=VALUE``."""
    key, sep, value = cells.partition("=")
    if not sep or not key:
        msg = f"--cells: {cells!r} is not KEY=VALUE"
        raise ConfigError(msg, hint="e.g. --cells cell_type=stem")
    obs = expr.obs
    if obs is not None and key in obs.columns:
        labels = obs[key].astype(str).to_numpy()
    elif key == "trajectory":
        labels = np.asarray(expr.trajectory, dtype=str)
    else:
        keys = [str(c) for c in obs.columns] if obs is not None else []
        near = close_matches(key, keys) if keys else ""
        msg = f"{expr.source}: no obs key {key!r} for --cells{near}"
        raise InputError(msg, hint="--cells takes an obs column of an .h5ad (or 'trajectory') and one of its values")
    rows = np.flatnonzero(labels == value)
    if rows.size == 0:
        have = ", ".join(sorted(set(labels.tolist()))[:10])
        msg = f"{expr.source}: no sample has {key} = {value!r} (values: {have})"
        raise InputError(msg, hint="name a value of that obs column")
    return rows


def start_states(expr: ExpressionData, genes: Sequence[str], *, cells: str | None = None,
                 t_end: float | None = None) -> StartStates:
    """The start states of ``expr`` for a model of ``genes`` (see the module docstring).

    Raises
    ------
    InputError
        A gene of the model is not in the data, ``cells`` names no samples, or a start state
        is not finite.
    ConfigError
        ``t_end`` is not after every start time, or is missing where the data have no time.
    """
    cols = _columns(expr, genes)
    X = expr.dense()
    if cells is None:
        firsts = [(label, t[0], Y[0]) for label, t, Y in expr.trajectories()]
        labels = [f for f, _, _ in firsts]
        start = np.asarray([t for _, t, _ in firsts], dtype=np.float64)
        values = np.stack([y for _, _, y in firsts])[:, cols]
    else:
        rows = _group(expr, cells)
        labels = [expr.samples[i] for i in rows]
        start = expr.time[rows].astype(np.float64) if expr.time is not None else np.zeros(rows.size)
        values = X[np.ix_(rows, cols)]
    if t_end is None:
        if expr.time is None:
            msg = "--t-end is needed: the data have no time, so there is no last observed time"
            raise ConfigError(msg, hint="give the time to integrate over, in the run's time units")
        end = float(np.nanmax(expr.time))
    else:
        end = float(t_end)
    if not np.isfinite(end) or (end <= start).any():
        i = int(np.argmax(start))
        what = "--t-end" if t_end is not None else "the last observed time"
        msg = f"{what} ({end:g}) is not after the start time {start[i]:g} of {labels[i]!r}"
        raise ConfigError(msg, hint="give --t-end after every start time (the data's clock)")
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        msg = f"{expr.source}: start state {labels[r]!r} has a non-finite value for gene {genes[c]!r}"
        raise InputError(msg, hint="start from finite values")
    return StartStates(values=np.asarray(values, dtype=np.float64), start=start, end=end, labels=labels,
                       source=expr.source)
