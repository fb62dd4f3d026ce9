"""Average precision (the AUPRC as scikit-learn computes it: a step sum, no interpolation),
and its ratio to the density of true edges."""

from __future__ import annotations

from ._base import Metric, constant, over_density, random_density, sklearn_score

AVERAGE_PRECISION = Metric(
    definition="AUPRC as average precision, sum_n (R_n - R_(n-1)) P_n (sklearn average_precision_score)",
    compute=sklearn_score("average_precision_score"),
    random=random_density,
)
AUPRC_RATIO = Metric(
    definition="average_precision / density (density = true edges / pairs in the universe)",
    compute=over_density("average_precision"),
    random=constant(1.0),
)
