"""Sign accuracy: how often a predicted edge that is a true edge has the right sign."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import Metric

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def sign_accuracy(rows: Rows, uni: Universe, before: Values) -> float:
    """Fraction of right signs among predicted true edges signed in both; NaN when there is none."""
    both = rows.predicted & (rows.label == 1) & (rows.tsign != 0) & (rows.psign != 0)
    return float(np.mean(rows.psign[both] == rows.tsign[both])) if both.any() else float("nan")


SIGN_ACCURACY = Metric(
    definition=(
        "among true edges in the predicted edge set whose sign is known in both the truth and the "
        "prediction, the fraction with the right sign"
    ),
    compute=sign_accuracy,
    random=lambda uni, n_selected, before: 0.5 if uni.signed else float("nan"),
)
