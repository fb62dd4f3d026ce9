"""Precision of the predicted edge set (non-zero scores, or the top_k)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric, n_predicted, random_density, true_positives

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def precision(rows: Rows, uni: Universe, before: Values) -> float:
    """TP / predicted edges; 0 for an empty predicted set."""
    n_pred = n_predicted(rows)
    return true_positives(rows) / n_pred if n_pred else 0.0


PRECISION = Metric(
    definition="TP / predicted edges (the predicted edge set: non-zero scores, or the top_k)",
    compute=precision,
    random=random_density,
)
