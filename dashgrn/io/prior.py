"""Read prior networks into :class:`~dashgrn.tables.PriorNetwork`.

Accepted layouts (detected automatically, see :func:`read_prior`):

* edge lists with a header (``regulator target [sign] [weight]`` and the aliases
  below, e.g. decoupler's ``source target weight``);
* headerless DREAM-style edge lists (``G1 G2`` or ``G1 G2 1``);
* TF-to-targets tables: one regulator per row and its targets in the further
  (ragged) columns or in one delimited cell, and ``.gmt`` files;
* dense regulator x target matrices with gene names in the first row and column.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ..tables import PRIOR_COLUMNS, PriorNetwork
from ._text import (
    NA_TOKENS,
    WHITESPACE,
    check_file,
    examples,
    find_column,
    first_lines,
    is_number,
    norm_key,
    read_text,
    sniff_delimiter,
    split_rows,
    to_float,
)
from .genes import read_gene_list

log = get_logger(__name__)

FORMATS = ("auto", "edges", "wide", "gmt", "matrix")
#: Column names (compared lower-case, separators as ``_``), in order of preference.
REGULATOR_ALIASES = (
    "regulator", "source", "tf", "from", "regulator_gene", "regulator_name", "source_gene",
    "tf_name", "tf_gene", "tf_symbol", "gene1", "gene_1", "regulators", "tfs",
)
TARGET_ALIASES = (
    "target", "to", "target_gene", "target_name", "target_symbol", "gene", "gene2", "gene_2",
    "targets", "target_genes",
)
SIGN_ALIASES = ("sign", "mode", "mor", "mode_of_regulation", "effect", "regulation", "type", "interaction")
WEIGHT_ALIASES = ("weight", "score", "importance", "confidence", "edge_weight")
#: Weight columns whose sign is the mode of regulation (decoupler's convention).
SIGNED_WEIGHT_COLUMNS = ("weight", "edge_weight")
POSITIVE = frozenset({
    "+", "activation", "activating", "activator", "activates", "act", "positive", "pos", "up",
    "stimulation", "stimulating", "induction", "inducing",
})
NEGATIVE = frozenset({
    "-", "repression", "repressing", "repressor", "represses", "rep", "inhibition", "inhibiting",
    "inhibitor", "inhibits", "negative", "neg", "down",
})
UNKNOWN = frozenset({"unknown", "unk", "?", ".", "undetermined", "dual", "unsigned"}) | NA_TOKENS
_LIST_SPLIT = re.compile(r"[,;|\s]+")


def read_prior(
    path: str | os.PathLike[str],
    *,
    fmt: str = "auto",
    regulator_col: str | None = None,
    target_col: str | None = None,
    genes_file: str | os.PathLike[str] | None = None,
) -> PriorNetwork:
    """Read a prior network file.

    Parameters
    ----------
    path
        The prior file (comma, tab, semicolon or whitespace delimited; ``.gz`` allowed).
    fmt
        ``auto`` (detect), ``edges`` (edge list), ``wide`` (one regulator per row,
        then its targets), ``gmt`` (name, description, genes...; also chosen by the
        ``.gmt`` suffix) or ``matrix`` (regulator x target).
    regulator_col, target_col
        Column names to use instead of the recognised aliases.
    genes_file
        Gene names for a headerless N x N matrix (rows and columns in that order).

    Returns
    -------
    PriorNetwork
        ``edges`` with the columns ``regulator, target, sign, weight``: ``sign`` an int8
        in {+1, -1, 0} (0 = unknown), ``weight`` a float > 0. Duplicated pairs keep their
        first occurrence; self-loops are kept (alignment drops them).

    Notes
    -----
    Signs come from a sign column (``+1/-1``, ``+/-``, ``activation/repression`` and
    similar words; 0 or ``unknown`` = unknown), or, without one, from the sign of a
    ``weight`` column (decoupler/CollecTRI: ``source, target, weight``, negative =
    repression). Weights of 0 mean "no edge" and are dropped. A headerless third
    column is read the same way, except that non-negative values leave the sign
    unknown (DREAM gold standards use 1/0 for edge / no edge). Dense matrices have
    regulators as rows and targets as columns; non-zero entries are edges.

    Raises
    ------
    InputError
        The file is missing, empty or in no recognised layout; the message names the
        columns found and the accepted names.
    """
    if fmt not in FORMATS:
        msg = f"unknown prior format {fmt!r}; choose one of {', '.join(FORMATS)}"
        raise InputError(msg)
    p = check_file(path, what="prior file")
    text = read_text(p)
    suffixes = [s.lower() for s in p.suffixes]
    if fmt == "gmt" or (fmt == "auto" and ".gmt" in suffixes[-2:]):
        edges = _from_wide(p, [row[:1] + row[2:] for row in split_rows(text, "\t", skip_comments=True)])
        log.info("%s: read as a GMT file (set names are the regulators)", p)
    else:
        sep = sniff_delimiter(first_lines(text, skip_comments=True))
        rows = split_rows(text, sep, skip_comments=True)
        edges = _parse(p, rows, sep, fmt=fmt, regulator_col=regulator_col, target_col=target_col, genes_file=genes_file)
    return PriorNetwork(edges=_finish(p, edges), source=str(p))


# ---------------------------------------------------------------- layout detection


def prior_from_frame(edges: pd.DataFrame, *, source: str = "DataFrame") -> PriorNetwork:
    """An edge table -> :class:`~dashgrn.tables.PriorNetwork`, with the column names, sign
    vocabulary and checks of :func:`read_prior` (decoupler's ``source, target, weight`` or
    ``mor``, ``TF``/``gene``, ... as in a file's header)."""
    header = [str(c) for c in edges.columns]
    cols = _match_header(source, header, None, None) if len(edges.columns) >= 2 else None
    if cols is None:
        raise _unrecognised(source, header)
    body = edges.astype(object).where(edges.notna(), "").astype(str).to_numpy(dtype=object).tolist()
    return PriorNetwork(edges=_finish(source, _from_edge_rows(source, header, body, cols, explode=False)), source=source)


def _parse(
    p: Path,
    rows: list[list[str]],
    sep: str | None,
    *,
    fmt: str,
    regulator_col: str | None,
    target_col: str | None,
    genes_file: str | os.PathLike[str] | None,
) -> pd.DataFrame:
    if not rows:
        msg = f"{p}: the prior has no rows (only comments)"
        raise InputError(msg, hint="add one 'regulator target' row per edge")
    if max(len(r) for r in rows) < 2:
        msg = f"{p}: only one column found; is the delimiter right?"
        raise InputError(msg, hint="separate fields with commas, tabs, semicolons or whitespace")
    header = rows[0]
    cols = _match_header(p, header, regulator_col, target_col)
    widths = {len(r) for r in rows}
    if fmt == "wide":
        return _from_wide(p, rows[1:] if cols else rows)
    square_numbers = widths == {len(rows)} and all(is_number(c) for r in rows for c in r)
    if fmt == "matrix" or (fmt == "auto" and cols is None and (square_numbers or _is_matrix(rows))):
        return _from_matrix(p, rows, genes_file)
    if cols is not None:
        if len(header) == 2 and max(widths) > 2:
            return _from_wide(p, rows[1:])
        return _from_edge_rows(p, header, rows[1:], cols, explode=len(header) == 2 and sep != WHITESPACE)
    if widths == {2}:
        log.info("%s: no header recognised; read as a headerless regulator-target list", p)
        return _from_edge_rows(p, ["regulator", "target"], rows, {"regulator": 0, "target": 1},
                               explode=sep != WHITESPACE)
    if widths == {3} and all(is_number(r[2]) for r in rows):
        log.info("%s: no header recognised; read as a headerless 3-column (DREAM-style) edge list", p)
        return _from_dream(p, rows)
    if fmt == "auto" and min(widths) >= 2 and not any(is_number(c) for r in rows for c in r[1:]):
        log.info("%s: read as a TF-to-targets table (one regulator per row, then its targets)", p)
        return _from_wide(p, rows)
    raise _unrecognised(p, header)


def _match_header(
    p: Path, header: list[str], regulator_col: str | None, target_col: str | None
) -> dict[str, int] | None:
    """Positions of the regulator/target/sign/weight columns, or ``None`` when not a header."""
    keys = [norm_key(c) for c in header]
    cols: dict[str, int] = {}
    for role, aliases in (("regulator", REGULATOR_ALIASES), ("target", TARGET_ALIASES),
                          ("sign", SIGN_ALIASES), ("weight", WEIGHT_ALIASES)):
        for alias in aliases:
            if alias in keys and keys.index(alias) not in cols.values():
                cols[role] = keys.index(alias)
                break
    for role, name in (("regulator", regulator_col), ("target", target_col)):
        if name is None:
            continue
        i = find_column(header, name)
        if i is None:
            msg = f"{p}: no {role} column {name!r} (columns: {examples(header, 10)})"
            raise InputError(msg, hint=f"give the name of the {role} column as it appears in the header")
        cols[role] = i
    if "regulator" not in cols or "target" not in cols:
        if regulator_col is not None or target_col is not None:
            raise _unrecognised(p, header)
        return None
    if cols["regulator"] == cols["target"]:
        raise _unrecognised(p, header)
    for role, i in cols.items():
        if keys[i] != role:
            log.info("%s: column %r read as %s", p, header[i], role)
    return cols


def _unrecognised(p: Path, header: list[str]) -> InputError:
    msg = (
        f"{p}: cannot find the regulator and target columns (columns found: {examples(header, 8)}); "
        f"accepted regulator names: {', '.join(REGULATOR_ALIASES[:9])}; "
        f"target names: {', '.join(TARGET_ALIASES[:7])}; optional sign: {', '.join(SIGN_ALIASES[:4])}; "
        f"weight: {', '.join(WEIGHT_ALIASES[:4])}"
    )
    hint = (
        "rename the columns (case does not matter), or use a headerless 'regulator target [value]' list, "
        "a TF-to-targets table or a regulator x target matrix"
    )
    return InputError(msg, hint=hint)


def _is_matrix(rows: list[list[str]]) -> bool:
    """Gene names in the first row and column, numbers elsewhere."""
    body = rows[1:]
    if not body:
        return False
    n = len(body[0])
    if n < 3 or any(len(r) != n for r in body) or len(rows[0]) not in (n, n - 1):
        return False
    names = rows[0][-(n - 1):]
    if any(not c or is_number(c) for c in names) or any(is_number(r[0]) for r in body):
        return False
    return all(is_number(c) or c.lower() in NA_TOKENS for r in body for c in r[1:])


# ---------------------------------------------------------------- layouts


def _from_edge_rows(
    p: Path, header: list[str], body: list[list[str]], cols: dict[str, int], *, explode: bool
) -> pd.DataFrame:
    if not body:
        msg = f"{p}: the prior has a header but no edges"
        raise InputError(msg, hint="add one 'regulator target' row per edge")

    def column(i: int) -> np.ndarray:
        return np.array([r[i] if i < len(r) else "" for r in body], dtype=object)

    reg, tgt = column(cols["regulator"]), column(cols["target"])
    n = len(body)
    sign = np.zeros(n, dtype=np.int8)
    weight = np.ones(n, dtype=np.float64)
    magnitude = None
    if "sign" in cols:
        sign, magnitude = _parse_sign(p, column(cols["sign"]), header[cols["sign"]])
    if "weight" in cols:
        name = header[cols["weight"]]
        w, bad = to_float(column(cols["weight"]))
        if bad.any() or np.isinf(w).any():
            i = int(np.flatnonzero(bad | np.isinf(w))[0])
            msg = f"{p}: non-numeric weight {body[i][cols['weight']]!r} in column {name!r} (row {i + 2})"
            raise InputError(msg, hint="weights must be numbers")
        missing = np.isnan(w)
        if missing.any():
            assumed = f"the sign of {header[cols['sign']]!r}" if "sign" in cols else "an unknown sign (0)"
            log.warning("%s: %d edges have no %r value (NaN or empty, the first on row %d); assumed weight 1 "
                        "and %s", p, int(missing.sum()), name, int(np.flatnonzero(missing)[0]) + 2, assumed)
        signs_of_w = np.sign(np.where(missing, 0.0, w)).astype(np.int8)  # a missing weight says nothing
        if "sign" not in cols and (norm_key(name) in SIGNED_WEIGHT_COLUMNS or (w < 0).any()):
            sign = signs_of_w
            log.info("%s: no sign column; the sign of %r is the mode of regulation", p, name)
        elif (w < 0).any():
            sign = np.where(sign == 0, signs_of_w, sign).astype(np.int8)
        weight = np.where(missing, 1.0, np.abs(w))
    elif magnitude is not None:
        weight = magnitude
    else:
        log.info("%s: no weight column; every edge gets weight 1", p)
    edges = pd.DataFrame({"regulator": reg, "target": tgt, "sign": sign, "weight": weight})
    return _explode(edges) if explode else edges


def _parse_sign(p: Path, cells: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray | None]:
    """Signs from words or numbers; also the magnitudes when the numbers are not just -1/0/1."""
    sign = np.zeros(len(cells), dtype=np.int8)
    mag = np.ones(len(cells), dtype=np.float64)
    for i, cell in enumerate(cells):
        low = str(cell).strip().lower()
        if low in POSITIVE:
            sign[i] = 1
        elif low in NEGATIVE:
            sign[i] = -1
        elif low in UNKNOWN:
            sign[i] = 0
        elif is_number(low):
            v = float(low)
            sign[i] = np.sign(v)
            mag[i] = abs(v) if v != 0 else 1.0
        else:
            msg = f"{p}: unknown sign {cell!r} in column {name!r} (row {i + 2})"
            hint = "use +1/-1/0, +/-, or activation/repression/unknown"
            raise InputError(msg, hint=hint)
    return sign, (mag if not np.isin(mag, (1.0,)).all() else None)


def _from_dream(p: Path, rows: list[list[str]]) -> pd.DataFrame:
    v = np.array([float(r[2]) for r in rows])
    zero = v == 0
    if zero.any():
        log.info("%s: dropped %d rows with value 0 (not an edge)", p, int(zero.sum()))
    signed = (v < 0).any()
    return pd.DataFrame({
        "regulator": [r[0] for r in rows],
        "target": [r[1] for r in rows],
        "sign": np.sign(v).astype(np.int8) if signed else np.zeros(len(v), dtype=np.int8),
        "weight": np.abs(v),
    })[~zero]


def _from_wide(p: Path, rows: list[list[str]]) -> pd.DataFrame:
    regs, tgts = [], []
    for row in rows:
        if not row or not row[0]:
            continue
        for cell in row[1:]:
            for gene in _LIST_SPLIT.split(cell.strip()):
                if gene:
                    regs.append(row[0])
                    tgts.append(gene)
    if not regs:
        msg = f"{p}: no regulator with targets found"
        raise InputError(msg, hint="give one regulator per row followed by its targets")
    return pd.DataFrame({"regulator": regs, "target": tgts, "sign": np.int8(0), "weight": 1.0})


def _from_matrix(p: Path, rows: list[list[str]], genes_file: str | os.PathLike[str] | None) -> pd.DataFrame:
    if all(is_number(c) for r in rows for c in r):
        n = len(rows)
        if any(len(r) != n for r in rows):
            msg = f"{p}: a headerless numeric prior must be a square N x N matrix"
            raise InputError(msg, hint="add gene names as the first row and column")
        if genes_file is None:
            msg = f"{p}: looks like a headerless {n} x {n} matrix, but its gene names are unknown"
            raise InputError(msg, hint="add gene names as the first row and column, or give a gene list")
        genes = read_gene_list(genes_file)
        if len(genes) != n:
            msg = f"{genes_file}: has {len(genes)} genes but the matrix {p} is {n} x {n}"
            raise InputError(msg, hint="give the gene list in the matrix's row order")
        regs, tgts, values = genes, genes, np.array(rows, dtype=object)
    else:
        body = rows[1:]
        ncol = max(len(r) for r in body) if body else 0
        if not body or any(len(r) != ncol for r in body) or len(rows[0]) not in (ncol, ncol - 1):
            msg = f"{p}: not a regulator x target matrix (rows of different lengths)"
            raise InputError(msg, hint="give gene names in the first row and column and numbers elsewhere")
        tgts = rows[0][-(ncol - 1):]
        regs = [r[0] for r in body]
        values = np.array([r[1:] for r in body], dtype=object)
    v, bad = to_float(values)
    if bad.any():
        i, j = (int(a[0]) for a in np.nonzero(bad))
        msg = f"{p}: non-numeric matrix entry {values[i, j]!r} (row {regs[i]!r}, column {tgts[j]!r})"
        raise InputError(msg, hint="matrix entries must be numbers (0 = no edge)")
    v = np.nan_to_num(v, nan=0.0)
    i, j = np.nonzero(v)
    log.info("%s: read as a regulator x target matrix (%d x %d, rows = regulators)", p, len(regs), len(tgts))
    return pd.DataFrame({
        "regulator": np.asarray(regs, dtype=object)[i],
        "target": np.asarray(tgts, dtype=object)[j],
        "sign": np.sign(v[i, j]).astype(np.int8),
        "weight": np.abs(v[i, j]),
    })


def _explode(edges: pd.DataFrame) -> pd.DataFrame:
    """Split target cells that hold lists (``"A,B;C"``) into one edge per target."""
    tgt = edges["target"].astype(str)
    if not tgt.str.contains(_LIST_SPLIT).any():
        return edges
    edges = edges.assign(target=tgt.map(lambda s: [g for g in _LIST_SPLIT.split(s.strip()) if g]))
    return edges.explode("target", ignore_index=True).dropna(subset=["target"])


def _finish(p: Path, edges: pd.DataFrame) -> pd.DataFrame:
    edges = edges.assign(
        regulator=edges["regulator"].astype(str).str.strip(),
        target=edges["target"].astype(str).str.strip(),
    )
    empty = (edges["regulator"] == "") | (edges["target"] == "")
    if empty.any():
        log.warning("%s: dropped %d rows without a regulator or target name", p, int(empty.sum()))
        edges = edges[~empty]
    zero = edges["weight"].to_numpy() == 0
    if zero.any():
        log.info("%s: dropped %d edges with weight 0", p, int(zero.sum()))
        edges = edges[~zero]
    if edges.empty:
        msg = f"{p}: the prior has no edges"
        raise InputError(msg, hint="give at least one regulator -> target edge")
    dup = edges.duplicated(["regulator", "target"], keep="first")
    if dup.any():
        log.info("%s: %d duplicated regulator-target pairs; kept the first of each", p, int(dup.sum()))
        edges = edges[~dup]
    out = pd.DataFrame({
        "regulator": edges["regulator"].to_numpy(dtype=object),
        "target": edges["target"].to_numpy(dtype=object),
        "sign": edges["sign"].to_numpy().astype(np.int8),
        "weight": edges["weight"].to_numpy(dtype=np.float64),
    })
    log.info("%s: %d prior edges (%d regulators, %d targets)", p, len(out),
             out["regulator"].nunique(), out["target"].nunique())
    return out[PRIOR_COLUMNS]
