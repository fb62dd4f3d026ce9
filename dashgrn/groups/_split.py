"""The expression of every group of ``--groupby KEY``: an ``.h5ad`` obs key or a table's column."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import ConfigError, InputError
from .._log import get_logger
from ..io import as_expression, expression_from_frame
from ..io._text import examples, find_column, first_lines, norm_key, read_raw_table, read_text, sniff_delimiter
from ..io.expression import SAMPLE_ID_COLUMNS
from ..tables import ExpressionData

log = get_logger(__name__)


def _is_h5ad(path: Path) -> bool:
    if path.suffix.lower() == ".h5ad":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(8) == b"\x89HDF\r\n\x1a\n"
    except OSError:
        return False


def _labels_of(values: Any, key: str, where: str, samples: list[str]) -> np.ndarray:
    """Group labels as strings; ``None`` for a missing or empty value."""
    series = pd.Series(list(values), dtype=object)
    missing = series.isna().to_numpy() | (series.astype(str).str.strip() == "").to_numpy()
    labels = np.array([None if m else str(v).strip() for v, m in zip(series, missing)], dtype=object)
    if missing.all():
        msg = f"{where}: --groupby {key}: every sample's value is missing"
        raise InputError(msg, hint="name a column that gives every sample its group")
    if missing.any():
        log.warning("%s: %d of %d samples have no %s and are left out (first: %s)", where, int(missing.sum()),
                    len(labels), key, examples([s for s, m in zip(samples, missing) if m], 3))
    return labels


def _table(path: Path, key: str, opts: dict[str, Any]) -> tuple[ExpressionData, np.ndarray]:
    """A samples x genes table: the group column is taken out before the rest is read as usual."""
    text = read_text(path)
    frame = read_raw_table(path, text, sniff_delimiter(first_lines(text)))
    header = [str(c) for c in frame.iloc[0]]
    col = find_column(header, key)
    if col is None:
        msg = f"{path}: --groupby {key}: no such column (columns: {examples(header, 8)})"
        raise InputError(msg, hint="name the column that holds each sample's group (e.g. --groupby condition)")
    body = frame.iloc[1:].reset_index(drop=True)
    keys = {opts["time_key"], opts["trajectory_key"]}
    rest = [i for i in range(len(header)) if i != col]
    first = rest[0] if rest else None
    if first is not None and first == 0 and norm_key(header[0]) in SAMPLE_ID_COLUMNS and header[0] not in keys:
        ids, rest = body.iloc[:, 0].tolist(), rest[1:]
    else:
        ids = [f"s{i + 1}" for i in range(len(body))]
    data = pd.DataFrame(body.iloc[:, rest].to_numpy(dtype=object), columns=[header[i] for i in rest], index=ids)
    expr = expression_from_frame(data, source=str(path), **opts)
    by_id = dict(zip(ids, body.iloc[:, col].tolist()))
    return expr, _labels_of([by_id[s] for s in expr.samples], key, str(path), expr.samples)


def read_grouped(expression: Any, key: str, *, options: dict[str, Any], transpose: bool = False,
                 layer: str | None = None) -> tuple[ExpressionData, np.ndarray]:
    """The expression (read once, checked as ``dashgrn infer`` reads it) and every sample's
    group (``None``: no group, left out). ``expression`` is a path (``.h5ad``: the obs key
    ``key``; a table: the column ``key``), an AnnData, a DataFrame or an ExpressionData (its ``obs``)."""
    if transpose:
        msg = "--groupby needs samples as rows: a samples x genes table or an .h5ad (not --transpose)"
        raise ConfigError(msg, hint="transpose the table first, or split it yourself and run each part")
    if isinstance(expression, (str, os.PathLike)) and not _is_h5ad(Path(expression)):
        return _table(Path(expression), key, options)
    if isinstance(expression, pd.DataFrame):
        if key not in expression.columns:
            msg = f"--groupby {key}: the DataFrame has no such column"
            raise InputError(msg)
        expr = as_expression(expression.drop(columns=[key]), **options)
        by_id = dict(zip(expression.index.astype(str), expression[key]))
        return expr, _labels_of([by_id[s] for s in expr.samples], key, "DataFrame", expr.samples)
    expr = as_expression(expression, layer=layer, **options)
    obs = expr.obs
    if obs is None or key not in obs.columns:
        found = [] if obs is None else [str(c) for c in obs.columns]
        msg = f"{expr.source}: --groupby {key}: no such obs key (obs keys: {examples(found, 8) or 'none'})"
        raise InputError(msg, hint="name the obs column that holds each cell's group (e.g. --groupby cell_type)")
    return expr, _labels_of(obs[key].to_numpy(dtype=object), key, expr.source, expr.samples)


def subset(expr: ExpressionData, rows: np.ndarray, source: str) -> ExpressionData:
    """The samples ``rows`` (indices) of ``expr``."""
    X = expr.X.tocsr()[rows] if sp.issparse(expr.X) else expr.X[rows]
    return ExpressionData(
        X=X, genes=list(expr.genes), samples=[expr.samples[i] for i in rows],
        time=expr.time[rows] if expr.time is not None else None, trajectory=np.asarray(expr.trajectory)[rows],
        source=source, obs=expr.obs.iloc[rows] if expr.obs is not None else None,
    )
