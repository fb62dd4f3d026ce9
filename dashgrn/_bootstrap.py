"""The resampling of ``--bootstrap B`` (stability selection): which pairs each member trains on.

NumPy only, no torch and no files: :func:`draw_member` is a pure function of the pairs'
trajectories, the member's seed and ``--val-fraction``.

Units
    With two or more trajectories, the unit of resampling is the trajectory: a member draws as
    many trajectories as there are, uniformly **with replacement**, and trains on every pair of
    every drawn trajectory (a trajectory drawn twice counts twice). The pairs of one trajectory
    are not independent (each point ends one pair and starts the next), so drawing pairs one
    by one would overstate how much the data say. With a single trajectory (one time course, or
    one pseudotime lineage) the unit is a **block** of consecutive pairs: the pairs are cut into
    ``ceil(P / L)`` contiguous blocks of ``L = ceil(P ** (1/3))`` pairs (the last may be shorter;
    at least 2 blocks), and blocks are drawn with replacement (a non-overlapping block bootstrap).

Validation
    The units that were not drawn (*out of bag*: about 37% of them) are the member's
    validation pairs. When every unit was drawn, the usual split applies to the draw:
    ``ceil(val_fraction x distinct drawn units)`` of them (all their copies) are held out.
    ``--val-fraction 0`` means no validation, as without the bootstrap.

Seeds
    Member ``k`` draws from ``SeedSequence([member_seed(seed, k), BOOTSTRAP_STREAM])``: its own
    stream, so the draw does not shift the model's initialisation, which uses the member seed
    as an ensemble member's does.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._log import get_logger

__all__ = ["BOOTSTRAP_STREAM", "BootstrapDraw", "block_length", "bootstrap_record", "draw_member", "log_draws", "member_draws",
           "pair_units"]

log = get_logger(__name__)

#: The second word of every member's bootstrap seed sequence (module docstring).
BOOTSTRAP_STREAM = 0xB0075


@dataclass(frozen=True)
class BootstrapDraw:
    """One member's resample.

    Attributes
    ----------
    seed
        The member's seed (:func:`dashgrn.model.member_seed`).
    unit
        ``trajectory`` or ``block`` (module docstring).
    n_units
        Units to draw from.
    unit_trajectory
        ``(n_units,)`` the trajectory index of every unit.
    block_pairs
        Pairs per block (:func:`block_length`; the last block may be shorter), 0 for trajectories.
    drawn
        ``(n_units,)`` the drawn units, with repeats, sorted.
    out_of_bag
        The units never drawn, sorted.
    train, val
        Pair indices (``train`` with repeats: once per draw of their unit), sorted.
    validation
        ``out-of-bag``, ``split`` (every unit drawn, so part of the draw was held out) or ``none``.
    """

    seed: int
    unit: str
    n_units: int
    unit_trajectory: np.ndarray
    block_pairs: int
    drawn: np.ndarray
    out_of_bag: np.ndarray
    train: np.ndarray
    val: np.ndarray
    validation: str

    @property
    def digest(self) -> str:
        """SHA-256 of the unit kind and the drawn units (int64): equal digests, equal draws."""
        h = hashlib.sha256(self.unit.encode())
        h.update(np.asarray(self.drawn, dtype="<i8").tobytes())
        return h.hexdigest()

    def record(self, labels: list[str] | None = None) -> dict[str, Any]:
        """The draw for ``run.json``: the drawn units with repeats (trajectories by their label in
        ``labels``, indexed by trajectory index; blocks by number, 1-based), the out-of-bag count,
        pairs and the digest."""
        names: list[Any] = [labels[int(self.unit_trajectory[i])] if labels is not None and self.unit == "trajectory"
                            else int(i) + 1 for i in self.drawn]
        return {
            "seed": int(self.seed), "drawn": names, "distinct_drawn": int(np.unique(self.drawn).size),
            "out_of_bag": int(self.out_of_bag.size), "validation": self.validation,
            "train_pairs": int(self.train.size), "validation_pairs": int(self.val.size), "sha256": self.digest,
        }


def block_length(n_pairs: int) -> int:
    """Pairs per block of a single trajectory: ``ceil(P ** (1/3))``, so that there are at least 2
    blocks (P >= 2)."""
    return max(1, min(math.ceil(n_pairs ** (1 / 3) - 1e-9), n_pairs // 2))


def pair_units(trajectory: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """The unit of every pair (0-based, consecutive), the trajectory index of every unit, and
    the unit kind (module docstring).

    ``trajectory``: ``(P,)`` the trajectory index of every pair (:class:`dashgrn.data.PairArrays`),
    the pairs of a trajectory consecutive and in time order.
    """
    traj = np.asarray(trajectory)
    labels, units = np.unique(traj, return_inverse=True)
    if labels.size >= 2:
        return units.astype(np.int64), labels.astype(np.int64), "trajectory"
    units = np.arange(traj.size, dtype=np.int64) // block_length(traj.size)
    return units, np.full(int(units.max()) + 1, labels[0] if labels.size else 0, dtype=np.int64), "block"


def draw_member(trajectory: np.ndarray, seed: int, val_fraction: float) -> BootstrapDraw:
    """Member ``seed``'s resample of the pairs (module docstring): training pairs drawn with
    replacement, validation the out-of-bag units.

    Parameters
    ----------
    trajectory
        ``(P,)`` trajectory index of every pair.
    seed
        The member's seed (:func:`dashgrn.model.member_seed`).
    val_fraction
        ``--val-fraction``: 0 means no validation; otherwise it is used only when every unit
        was drawn.
    """
    units, unit_traj, kind = pair_units(trajectory)
    n = unit_traj.size
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), BOOTSTRAP_STREAM]))
    drawn = np.sort(rng.choice(n, size=n, replace=True))
    counts = np.bincount(drawn, minlength=n)
    oob = np.flatnonzero(counts == 0)
    held = np.zeros(n, dtype=bool)
    if val_fraction == 0:
        validation = "none"
    elif oob.size:
        held[oob], validation = True, "out-of-bag"
    else:
        distinct = np.flatnonzero(counts)
        n_val = min(max(1, math.ceil(val_fraction * distinct.size)), distinct.size - 1)
        if n_val > 0:
            held[rng.choice(distinct, size=n_val, replace=False)] = True
            counts = np.where(held, 0, counts)
        validation = "split" if n_val > 0 else "none"
    # every pair once per draw of its unit; the validation pairs once
    train = np.sort(np.repeat(np.arange(units.size), counts[units]))
    val = np.flatnonzero(held[units]) if validation != "none" else np.zeros(0, dtype=np.int64)
    return BootstrapDraw(seed=int(seed), unit=kind, n_units=n, unit_trajectory=unit_traj,
                         block_pairs=block_length(units.size) if kind == "block" else 0, drawn=drawn, out_of_bag=oob,
                         train=train.astype(np.int64), val=val.astype(np.int64), validation=validation)


def member_draws(trajectory: np.ndarray, seeds: list[int], val_fraction: float) -> list[BootstrapDraw]:
    """:func:`draw_member` for every member seed."""
    return [draw_member(trajectory, s, val_fraction) for s in seeds]


def log_draws(draws: list[BootstrapDraw]) -> None:
    """One INFO line: B, what is drawn, and what validates."""
    d = draws[0]
    units = "trajectories" if d.unit == "trajectory" else f"blocks of {d.block_pairs} consecutive pairs (one trajectory)"
    val = {"out-of-bag": "the units not drawn", "split": "part of the draw", "none": "none"}[d.validation]
    log.info("bootstrap: %d members, each trained on %d %s drawn with replacement; member 1's validation: %s "
             "(%d pairs)", len(draws), d.n_units, units, val, d.val.size)


def bootstrap_record(draws: list[BootstrapDraw], trajectory: Any = None, members: list[int] | None = None
                     ) -> dict[str, Any]:
    """``run.json``'s ``summary.training.bootstrap``: B, the unit, and every member's draw
    (:meth:`BootstrapDraw.record`). ``trajectory``: the samples' trajectory labels, whose
    distinct values in order of appearance name the trajectories by index (as
    :meth:`dashgrn.tables.ExpressionData.trajectories` numbers them); ``members``: the 0-based
    member of every draw (by default 0..B-1)."""
    first = draws[0]
    labels = None if trajectory is None else [str(x) for x in pd.unique(pd.Series(np.asarray(trajectory)))]
    numbers = [k + 1 for k in members] if members is not None else list(range(1, len(draws) + 1))
    return {
        "members": len(draws), "unit": first.unit, "units": first.n_units,
        "block_pairs": first.block_pairs or None,
        "draws": [{"member": m, **d.record(labels)} for m, d in zip(numbers, draws)],
    }
