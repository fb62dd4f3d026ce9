"""AUROC: the area under the ROC curve (scikit-learn; tied scores count one half)."""

from __future__ import annotations

from ._base import Metric, constant, sklearn_score

AUROC = Metric(
    definition="area under the ROC curve (sklearn roc_auc_score; ties count one half)",
    compute=sklearn_score("roc_auc_score"),
    random=constant(0.5),
)
