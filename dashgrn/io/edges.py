"""Write and read dashgrn's edge table; write GraphML and the ranking of every pair. All writes are atomic.

The edge table (``edges.tsv``) is UTF-8, tab-separated, with a header and the
columns ``regulator, target, weight, sign, rank`` (see
:data:`dashgrn.tables.EDGE_COLUMNS`). Floats are written with the shortest text
that reads back to the same float64, so a write/read round trip is exact.
"""

from __future__ import annotations

import gzip
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._atomic import atomic_path
from .._errors import InputError
from .._log import get_logger
from ..tables import EDGE_COLUMNS, EDGE_OPTIONAL_COLUMNS
from ._text import error_detail

if TYPE_CHECKING:
    from ..network import Ranking

log = get_logger(__name__)

_DTYPES = {"regulator": object, "target": object, "weight": np.float64, "sign": np.int8, "rank": np.int64,
           "effect": np.float64, "in_prior": np.int8, "confidence": np.float64}


def write_edges(edges: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write an edge table as TSV, atomically.

    Parameters
    ----------
    edges
        Columns ``regulator, target, weight, sign, rank`` (extra columns are not
        written), e.g. from :func:`dashgrn.tables.rank_edges`.
    path
        Destination; replaced only once the whole file is written.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    InputError
        The table does not follow the edge-table rules (see :func:`validate_edges`).
    """
    table = validate_edges(edges, source="edge table")
    path = Path(path)
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False, encoding="utf-8", lineterminator="\n")
    return path


def read_edges(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an ``edges.tsv`` written by :func:`write_edges` (validated).

    Raises
    ------
    InputError
        The file is missing, empty, or not a valid dashgrn edge table.
    """
    p = Path(path)
    if not p.is_file():
        msg = f"{p}: edge table not found"
        raise InputError(msg, hint="give the edges.tsv of a dashgrn run")
    try:
        table = pd.read_csv(
            p, sep="\t", dtype={"regulator": str, "target": str}, keep_default_na=False,
            na_values={"weight": ["", "nan", "NaN"]}, encoding="utf-8", float_precision="round_trip",
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        msg = f"{p}: cannot read the edge table ({error_detail(exc, exc)})"
        raise InputError(msg, hint="give a tab-separated edges.tsv written by dashgrn") from None
    return validate_edges(table, source=str(p))


def validate_edges(edges: pd.DataFrame, *, source: str = "<memory>") -> pd.DataFrame:
    """Check an edge table and return it with the canonical column order and dtypes.

    Rules: columns ``regulator, target, weight, sign, rank`` (and optionally ``effect``,
    finite, ``in_prior``, 0 or 1, and ``confidence``, in [0, 1]; other columns are dropped);
    names non-empty;
    ``weight`` finite and >= 0; ``sign`` in {-1, 0, 1}; ``rank`` a permutation of
    ``1..n``; regulator-target pairs unique.

    Raises
    ------
    InputError
        A rule is broken; the message names the first offending row.
    """
    missing = [c for c in EDGE_COLUMNS if c not in edges.columns]
    if missing:
        msg = f"{source}: missing edge-table columns {', '.join(missing)} (found: {', '.join(map(str, edges.columns))})"
        raise InputError(msg, hint=f"an edge table has the columns {', '.join(EDGE_COLUMNS)}")
    extra = [c for c in EDGE_OPTIONAL_COLUMNS if c in edges.columns]
    t = edges[EDGE_COLUMNS + extra].copy()
    hint = "edge tables written by dashgrn follow these rules; was the file edited?"
    for col in ("regulator", "target"):
        names = t[col].astype(str)
        empty = (t[col].isna() | (names.str.strip() == "")).to_numpy()
        if empty.any():
            msg = f"{source}: empty {col} name in row {int(np.flatnonzero(empty)[0]) + 1}"
            raise InputError(msg, hint=hint)
        t[col] = names.to_numpy(dtype=object)
    for col in ("weight", "sign", "rank", *extra):
        num = pd.to_numeric(t[col], errors="coerce")
        if num.isna().any():
            i = int(np.flatnonzero(num.isna())[0])
            msg = f"{source}: non-numeric {col} {t[col].iloc[i]!r} in row {i + 1}"
            raise InputError(msg, hint=hint)
        t[col] = num
    w = t["weight"].to_numpy(dtype=np.float64)
    if not np.isfinite(w).all() or (w < 0).any():
        msg = f"{source}: weights must be finite and >= 0"
        raise InputError(msg, hint=hint)
    if not t["sign"].isin([-1, 0, 1]).all():
        msg = f"{source}: signs must be -1, 0 or 1"
        raise InputError(msg, hint=hint)
    if "effect" in extra and not np.isfinite(t["effect"].to_numpy(dtype=np.float64)).all():
        msg = f"{source}: effects must be finite"
        raise InputError(msg, hint=hint)
    if "in_prior" in extra and not t["in_prior"].isin([0, 1]).all():
        msg = f"{source}: in_prior must be 0 or 1"
        raise InputError(msg, hint=hint)
    if "confidence" in extra and not t["confidence"].between(0, 1).all():
        msg = f"{source}: confidence must be in [0, 1]"
        raise InputError(msg, hint=hint)
    rank = t["rank"].to_numpy()
    if (np.mod(rank, 1) != 0).any() or not np.array_equal(np.sort(rank), np.arange(1, len(t) + 1)):
        msg = f"{source}: rank must number the edges 1..{len(t)} without gaps or repeats"
        raise InputError(msg, hint=hint)
    dup = t.duplicated(["regulator", "target"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        msg = f"{source}: duplicated edge {t['regulator'].iloc[i]} -> {t['target'].iloc[i]}"
        raise InputError(msg, hint=hint)
    return t.astype({c: _DTYPES[c] for c in t.columns}).sort_values("rank", kind="mergesort").reset_index(drop=True)


def write_graphml(edges: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write the network as GraphML, atomically.

    A directed graph with gene names as node ids and the edge attributes ``weight``
    (double), ``sign`` and ``rank`` (integers), and ``effect``, ``in_prior`` and ``confidence``
    when the table has them. Streamed in one pass (memory O(edges) of
    short strings, not a networkx graph), with names XML-escaped; networkx reads it back.

    Raises
    ------
    InputError
        The table is not a valid edge table.
    """
    table = validate_edges(edges, source="edge table")
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        for chunk in _graphml_chunks(table):
            fh.write(chunk)
    return path


_GRAPHML_HEAD = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    '  <key id="d0" for="edge" attr.name="weight" attr.type="double" />\n'
    '  <key id="d1" for="edge" attr.name="sign" attr.type="int" />\n'
    '  <key id="d2" for="edge" attr.name="rank" attr.type="int" />\n'
)
_GRAPHML_KEYS = {
    "effect": '  <key id="d3" for="edge" attr.name="effect" attr.type="double" />\n',
    "in_prior": '  <key id="d4" for="edge" attr.name="in_prior" attr.type="int" />\n',
    "confidence": '  <key id="d5" for="edge" attr.name="confidence" attr.type="double" />\n',
}


def _graphml_chunks(table: pd.DataFrame, step: int = 100_000) -> Iterator[str]:
    """The GraphML document in pieces: header, nodes, edges in blocks of ``step``."""
    from xml.sax.saxutils import quoteattr

    regs = table["regulator"].astype(str).tolist()
    tgts = table["target"].astype(str).tolist()
    nodes = sorted(set(regs) | set(tgts))
    ids = {g: quoteattr(g) for g in nodes}
    w = table["weight"].astype(float).tolist()
    sg = table["sign"].astype(int).tolist()
    rk = table["rank"].astype(int).tolist()
    ef = table["effect"].astype(float).tolist() if "effect" in table.columns else None
    ip = table["in_prior"].astype(int).tolist() if "in_prior" in table.columns else None
    cf = table["confidence"].astype(float).tolist() if "confidence" in table.columns else None
    yield _GRAPHML_HEAD + "".join(v for k, v in _GRAPHML_KEYS.items() if k in table.columns)
    yield '  <graph edgedefault="directed">\n'
    yield "".join(f"    <node id={ids[g]} />\n" for g in nodes)
    for b in range(0, len(regs), step):
        yield "".join(
            f"    <edge source={ids[regs[i]]} target={ids[tgts[i]]}>\n"
            f'      <data key="d0">{w[i]!r}</data>\n'
            f'      <data key="d1">{sg[i]}</data>\n'
            f'      <data key="d2">{rk[i]}</data>\n'
            + (f'      <data key="d3">{ef[i]!r}</data>\n' if ef is not None else "")
            + (f'      <data key="d4">{ip[i]}</data>\n' if ip is not None else "")
            + (f'      <data key="d5">{cf[i]!r}</data>\n' if cf is not None else "")
            + "    </edge>\n"
            for i in range(b, min(b + step, len(regs)))
        )
    yield "  </graph>\n</graphml>\n"


def write_ranking(path: str | os.PathLike[str], ranking: Ranking, genes: list[str], *, block: int | None = None,
                  chunk: int = 500_000) -> None:
    """Write ``ranking.tsv.gz``: every ordered pair of distinct genes, ranked (a
    :class:`dashgrn.network.Ranking`): the
    ranked pairs first (columns as edges.tsv), then every other pair (weight 0, confidence 0)
    by regulator and target name.

    Memory stays O(ranked pairs + block x N): both parts are written in pieces.
    """
    n = len(genes)
    genes = np.asarray(genes, dtype=object)
    rk = ranking
    order = np.argsort(genes.astype(str), kind="stable")  # genes by name
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    listed = sp.csr_matrix((np.ones(len(rk), dtype=np.int8), (pos[rk.row], pos[rk.col])), shape=(n, n))
    if block is None:
        block = max(1, 2_000_000 // max(n, 1))
    # no file name and no time in the gzip header: the same ranking gives the same bytes
    with atomic_path(path) as tmp, open(tmp, "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0) as gz, \
            io.TextIOWrapper(gz, encoding="utf-8") as fh:
        for b in range(0, max(len(rk), 1), chunk):
            part = rk.table(genes, np.arange(b, min(b + chunk, len(rk))))
            part.to_csv(fh, sep="\t", index=False, header=b == 0, float_format="%.9g", lineterminator="\n")
        rank = len(rk)
        for b in range(0, n, block):
            rows = np.arange(b, min(b + block, n))
            zero = np.ones((rows.size, n), dtype=bool)
            zero[rows - b, rows] = False  # no self-pairs
            zero[listed[rows].nonzero()] = False
            r, c = np.nonzero(zero)
            if r.size == 0:
                continue
            part = pd.DataFrame({
                "regulator": genes[order[rows[r]]], "target": genes[order[c]],
                "weight": 0, "sign": 0, "rank": np.arange(rank + 1, rank + r.size + 1), "effect": 0, "in_prior": 0,
                **({} if rk.confidence is None else {"confidence": 0}),
            })
            part.to_csv(fh, sep="\t", index=False, header=False, lineterminator="\n")
            rank += r.size
