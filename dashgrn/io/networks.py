"""Readers for predicted networks and gold standards (truth networks).

Predictions (:func:`read_prediction`) are normalised to one long table with the
columns ``regulator, target, weight, sign``:

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

"See below": when the weights include negative numbers they are read as signed
(``sign = sign(weight)``); when every weight is >= 0 the mode of regulation is
unknown (``sign = 0``), since a non-negative score says nothing about it.

Gold standards (:func:`read_truth`) are normalised to :class:`Truth`:

* BEELINE ``refNetwork.csv``: ``Gene1,Gene2,Type`` with ``Type`` ``+`` or ``-``;
* a TSV ``regulator target [sign]`` such as SIM350's ``sim350_truth.tsv``;
* DREAM gold standards: headerless ``G1 G2 1|0`` where the ``0`` rows are explicit
  negatives (the pairs that can be scored are then the listed ones);
* a header with a ``label`` column (0/1) works like a DREAM file.

Columns are found by name, ignoring case, ``_``, ``-`` and spaces (``TF`` and
``Gene1`` are regulators, ``importance`` and ``EdgeWeight`` weights, ...).
Separators are detected from the first line: tab, then comma, then whitespace.
Every problem raises :class:`~dashgrn.InputError` with the path, the problem and
a hint.

This module uses numpy and pandas only.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from ._text import check_file
from .._log import get_logger

log = get_logger(__name__)

PREDICTION_COLUMNS = ["regulator", "target", "weight", "sign"]
TRUTH_COLUMNS = ["regulator", "target", "sign", "label"]

_REGULATOR = ("regulator", "regulators", "tf", "tfs", "source", "gene1", "from", "regulatorygene", "reg")
_TARGET = ("target", "targets", "gene", "gene2", "to", "targetgene")
_WEIGHT = (
    "weight", "importance", "edgeweight", "force", "score", "value", "confidence",
    "coef", "coefficient", "effect",
)
_SIGN = ("sign", "type", "mode", "modeofregulation")
_LABEL = ("label", "gold", "truth", "class")

_NAN_TOKENS = frozenset({"", "nan", "na", "n/a", "null", "none", "-nan"})
_SIGN_TOKENS: dict[str, int] = {
    "+": 1, "-": -1, "+1": 1, "1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0,
    "activation": 1, "activating": 1, "activator": 1, "activates": 1, "positive": 1,
    "repression": -1, "repressing": -1, "repressor": -1, "represses": -1, "inhibition": -1,
    "inhibiting": -1, "inhibitory": -1, "negative": -1,
    "": 0, "?": 0, "unknown": 0, "na": 0, "nan": 0, "none": 0, "unsigned": 0,
}

_PREDICTION_HINT = (
    "expected an edge list 'regulator target weight' (dashgrn edges.tsv, arboreto, BEELINE "
    "rankedEdges.csv, PANDA 'tf gene motif force', headerless 3 columns) or a matrix with gene "
    "names in its first row and column"
)
_TRUTH_HINT = (
    "expected BEELINE refNetwork.csv (Gene1,Gene2,Type), a TSV 'regulator target [sign]', or a "
    "DREAM gold standard 'G1 G2 1|0' without header"
)


# --------------------------------------------------------------------------------------
# Types


@dataclass
class Truth:
    """A gold-standard network.

    Attributes
    ----------
    edges
        Columns ``regulator, target, sign, label``. ``label`` is 1 for a true edge and
        0 for an explicit negative (DREAM files); ``sign`` is +1 (activation), -1
        (repression) or 0 (unknown or not an edge). Pairs are unique; self-loops are
        kept here and excluded when a universe is built.
    source
        Where it came from (a path or a description), for messages.
    format
        The detected layout: ``beeline``, ``tsv``, ``dream``, ``labelled``, ``pairs``
        or ``table`` (built in memory).
    """

    edges: pd.DataFrame
    source: str = "<memory>"
    format: str = "table"

    @property
    def positives(self) -> pd.DataFrame:
        """The true edges (``label == 1``)."""
        return self.edges[self.edges["label"] == 1]

    @property
    def listed(self) -> bool:
        """Whether the file lists explicit negatives, so that only listed pairs can be scored."""
        return bool((self.edges["label"] == 0).any())

    @property
    def signed(self) -> bool:
        """Whether any true edge has a known sign."""
        return bool((self.positives["sign"] != 0).any())

    @property
    def n_edges(self) -> int:
        """Number of true edges."""
        return int((self.edges["label"] == 1).sum())

    @property
    def genes(self) -> list[str]:
        """Sorted genes of every listed pair (true edges and explicit negatives)."""
        return sorted(set(self.edges["regulator"]) | set(self.edges["target"]))

    @property
    def regulators(self) -> list[str]:
        """Sorted regulators of the true edges."""
        return sorted(set(self.positives["regulator"]))


# --------------------------------------------------------------------------------------
# Low-level reading


def _norm(name: object) -> str:
    return re.sub(r"[\s_\-.]", "", str(name).strip().lower())


def _find(names: list[str], wanted: tuple[str, ...]) -> int | None:
    normed = [_norm(n) for n in names]
    for w in wanted:
        if w in normed:
            return normed.index(w)
    return None


def _check_file(path: Path, what: str) -> None:
    check_file(path, what=f"{what} file")
    if not os.access(path, os.R_OK):
        msg = f"{path}: {what} file cannot be read (permission denied)"
        raise InputError(msg, hint="check the file permissions")


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the caller


def _split(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return line.split()
    return [c.strip() for c in next(csv.reader([line], delimiter=sep))]


def _read_rows(path: str | os.PathLike[str], what: str) -> tuple[list[str], pd.DataFrame, str]:
    """Read a delimited text file as strings.

    Returns the first row's cells, the whole table (first row included, all cells as
    stripped strings, ``""`` where a row is short) and a separator name for messages.
    A first row one cell shorter than the others (R's ``write.table`` matrices) gets
    an empty first cell.
    """
    path = Path(path)
    _check_file(path, what)
    try:
        with _open_text(path) as fh:
            n_skip = 0
            first = None
            for raw in fh:
                line = raw.rstrip("\r\n")
                if line.strip() and not line.lstrip().startswith("#"):
                    first = line
                    break
                n_skip += 1
    except UnicodeDecodeError:
        msg = f"{path}: not a UTF-8 text file"
        raise InputError(msg, hint=_PREDICTION_HINT if what == "prediction" else _TRUTH_HINT) from None
    except (OSError, EOFError) as exc:
        msg = f"{path}: cannot read the {what} file ({exc})"
        raise InputError(msg, hint="check that the file is a complete (gzip) text file") from None
    if first is None:
        msg = f"{path}: the {what} file is empty"
        raise InputError(msg, hint=_PREDICTION_HINT if what == "prediction" else _TRUTH_HINT)
    if "\t" in first:
        sep, sep_name = "\t", "tab"
    elif "," in first:
        sep, sep_name = ",", "comma"
    else:
        sep, sep_name = None, "whitespace"
    head = _split(first, sep)

    def _read(skip: int) -> pd.DataFrame:
        kwargs: dict[str, object] = {
            "header": None, "skiprows": skip, "dtype": str, "keep_default_na": False,
            "na_filter": False, "skip_blank_lines": True, "compression": "infer", "encoding": "utf-8",
        }
        if sep is None:
            kwargs["sep"] = r"\s+"
        else:
            kwargs["sep"] = sep
        return pd.read_csv(path, **kwargs)  # type: ignore[call-overload]

    try:
        try:
            df = _read(n_skip)
        except pd.errors.ParserError:
            # An R-style matrix: the header row lacks the corner cell.
            body = _read(n_skip + 1)
            if body.shape[1] != len(head) + 1:
                raise
            body.columns = range(body.shape[1])
            top = pd.DataFrame([[""] + head], columns=body.columns)
            df = pd.concat([top, body], ignore_index=True)
    except pd.errors.ParserError as exc:
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "ragged rows"
        msg = f"{path}: cannot parse the {what} file as a {sep_name}-separated table ({detail})"
        raise InputError(msg, hint="every row needs the same number of columns") from None
    except pd.errors.EmptyDataError:
        msg = f"{path}: the {what} file is empty"
        raise InputError(msg, hint=_PREDICTION_HINT if what == "prediction" else _TRUTH_HINT) from None
    except UnicodeDecodeError:
        msg = f"{path}: not a UTF-8 text file"
        raise InputError(msg, hint=_PREDICTION_HINT if what == "prediction" else _TRUTH_HINT) from None
    df = df.fillna("")
    df = df.apply(lambda s: s.astype(str).str.strip())
    df.columns = range(df.shape[1])
    # Lines that start with '#' after the first data line are not skipped by pandas.
    return [str(c) for c in df.iloc[0].tolist()], df, sep_name


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _to_float(values: pd.Series, *, source: str, what: str, first_row: int) -> np.ndarray:
    """Parse numbers; raise a clear InputError on text, NaN or infinite values."""
    text = values.astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce")
    lower = text.str.lower()
    bad = num.isna() & ~lower.isin(_NAN_TOKENS)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = f"{source}: non-numeric {what} {text.iloc[i]!r} on row {i + first_row}"
        raise InputError(msg, hint=f"the {what} column must hold numbers; check the column order and the separator")
    nan = num.isna().to_numpy()
    if nan.any():
        i = int(np.flatnonzero(nan)[0])
        msg = f"{source}: {int(nan.sum())} missing or NaN {what}(s), the first on row {i + first_row}"
        raise InputError(msg, hint="remove those rows or give them a number (0 means no edge)")
    arr = num.to_numpy(dtype=np.float64)
    inf = ~np.isfinite(arr)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        msg = f"{source}: infinite {what} {text.iloc[i]!r} on row {i + first_row}"
        raise InputError(msg, hint=f"every {what} must be a finite number")
    return arr


def _to_sign(values: pd.Series, *, source: str, first_row: int) -> np.ndarray:
    """Parse a sign / mode-of-regulation column into int8 {+1, -1, 0}."""
    text = values.astype(str).str.strip().str.lower()
    out = np.zeros(len(text), dtype=np.int8)
    mapped = text.map(_SIGN_TOKENS)
    unknown = mapped.isna().to_numpy()
    if unknown.any():
        num = pd.to_numeric(text[unknown], errors="coerce")
        if num.isna().any():
            i = int(np.flatnonzero(unknown)[int(np.flatnonzero(num.isna().to_numpy())[0])])
            msg = f"{source}: unknown sign {values.iloc[i]!r} on row {i + first_row}"
            raise InputError(msg, hint="signs are +1/-1 (or +/-, activation/repression); 0 or empty = unknown")
        mapped[unknown] = np.sign(num.to_numpy(dtype=np.float64))
    out[:] = mapped.to_numpy(dtype=np.float64).astype(np.int8)
    return out


def _check_genes(reg: pd.Series, tgt: pd.Series, *, source: str, first_row: int) -> None:
    empty = (reg == "") | (tgt == "")
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        msg = f"{source}: missing gene name on row {i + first_row}"
        raise InputError(msg, hint="every row needs a regulator and a target")


# --------------------------------------------------------------------------------------
# Predictions


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
    ri, ti = _find(cols, _REGULATOR), _find(cols, _TARGET)
    if ri is None or ti is None or ri == ti:
        msg = f"{source}: no regulator/target columns (found: {', '.join(cols) or 'none'})"
        raise InputError(msg, hint=_PREDICTION_HINT)
    if len(table) == 0:
        msg = f"{source}: the prediction has no edges"
        raise InputError(msg, hint=_PREDICTION_HINT)
    wi, si = _find(cols, _WEIGHT), _find(cols, _SIGN)
    reg = table.iloc[:, ri].astype(str).str.strip()
    tgt = table.iloc[:, ti].astype(str).str.strip()
    _check_genes(reg, tgt, source=source, first_row=1)
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
            weight = _to_float(col, source=source, what="weight", first_row=1)
    if si is not None:
        scol = table.iloc[:, si]
        if pd.api.types.is_numeric_dtype(scol) and not scol.isna().any():
            sign = np.sign(scol.to_numpy(dtype=np.float64)).astype(np.int8)
        else:
            sign = _to_sign(scol, source=source, first_row=1)
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
        [_to_float(body.iloc[:, j], source=source, what="matrix value", first_row=2) for j in range(1, df.shape[1])]
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
    head, df, _ = _read_rows(path, "prediction")
    ncol = df.shape[1]
    ri, ti = _find(head, _REGULATOR), _find(head, _TARGET)
    has_header = ri is not None and ti is not None and ri != ti
    if has_header:
        body = df.iloc[1:].reset_index(drop=True)
        body.columns = head
        normed = {_norm(h) for h in head}
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
        _check_genes(body.iloc[:, ri], body.iloc[:, ti], source=source, first_row=2)
        clean = pd.DataFrame({"regulator": body.iloc[:, ri], "target": body.iloc[:, ti]})
        wi, si = _find(head, _WEIGHT), _find(head, _SIGN)
        if wi is None:
            log.info("%s: no weight column; every listed edge gets weight 1", source)
        else:
            clean["weight"] = _to_float(body.iloc[:, wi], source=source, what="weight", first_row=2)
        if si is not None:
            clean["sign"] = _to_sign(body.iloc[:, si], source=source, first_row=2)
        body = clean
    elif ncol >= 3 and len(df) >= 2 and _looks_like_matrix(df):
        fmt = "matrix"
        body = _matrix_to_long(df, source=source)
    elif ncol in (2, 3, 4) and not any(_norm(c) in _WEIGHT for c in head):
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
        _check_genes(body.iloc[:, 0], body.iloc[:, 1], source=source, first_row=1)
        if "weight" in body or "force" in body:
            wname = "weight" if "weight" in body else "force"
            body[wname] = _to_float(body[wname], source=source, what="weight", first_row=1)
    else:
        msg = f"{source}: unrecognised layout ({ncol} columns; first row: {' '.join(head[:6])})"
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
    return bool(sample.map(lambda c: _is_number(c) or c.lower() in _NAN_TOKENS).all().all())


# --------------------------------------------------------------------------------------
# Truth


def as_truth(truth: Truth | pd.DataFrame, *, source: str = "<memory>") -> Truth:
    """Normalise a truth table (or pass a :class:`Truth` through).

    A DataFrame needs regulator and target columns (``regulator``/``Gene1``/``TF``,
    ``target``/``Gene2``/``gene``); an optional sign column (``sign`` or ``Type``,
    with +1/-1 or +/-) and an optional ``label`` column (1 = true edge, 0 =
    explicit negative).

    Raises
    ------
    InputError
        Missing columns, bad signs or labels, or no true edge.
    """
    if isinstance(truth, Truth):
        return truth
    if not isinstance(truth, pd.DataFrame):
        msg = f"{source}: expected a Truth or a pandas DataFrame, got {type(truth).__name__}"
        raise InputError(msg, hint=_TRUTH_HINT)
    return _normalize_truth(truth, source=source, fmt="table", first_row=1)


def _normalize_truth(table: pd.DataFrame, *, source: str, fmt: str, first_row: int) -> Truth:
    cols = [str(c) for c in table.columns]
    ri, ti = _find(cols, _REGULATOR), _find(cols, _TARGET)
    if ri is None or ti is None or ri == ti:
        msg = f"{source}: no regulator/target columns in the truth (found: {', '.join(cols) or 'none'})"
        raise InputError(msg, hint=_TRUTH_HINT)
    reg = table.iloc[:, ri].astype(str).str.strip()
    tgt = table.iloc[:, ti].astype(str).str.strip()
    _check_genes(reg, tgt, source=source, first_row=first_row)
    si, li = _find(cols, _SIGN), _find(cols, _LABEL)
    sign = (
        _to_sign(table.iloc[:, si], source=source, first_row=first_row)
        if si is not None
        else np.zeros(len(table), dtype=np.int8)
    )
    if li is not None:
        lab = _to_float(table.iloc[:, li], source=source, what="label", first_row=first_row)
        if not np.isin(lab, (0.0, 1.0)).all():
            i = int(np.flatnonzero(~np.isin(lab, (0.0, 1.0)))[0])
            msg = f"{source}: label {lab[i]:g} on row {i + first_row} is not 0 or 1"
            raise InputError(msg, hint="labels are 1 (true edge) or 0 (explicit negative)")
        label = lab.astype(np.int8)
    else:
        label = np.ones(len(table), dtype=np.int8)
    edges = pd.DataFrame({"regulator": reg.to_numpy(), "target": tgt.to_numpy(), "sign": sign, "label": label})
    edges.loc[edges["label"] == 0, "sign"] = 0
    # Duplicates: a pair listed as true anywhere is true; keep the first sign seen for it.
    edges = edges.sort_values("label", ascending=False, kind="mergesort")
    dup_pairs = edges.duplicated(["regulator", "target"], keep=False)
    if dup_pairs.any():
        conflict = edges[dup_pairs & (edges["label"] == 1)].groupby(["regulator", "target"])["sign"].nunique()
        n_conf = int((conflict > 1).sum())
        log.warning(
            "%s: %d duplicate rows dropped%s", source, int(edges.duplicated(["regulator", "target"]).sum()),
            f" ({n_conf} pairs with conflicting signs; the first is kept)" if n_conf else "",
        )
    edges = edges.drop_duplicates(["regulator", "target"], keep="first").sort_index(kind="mergesort")
    edges = edges.reset_index(drop=True)
    out = Truth(edges=edges, source=source, format=fmt)
    n_true_nonloop = int(((edges["label"] == 1) & (edges["regulator"] != edges["target"])).sum())
    if n_true_nonloop == 0:
        detail = "only self-loops" if out.n_edges else "no true edge"
        msg = f"{source}: the truth has {detail}"
        raise InputError(msg, hint="a gold standard needs at least one edge between two distinct genes")
    return out


def read_truth(path: str | os.PathLike[str]) -> Truth:
    """Read a gold-standard network.

    Parameters
    ----------
    path
        BEELINE ``refNetwork.csv``, a TSV ``regulator target [sign]``, a DREAM gold
        standard ``G1 G2 1|0`` (no header), or a table with a ``label`` column.

    Returns
    -------
    Truth
        The normalised gold standard; see :class:`Truth`.

    Raises
    ------
    InputError
        The file is missing, empty, has unrecognised columns, bad signs or labels,
        or no true edge.
    """
    path = Path(path)
    source = str(path)
    head, df, _ = _read_rows(path, "truth")
    ncol = df.shape[1]
    ri, ti = _find(head, _REGULATOR), _find(head, _TARGET)
    if ri is not None and ti is not None and ri != ti:
        body = df.iloc[1:].reset_index(drop=True)
        body.columns = head
        normed = {_norm(h) for h in head}
        if _find(head, _LABEL) is not None:
            fmt = "labelled"
        elif {"gene1", "gene2"} <= normed:
            fmt = "beeline"
        else:
            fmt = "tsv"
        if len(body) == 0:
            msg = f"{source}: the truth has a header but no edges"
            raise InputError(msg, hint=_TRUTH_HINT)
        return _normalize_truth(body, source=source, fmt=fmt, first_row=2)
    if ncol == 2:
        body = pd.DataFrame({"regulator": df.iloc[:, 0], "target": df.iloc[:, 1]})
        return _normalize_truth(body, source=source, fmt="pairs", first_row=1)
    if ncol == 3:
        third = df.iloc[:, 2].str.strip()
        ok = third.str.lower().isin(set(_SIGN_TOKENS))
        if not ok.all():
            if not ok.iloc[0] and not _is_number(third.iloc[0]):
                msg = f"{source}: unrecognised truth header {' '.join(head)!r}"
            else:
                bad = third[~ok].iloc[0]
                row = int(np.flatnonzero(~ok.to_numpy())[0]) + 1
                msg = f"{source}: third-column value {bad!r} on row {row} is neither a 0/1 label nor a sign"
            raise InputError(msg, hint=_TRUTH_HINT)
        num = pd.to_numeric(third, errors="coerce")
        if num.notna().all() and num.isin([0, 1]).all():
            body = pd.DataFrame({"regulator": df.iloc[:, 0], "target": df.iloc[:, 1], "label": third})
            fmt = "dream" if (num == 0).any() else "pairs"
            return _normalize_truth(body, source=source, fmt=fmt, first_row=1)
        body = pd.DataFrame({"regulator": df.iloc[:, 0], "target": df.iloc[:, 1], "sign": third})
        return _normalize_truth(body, source=source, fmt="tsv", first_row=1)
    msg = f"{source}: unrecognised truth layout ({ncol} columns; first row: {' '.join(head[:6])})"
    raise InputError(msg, hint=_TRUTH_HINT)
