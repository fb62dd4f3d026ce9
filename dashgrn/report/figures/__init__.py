"""dashgrn's figures, drawn with matplotlib's object API on Agg canvases (no pyplot).

* the run report's plots, embedded in ``report.html`` as PNG data URIs:
  :func:`render_figures` draws them all (``plot_loss``, ``plot_lr``, ``plot_sparsity``,
  ``plot_degrees``, ``plot_weights``, ``plot_confidence``, ``plot_heatmap``, ``plot_pr``, ``plot_embedding``,
  ``plot_bins``), :func:`to_data_uri` encodes one;
* the PR and ROC curve files of ``dashgrn evaluate --out``: :func:`plot_pr_curves`,
  :func:`plot_roc_curves`.
"""

from __future__ import annotations

from ._curves import plot_pr_curves, plot_roc_curves
from ._run import (
    plot_bins,
    plot_confidence,
    plot_degrees,
    plot_embedding,
    plot_heatmap,
    plot_loss,
    plot_lr,
    plot_pr,
    plot_sparsity,
    plot_weights,
    render_figures,
    to_data_uri,
)

__all__ = [
    "plot_bins",
    "plot_confidence",
    "plot_degrees",
    "plot_embedding",
    "plot_heatmap",
    "plot_loss",
    "plot_lr",
    "plot_pr",
    "plot_pr_curves",
    "plot_roc_curves",
    "plot_sparsity",
    "plot_weights",
    "render_figures",
    "to_data_uri",
]
