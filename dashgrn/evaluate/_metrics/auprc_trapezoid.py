"""BEELINE's AUPRC: the trapezoid area under scikit-learn's PR curve (BLEval computeAUC.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric, random_density

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def auprc_trapezoid(rows: Rows, uni: Universe, before: Values) -> float:
    """``auc(recall, precision)`` over ``precision_recall_curve`` of the compact table."""
    from sklearn.metrics import auc, precision_recall_curve

    prec, rec, _ = precision_recall_curve(rows.label, rows.score, sample_weight=rows.weight)
    return float(auc(rec, prec))


AUPRC_TRAPEZOID = Metric(
    definition="AUPRC as BEELINE computes it: trapezoid auc(recall, precision) over sklearn's precision_recall_curve",
    compute=auprc_trapezoid,
    random=random_density,
)
