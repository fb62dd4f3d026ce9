"""F1: the harmonic mean of the precision and the recall of the predicted edge set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def _f1(before: Values) -> float:
    precision, recall = before["precision"], before["recall"]
    return 2 * precision * recall / (precision + recall) if (precision + recall) else 0.0


def f1(rows: Rows, uni: Universe, before: Values) -> float:
    """From ``precision`` and ``recall`` (computed before); 0 when both are 0."""
    return _f1(before)


F1 = Metric(
    definition="2 precision recall / (precision + recall)",
    compute=f1,
    random=lambda uni, n_selected, before: _f1(before),
)
