"""The low-level reader under every reader of :mod:`dashgrn.io`: file checks, decoding,
delimiter sniffing, splitting rows, numeric conversion and column-name matching.

Two ways of splitting a file live here, each kept as its readers have always used it:

* :func:`read_text` + :func:`sniff_delimiter` + :func:`split_rows` / :func:`read_raw_table`
  (expression data, priors, gene lists): the delimiter is guessed from the first 50
  lines, missing values are :data:`NA_TOKENS`;
* :func:`read_cells` (predicted and gold-standard networks): the delimiter is that of
  the first line (tab, else comma, else whitespace), missing values are
  :data:`EDGE_NA_TOKENS`.

No torch here (layer L1).
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError

#: Cells read as a missing value (compared lower-cased, after stripping).
NA_TOKENS = frozenset({"", "na", "nan", "n/a", "null", "none", "-nan", "#n/a"})
#: The missing-value tokens of the prediction and truth readers: :data:`NA_TOKENS` but
#: ``#n/a``, which those readers have always reported as a non-numeric value.
EDGE_NA_TOKENS = NA_TOKENS - {"#n/a"}
#: Delimiters tried by :func:`sniff_delimiter`, in order of preference.
DELIMITERS = ("\t", ",", ";")
WHITESPACE = r"\s+"
_WS = re.compile(r"\s+")
_DELIM_NAMES = {"\t": "tab", ",": "comma", ";": "semicolon", WHITESPACE: "whitespace"}


def error_detail(exc: BaseException, default: object) -> str:
    """The last line of an error's message (pandas' parser errors run over several), else ``default``."""
    text = str(exc).strip()
    return text.splitlines()[-1] if text else str(default)


def delimiter_name(sep: str | None) -> str:
    """A readable name of a delimiter for messages."""
    return _DELIM_NAMES.get(sep or "", repr(sep))


def check_file(path: str | os.PathLike[str], *, what: str = "file", readable: bool = False) -> Path:
    """Check that ``path`` is an existing, non-empty regular file (and, with ``readable``,
    that it may be read).

    Raises
    ------
    InputError
        The path is missing, a folder, or empty (or, with ``readable``, not readable).
    """
    p = Path(path)
    if not p.exists():
        msg = f"{p}: {what} not found"
        raise InputError(msg, hint="check the path and the current folder")
    if p.is_dir():
        msg = f"{p}: is a folder, not a {what}"
        raise InputError(msg, hint="give the path of the file inside it")
    if p.stat().st_size == 0:
        msg = f"{p}: the {what} is empty"
        raise InputError(msg, hint="the file has no content; check that it was written completely")
    if readable and not os.access(p, os.R_OK):
        msg = f"{p}: {what} cannot be read (permission denied)"
        raise InputError(msg, hint="check the file permissions")
    return p


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes."""
    with path.open("rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def read_text(path: Path) -> str:
    """The whole file as text (gzip handled), with decoding errors turned into InputError."""
    try:
        raw = gzip.decompress(path.read_bytes()) if is_gzip(path) else path.read_bytes()
    except (OSError, EOFError, zlib.error) as exc:
        msg = f"{path}: cannot decompress the gzip file ({exc})"
        raise InputError(msg, hint="check that the file was downloaded or written completely") from None
    if b"\x00" in raw[:65536]:
        msg = f"{path}: not a text table (the file contains binary data)"
        raise InputError(msg, hint="give a CSV/TSV text file, or an .h5ad file with the .h5ad suffix")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes any byte
            msg = f"{path}: not a text table (cannot decode it as UTF-8)"
            raise InputError(msg, hint="save the file as UTF-8 text") from None
    if not text.strip():
        msg = f"{path}: the file is empty (only blank lines)"
        raise InputError(msg, hint="the file has no content; check that it was written completely")
    return text


def first_lines(text: str, n: int = 50, *, skip_comments: bool = False) -> list[str]:
    """The first ``n`` non-blank lines of ``text``."""
    out = []
    for line in text.splitlines():
        if not line.strip() or (skip_comments and line.lstrip().startswith("#")):
            continue
        out.append(line)
        if len(out) >= n:
            break
    return out


def sniff_delimiter(lines: list[str]) -> str | None:
    """Guess the delimiter of a table from its first lines.

    Tab, comma and semicolon are tried; one that splits every line into the same
    number of fields (more than one) wins, the larger field count first. A ragged
    table takes the delimiter found most often. Otherwise, whitespace when it splits
    the first line, else ``None`` (a single column).
    """
    if not lines:
        return None
    consistent: list[tuple[int, int, str]] = []
    ragged: list[tuple[int, int, str]] = []
    for rank, sep in enumerate(DELIMITERS):
        counts = [_count_outside_quotes(line, sep) for line in lines]
        if counts[0] == 0 and max(counts) == 0:
            continue
        if len(set(counts)) == 1:
            consistent.append((counts[0], -rank, sep))
        else:
            ragged.append((sum(counts), -rank, sep))
    if consistent:
        return max(consistent)[2]
    if ragged:
        return max(ragged)[2]
    if len(_WS.split(lines[0].strip())) > 1:
        return WHITESPACE
    return None


def _count_outside_quotes(line: str, sep: str) -> int:
    if '"' not in line:
        return line.count(sep)
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            n += 1
    return n


def split_rows(text: str, sep: str | None, *, skip_comments: bool = False) -> list[list[str]]:
    """Split ``text`` into rows of stripped cells (ragged rows allowed; blank lines dropped)."""
    lines = [
        line for line in text.splitlines()
        if line.strip() and not (skip_comments and line.lstrip().startswith("#"))
    ]
    if sep is None:
        return [[line.strip().strip('"')] for line in lines]
    if sep == WHITESPACE:
        return [_WS.split(line.strip()) for line in lines]
    reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=sep, quotechar='"', skipinitialspace=True)
    rows = [[cell.strip() for cell in row] for row in reader]
    return [row for row in rows if any(row)]


