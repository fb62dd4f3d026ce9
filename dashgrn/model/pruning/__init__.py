"""Pruning strategies (SPEC section 3), one module each, in the :data:`PRUNERS` registry.

==========  ==========================  =========================================================
name        class                       scores
==========  ==========================  =========================================================
dash        :class:`DashPruning`        lambda * prior term + (1 - lambda) * magnitude (SPEC 3.3)
dash-paper  :class:`DashPaperPruning`   ``dash`` with SPEC's X / Y terms and lambdas, fixed
imp         :class:`MagnitudePruning`   magnitude only (lambda = 0)
prior       :class:`PriorPruning`       prior only (lambda = 1, "Bio Pruning")
none        :class:`NoPruning`          never prunes (plain PHOENIX)
gradual     :class:`GradualPruning`     magnitude, in steps after the dense model settled (default)
==========  ==========================  =========================================================

A new strategy is one module with a :class:`Pruner` subclass (its ``scores`` and, when it
reads more of the configuration, ``from_config``), one ``PRUNERS.add`` line and one test.
"""

from __future__ import annotations

from ..._registry import Registry
from ...config import PruneConfig
from ._base import (Pruner, Schedule, layer_density, magnitude_scores, prune_mask, prune_mask_layer,
                    prune_mask_per_gene, weight_sparsity)
from ._prior import PriorMatrices, dash_input_term, dash_output_term
from .dash import DashPruning
from .dash_paper import DashPaperPruning
from .gradual import GradualPruning
from .imp import MagnitudePruning
from .none import NoPruning
from .prior import PriorPruning

#: Every pruning strategy by name (``--pruning``).
PRUNERS: Registry[type[Pruner]] = Registry("pruning strategy", "--pruning")
PRUNERS.add("dash", DashPruning)
PRUNERS.add("imp", MagnitudePruning)
PRUNERS.add("prior", PriorPruning)
PRUNERS.add("none", NoPruning)
PRUNERS.add("gradual", GradualPruning)
PRUNERS.add("dash-paper", DashPaperPruning)


def make_pruner(cfg: PruneConfig, prior: PriorMatrices | None = None) -> Pruner:
    """The pruner that ``cfg.strategy`` names, with ``cfg``'s schedule and scores."""
    return PRUNERS.get(cfg.strategy).from_config(cfg, prior)


__all__ = [
    "PRUNERS",
    "DashPaperPruning",
    "DashPruning",
    "GradualPruning",
    "MagnitudePruning",
    "NoPruning",
    "PriorMatrices",
    "PriorPruning",
    "Pruner",
    "Schedule",
    "dash_input_term",
    "dash_output_term",
    "layer_density",
    "magnitude_scores",
    "make_pruner",
    "prune_mask",
    "prune_mask_layer",
    "prune_mask_per_gene",
    "weight_sparsity",
]
