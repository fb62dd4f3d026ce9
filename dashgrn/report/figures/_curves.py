"""PR and ROC curve figures (PNG) for one or more methods.

Uses matplotlib's object API with the Agg canvas, so no GUI backend and no global
pyplot state is touched. Inputs are the long curve tables of
:meth:`dashgrn.evaluate.Evaluation.pr_curves` / :meth:`~dashgrn.evaluate.Evaluation.roc_curves`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from ..._atomic import atomic_path
from ._canvas import agg_figure

_REFERENCE = "random"


def _figure(title: str, xlabel: str, ylabel: str):  # noqa: ANN202 - matplotlib types
    fig = agg_figure(5.5, 5.0, dpi=120)
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.grid(alpha=0.3)
    return fig, ax


def _save(fig, path: str | os.PathLike[str]) -> Path:  # noqa: ANN001
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", bbox_inches="tight")
    return path


def _label(method: str, value: float | None, name: str) -> str:
    if value is None or value != value:  # NaN
        return method
    return f"{method} ({name} {value:.3f})"


def plot_pr_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str = "Precision-recall",
    summary: dict[str, float] | None = None,
) -> Path:
    """Draw one PR curve per method into a PNG file.

    Parameters
    ----------
    curves
        Long table with columns ``method, recall, precision`` (one curve per method).
        A method named ``random`` is drawn as a dashed grey reference.
    path
        The PNG to write (atomically).
    title
        Figure title.
    summary
        Method -> a value to show in the legend (e.g. average precision).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return _plot_curves(curves, path, ("recall", "precision"), title, summary, "AP", "lower left")


def plot_roc_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str = "ROC",
    summary: dict[str, float] | None = None,
) -> Path:
    """Draw one ROC curve per method into a PNG file.

    Parameters
    ----------
    curves
        Long table with columns ``method, fpr, tpr``. A method named ``random`` is
        drawn as a dashed grey reference.
    path
        The PNG to write (atomically).
    title
        Figure title.
    summary
        Method -> a value to show in the legend (e.g. AUROC).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return _plot_curves(
        curves, path, ("fpr", "tpr"), title, summary, "AUROC", "lower right",
        labels=("false positive rate", "true positive rate"),
    )


def _plot_curves(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    columns: tuple[str, str],
    title: str,
    summary: dict[str, float] | None,
    stat: str,
    legend_loc: str,
    *,
    labels: tuple[str, str] | None = None,
) -> Path:
    """One line per method of ``curves[columns]``; the reference method dashed and grey."""
    x, y = columns
    fig, ax = _figure(title, *(labels or columns))
    for method, df in curves.groupby("method", sort=False):
        ref = method == _REFERENCE
        ax.plot(
            df[x].to_numpy(), df[y].to_numpy(),
            linestyle="--" if ref else "-", color="grey" if ref else None,
            linewidth=1.0 if ref else 1.6,
            label=_label(str(method), (summary or {}).get(str(method)), stat),
        )
    ax.legend(loc=legend_loc, fontsize="small", frameon=False)
    return _save(fig, path)