def read_raw_table(path: Path, text: str, sep: str | None) -> pd.DataFrame:
    """Parse a rectangular delimited table into a frame of strings (no header handling).

    Raises
    ------
    InputError
        Rows with differing numbers of fields, or a malformed file.
    """
    kwargs: dict[str, object] = {"header": None, "dtype": str, "keep_default_na": False, "na_filter": False}
    if sep == WHITESPACE:
        kwargs["sep"] = WHITESPACE
    else:
        kwargs["sep"] = sep or "\t"
        kwargs["skipinitialspace"] = True
    text = "\n".join(line for line in text.splitlines() if line.strip())
    try:
        frame = pd.read_csv(io.StringIO(text), skip_blank_lines=True, **kwargs)  # type: ignore[arg-type]
    except pd.errors.ParserError as exc:
        detail = error_detail(exc, "malformed table")
        msg = f"{path}: cannot parse the table with {delimiter_name(sep)} as delimiter ({detail})"
        raise InputError(msg, hint="every row needs the same number of fields; check the delimiter and quoting") from None
    except pd.errors.EmptyDataError:
        msg = f"{path}: the file is empty"
        raise InputError(msg, hint="the file has no content; check that it was written completely") from None
    return frame.fillna("").apply(lambda col: col.str.strip())


def read_cells(path: str | os.PathLike[str], *, what: str, hint: str) -> tuple[list[str], pd.DataFrame]:
    """Read a delimited (optionally gzipped, by the ``.gz`` suffix) UTF-8 table as strings.

    Leading blank and ``#`` lines are skipped. The delimiter is that of the first line:
    tab, else comma, else whitespace. A first row one cell shorter than the others (R's
    ``write.table`` matrices) gets an empty first cell.

    Parameters
    ----------
    path
        The file.
    what
        What the file is (``prediction``, ``truth``), for messages.
    hint
        The hint of the errors about an empty or undecodable file.

    Returns
    -------
    head
        The first row's cells.
    table
        The whole table, first row included: every cell a stripped string, ``""``
        where a row is short; columns numbered from 0.

    Raises
    ------
    InputError
        The file is missing, unreadable, empty, not UTF-8, or has ragged rows.
    """
    path = Path(path)
    check_file(path, what=f"{what} file", readable=True)
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
        raise InputError(msg, hint=hint) from None
    except (OSError, EOFError) as exc:
        msg = f"{path}: cannot read the {what} file ({exc})"
        raise InputError(msg, hint="check that the file is a complete (gzip) text file") from None
    if first is None:
        msg = f"{path}: the {what} file is empty"
        raise InputError(msg, hint=hint)
    if "\t" in first:
        sep, sep_name = "\t", "tab"
    elif "," in first:
        sep, sep_name = ",", "comma"
    else:
        sep, sep_name = None, "whitespace"
    head = _split_line(first, sep)

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
        detail = error_detail(exc, "ragged rows")
        msg = f"{path}: cannot parse the {what} file as a {sep_name}-separated table ({detail})"
        raise InputError(msg, hint="every row needs the same number of columns") from None
    except pd.errors.EmptyDataError:
        msg = f"{path}: the {what} file is empty"
        raise InputError(msg, hint=hint) from None
    except UnicodeDecodeError:
        msg = f"{path}: not a UTF-8 text file"
        raise InputError(msg, hint=hint) from None
    df = df.fillna("")
    df = df.apply(lambda s: s.astype(str).str.strip())
    df.columns = range(df.shape[1])
    # Lines that start with '#' after the first data line are not skipped by pandas.
    return [str(c) for c in df.iloc[0].tolist()], df


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return open(path, encoding="utf-8", newline="")  # noqa: SIM115 - closed by the caller


