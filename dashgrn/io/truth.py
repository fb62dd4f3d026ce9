"""Read gold-standard (truth) networks: :func:`read_truth`, :func:`as_truth` and :class:`Truth`.

Gold standards are normalised to :class:`Truth`:

* BEELINE ``refNetwork.csv``: ``Gene1,Gene2,Type`` with ``Type`` ``+`` or ``-``;
* a TSV ``regulator target [sign]`` such as SIM350's ``sim350_truth.tsv``;
* DREAM gold standards: headerless ``G1 G2 1|0`` where the ``0`` rows are explicit
  negatives (the pairs that can be scored are then the listed ones);
* a header with a ``label`` column (0/1) works like a DREAM file.

The columns and the separator are found as for predictions (see
:mod:`dashgrn.io.prediction`); a problem raises :class:`~dashgrn.InputError` with the
path, the problem and a hint.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ._columns import LABEL, REGULATOR, SIGN, SIGN_TOKENS, TARGET, check_genes, parse_numbers, parse_signs
from ._text import compact_key, find_alias, is_number, printable, read_cells

log = get_logger(__name__)

TRUTH_COLUMNS = ["regulator", "target", "sign", "label"]

_TRUTH_HINT = (
    "expected BEELINE refNetwork.csv (Gene1,Gene2,Type), a TSV 'regulator target [sign]', or a "
    "DREAM gold standard 'G1 G2 1|0' without header"
)


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
    ri, ti = find_alias(cols, REGULATOR), find_alias(cols, TARGET)
    if ri is None or ti is None or ri == ti:
        msg = f"{source}: no regulator/target columns in the truth (found: {printable(', '.join(cols)) or 'none'})"
        raise InputError(msg, hint=_TRUTH_HINT)
    reg = table.iloc[:, ri].astype(str).str.strip()
    tgt = table.iloc[:, ti].astype(str).str.strip()
    check_genes(reg, tgt, source=source, first_row=first_row)
    si, li = find_alias(cols, SIGN), find_alias(cols, LABEL)
    sign = (
        parse_signs(table.iloc[:, si], source=source, first_row=first_row)
        if si is not None
        else np.zeros(len(table), dtype=np.int8)
    )
    if li is not None:
        lab = parse_numbers(table.iloc[:, li], source=source, what="label", first_row=first_row)
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
    head, df = read_cells(path, what="truth", hint=_TRUTH_HINT)
    ncol = df.shape[1]
    ri, ti = find_alias(head, REGULATOR), find_alias(head, TARGET)
    if ri is not None and ti is not None and ri != ti:
        body = df.iloc[1:].reset_index(drop=True)
        body.columns = head
        normed = {compact_key(h) for h in head}
        if find_alias(head, LABEL) is not None:
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
        ok = third.str.lower().isin(set(SIGN_TOKENS))
        if not ok.all():
            if not ok.iloc[0] and not is_number(third.iloc[0], na_tokens=frozenset()):
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
    msg = f"{source}: unrecognised truth layout ({ncol} columns; first row: {printable(' '.join(head[:6]))})"
    raise InputError(msg, hint=_TRUTH_HINT)
