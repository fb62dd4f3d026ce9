"""The metric registry: one file per metric, one line per metric in :data:`METRICS`.

To add a metric: write ``_metrics/<name>.py`` holding a :class:`Metric` (its
definition, how to compute it and what a random predictor scores), add one
``METRICS.add`` line here and one ``test_metric_<name>`` in
``tests/evaluate/test_metrics.py``. A ratio to the density lives beside the metric
it divides (``auprc_ratio`` in ``average_precision.py``, ``epr`` in
``early_precision.py``). The
scores table (``metrics.tsv``, ``metrics.json``, the printed table), the random
baseline and the report's definitions read the registry.
"""

from __future__ import annotations

from ..._registry import Registry
from ._base import Metric
from .auprc_trapezoid import AUPRC_TRAPEZOID
from .auroc import AUROC
from .average_precision import AUPRC_RATIO, AVERAGE_PRECISION
from .balanced_accuracy import BALANCED_ACCURACY
from .early_precision import EARLY_PRECISION, EPR, EPR_DECIMALS, early_precision
from .f1 import F1
from .n_edges import N_EDGES
from .precision import PRECISION
from .recall import RECALL
from .sign_accuracy import SIGN_ACCURACY
from .signed_epr import EPR_ACTIVATING, EPR_REPRESSING

#: The metric columns, in table order (stable names). A metric may read the values
#: of the metrics added before it (``auprc_ratio`` divides ``average_precision``).
METRICS: Registry[Metric] = Registry("metric", "metric")
METRICS.add("auroc", AUROC)
METRICS.add("average_precision", AVERAGE_PRECISION)
METRICS.add("auprc_trapezoid", AUPRC_TRAPEZOID)
METRICS.add("auprc_ratio", AUPRC_RATIO)
METRICS.add("early_precision", EARLY_PRECISION)
METRICS.add("epr", EPR)
METRICS.add("epr_activating", EPR_ACTIVATING)
METRICS.add("epr_repressing", EPR_REPRESSING)
METRICS.add("sign_accuracy", SIGN_ACCURACY)
METRICS.add("precision", PRECISION)
METRICS.add("recall", RECALL)
METRICS.add("f1", F1)
METRICS.add("balanced_accuracy", BALANCED_ACCURACY)
METRICS.add("n_edges", N_EDGES)

__all__ = ["EPR_DECIMALS", "METRICS", "Metric", "early_precision"]
