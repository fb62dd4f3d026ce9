"""``none``: no pruning (plain PHOENIX; the default until issue 18 made ``gradual`` it, see benchmarks/results/ACCURACY.md)."""

from __future__ import annotations

from typing import ClassVar

from ._base import Pruner


class NoPruning(Pruner):
    """Never prunes; the schedule is ignored."""

    active: ClassVar[bool] = False
