"""Read predicted networks: :func:`read_prediction` and :func:`normalize_prediction`.

Predictions are normalised to one long table with the columns
``regulator, target, weight, sign``:

=====================  ==============================================  ==================
format                 layout                                          weight / sign
=====================  ==============================================  ==================
dashgrn ``edges.tsv``  ``regulator target weight sign rank`` (header)  weight, sign column
arboreto / pySCENIC    ``TF target importance`` (header or none)       importance, unknown
BEELINE                ``Gene1 Gene2 EdgeWeight`` (rankedEdges.csv)    EdgeWeight, see below
PANDA                  ``tf gene motif force`` (header or none)        force, unknown
headerless 3 columns   ``regulator target weight``                     weight, see below
edge list, no weight   ``regulator target[ sign]`` (header)            1 for every edge
dense matrix           gene names in the first row and first column;   entry, see below
                       rows are regulators, columns targets
=====================  ==============================================  ==================

dashgrn's ``edges.tsv`` may carry ``effect``, ``in_prior`` and ``confidence`` columns (older
runs lack some of them): they are ignored, and ``weight`` is the score, also when a
``confidence`` column is present (``weight`` comes first among the weight aliases). To score a
network by its confidence instead, give a table with only that column as its weight.

"See below": when the weights include negative numbers they are read as signed
(``sign = sign(weight)``); when every weight is >= 0 the mode of regulation is
unknown (``sign = 0``), since a non-negative score says nothing about it.

Columns are found by name (see :mod:`dashgrn.io._columns`) and the separator is that
of the first line (see :func:`dashgrn.io._text.read_cells`). Every problem raises
:class:`~dashgrn.InputError` with the path, the problem and a hint. numpy and pandas
only.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ._columns import REGULATOR, SIGN, TARGET, WEIGHT, check_genes, parse_numbers, parse_signs
from ._text import EDGE_NA_TOKENS, compact_key, find_alias, is_number, printable, read_cells

log = get_logger(__name__)

PREDICTION_COLUMNS = ["regulator", "target", "weight", "sign"]

_PREDICTION_HINT = (
    "expected an edge list 'regulator target weight' (dashgrn edges.tsv, arboreto, BEELINE "
    "rankedEdges.csv, PANDA 'tf gene motif force', headerless 3 columns) or a matrix with gene "
    "names in its first row and column"
)


def _is_number(cell: str) -> bool:
    """A number, ``nan`` included (the rule this reader has always had)."""
    return is_number(cell, na_tokens=frozenset())


def normalize_prediction(table: pd.DataFrame, *, source: str = "<memory>") -> pd.DataFrame:
    """Check and normalise a prediction table to ``regulator, target, weight, sign``.

    Parameters
    ----------
    table
        An edge table whose columns are named like those of the files this module
        reads (``regulator``/``TF``/``Gene1``, ``target``/``gene``/``Gene2``,
        ``weight``/``importance``/``EdgeWeight``/``force``, optional ``sign``). Without
        a weight column every listed edge gets weight 1.
    source
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``regulator`` and ``target`` (str), ``weight`` (float, as given: possibly
        negative) and ``sign`` (int8: +1, -1, or 0 when unknown). Rows are kept as
        given (duplicates and self-loops are handled by the scorer).

    Raises
    ------
    InputError
        Missing columns, non-numeric, NaN or infinite weights, bad signs, no rows.
    """
    if not isinstance(table, pd.DataFrame):
        msg = f"{source}: expected a pandas DataFrame, got {type(table).__name__}"
        raise InputError(msg, hint=_PREDICTION_HINT)
    cols = [str(c) for c in table.columns]
    ri, ti = find_alias(cols, REGULATOR), find_alias(cols, TARGET)
    if ri is None or ti is None or ri == ti:
        msg = f"{source}: no regulator/target columns (found: {printable(', '.join(cols)) or 'none'})"
        raise InputError(msg, hint=_PREDICTION_HINT)
    if len(table) == 0:
        msg = f"{source}: the prediction has no edges"
        raise InputError(msg, hint=_PREDICTION_HINT)
    wi, si = find_alias(cols, WEIGHT), find_alias(cols, SIGN)
    reg = table.iloc[:, ri].astype(str).str.strip()
    tgt = table.iloc[:, ti].astype(str).str.strip()
    check_genes(reg, tgt, source=source, first_row=1)
    if wi is None:
        weight = np.ones(len(table), dtype=np.float64)
    else:
        col = table.iloc[:, wi]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            weight = col.to_numpy(dtype=np.float64)
            if np.isnan(weight).any():
                i = int(np.flatnonzero(np.isnan(weight))[0])
                msg = f"{source}: {int(np.isnan(weight).sum())} NaN weight(s), the first on row {i + 1}"
                raise InputError(msg, hint="remove those rows or give them a number (0 means no edge)")
            if not np.isfinite(weight).all():
                msg = f"{source}: infinite weights"
                raise InputError(msg, hint="every weight must be a finite number")
        else:
            weight = parse_numbers(col, source=source, what="weight", first_row=1)
    if si is not None:
        scol = table.iloc[:, si]
        if pd.api.types.is_numeric_dtype(scol) and not scol.isna().any():
            sign = np.sign(scol.to_numpy(dtype=np.float64)).astype(np.int8)
        else:
            sign = parse_signs(scol, source=source, first_row=1)
    elif (weight < 0).any():
        sign = np.sign(weight).astype(np.int8)
    else:
        sign = np.zeros(len(weight), dtype=np.int8)
    out = pd.DataFrame(
        {"regulator": reg.to_numpy(), "target": tgt.to_numpy(), "weight": weight, "sign": sign}
    )
    out.attrs["source"] = source
    out.attrs["format"] = str(table.attrs.get("format", "table"))
    return out


def _matrix_to_long(df: pd.DataFrame, *, source: str) -> pd.DataFrame:
    cols = [str(c) for c in df.iloc[0, 1:].tolist()]
    if any(c == "" for c in cols):
        msg = f"{source}: a matrix column has no gene name"
        raise InputError(msg, hint="the first row of a matrix must name every target gene")
    body = df.iloc[1:]
    rows = body.iloc[:, 0].astype(str)
    if (rows == "").any():
        msg = f"{source}: a matrix row has no gene name"
        raise InputError(msg, hint="the first column of a matrix must name every regulator gene")
    values = np.column_stack(
        [parse_numbers(body.iloc[:, j], source=source, what="matrix value", first_row=2) for j in range(1, df.shape[1])]
    )
    r, c = np.nonzero(values)
    w = values[r, c]
    long = pd.DataFrame(
        {"regulator": rows.to_numpy()[r], "target": np.asarray(cols, dtype=object)[c], "weight": w}
    )
    if len(long) == 0:
        msg = f"{source}: the matrix has no non-zero entry"
        raise InputError(msg, hint="a prediction needs at least one edge with a non-zero weight")
    return long


def read_prediction(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a predicted network in any supported layout.

    Parameters
    ----------
    path
        An edge list or a dense matrix (see the module docstring for the layouts);
        ``.gz`` files are decompressed.

    Returns
    -------
    pandas.DataFrame
        ``regulator, target, weight, sign`` (see :func:`normalize_prediction`), with
        ``attrs["source"]`` (the path) and ``attrs["format"]`` (the detected layout).

    Raises
    ------
    InputError
        The file is missing, empty, has unrecognised or missing columns, or
        non-numeric, NaN or infinite weights.
    """
    path = Path(path)
    source = str(path)
    head, df = read_cells(path, what="prediction", hint=_PREDICTION_HINT)
    ncol = df.shape[1]
    ri, ti = find_alias(head, REGULATOR), find_alias(head, TARGET)
    has_header = ri is not None and ti is not None and ri != ti
    if has_header:
        body = df.iloc[1:].reset_index(drop=True)
        body.columns = head
        normed = {compact_key(h) for h in head}
        if {"motif", "force"} <= normed:
            fmt = "panda"
        elif {"gene1", "gene2"} <= normed:
            fmt = "beeline"
        elif "importance" in normed:
            fmt = "arboreto"
        elif {"regulator", "target"} <= normed:
            fmt = "dashgrn" if {"weight", "sign"} <= normed else "edge-list"
        else:
            fmt = "edge-list"
        if len(body) == 0:
            msg = f"{source}: the prediction has a header but no edges"
            raise InputError(msg, hint=_PREDICTION_HINT)
        check_genes(body.iloc[:, ri], body.iloc[:, ti], source=source, first_row=2)
        clean = pd.DataFrame({"regulator": body.iloc[:, ri], "target": body.iloc[:, ti]})
        wi, si = find_alias(head, WEIGHT), find_alias(head, SIGN)
        if wi is None:
            log.info("%s: no weight column; every listed edge gets weight 1", source)
        else:
            clean["weight"] = parse_numbers(body.iloc[:, wi], source=source, what="weight", first_row=2)
        if si is not None:
            clean["sign"] = parse_signs(body.iloc[:, si], source=source, first_row=2)
        body = clean
    elif ncol >= 3 and len(df) >= 2 and _looks_like_matrix(df):
        fmt = "matrix"
        body = _matrix_to_long(df, source=source)
    elif ncol in (2, 3, 4) and not any(compact_key(c) in WEIGHT for c in head):
        if ncol == 4:
            motif = pd.to_numeric(df.iloc[:, 2], errors="coerce")
            if motif.isna().any() or not motif.isin([0, 1]).all():
                msg = (
                    f"{source}: 4 columns without a header; expected PANDA 'tf gene motif force' "
                    "with motif 0/1 in the third column"
                )
                raise InputError(msg, hint=_PREDICTION_HINT)
            fmt = "panda"
            body = pd.DataFrame({"tf": df.iloc[:, 0], "gene": df.iloc[:, 1], "force": df.iloc[:, 3]})
        elif ncol == 3:
            if not _is_number(df.iloc[0, 2]):
                msg = f"{source}: unrecognised header {' '.join(head)!r}"
                raise InputError(msg, hint=_PREDICTION_HINT)
            fmt = "edge-list (no header)"
            body = pd.DataFrame({"regulator": df.iloc[:, 0], "target": df.iloc[:, 1], "weight": df.iloc[:, 2]})
        else:
            fmt = "edge-list (no header, no weights)"
            log.info("%s: two columns; every listed edge gets weight 1", source)
            body = pd.DataFrame({"regulator": df.iloc[:, 0], "target": df.iloc[:, 1]})
        check_genes(body.iloc[:, 0], body.iloc[:, 1], source=source, first_row=1)
        if "weight" in body or "force" in body:
            wname = "weight" if "weight" in body else "force"
            body[wname] = parse_numbers(body[wname], source=source, what="weight", first_row=1)
    else:
        msg = f"{source}: unrecognised layout ({ncol} columns; first row: {printable(' '.join(head[:6]))})"
        raise InputError(msg, hint=_PREDICTION_HINT)
    if fmt == "panda":
        # PANDA's force is a likelihood score: negative means unlikely, not repression.
        body["sign"] = 0
    body.attrs["format"] = fmt
    out = normalize_prediction(body, source=source)
    log.debug("%s: read %d edges (%s)", source, len(out), fmt)
    return out


def _looks_like_matrix(df: pd.DataFrame) -> bool:
    """A first row of names, then rows of a name followed by numbers only."""
    head = df.iloc[0, 1:]
    if head.map(_is_number).all():
        return False
    body = df.iloc[1:, 1:]
    sample = body.iloc[: min(len(body), 50)]
    return bool(sample.map(lambda c: _is_number(c) or c.lower() in EDGE_NA_TOKENS).all().all())
