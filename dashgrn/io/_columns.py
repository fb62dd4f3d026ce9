"""Column names and cell values of edge lists, shared by the prediction and truth readers.

Columns are found by name, ignoring case, ``_``, ``-``, ``.`` and spaces (see
:func:`~dashgrn.io._text.compact_key`): ``TF`` and ``Gene1`` are regulators,
``importance`` and ``EdgeWeight`` weights, ``Type`` a sign, ...
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import InputError
from ._text import EDGE_NA_TOKENS

#: Aliases of each column, compacted (see :func:`~dashgrn.io._text.compact_key`), in order of preference.
REGULATOR = ("regulator", "regulators", "tf", "tfs", "source", "gene1", "from", "regulatorygene", "reg")
TARGET = ("target", "targets", "gene", "gene2", "to", "targetgene")
WEIGHT = (
    "weight", "importance", "edgeweight", "force", "score", "value", "confidence",
    "coef", "coefficient", "effect",
)
SIGN = ("sign", "type", "mode", "modeofregulation")
LABEL = ("label", "gold", "truth", "class")

#: Sign cells (lower-cased) and their sign; other cells must be numbers.
SIGN_TOKENS: dict[str, int] = {
    "+": 1, "-": -1, "+1": 1, "1": 1, "-1": -1, "0": 0, "1.0": 1, "-1.0": -1, "0.0": 0,
    "activation": 1, "activating": 1, "activator": 1, "activates": 1, "positive": 1,
    "repression": -1, "repressing": -1, "repressor": -1, "represses": -1, "inhibition": -1,
    "inhibiting": -1, "inhibitory": -1, "negative": -1,
    "": 0, "?": 0, "unknown": 0, "na": 0, "nan": 0, "none": 0, "unsigned": 0,
}


def parse_numbers(values: pd.Series, *, source: str, what: str, first_row: int) -> np.ndarray:
    """Parse numbers; raise a clear InputError on text, NaN or infinite values."""
    text = values.astype(str).str.strip()
    num = pd.to_numeric(text, errors="coerce")
    lower = text.str.lower()
    bad = num.isna() & ~lower.isin(EDGE_NA_TOKENS)
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


def parse_signs(values: pd.Series, *, source: str, first_row: int) -> np.ndarray:
    """Parse a sign / mode-of-regulation column into int8 {+1, -1, 0}."""
    text = values.astype(str).str.strip().str.lower()
    out = np.zeros(len(text), dtype=np.int8)
    mapped = text.map(SIGN_TOKENS)
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


def check_genes(reg: pd.Series, tgt: pd.Series, *, source: str, first_row: int) -> None:
    """Raise an InputError naming the first row without a regulator or a target."""
    empty = (reg == "") | (tgt == "")
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        msg = f"{source}: missing gene name on row {i + first_row}"
        raise InputError(msg, hint="every row needs a regulator and a target")
