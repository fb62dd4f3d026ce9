"""The size of the predicted edge set inside the universe (an integer column)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._base import Metric, n_predicted

if TYPE_CHECKING:
    from .._rows import Rows
    from .._universe import Universe
    from ._base import Values


def n_edges(rows: Rows, uni: Universe, before: Values) -> float:
    """Predicted pairs inside the universe (returned as an ``int``)."""
    return int(n_predicted(rows))


N_EDGES = Metric(
    definition="size of the predicted edge set inside the universe",
    compute=n_edges,
    random=lambda uni, n_selected, before: int(n_selected),
)
