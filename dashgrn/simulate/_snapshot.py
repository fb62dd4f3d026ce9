"""Single-cell-like snapshots: cells sampled along trajectories at hidden times."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._errors import ConfigError
from ._integrate import integrate
from ._kinetics import CompiledNetwork

__all__ = ["CELL_TYPES", "Snapshot", "cell_types", "count_noise", "sample_snapshot"]

#: Cell-type labels by the fraction of the time range a cell has reached.
CELL_TYPES = ("stem", "transit", "mature")


@dataclass
class Snapshot:
    """Cells sampled along trajectories.

    Attributes
    ----------
    trajectory
        ``(n_cells,)`` 0-based trajectory of each cell.
    time
        ``(n_cells,)`` the true (hidden) time of each cell.
    values
        ``(n_cells, n_genes)`` noise-free expression.
    """

    trajectory: np.ndarray
    time: np.ndarray
    values: np.ndarray


def sample_snapshot(
    comp: CompiledNetwork,
    y0: np.ndarray,
    inputs: np.ndarray,
    t_range: tuple[float, float],
    n_cells: int,
    rng: np.random.Generator,
    *,
    method: str = "LSODA",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    clamp: np.ndarray | None = None,
) -> Snapshot:
    """Sample ``n_cells`` cells: a uniform trajectory and a uniform time in ``t_range`` each.

    Every trajectory is integrated once through the sorted times of its cells; ``clamp``
    holds regulated genes at their start values (see :func:`~dashgrn.simulate.integrate`).
    """
    if isinstance(n_cells, bool) or int(n_cells) != n_cells or n_cells < 1:
        msg = f"--snapshot-cells: {n_cells!r} must be a positive integer"
        raise ConfigError(msg)
    k = y0.shape[0]
    traj = rng.integers(0, k, size=int(n_cells))
    t0, t1 = float(t_range[0]), float(t_range[1])
    time = rng.uniform(t0, t1, size=int(n_cells))
    values = np.empty((int(n_cells), comp.n_genes), dtype=np.float64)
    used = np.unique(traj)
    grids: list[np.ndarray] = []
    for i in used:
        ts = np.unique(time[traj == i])
        grids.append(np.concatenate([[t0], ts[ts > t0]]))
    sols = integrate(comp, y0[used], inputs[used], grids, method=method, rtol=rtol, atol=atol, clamp=clamp)
    for i, grid, sol in zip(used, grids, sols):
        cells = np.flatnonzero(traj == i)
        rows = np.searchsorted(grid, time[cells])
        values[np.ix_(cells, comp.reg_idx)] = sol[rows]
        values[np.ix_(cells, comp.input_idx)] = inputs[i]
    return Snapshot(trajectory=traj, time=time, values=values)


def cell_types(time: np.ndarray, t_range: tuple[float, float], stem_fraction: float) -> np.ndarray:
    """``stem`` before ``stem_fraction`` of the time range, ``transit`` before half, else ``mature``."""
    t0, t1 = t_range
    rel = (np.asarray(time) - t0) / (t1 - t0)
    return np.where(rel < stem_fraction, CELL_TYPES[0], np.where(rel < 0.5, CELL_TYPES[1], CELL_TYPES[2]))


def count_noise(values: np.ndarray, rng: np.random.Generator, *, scale: float, dropout: float) -> np.ndarray:
    """Poisson counts ``Poisson(scale * max(values, 0))``, then each count zeroed with probability ``dropout``."""
    counts = rng.poisson(scale * np.clip(values, 0.0, None)).astype(np.float64)
    if dropout > 0:
        counts[rng.random(counts.shape) < dropout] = 0.0
    return counts
