"""From trained models to a network: effects, ranking, export rules.

===============  =====================================================================
module           what it holds
===============  =====================================================================
``_ranking``     :class:`Ranking` of every pair by the standardised effect
``_export``      :func:`select_edges` (the ``calibrated`` and ``support`` export rules),
                 :func:`network_from_effects` (ranking + export -> the edge table),
                 :func:`member_exports` (each member's own export)
``_confidence``  :func:`edge_confidence`: the fraction of members whose export holds an edge
===============  =====================================================================

NumPy/SciPy on the effect matrices, no torch: :func:`dashgrn.model.effect_matrix` extracts
them from a trained model. Settings: :class:`dashgrn.config.ExportConfig`.
"""

from __future__ import annotations

from ._confidence import edge_confidence
from ._export import EXPORTS, member_exports, network_from_effects, select_edges
from ._ranking import (
    RANKINGS,
    Ranking,
    mean_effects,
    rank_pairs,
    resolve_ranking,
    standardised_effects,
    standardised_matrix,
)

__all__ = [
    "EXPORTS",
    "RANKINGS",
    "Ranking",
    "edge_confidence",
    "mean_effects",
    "member_exports",
    "network_from_effects",
    "rank_pairs",
    "resolve_ranking",
    "select_edges",
    "standardised_effects",
    "standardised_matrix",
]
