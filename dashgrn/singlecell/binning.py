"""From cells ordered in pseudotime to time courses: lineages, bins, smoothing.

Within each lineage the cells are sorted by pseudotime and cut into ``bins`` windows of
equal cell counts (``bins=0``: every cell is its own time point). A window's expression
is the mean over its cells and its time the mean pseudotime of its cells; windows with
the same mean pseudotime are merged. Optional smoothing replaces each window by the mean
of itself and ``smooth`` windows on each side. Times are then scaled to [0, 1] with one
scale for all lineages, so that a time step means the same in every lineage. No torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import InputError
from .._log import get_logger
from ..io._text import examples
from .pseudotime import obs_column

if TYPE_CHECKING:
    from collections.abc import Sequence

log = get_logger(__name__)

#: The smallest lineage (in cells) that makes a time course.
MIN_LINEAGE_CELLS = 3
#: Name of the single lineage when no lineage key is given.
ALL = "all"
#: Separators between the lineages of one cell in a lineage column (``ery;mono``).
_SEPARATORS = re.compile(r"[;,|]")


def lineage_membership(
    obs: pd.DataFrame | None, key: str | None, n_cells: int, *, source: str = "<memory>"
) -> tuple[list[str], np.ndarray]:
    """Which cells belong to which lineage.

    Parameters
    ----------
    obs
        Per-cell annotations.
    key
        ``None``: one lineage (``all``) of every cell. An obs column of labels: a cell
        belongs to each lineage its label lists (``ery``, or ``ery;mono`` for a cell
        shared by two lineages; ``;``, ``,`` or ``|`` separate them; empty or missing:
        no lineage). A boolean (or 0/1) column, or several separated by commas
        (``is_ery,is_mono``): one lineage per column, named after it.

    Returns
    -------
    names, member
        Lineage names (in order of first appearance) and a ``(n_cells, n_lineages)``
        boolean matrix.

    Raises
    ------
    InputError
        A key is not in ``obs``, or a column meant as a membership flag is not boolean.
    """
    if key is None:
        return [ALL], np.ones((n_cells, 1), dtype=bool)
    if obs is not None and key not in obs.columns and "," in key:
        cols = [k.strip() for k in key.split(",") if k.strip()]
        return _flag_columns(obs, cols, source)
    col = obs_column(obs, key, option="--lineage-key", source=source)
    if pd.api.types.is_bool_dtype(col):
        return _flag_columns(obs, [key], source)  # type: ignore[arg-type]
    values = col.astype(object).where(col.notna(), "").astype(str).to_numpy()
    lists = [[p.strip() for p in _SEPARATORS.split(v) if p.strip() and p.strip().lower() != "nan"] for v in values]
    names: list[str] = []
    seen: set[str] = set()
    for parts in lists:
        for p in parts:
            if p not in seen:
                seen.add(p)
                names.append(p)
    pos = {n: i for i, n in enumerate(names)}
    member = np.zeros((n_cells, len(names)), dtype=bool)
    for i, parts in enumerate(lists):
        for p in parts:
            member[i, pos[p]] = True
    if not names:
        msg = f"{source}: obs key {key!r} (--lineage-key) gives no cell a lineage"
        raise InputError(msg, hint="the column should hold a lineage label per cell (e.g. ery, mono or ery;mono)")
    return names, member


def _flag_columns(obs: pd.DataFrame, cols: list[str], source: str) -> tuple[list[str], np.ndarray]:
    flags = []
    for c in cols:
        col = obs_column(obs, c, option="--lineage-key", source=source)
        if pd.api.types.is_bool_dtype(col):
            flags.append(col.fillna(False).to_numpy(dtype=bool))
            continue
        num = pd.to_numeric(col, errors="coerce")
        if num.isna().any() or not num.isin([0, 1]).all():
            msg = f"{source}: obs key {c!r} (--lineage-key) is not a membership flag (True/False or 1/0)"
            raise InputError(msg, hint="give one column of lineage labels, or comma-separated boolean columns")
        flags.append(num.to_numpy() == 1)
    return cols, np.column_stack(flags)


def check_lineages(names: Sequence[str], member: np.ndarray, *, bins: int, source: str, after: str = "") -> None:
    """Every lineage has at least 3 cells, and at least ``bins`` cells when ``bins`` > 0.

    Raises
    ------
    InputError
        A lineage is too small.
    """
    counts = member.sum(axis=0)
    why = f" {after}" if after else ""
    for name, n in zip(names, counts):
        if n < MIN_LINEAGE_CELLS:
            msg = f"{source}: lineage {name!r} has {int(n)} cell(s){why}; a lineage needs at least {MIN_LINEAGE_CELLS}"
            raise InputError(msg, hint="check --lineage-key, or relabel or remove the cells of that lineage")
    for name, n in zip(names, counts):
        if bins > 0 and n < bins:
            msg = f"{source}: lineage {name!r} has {int(n)} cells{why}, fewer than --bins {bins}"
            raise InputError(msg, hint=f"use --bins {int(n)} or fewer, or --bins 0 to use every cell as a time point")


@dataclass
class Binned:
    """Time courses made of pseudotime windows.

    Attributes
    ----------
    X
        ``(n_points, n_genes)`` mean expression per window (smoothed when asked).
    lineage
        ``(n_points,)`` lineage of each window.
    time
        ``(n_points,)`` mean pseudotime of the window, scaled to [0, 1] over all lineages.
    table
        One row per window: ``lineage, bin, cells, pseudotime_mean, pseudotime_min,
        pseudotime_max, time``.
    cell_bins
        One row per cell and lineage it was binned in: ``cell`` (row index), ``lineage``,
        ``bin`` (1-based).
    """

    X: np.ndarray
    lineage: np.ndarray
    time: np.ndarray
    table: pd.DataFrame
    cell_bins: pd.DataFrame


def _groups(pt_sorted: np.ndarray, bins: int) -> list[np.ndarray]:
    """Positions (into the sorted cells) of each window; equal mean pseudotimes merged."""
    n = pt_sorted.size
    if bins == 0:
        _, starts = np.unique(pt_sorted, return_index=True)
        bounds = [*starts.tolist(), n]
        return [np.arange(bounds[i], bounds[i + 1]) for i in range(len(starts))]
    parts = [p for p in np.array_split(np.arange(n), bins) if p.size]
    merged: list[np.ndarray] = []
    for p in parts:
        if merged and np.mean(pt_sorted[merged[-1]]) == np.mean(pt_sorted[p]):
            merged[-1] = np.concatenate([merged[-1], p])
        else:
            merged.append(p)
    return merged


def smooth_rows(Y: np.ndarray, half_width: int) -> np.ndarray:
    """Moving average over ``half_width`` rows on each side (fewer at the ends)."""
    if half_width <= 0 or Y.shape[0] < 2:
        return Y
    c = np.vstack([np.zeros((1, Y.shape[1])), np.cumsum(Y, axis=0)])
    n = Y.shape[0]
    lo = np.clip(np.arange(n) - half_width, 0, n)
    hi = np.clip(np.arange(n) + half_width + 1, 0, n)
    return (c[hi] - c[lo]) / (hi - lo)[:, None]


def bin_cells(
    X: np.ndarray | sp.spmatrix,
    pseudotime: np.ndarray,
    lineages: Sequence[str],
    member: np.ndarray,
    *,
    bins: int,
    smooth: int = 0,
    source: str = "<memory>",
) -> Binned:
    """Order the cells of each lineage by pseudotime, average them in windows, scale time.

    Parameters
    ----------
    X
        Cells x genes values (dense or sparse).
    pseudotime
        ``(n_cells,)``; cells with NaN are left out.
    lineages, member
        From :func:`lineage_membership`; a cell in several lineages is used in each.
    bins
        Windows per lineage, of equal cell counts (``0``: every distinct pseudotime
        of the lineage is a time point).
    smooth
        Half-width of a moving average over windows (``0``: none).

    Raises
    ------
    InputError
        A lineage has fewer than 3 cells or fewer cells than ``bins`` (cells without a
        pseudotime do not count), or a single distinct pseudotime.
    """
    pt = np.asarray(pseudotime, dtype=np.float64)
    known = np.isfinite(pt)
    member = member & known[:, None]
    check_lineages(lineages, member, bins=bins, source=source, after="with a pseudotime")
    Xc = sp.csr_matrix(X) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    blocks, labels, means, rows, cell_rows = [], [], [], [], []
    for j, name in enumerate(lineages):
        idx = np.flatnonzero(member[:, j])
        order = idx[np.argsort(pt[idx], kind="stable")]
        groups = _groups(pt[order], bins)
        if len(groups) < 2:
            msg = f"{source}: every cell of lineage {name!r} has the same pseudotime ({pt[order[0]]:g})"
            raise InputError(msg, hint="a time course needs at least two distinct pseudotimes per lineage")
        sizes = np.array([g.size for g in groups])
        assign = sp.csr_matrix(
            (np.repeat(1.0 / sizes, sizes), (np.repeat(np.arange(len(groups)), sizes), order[np.concatenate(groups)])),
            shape=(len(groups), Xc.shape[0]),
        )
        Y = assign @ Xc
        Y = np.asarray(Y.toarray() if sp.issparse(Y) else Y, dtype=np.float64)
        blocks.append(smooth_rows(Y, smooth))
        labels += [name] * len(groups)
        for b, g in enumerate(groups):
            t = pt[order[g]]
            means.append(float(t.mean()))
            rows.append({"lineage": name, "bin": b + 1, "cells": int(g.size), "pseudotime_mean": float(t.mean()),
                         "pseudotime_min": float(t.min()), "pseudotime_max": float(t.max())})
            cell_rows.append(pd.DataFrame({"cell": order[g], "lineage": name, "bin": b + 1}))
        if bins and len(groups) < bins:
            log.info("lineage %s: %d bins with the same mean pseudotime merged (%d left)", name,
                     bins - len(groups), len(groups))
    t = np.asarray(means)
    lo, hi = float(t.min()), float(t.max())
    time = (t - lo) / (hi - lo) if hi > lo else np.zeros_like(t)
    table = pd.DataFrame(rows)
    table["time"] = time
    return Binned(X=np.vstack(blocks), lineage=np.asarray(labels, dtype=object), time=time, table=table,
                  cell_bins=pd.concat(cell_rows, ignore_index=True))


def lineage_summary(names: Sequence[str], member: np.ndarray) -> str:
    """``ery (120 cells), mono (98 cells)`` for logs."""
    return examples([f"{n} ({int(c)} cells)" for n, c in zip(names, member.sum(axis=0))], 6)
