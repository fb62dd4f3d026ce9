"""``imp``: iterative magnitude pruning (DASH's lambda = 0; SPEC 3.3's magnitude terms)."""

from __future__ import annotations

from ._base import Pruner


class MagnitudePruning(Pruner):
    """Prunes the weights of lowest normalised magnitude (the base class's scores)."""
