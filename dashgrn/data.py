"""From expression data to training pairs (SPEC 2.1, 8.2-8.3). No file access."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._errors import InputError
from ._log import get_logger
from .tables import ExpressionData

log = get_logger(__name__)


@dataclass
class PairArrays:
    """Consecutive pairs from every trajectory: ``y0[p] -> y1[p]`` over ``dt[p]``."""

    y0: np.ndarray  # (P, N)
    y1: np.ndarray  # (P, N)
    dt: np.ndarray  # (P,)
    trajectory: np.ndarray  # (P,) integer trajectory index
    n_trajectories: int
    scale: dict[str, float]


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


def make_pairs(expr: ExpressionData, *, scale: str = "auto") -> PairArrays:
    """All consecutive (y_k, y_k+1, dt) pairs of every trajectory; pairs with NaN are dropped.

    Raises
    ------
    InputError
        The expression is constant, or no trajectory has two time points.
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
    if not y0 or sum(a.shape[0] for a in y0) == 0:
        msg = f"{expr.source}: no trajectory has two time points, so there are no transitions to learn from"
        raise InputError(msg, hint="check --time-key and --trajectory-key")
    return PairArrays(
        y0=np.concatenate(y0), y1=np.concatenate(y1), dt=np.concatenate(dt), trajectory=np.concatenate(tr),
        n_trajectories=len(trajs), scale=info,
    )
