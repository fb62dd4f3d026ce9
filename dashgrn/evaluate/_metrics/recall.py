"""Recall of the predicted edge set."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric, true_positives

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def recall(rows: Rows, uni: Universe, before: Values) -> float:
    """TP / true edges of the universe."""
    return true_positives(rows) / float(uni.n_positive)


RECALL = Metric(
    definition="TP / true edges",
    compute=recall,
    random=lambda uni, n_selected, before: n_selected / uni.n_pairs,
)
