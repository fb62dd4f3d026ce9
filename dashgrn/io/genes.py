"""Read a list of gene names: the genes of a PHOENIX ``dim,ntraj`` file or of a
headerless prior matrix, or the genes ``dashgrn evaluate`` scores."""

from __future__ import annotations

import os
from pathlib import Path

from .._errors import InputError
from ._text import check_file, examples, first_lines, norm_key, read_text, sniff_delimiter, split_rows


def read_gene_list(path: str | os.PathLike[str]) -> list[str]:
    """Read gene names: one column (header ``x``/``gene`` or none), or a table with a ``gene`` column.

    Handles R's ``write.csv`` output (``"","x"`` with row numbers) and
    ``sim350_genes.tsv`` (``index, gene, type``).
    """
    p = check_file(path, what="gene list")
    text = read_text(p)
    sep = sniff_delimiter(first_lines(text))
    rows = split_rows(text, sep)
    if not rows:  # only delimiters
        raise _no_genes(p)
    header = [norm_key(c) for c in rows[0]]
    names = ("gene", "genes", "gene_name", "gene_names", "gene_id", "x", "name", "names", "symbol")
    col = next((header.index(n) for n in names if n in header), None)
    if col is not None:
        body = rows[1:]
    elif max(len(r) for r in rows) == 1:
        col, body = 0, rows
    else:
        msg = f"{p}: cannot find the gene names (columns: {examples(rows[0])})"
        raise InputError(msg, hint="give one gene per line, or a table with a 'gene' column")
    genes = [r[col] if col < len(r) else "" for r in body]
    if not genes or any(not g for g in genes):
        raise _no_genes(p)
    return genes


def _no_genes(p: Path) -> InputError:
    return InputError(f"{p}: the gene list has empty names or no genes", hint="give one gene name per line")
