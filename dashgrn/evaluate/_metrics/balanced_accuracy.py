"""Balanced accuracy of the predicted edge set over the universe."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric, constant, n_predicted, true_positives

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def balanced_accuracy(rows: Rows, uni: Universe, before: Values) -> float:
    """(TPR + TNR) / 2, with TPR the ``recall`` (computed before)."""
    fp = n_predicted(rows) - true_positives(rows)
    n_all = float(uni.n_pairs - uni.n_positive)
    tnr = (n_all - fp) / n_all
    return (before["recall"] + tnr) / 2.0


BALANCED_ACCURACY = Metric(
    definition="(TPR + TNR) / 2 over the universe for the predicted edge set",
    compute=balanced_accuracy,
    random=constant(0.5),
)