def _split_line(line: str, sep: str | None) -> list[str]:
    if sep is None:
        return line.split()
    return [c.strip() for c in next(csv.reader([line], delimiter=sep))]


def is_na(values: np.ndarray) -> np.ndarray:
    """Element-wise: is this string cell a missing-value token?"""
    low = np.char.lower(np.asarray(values, dtype=str))
    return np.isin(low, list(NA_TOKENS))


def to_float(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert string cells to float64; missing tokens become NaN.

    Returns
    -------
    numbers
        The converted values (NaN where a cell could not be converted).
    bad
        Boolean mask of the cells that are neither a number nor a missing token.
    """
    arr = np.asarray(values, dtype=object)
    flat = arr.ravel()
    out = np.empty(flat.shape, dtype=np.float64)
    bad = np.zeros(flat.shape, dtype=bool)
    try:
        cleaned = np.where(is_na(flat.astype(str)), "nan", flat)
        out[:] = cleaned.astype(np.float64)
    except ValueError:
        for i, cell in enumerate(flat):
            s = str(cell).strip()
            if s.lower() in NA_TOKENS:
                out[i] = np.nan
                continue
            try:
                out[i] = float(s)
            except ValueError:
                out[i] = np.nan
                bad[i] = True
    return out.reshape(arr.shape), bad.reshape(arr.shape)


def is_number(cell: str, *, na_tokens: frozenset[str] = NA_TOKENS) -> bool:
    """Whether a string cell holds a number (cells in ``na_tokens`` excluded; with an empty
    set, ``nan`` counts as a number)."""
    try:
        float(cell)
    except ValueError:
        return False
    return cell.strip().lower() not in na_tokens


def norm_key(name: str) -> str:
    """Normalise a column name for alias matching: lower case, ``_`` for separators."""
    return re.sub(r"[\s.\-]+", "_", str(name).strip().strip('"').lower())


def compact_key(name: object) -> str:
    """Normalise a column name for alias matching: lower case, separators removed
    (``Gene_1``, ``gene-1`` and ``Gene 1`` -> ``gene1``)."""
    return re.sub(r"[\s_\-.]", "", str(name).strip().lower())


def find_alias(names: list[str], aliases: tuple[str, ...]) -> int | None:
    """Position of the first name whose :func:`compact_key` is one of ``aliases`` (tried in order)."""
    normed = [compact_key(n) for n in names]
    for a in aliases:
        if a in normed:
            return normed.index(a)
    return None


def find_column(columns: list[str], wanted: str) -> int | None:
    """Position of ``wanted`` in ``columns``: exact match, else a unique case-insensitive one."""
    if wanted in columns:
        return columns.index(wanted)
    low = [i for i, c in enumerate(columns) if c.lower() == wanted.lower()]
    return low[0] if len(low) == 1 else None


def printable(text: object) -> str:
    """``text`` as it is when printable, else its ``repr``: a newline in a cell stays out of a message."""
    s = str(text)
    return s if s.isprintable() else repr(s)


def examples(items: list[str], n: int = 5) -> str:
    """``a, b, c`` (and ``... (N in all)`` when there are more than ``n``), each :func:`printable`."""
    items = [printable(i) for i in items]
    text = ", ".join(items[:n])
    if len(items) > n:
        text += f", ... ({len(items)} in all)"
    return text
