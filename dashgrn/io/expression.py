"""Read expression data: delimited tables, ``.h5ad`` and the PHOENIX 'dim,ntraj' CSV.

Every reader ends in :func:`_finish`, which runs the checks shared by all formats
(gene count, duplicated names, times, NaN/inf values) and builds the
:class:`~dashgrn.tables.ExpressionData`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import InputError
from .._log import get_logger
from ..tables import ExpressionData
from ._text import (
    check_file,
    delimiter_name,
    examples,
    find_column,
    first_lines,
    is_na,
    norm_key,
    read_raw_table,
    read_text,
    sniff_delimiter,
    split_rows,
    to_float,
)
from .genes import read_gene_list

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

log = get_logger(__name__)

FORMATS = ("auto", "csv", "h5ad", "traj")
#: Names of a first column that holds sample ids (compared after :func:`norm_key`).
SAMPLE_ID_COLUMNS = frozenset(
    {"", "sample", "samples", "sample_id", "cell", "cells", "cell_id", "barcode", "obs_names", "index"}
)
_NA_HINT = "remove or impute those values, or use --drop-nan to drop the affected samples"
#: Expression values above this magnitude are refused (their squares overflow float64; see
#: :func:`_not_too_large`). No measurement comes near it; 1e308 or values x 1e300 are errors.
MAX_ABS_VALUE = 1e150


def read_expression(
    path: str | os.PathLike[str],
    *,
    time_key: str = "time",
    trajectory_key: str = "trajectory",
    transpose: bool = False,
    layer: str | None = None,
    genes_file: str | os.PathLike[str] | None = None,
    drop_nan: bool = False,
    require_time: bool = True,
    snapshot: bool = False,
    fmt: str = "auto",
) -> ExpressionData:
    """Read an expression file into :class:`~dashgrn.tables.ExpressionData`.

    Parameters
    ----------
    path
        A delimited table (CSV/TSV/semicolon/whitespace, optionally ``.gz``), an
        ``.h5ad`` file, or a PHOENIX/DASH 'dim,ntraj' trajectory CSV.
    time_key
        Time column (table), time row (``transpose=True``) or ``obs`` key (h5ad).
    trajectory_key
        Trajectory column / row / ``obs`` key. When the default key is absent every
        sample belongs to trajectory ``"1"``; a key given explicitly must exist.
    transpose
        The table is genes x samples: the first column holds gene names, the header
        row holds sample ids, and time / trajectory are rows named ``time_key`` /
        ``trajectory_key``.
    layer
        ``.h5ad`` only: use ``adata.layers[layer]`` instead of ``adata.X``.
    genes_file
        'dim,ntraj' CSV only: gene names, one per gene row (a one-column file with
        header ``x``/``gene``, or a table with a ``gene`` column). Without it the
        genes are named ``g1 .. gN``.
    drop_nan
        Drop samples with NaN or infinite values (logged) instead of failing.
    require_time
        Fail when there is no time; with ``False`` the result has ``time=None``.
    snapshot
        Single-cell snapshots: the result has ``time=None`` and one trajectory even when
        a time / trajectory column or ``obs`` key exists (a table's such columns are
        still left out of the genes; their values are not read).
    fmt
        ``auto`` (``.h5ad`` by suffix, 'dim,ntraj' by its first line, else a
        delimited table), ``csv``, ``h5ad`` or ``traj``.

    Returns
    -------
    ExpressionData
        Samples x genes; trajectory labels are strings (``"1" .. "K"`` for the
        'dim,ntraj' format).

    Raises
    ------
    InputError
        The file is missing, empty, unparseable or holds bad values; every message
        starts with the path.
    """
    if fmt not in FORMATS:
        msg = f"unknown expression format {fmt!r}; choose one of {', '.join(FORMATS)}"
        raise InputError(msg)
    p = check_file(path, what="expression file")
    if fmt == "auto" and _looks_like_h5ad(p):
        fmt = "h5ad"
    opts = {"time_key": time_key, "trajectory_key": trajectory_key, "require_time": require_time and not snapshot,
            "snapshot": snapshot}
    if fmt == "h5ad":
        raw = _read_h5ad(p, layer=layer, **opts)  # type: ignore[arg-type]
    else:
        if layer is not None:
            log.warning("%s: --layer applies to .h5ad files only; ignored", p)
        text = read_text(p)
        if fmt == "auto":
            fmt = "traj" if _traj_header(first_lines(text, 1)[0]) is not None else "csv"
        if fmt == "traj":
            raw = _read_traj(p, text, genes_file=genes_file)
        elif transpose:
            raw = _read_table_transposed(p, text, **opts)  # type: ignore[arg-type]
        else:
            raw = _read_table(p, text, **opts)  # type: ignore[arg-type]
    if snapshot:
        raw.time = None
        raw.trajectory = np.full(len(raw.samples), "1", dtype=object)
    return _finish(p, raw, drop_nan=drop_nan)


def check_trajectories(expr: ExpressionData) -> None:
    """Check that every trajectory has at least two distinct time points.

    Raises
    ------
    InputError
        The data have no time, a trajectory has a single time point, or a time is
        repeated within a trajectory.
    """
    if expr.time is None:
        msg = f"{expr.source}: the data have no time; time courses are needed"
        raise InputError(msg, hint="add a time column (or obs key) and name it with --time-key")
    labels = np.asarray(expr.trajectory).astype(str)
    for lab in map(str, pd.unique(labels)):
        t = expr.time[labels == lab]
        if len(t) < 2:
            msg = f"{expr.source}: trajectory {lab!r} has a single time point (t = {t[0]:g})"
            raise InputError(msg, hint="each trajectory needs at least two time points; remove it or fix its label")
        values, counts = np.unique(t, return_counts=True)
        if (counts > 1).any():
            msg = f"{expr.source}: trajectory {lab!r} has time {values[counts > 1][0]:g} more than once"
            raise InputError(
                msg, hint="give each replicate its own trajectory label, or average the replicates"
            )


# ---------------------------------------------------------------- detection


def expression_from_anndata(
    adata: object,
    *,
    layer: str | None = None,
    time_key: str = "time",
    trajectory_key: str = "trajectory",
    drop_nan: bool = False,
    require_time: bool = True,
    snapshot: bool = False,
    source: str = "AnnData",
) -> ExpressionData:
    """An in-memory AnnData -> :class:`~dashgrn.tables.ExpressionData`, with the checks of
    :func:`read_expression` (``source`` names it in messages)."""
    raw = _raw_from_anndata(
        source, adata, layer=layer, time_key=time_key, trajectory_key=trajectory_key,
        require_time=require_time and not snapshot, snapshot=snapshot,
    )
    return _finish(source, raw, drop_nan=drop_nan)


def expression_from_frame(
    frame: pd.DataFrame,
    *,
    time_key: str = "time",
    trajectory_key: str = "trajectory",
    drop_nan: bool = False,
    require_time: bool = True,
    snapshot: bool = False,
    source: str = "DataFrame",
) -> ExpressionData:
    """A samples x genes DataFrame (with time / trajectory columns; the index holds the
    sample ids) -> :class:`~dashgrn.tables.ExpressionData`, checked like a table file."""
    header = ["sample", *(str(c) for c in frame.columns)]
    body = np.column_stack([frame.index.astype(str).to_numpy(dtype=object), frame.to_numpy(dtype=object)])
    raw = _raw_from_rows(
        source, header, body, time_key=time_key, trajectory_key=trajectory_key,
        require_time=require_time and not snapshot, snapshot=snapshot,
    )
    return _finish(source, raw, drop_nan=drop_nan)


def _looks_like_h5ad(p: Path) -> bool:
    """An ``.h5ad`` suffix, or the HDF5 signature at the start of the file."""
    if p.suffix.lower() == ".h5ad":
        return True
    with p.open("rb") as fh:
        return fh.read(8) == b"\x89HDF\r\n\x1a\n"


def _traj_header(line: str) -> tuple[int, int] | None:
    """``(dim, ntraj)`` when ``line`` is a 'dim,ntraj' header (two integers, then padding)."""
    cells = [c.strip().strip('"') for c in line.replace("\t", ",").replace(";", ",").split(",")]
    if len(cells) == 1:
        cells = line.split()
    while cells and not cells[-1]:
        cells.pop()
    if len(cells) == 2 and all(c.isdigit() for c in cells):
        return int(cells[0]), int(cells[1])
    return None


# ---------------------------------------------------------------- formats


class _Raw:
    """What a format reader hands to :func:`_finish`."""

    def __init__(
        self,
        X: np.ndarray | sp.spmatrix,
        genes: Sequence[str],
        samples: Sequence[str],
        time: np.ndarray | None,
        trajectory: np.ndarray,
        obs: pd.DataFrame | None = None,
    ) -> None:
        self.X = X
        self.genes = [str(g) for g in genes]
        self.samples = [str(s) for s in samples]
        self.time = time
        self.trajectory = trajectory
        self.obs = obs


def _only_one_column(p: Path, sep: str | None) -> InputError:
    how = "no delimiter was found" if sep is None else f"read with {delimiter_name(sep)} as delimiter"
    msg = f"{p}: only one column found; is the delimiter right? ({how})"
    return InputError(msg, hint="separate fields with commas, tabs, semicolons or whitespace")


def _read_table(
    p: Path, text: str, *, time_key: str, trajectory_key: str, require_time: bool, snapshot: bool = False
) -> _Raw:
    sep = sniff_delimiter(first_lines(text))
    frame = read_raw_table(p, text, sep)
    if frame.shape[1] < 2:
        raise _only_one_column(p, sep)
    return _raw_from_rows(
        p, list(frame.iloc[0]), frame.iloc[1:].to_numpy(dtype=object),
        time_key=time_key, trajectory_key=trajectory_key, require_time=require_time, snapshot=snapshot,
    )


def _raw_from_rows(
    p: Path | str, header: list[str], body: np.ndarray, *, time_key: str, trajectory_key: str, require_time: bool,
    snapshot: bool = False,
) -> _Raw:
    """A samples x columns block (``header`` names the columns of ``body``) -> :class:`_Raw`."""
    if len(body) == 0:
        msg = f"{p}: the table has a header but no samples"
        raise InputError(msg, hint="samples are rows and genes are columns (or use --transpose)")
    used: set[int] = set()
    ti = _key_column(p, header, time_key, "time", required=require_time, default="time")
    ri = _key_column(p, header, trajectory_key, "trajectory", required=False, default="trajectory")
    used.update(i for i in (ti, ri) if i is not None)
    si = 0 if 0 not in used and norm_key(header[0]) in SAMPLE_ID_COLUMNS else None
    if si is not None:
        used.add(si)
    gcols = [i for i in range(len(header)) if i not in used]
    samples = list(body[:, si]) if si is not None else [f"s{i + 1}" for i in range(len(body))]
    _check_names(p, [header[i] for i in gcols], "column", first_index=1)
    X = _numeric(p, body[:, gcols], [header[i] for i in gcols], samples)
    if snapshot:
        ti = ri = None
    time = _parse_time(p, body[:, ti], samples) if ti is not None else None
    traj = _labels(p, body[:, ri], samples) if ri is not None else np.full(len(samples), "1", dtype=object)
    return _Raw(X, [header[i] for i in gcols], samples, time, traj)


def _read_table_transposed(
    p: Path, text: str, *, time_key: str, trajectory_key: str, require_time: bool, snapshot: bool = False
) -> _Raw:
    sep = sniff_delimiter(first_lines(text))
    frame = read_raw_table(p, text, sep)
    if frame.shape[1] < 2:
        raise _only_one_column(p, sep)
    rows = frame.to_numpy(dtype=object)
    samples = [s or f"s{j + 1}" for j, s in enumerate(rows[0, 1:])]
    names = list(rows[1:, 0])
    ti = _key_column(p, names, time_key, "time", required=require_time, default="time", kind="row")
    ri = _key_column(p, names, trajectory_key, "trajectory", required=False, default="trajectory", kind="row")
    grows = [i for i in range(len(names)) if i not in (ti, ri)]
    genes = [names[i] for i in grows]
    _check_names(p, genes, "row", first_index=2)
    values = rows[1:, 1:]
    X = _numeric(p, values[grows].T, genes, samples)
    if snapshot:
        ti = ri = None
    time = _parse_time(p, values[ti], samples) if ti is not None else None
    traj = _labels(p, values[ri], samples) if ri is not None else np.full(len(samples), "1", dtype=object)
    return _Raw(X, genes, samples, time, traj)


def _read_traj(p: Path, text: str, *, genes_file: str | os.PathLike[str] | None) -> _Raw:
    lines = first_lines(text, 2)
    head = _traj_header(lines[0])
    if head is None:
        msg = f"{p}: the first line is not a 'dim,ntraj' header (two integers): {lines[0][:60]!r}"
        raise InputError(msg, hint="use the PHOENIX trajectory layout, or read it as a table (fmt='csv')")
    dim, ntraj = head
    sep = sniff_delimiter(first_lines(text)[1:] or lines)
    rows = split_rows(text, sep)[1:]
    if dim < 2 or ntraj < 1 or len(rows) != ntraj * (dim + 1):
        msg = (
            f"{p}: the header says dim={dim}, ntraj={ntraj}, so {ntraj * (dim + 1)} rows should follow "
            f"({dim} genes + 1 time row per trajectory), but {len(rows)} do"
        )
        raise InputError(msg, hint="check the 'dim,ntraj' header and that no rows are missing")
    genes = read_gene_list(genes_file) if genes_file is not None else [f"g{i + 1}" for i in range(dim)]
    if len(genes) != dim:
        msg = f"{genes_file}: has {len(genes)} gene names but {p} has {dim} genes per trajectory"
        raise InputError(msg, hint="give the gene list of this file, in its row order")
    width = max(len(r) for r in rows)
    blocks, times, labels, samples = [], [], [], []
    for k in range(ntraj):
        block = np.array([r + [""] * (width - len(r)) for r in rows[k * (dim + 1) : (k + 1) * (dim + 1)]], dtype=object)
        keep = ~is_na(block[-1])  # columns with a time; the others are NaN padding
        label = str(k + 1)
        ids = [f"traj{label}_c{j + 1}" for j in np.flatnonzero(keep)]
        t = _parse_time(p, block[-1, keep], ids, where=f"trajectory {label}")
        ids = [f"traj{label}_t{v:g}" for v in t]
        if len(set(ids)) < len(ids):
            ids = [f"traj{label}_t{v:g}_{j + 1}" for j, v in enumerate(t)]
        padded = block[:-1, ~keep]
        if padded.size and not is_na(padded).all():
            log.warning("%s: trajectory %s has values in columns without a time; ignored", p, label)
        blocks.append(_numeric(p, block[:-1, keep].T, genes, ids))
        times.append(t)
        labels += [label] * len(t)
        samples += ids
    X = np.vstack(blocks)
    return _Raw(X, genes, samples, np.concatenate(times), np.array(labels, dtype=object))


def _read_h5ad(
    p: Path, *, layer: str | None, time_key: str, trajectory_key: str, require_time: bool, snapshot: bool = False
) -> _Raw:
    import warnings

    import anndata as ad

    try:
        with warnings.catch_warnings():  # duplicated names get our own error line (_no_duplicates)
            warnings.filterwarnings("ignore", r"(Observation|Variable) names are not unique", UserWarning)
            adata = ad.read_h5ad(p)
    except (OSError, KeyError, TypeError, ValueError, AttributeError) as exc:
        msg = f"{p}: not a valid .h5ad file ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})"
        raise InputError(msg, hint="write it with anndata (adata.write_h5ad), or give a CSV/TSV table") from None
    return _raw_from_anndata(
        p, adata, layer=layer, time_key=time_key, trajectory_key=trajectory_key, require_time=require_time,
        snapshot=snapshot,
    )


def _raw_from_anndata(
    p: Path | str, adata: object, *, layer: str | None, time_key: str, trajectory_key: str, require_time: bool,
    snapshot: bool = False,
) -> _Raw:
    """An in-memory AnnData -> :class:`_Raw` (``p`` names it in messages)."""
    if adata.n_obs == 0:
        raise _no_samples(p, adata.n_vars)
    if layer is not None:
        if layer not in adata.layers:
            have = examples(list(adata.layers.keys()), 10) or "none"
            msg = f"{p}: no layer {layer!r} (layers: {have})"
            raise InputError(msg, hint="choose one of the layers with --layer, or leave --layer out to use .X")
        X = adata.layers[layer]
    else:
        X = adata.X
    if X is None:
        msg = f"{p}: .X is empty"
        raise InputError(msg, hint="choose a layer with --layer")
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool):
        msg = f"{p}: the expression matrix has non-numeric type {X.dtype}"
        raise InputError(msg, hint="store numbers in .X (or the layer)")
    X = sp.csr_matrix(X, dtype=np.float64) if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    samples = [str(s) for s in adata.obs_names]
    obs = adata.obs
    cols = [str(c) for c in obs.columns]
    if snapshot:  # obs keys are not genes: nothing to look up
        ti = ri = None
    else:
        ti = _key_column(p, cols, time_key, "time", required=require_time, default="time", kind="obs key")
        ri = _key_column(p, cols, trajectory_key, "trajectory", required=False, default="trajectory", kind="obs key")
    time = _parse_time(p, obs.iloc[:, ti], samples) if ti is not None else None
    if ri is not None:
        traj = _labels(p, obs.iloc[:, ri], samples)
    else:
        traj = np.full(len(samples), "1", dtype=object)
    genes = [str(g) for g in adata.var_names]
    if "" in genes:
        msg = f"{p}: gene {genes.index('') + 1} of var_names has no name"
        raise InputError(msg, hint="every gene needs a name: set adata.var_names")
    return _Raw(X, genes, samples, time, traj, obs=obs.copy())


# ---------------------------------------------------------------- shared checks


def _key_column(
    p: Path, names: list[str], key: str, what: str, *, required: bool, default: str, kind: str = "column"
) -> int | None:
    """Find the time / trajectory column; fail when it is required or was asked for explicitly."""
    i = find_column(names, key)
    if i is not None:
        return i
    if required or key != default:
        plural = {"column": "columns", "row": "rows", "obs key": "obs keys"}[kind]
        have = examples(names, 8) or "none"
        option = "--time-key" if what == "time" else "--trajectory-key"
        msg = f"{p}: no {what} {kind} {key!r} ({plural}: {have})"
        hint = f"name the {what} {kind} with {option}"
        if kind == "column":
            hint += ", or use --transpose if genes are rows"
        if what == "time" and key == default:
            hint += (
                "; for single-cell snapshots, order the cells in pseudotime with --root-group KEY=VALUE, "
                "--root-cell ID or --pseudotime-key KEY"
            )
        raise InputError(msg, hint=hint)
    return None


def _check_names(p: Path, names: list[str], kind: str, *, first_index: int) -> None:
    empty = [i for i, n in enumerate(names) if not n]
    if empty:
        msg = f"{p}: a gene {kind} has no name (gene {kind} {empty[0] + first_index})"
        raise InputError(msg, hint="every gene needs a name")


def _numeric(p: Path, cells: np.ndarray, genes: list[str], samples: list[str]) -> np.ndarray:
    """Convert a samples x genes block of strings; name the first bad value (column-major)."""
    X, bad = to_float(cells)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        i = int(np.flatnonzero(bad[:, j])[0])
        msg = (
            f"{p}: non-numeric expression value {cells[i, j]!r} in column {genes[j]!r} "
            f"(sample {samples[i]!r}; {int(bad.sum())} non-numeric value(s) in all)"
        )
        hint = "expression values must be numbers; remove annotation columns from the table"
        if re.fullmatch(r"[-+]?\d*,\d+", str(cells[i, j]).strip()):
            hint = "use '.' as the decimal separator (decimal commas are not supported)"
        raise InputError(msg, hint=hint)
    return X


def _parse_time(p: Path, values: np.ndarray | pd.Series, samples: Sequence[str], where: str = "") -> np.ndarray:
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        t, bad = series.to_numpy(dtype=np.float64, na_value=np.nan), np.zeros(len(series), dtype=bool)
    else:
        t, bad = to_float(series.astype(str).to_numpy(dtype=object))
    at = f" ({where})" if where else ""
    hint = "times must be numbers >= 0, one per sample"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = f"{p}: non-numeric time {series.iloc[i]!r} for sample {samples[i]!r}{at}"
        raise InputError(msg, hint=hint)
    nonfinite = ~np.isfinite(t)
    if nonfinite.any():
        i = int(np.flatnonzero(nonfinite)[0])
        msg = f"{p}: missing or infinite time for sample {samples[i]!r}{at}"
        raise InputError(msg, hint=hint)
    if (t < 0).any():
        i = int(np.flatnonzero(t < 0)[0])
        msg = f"{p}: negative time {t[i]:g} for sample {samples[i]!r}{at}"
        raise InputError(msg, hint=hint)
    return t


def _labels(p: Path, values: np.ndarray | pd.Series, samples: Sequence[str]) -> np.ndarray:
    """Trajectory labels as strings; integral numbers lose their ``.0``."""
    series = pd.Series(values) if not isinstance(values, pd.Series) else values
    if pd.api.types.is_float_dtype(series) and np.all(np.mod(series.dropna(), 1) == 0):
        series = series.astype("Int64")
    labels = series.astype(str).str.strip().to_numpy(dtype=object)
    missing = is_na(labels) | (labels == "<NA>")
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        msg = f"{p}: missing trajectory label for sample {samples[i]!r}"
        raise InputError(msg, hint="give every sample a trajectory label")
    num = pd.to_numeric(pd.Series(labels), errors="coerce")
    if num.notna().all() and np.all(np.mod(num, 1) == 0):
        labels = np.array([str(int(v)) for v in num], dtype=object)
    return labels


def _finish(p: Path, raw: _Raw, *, drop_nan: bool) -> ExpressionData:
    if not raw.samples:
        raise _no_samples(p, len(raw.genes))
    if len(raw.genes) < 2:
        msg = f"{p}: fewer than 2 genes ({len(raw.genes)}: {examples(raw.genes)})"
        raise InputError(msg, hint="a network needs at least 2 genes; check the delimiter and the time/trajectory keys")
    _no_duplicates(p, raw.genes, "gene names")
    _no_duplicates(p, raw.samples, "sample ids")
    X = raw.X
    bad_rows, n_bad, first = _bad_values(X, lambda v: ~np.isfinite(v))
    if first is not None and not drop_nan:
        i, j, v = first
        msg = (
            f"{p}: {'missing (NaN)' if np.isnan(v) else 'infinite'} value for sample {raw.samples[i]!r}, "
            f"gene {raw.genes[j]!r} ({n_bad} non-finite values in {len(bad_rows)} samples)"
        )
        raise InputError(msg, hint=_NA_HINT)
    keep = np.ones(X.shape[0], dtype=bool)
    if first is not None:
        keep[bad_rows] = False
        if not keep.any():
            msg = f"{p}: every sample has NaN or infinite values"
            raise InputError(msg, hint="impute the missing values before running dashgrn")
        log.warning("%s: dropped %d of %d samples with NaN/inf values (--drop-nan)", p, len(bad_rows), len(keep))
        X = X[keep]
        if sp.issparse(X):
            X = sp.csr_matrix(X)
    _not_too_large(p, X, [s for s, k in zip(raw.samples, keep) if k], raw.genes)
    idx = np.flatnonzero(keep)
    return ExpressionData(
        X=X,
        genes=raw.genes,
        samples=[raw.samples[i] for i in idx],
        time=raw.time[idx] if raw.time is not None else None,
        trajectory=np.asarray(raw.trajectory, dtype=object)[idx],
        source=str(p),
        obs=raw.obs.iloc[idx] if raw.obs is not None else None,
    )


def _no_samples(p: Path | str, n_genes: int) -> InputError:
    msg = f"{p}: no samples (0 observations of {n_genes} genes)"
    return InputError(msg, hint="the data hold genes but no samples or cells; check that the right file was written")


def _bad_values(
    X: np.ndarray | sp.spmatrix, bad: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, int, tuple[int, int, float] | None]:
    """The rows with a ``bad`` value, how many values are bad, and the first one (row, column, value)."""
    if sp.issparse(X):
        coo = X.tocoo()
        mask = bad(coo.data)
        rows, cols, vals = coo.row[mask], coo.col[mask], coo.data[mask]
        if not mask.any():
            return np.unique(rows), 0, None
        k = int(np.lexsort((cols, rows))[0])
        return np.unique(rows), int(mask.sum()), (int(rows[k]), int(cols[k]), float(vals[k]))
    mask = bad(X)
    bad_rows = np.flatnonzero(mask.any(axis=1))
    if not bad_rows.size:
        return bad_rows, 0, None
    i = int(bad_rows[0])
    j = int(np.flatnonzero(mask[i])[0])
    return bad_rows, int(mask.sum()), (i, j, float(X[i, j]))


def _not_too_large(p: Path | str, X: np.ndarray | sp.spmatrix, samples: list[str], genes: list[str]) -> None:
    """Refuse values above :data:`MAX_ABS_VALUE`: scaling them to [0, 1] and the squares and
    sums of training overflow (or flatten every other value to 0), so the network would be noise."""
    rows, n_big, first = _bad_values(X, lambda v: np.abs(v) > MAX_ABS_VALUE)
    if first is not None:
        i, j, v = first
        msg = (
            f"{p}: expression value {v:.3g} for sample {samples[i]!r}, gene {genes[j]!r} is too large "
            f"({n_big} values in {len(rows)} samples above {MAX_ABS_VALUE:.0e} in absolute value)"
        )
        hint = ("values this large overflow when they are scaled and squared; divide them by a constant "
                "(change the unit), or fix the values that are wrong")
        raise InputError(msg, hint=hint)


def _no_duplicates(p: Path, names: list[str], what: str) -> None:
    counts = pd.Series(names).value_counts()
    dups = [str(n) for n in counts.index[counts > 1]]
    if dups:
        msg = f"{p}: duplicated {what}: {examples(dups)}"
        raise InputError(msg, hint=f"{what} must be unique; rename or merge the duplicates")
