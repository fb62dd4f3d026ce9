"""``dash-paper``: DASH as the paper and SPEC section 3 run it, whatever the configuration says
about its scores: the X / Y best-guess terms with the recursive state S (``--prior-score spec``),
lambda_ppi 0.05 and lambda_motif 0.01, on the schedule of ``--prune-start/-first/-step/-every``
(SPEC 3.4 by default: 70% before epoch 3, then 10% of the rest every 10 epochs). With
``--rate relu`` (SPEC 1) the whole model is SPEC's; ``--original-lr-reset-bug`` adds the
original's learning-rate reset."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import LAMBDA_DEFAULTS
from .dash import DashPruning


@dataclass
class DashPaperPruning(DashPruning):
    """:class:`DashPruning` with SPEC's scores and lambdas, fixed."""

    def __post_init__(self) -> None:
        self.prior_score = "spec"
        self.lambda_ppi, self.lambda_motif = LAMBDA_DEFAULTS["spec"]
        self.normalized = False
        super().__post_init__()

    @property
    def strategy(self) -> str:
        return "dash-paper"
