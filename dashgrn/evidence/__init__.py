"""Evidence for the ranking besides the neural model (no torch, no files).

When the trained model predicts held-out data no better than a linear model of the
dynamics, its effects are not evidence worth ranking by alone. :func:`choose_evidence` then
ranks the pairs by a rank average of several models of the same data (the DREAM5 "wisdom of
crowds"), each kept only when it predicts held-out pairs better than no change at all.

==================  ============================================================
``_sources``        the matrices: :func:`spearman_matrix`, :func:`linear_ode_matrix`,
                    :func:`linear_dynamics` (ridge derivative model with its held-out
                    error), :func:`tree_dynamics` (dynGENIE3-style trees on the
                    derivative), :func:`tree_levels` (GENIE3-style trees on levels)
``_choose``         :func:`choose_evidence`, :class:`Evidence`, :func:`crowd_scores`
==================  ============================================================
"""

from __future__ import annotations

from ._choose import EVIDENCE, Evidence, choose_evidence, clearly_better, crowd_scores, skill
from ._sources import linear_dynamics, linear_ode_matrix, spearman_matrix, tree_dynamics, tree_levels

__all__ = [
    "EVIDENCE",
    "Evidence",
    "choose_evidence",
    "clearly_better",
    "crowd_scores",
    "linear_dynamics",
    "linear_ode_matrix",
    "skill",
    "spearman_matrix",
    "tree_dynamics",
    "tree_levels",
]
