"""Evidence for the ranking besides the neural model (no torch, no files).

When the trained model predicts held-out data no better than a linear model of the
dynamics, its effects are not evidence worth ranking by alone. :func:`choose_evidence` then
ranks the pairs by a rank average of several models of the same data (the DREAM5 "wisdom of
crowds"), each kept only when it predicts held-out pairs better than no change at all.

==================  ============================================================
``_sources``        the matrices: :func:`spearman_matrix`, :func:`linear_ode_matrix`,
                    :func:`linear_dynamics` (ridge derivative model with its held-out
                    error), :func:`tree_dynamics` (dynGENIE3-style trees on the
                    derivative), :func:`tree_levels` (GENIE3-style trees on levels),
                    :func:`prior_regulators` (the prior's other targets of each regulator)
``_choose``         :func:`choose_evidence`, :class:`Evidence`, :func:`crowd_scores`,
                    :func:`crowd_with_prior` (the crowd and the prior's regulators)
==================  ============================================================
"""

from __future__ import annotations

from ._choose import (
    EVIDENCE,
    PRIOR_WEIGHT,
    Evidence,
    choose_evidence,
    clearly_better,
    crowd_scores,
    crowd_with_prior,
    skill,
)
from ._sources import linear_dynamics, linear_ode_matrix, prior_regulators, spearman_matrix, tree_dynamics, tree_levels

__all__ = [
    "EVIDENCE",
    "PRIOR_WEIGHT",
    "Evidence",
    "choose_evidence",
    "clearly_better",
    "crowd_scores",
    "crowd_with_prior",
    "linear_dynamics",
    "linear_ode_matrix",
    "prior_regulators",
    "skill",
    "spearman_matrix",
    "tree_dynamics",
    "tree_levels",
]
