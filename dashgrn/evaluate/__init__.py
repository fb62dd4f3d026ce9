"""Score predicted networks against a gold standard (BEELINE / DREAM-style metrics).

The universe
------------
Every metric is computed over a *universe* of ordered (regulator, target) pairs:

==========  =================================================================
universe    pairs
==========  =================================================================
``beeline`` ordered pairs of distinct genes that appear in the truth (BEELINE's
            ``computeAUC`` with ``selfEdges=False``); the default
``tf``      truth regulators x truth genes, self-pairs excluded (BEELINE's
            ``TFEdges``)
``genes``   ordered pairs of distinct genes of a given gene list; true edges
            with a gene outside the list are dropped (and counted)
listed      a gold standard with explicit negatives (DREAM ``G1 G2 0`` rows):
            only the listed pairs, intersected with the rule above
==========  =================================================================

Pairs missing from the prediction score 0. Duplicate pairs keep the largest
score. Predicted pairs outside the universe (self-loops included) are ignored and
counted in ``n_outside_universe``. Scores are ``|weight|`` (``rank_by="abs"``) or
the weight itself (``rank_by="raw"``, for scores such as PANDA's force where a
negative value means "unlikely"); under ``raw``, missing pairs rank below every
listed pair.

The metrics
-----------
See :data:`METRIC_DEFINITIONS`. The curve metrics (AUROC, average precision, the
PR and ROC curves) come from scikit-learn; BEELINE's trapezoid AUPRC and early
precision are computed here to match ``BLEval`` (computeAUC.py, computeEarlyPrec.py,
computeSignedEPR.py). The universe is stored compactly: the pairs that are listed
in the prediction or are true edges are kept one per row, all the other pairs of
the universe form one tied row with a sample weight equal to their number. With
scikit-learn's tie handling this gives exactly the same numbers as the full
``n_pairs`` arrays.

The modules
-----------
==================  ============================================================
``_universe``       :class:`Universe`, :func:`build_universe`, :data:`UNIVERSES`
``_rows``           one prediction laid over a universe (the compact table)
``_metrics/``       :data:`METRICS`: one file per metric, one registry line each
``_significance``   p-values (:data:`PVALUES`) and bootstrap intervals (:data:`CI_METRICS`)
``_baselines``      :func:`random_baseline`, :func:`prior_prediction` and the
                    expression controls (:func:`control_predictions`)
``_score``          :func:`score_network`, :func:`score_networks`, :class:`Evaluation`
==================  ============================================================

This package uses numpy, pandas, scipy and scikit-learn only (never torch).
"""

from __future__ import annotations

from ._baselines import (
    CONTROLS,
    control_predictions,
    linear_ode_matrix,
    prior_first,
    prior_prediction,
    random_baseline,
    spearman_matrix,
)
from ._metrics import EPR_DECIMALS, METRICS, Metric, early_precision
from ._rows import RANK_BY
from ._score import METRIC_DEFINITIONS, Evaluation, NetworkScore, score_network, score_networks
from ._significance import CI_METRICS, PVALUES
from ._universe import UNIVERSES, Universe, build_universe, check_universe

__all__ = [
    "CI_METRICS",
    "CONTROLS",
    "EPR_DECIMALS",
    "METRICS",
    "METRIC_DEFINITIONS",
    "PVALUES",
    "RANK_BY",
    "UNIVERSES",
    "Evaluation",
    "Metric",
    "NetworkScore",
    "Universe",
    "build_universe",
    "check_universe",
    "control_predictions",
    "early_precision",
    "linear_ode_matrix",
    "prior_first",
    "prior_prediction",
    "random_baseline",
    "score_network",
    "score_networks",
    "spearman_matrix",
]
