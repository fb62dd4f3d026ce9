"""From expression data to training pairs (SPEC 2.1, 8.2-8.3). No file access.

Time units
    The model learns rates per unit of time, and its solver's step count grows with the
    interval lengths, so intervals far from 1 (times in seconds, or in units of 1e12) make
    training slow or impossible. :func:`time_scale` picks a factor that every interval is
    divided by: 1 (times used as given) while the largest interval is at most
    :data:`TIME_MAX_INTERVAL` and the median at least :data:`TIME_MIN_MEDIAN`, else the median
    interval (the typical interval becomes 1). Rescaled times are thus the times in units of
    their median interval: times x 3600 give the same pairs as times whose median interval is
    1, and data with times of order 1 are left exactly as they were. The factor is recorded
    as ``scale["time_scale"]`` (``run.json``: ``summary.data.scaling.time_scale``); the
    model's rates are per rescaled unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._errors import InputError
from ._log import get_logger
from .tables import ExpressionData

log = get_logger(__name__)

#: Intervals are rescaled when the largest is above this ...
TIME_MAX_INTERVAL = 100.0
#: ... or their median is below this (see the module docstring).
TIME_MIN_MEDIAN = 1e-3


@dataclass
class PairArrays:
    """Consecutive pairs from every trajectory: ``y0[p] -> y1[p]`` over ``dt[p]``."""

    y0: np.ndarray  # (P, N)
    y1: np.ndarray  # (P, N)
    dt: np.ndarray  # (P,)
    trajectory: np.ndarray  # (P,) integer trajectory index
    n_trajectories: int
    scale: dict[str, float | str]  # expression (mode, offset, scale) and time (time_scale)


def scale_values(X: np.ndarray, mode: str) -> tuple[np.ndarray, dict[str, float]]:
    """Bring expression to about [0, 1], as PHOENIX expects.

    ``auto`` leaves data already within [-0.25, 1.25] unchanged and otherwise applies a
    global min-max; ``minmax`` always does; ``none`` never does.
    """
    lo, hi = float(np.nanmin(X)), float(np.nanmax(X))
    if mode == "none" or (mode == "auto" and lo >= -0.25 and hi <= 1.25):
        return X, {"mode": "none", "offset": 0.0, "scale": 1.0}
    span = hi - lo
    if span <= 0:
        return X, {"mode": "none", "offset": 0.0, "scale": 1.0}
    return (X - lo) / span, {"mode": "minmax", "offset": lo, "scale": span}


def time_scale(dt: np.ndarray) -> float:
    """The factor every interval ``dt`` (positive, finite) is divided by (module docstring): 1.0
    for intervals of order 1, else their median."""
    d = np.asarray(dt, dtype=np.float64)
    d = d[np.isfinite(d) & (d > 0)]
    if d.size == 0:
        return 1.0
    median = float(np.median(d))
    if float(d.max()) <= TIME_MAX_INTERVAL and median >= TIME_MIN_MEDIAN:
        return 1.0
    return median


def make_pairs(expr: ExpressionData, *, scale: str = "auto") -> PairArrays:
    """All consecutive (y_k, y_k+1, dt) pairs of every trajectory; pairs with NaN are dropped.

    The intervals ``dt`` are divided by :func:`time_scale` (1 for times of order 1), recorded
    in ``scale["time_scale"]``.

    Raises
    ------
    InputError
        The expression is constant, or fewer than 2 pairs of consecutive time points are
        left (one pair leaves nothing to validate on, and no dynamics to speak of).
    """
    X = expr.dense()
    if expr.n_samples > 1 and np.all(np.nanmax(X, axis=0) - np.nanmin(X, axis=0) == 0):
        msg = f"{expr.source}: every gene has constant expression; there are no dynamics to learn"
        raise InputError(msg, hint="check that the right matrix or layer was read")
    Xs, info = scale_values(X, scale)
    scaled = ExpressionData(
        X=Xs, genes=expr.genes, samples=expr.samples, time=expr.time, trajectory=expr.trajectory, source=expr.source
    )
    y0, y1, dt, tr = [], [], [], []
    trajs = scaled.trajectories()
    for k, (_, t, Y) in enumerate(trajs):
        if t.size < 2:
            continue
        d = np.diff(t)
        ok = np.isfinite(d) & (d > 0) & np.all(np.isfinite(Y[:-1]), axis=1) & np.all(np.isfinite(Y[1:]), axis=1)
        y0.append(Y[:-1][ok])
        y1.append(Y[1:][ok])
        dt.append(d[ok])
        tr.append(np.full(int(ok.sum()), k))
    n_pairs = sum(a.shape[0] for a in y0)
    if n_pairs == 0:
        msg = f"{expr.source}: no trajectory has two time points, so there are no transitions to learn from"
        raise InputError(msg, hint="check --time-key and --trajectory-key")
    if n_pairs < 2:
        msg = (f"{expr.source}: only 1 pair of consecutive time points (with finite values and increasing "
               "times); at least 2 are needed, to train on and to validate on")
        raise InputError(msg, hint="give more time points or trajectories; check --time-key and --trajectory-key")
    dts = np.concatenate(dt)
    factor = time_scale(dts)
    if factor != 1.0:
        dts = dts / factor
        log.info("time: intervals divided by %.6g (their median; the largest was %.6g): the model's rates "
                 "are per %.6g time units", factor, float(dts.max()) * factor, factor)
    return PairArrays(
        y0=np.concatenate(y0), y1=np.concatenate(y1), dt=dts, trajectory=np.concatenate(tr),
        n_trajectories=len(trajs), scale={**info, "time_scale": factor},
    )
