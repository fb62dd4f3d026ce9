"""``prior``: prior scores only ("Bio Pruning", DASH's lambda = 1)."""

from __future__ import annotations

from dataclasses import dataclass

from .dash import DashPruning


@dataclass
class PriorPruning(DashPruning):
    """DASH with lambda_ppi = lambda_motif = 1, whatever the configuration says."""

    def __post_init__(self) -> None:
        self.lambda_ppi = self.lambda_motif = 1.0
        super().__post_init__()

    @property
    def strategy(self) -> str:
        return "prior"
