"""Signed EPR: the EPR of the activating or the repressing true edges alone (BLEval computeSignedEPR.py).

One definition with a sign, hence the two registry entries ``epr_activating`` and
``epr_repressing`` in this one file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._base import Metric
from .early_precision import early_precision

if TYPE_CHECKING:
    from .._rows import Rows


def _signed_epr(rows: Rows, sign: int) -> float:
    """BEELINE-style signed EPR: edges of the other sign leave the universe; NaN without edges of ``sign``."""
    true = rows.label == 1
    keep = ~(true & (rows.tsign != sign))
    pos = (true & (rows.tsign == sign)).astype(np.int8)
    k = float(rows.weight[pos == 1].sum())
    if k == 0:
        return float("nan")
    density = k / float(rows.weight[keep].sum())
    ep = early_precision(
        rows.score[keep], pos[keep], k=k, weight=rows.weight[keep], candidate=rows.present[keep]
    )
    return ep / density


EPR_ACTIVATING = Metric(
    definition=(
        "EPR for activating true edges: repressing (and unsigned) true edges are removed from the "
        "universe, k = number of activating edges, ratio over their density"
    ),
    compute=lambda rows, uni, before: _signed_epr(rows, 1) if uni.signed else float("nan"),
    random=lambda uni, n_selected, before: 1.0 if uni.n_activating else float("nan"),
)
EPR_REPRESSING = Metric(
    definition="EPR for repressing true edges, defined as epr_activating",
    compute=lambda rows, uni, before: _signed_epr(rows, -1) if uni.signed else float("nan"),
    random=lambda uni, n_selected, before: 1.0 if uni.n_repressing else float("nan"),
)
