"""Standard JSON from results that hold numpy scalars, NaN and paths (no torch)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np


def jsonable(o: Any) -> Any:
    """``o`` with numpy scalars as Python numbers, NaN/inf as None and paths as strings,
    recursively through dicts, lists and tuples."""
    if isinstance(o, dict):
        return {k: jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    if isinstance(o, (bool, np.bool_)):
        return bool(o)
    if isinstance(o, (int, np.integer)):
        return int(o)
    if isinstance(o, (float, np.floating)):
        return float(o) if math.isfinite(float(o)) else None
    if isinstance(o, Path):
        return str(o)
    return o


def dumps(o: Any) -> str:
    """Indented standard JSON (no NaN) with a final newline."""
    return json.dumps(jsonable(o), indent=2, allow_nan=False) + "\n"
