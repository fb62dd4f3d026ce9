"""Small helpers shared by the report's sections: JSON-ready scalars, ratios and |E|."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd


def json_value(v: Any) -> Any:
    """A JSON-ready scalar: numpy -> Python, NaN/inf -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def ratio(a: float, b: float) -> float | None:
    """``a / b``; ``None`` when ``b`` is 0."""
    return float(a) / float(b) if b else None


def abs_effect(edges: pd.DataFrame) -> np.ndarray:
    """|E| of every row of an edge table: ``|effect|``, or ``weight`` for a table without an
    ``effect`` column (written by hand or by an older dashgrn, whose weight was |E|)."""
    col = "effect" if "effect" in edges.columns else "weight"
    return np.abs(edges[col].to_numpy(dtype=np.float64))
