"""Number and table formatting shared by the HTML and Markdown renderers of the report."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from markupsafe import Markup

#: Rows of each "top entries" table in the HTML and Markdown reports.
TOP_N = 20

#: Truth metrics shown in the report, in order.
TRUTH_ROWS = (
    "auroc", "average_precision", "auprc_ratio", "early_precision", "epr", "epr_activating", "epr_repressing",
    "sign_accuracy", "precision", "recall", "f1", "n_edges", "auroc_pvalue", "average_precision_pvalue",
)


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and not math.isfinite(float(v)))


def fmt_int(v: Any) -> str:
    """``12,345``; ``NA`` for a missing value."""
    if _missing(v):
        return "NA"
    return f"{int(v):,}"


def fmt_num(v: Any, digits: int = 4) -> str:
    """Integers with separators, floats with ``digits`` significant digits; ``NA`` when missing."""
    if _missing(v):
        return "NA"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if f == int(f) and abs(f) < 1e15 and abs(f) >= 1:
            return f"{int(f):,}"
        return f"{f:.{digits}g}"
    return str(v)


def fmt_pct(v: Any, digits: int = 1) -> str:
    """A fraction as a percentage (``0.123`` -> ``12.3%``)."""
    if _missing(v):
        return "NA"
    return f"{100 * float(v):.{digits}f}%"


def fmt_seconds(v: Any) -> str:
    """``75`` -> ``1 min 15 s``."""
    if _missing(v):
        return "NA"
    s = float(v)
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {s} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def fmt_sign(v: Any) -> str:
    """+1 -> ``activating``, -1 -> ``repressing``, 0 -> ``unknown``."""
    if _missing(v):
        return "NA"
    return {1: "activating", -1: "repressing"}.get(int(v), "unknown")


def fmt_sign_symbol(v: Any) -> Markup:
    """+1 -> a red ``+``, -1 -> a blue minus sign, 0 -> ``?`` (HTML; the text is fixed, never user data)."""
    from markupsafe import Markup

    if _missing(v) or int(v) == 0:
        return Markup('<span class="muted" title="unknown">?</span>')
    if int(v) > 0:
        return Markup('<span class="act" title="activating">+</span>')
    return Markup('<span class="rep" title="repressing">&minus;</span>')


def fmt_agrees(v: Any) -> Markup:
    """A kept prior edge's ``sign_agrees`` as a mark beside the prior's sign: 0 -> a highlighted
    not-equal sign, 1 or NA -> nothing (HTML)."""
    from markupsafe import Markup

    if _missing(v) or int(v) != 0:
        return Markup("")
    return Markup(' <b class="rep" title="the model\'s sign is the opposite of the prior\'s">&ne;</b>')


def records(df: pd.DataFrame, n: int | None = TOP_N) -> list[dict[str, Any]]:
    """The first ``n`` rows of a table as dicts (for templates)."""
    part = df if n is None else df.head(n)
    return part.to_dict(orient="records")
