"""The report's plots, drawn with matplotlib's Agg canvas and embedded as base64 PNG.

No pyplot and no global backend switch: each plot is a :class:`matplotlib.figure.Figure`
on its own Agg canvas. Gene names are drawn with math text off, so a name with ``$``
is drawn as it is.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ._canvas import agg_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ..build import Report

#: Pixels per inch of the PNGs (shown at half size on HiDPI screens, so they stay sharp).
DPI = 144
_RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "svg.hashsalt": "dashgrn",
}
TRAINING_SIZE = (4.6, 3.3)
PRUNE_COLOR = "#b35806"
COLORS = {"train": "#1b6ca8", "val": "#d1495b", "lr": "#2a9d8f", "dashgrn": "#1b6ca8", "prior-only": "#e9a03b",
          "random": "#888888"}
LAYER_COLORS = {"W_p": "#1b6ca8", "W_s": "#2a9d8f", "C_s": "#e9a03b", "C_p": "#d1495b"}


def _figure(width: float = 6.0, height: float = 3.4) -> Figure:
    """A constrained-layout figure on its own Agg canvas."""
    return agg_figure(width, height, dpi=DPI, layout="constrained")


def to_data_uri(fig: Figure) -> str:
    """Encode a figure as a ``data:image/png;base64,...`` URI (no timestamps in the PNG)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _finish_epoch_plot(ax, ylabel: str, title: str, *, log: bool = False, **legend: object) -> None:  # noqa: ANN001
    """Finish a plot by epoch: a log y scale (``log``), whole epochs on the x axis, ``ylabel``,
    ``title`` and the legend (``legend``: its options)."""
    from matplotlib.ticker import MaxNLocator

    if log:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(**legend)


def _mark_pruning(ax, prune_epochs: list[int], *, label: bool = True) -> None:  # noqa: ANN001
    for i, e in enumerate(prune_epochs):
        ax.axvline(e, color=PRUNE_COLOR, lw=0.8, ls="--", alpha=0.55, label="pruning" if (label and i == 0) else None)


def _no_data(ax, text: str) -> None:  # noqa: ANN001
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#666666")
    ax.set_xticks([])
    ax.set_yticks([])


def plot_loss(history: pd.DataFrame, prune_epochs: list[int], best_epoch: int | None) -> Figure:
    """Train and validation loss by epoch (log scale), pruning events and the best epoch marked."""
    fig = _figure(*TRAINING_SIZE)
    ax = fig.add_subplot()
    ep = history["epoch"].to_numpy()
    for col, name in (("train_loss", "train"), ("val_loss", "val")):
        y = history[col].to_numpy(dtype=np.float64)
        ok = np.isfinite(y) & (y > 0)
        ax.plot(ep[ok], y[ok], marker="o", ms=2.5, lw=1.4, color=COLORS[name], label=f"{name} loss")
    _mark_pruning(ax, prune_epochs)
    if best_epoch:
        row = history[history["epoch"] == best_epoch]
        if len(row) and np.isfinite(row["val_loss"].iloc[0]) and row["val_loss"].iloc[0] > 0:
            ax.plot([best_epoch], [row["val_loss"].iloc[0]], marker="*", ms=11, color="#222222", ls="none",
                    label=f"best epoch ({best_epoch})")
    positive = bool((history[["train_loss", "val_loss"]].to_numpy(dtype=np.float64) > 0).any())
    _finish_epoch_plot(ax, "loss (MSE)", "Training and validation loss", log=positive, fontsize=8)
    return fig


def plot_lr(history: pd.DataFrame, prune_epochs: list[int]) -> Figure:
    """Learning rate by epoch (log scale), pruning events marked."""
    fig = _figure(*TRAINING_SIZE)
    ax = fig.add_subplot()
    if "lr" not in history:
        _no_data(ax, "no learning rate in history.tsv")
        return fig
    ep = history["epoch"].to_numpy()
    lr = history["lr"].to_numpy(dtype=np.float64)
    ax.step(ep, lr, where="post", color=COLORS["lr"], lw=1.6, label="learning rate")
    if "lr_multiplier" in history:
        mult = history["lr_multiplier"].to_numpy(dtype=np.float64)
        if np.isfinite(mult).all() and (mult > 0).all():
            ax.step(ep, mult, where="post", color="#7b5ea7", lw=1.2, ls=":", label="gene multipliers' learning rate")
    _mark_pruning(ax, prune_epochs)
    _finish_epoch_plot(ax, "learning rate", "Learning rate", log=bool((lr > 0).all()), fontsize=8)
    return fig


def plot_sparsity(history: pd.DataFrame, prune_epochs: list[int]) -> Figure:
    """Fraction of pruned weights per layer and overall, by epoch; pruning events marked."""
    fig = _figure(*TRAINING_SIZE)
    ax = fig.add_subplot()
    ep = history["epoch"].to_numpy()
    drawn = False
    for layer, color in LAYER_COLORS.items():
        col = f"density_{layer}"
        if col in history:
            ax.plot(ep, 100 * (1 - history[col].to_numpy(dtype=np.float64)), lw=1.4, color=color,
                    label=f"{layer} sparsity", drawstyle="steps-post")
            drawn = True
    if "weight_sparsity" in history:
        ax.plot(ep, 100 * history["weight_sparsity"].to_numpy(dtype=np.float64), lw=2.2, color="#222222",
                ls="--", label="all weights", drawstyle="steps-post")
        drawn = True
    if not drawn:
        _no_data(ax, "no sparsity columns in history.tsv")
        return fig
    _mark_pruning(ax, prune_epochs)
    ax.set_ylim(-2, 102)
    _finish_epoch_plot(ax, "weights pruned (%)", "Sparsity per layer", fontsize=7.5, ncol=2, loc="lower right")
    return fig


def plot_degrees(out_degree: np.ndarray, in_degree: np.ndarray) -> Figure:
    """Histograms of the out-degree and in-degree of every gene."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure()
    axes = fig.subplots(1, 2, sharey=True)
    for ax, deg, name, color in ((axes[0], out_degree, "out-degree (targets)", COLORS["train"]),
                                 (axes[1], in_degree, "in-degree (regulators)", COLORS["val"])):
        d = np.asarray(deg, dtype=np.int64)
        if len(d) == 0:
            _no_data(ax, "no genes")
            continue
        bins = np.arange(0, d.max() + 2) - 0.5 if d.max() < 40 else 30
        ax.hist(d, bins=bins, color=color, alpha=0.85)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(name)
    axes[0].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[0].set_ylabel("genes")
    fig.suptitle("Degree distribution", fontsize=10)
    return fig


def plot_weights(weights: np.ndarray) -> Figure:
    """Histogram of the edges' |E| (log10; ``weights``: |E| of each edge, not the ranking weight)."""
    fig = _figure()
    ax = fig.add_subplot()
    w = np.asarray(weights, dtype=np.float64)
    w = w[np.isfinite(w) & (w > 0)]
    if len(w) == 0:
        _no_data(ax, "no edges")
        return fig
    ax.hist(np.log10(w), bins=40, color="#2a9d8f", alpha=0.85)
    ax.set_xlabel("log10 |E| (magnitude of the effect)")
    ax.set_ylabel("edges")
    ax.set_title("Effect magnitudes |E| of the edges")
    return fig


def plot_confidence(confidence: np.ndarray, members: int | None) -> Figure:
    """Histogram of the edges' confidence (the fraction of ``members`` whose own export holds
    the edge): one bar per possible value k / members up to 40 members, 20 bins beyond."""
    fig = _figure()
    ax = fig.add_subplot()
    c = np.asarray(confidence, dtype=np.float64)
    c = c[np.isfinite(c)]
    if len(c) == 0:
        _no_data(ax, "no edges")
        return fig
    from matplotlib.ticker import MaxNLocator

    m = int(members) if members else 0
    if 0 < m <= 40:  # one bar per possible value k / m
        k = np.arange(m + 1)
        ax.bar(k / m, np.bincount(np.rint(c * m).astype(np.int64).clip(0, m), minlength=m + 1), width=0.8 / m,
               color="#1b6ca8", alpha=0.85)
        if m <= 10:
            ax.set_xticks(k / m, [f"{i}/{m}" for i in k])
        ax.set_xlim(-0.6 / m, 1 + 0.6 / m)
    else:
        ax.hist(c, bins=np.linspace(0, 1, 21), color="#1b6ca8", alpha=0.85)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"confidence (fraction of {m} members exporting the edge)" if m else "confidence")
    ax.set_ylabel("edges")
    ax.set_title("Confidence of the edges")
    return fig


def plot_heatmap(mat: pd.DataFrame) -> Figure:
    """Signed effects E of the top regulators (rows) x targets (columns)."""
    n_r, n_t = mat.shape
    fig = _figure(width=max(6.0, 1.6 + 0.2 * n_t), height=max(3.0, 1.6 + 0.19 * n_r))
    ax = fig.add_subplot()
    if mat.size == 0:
        _no_data(ax, "no edges")
        return fig
    v = mat.to_numpy(dtype=np.float64)
    lim = float(np.abs(v).max()) or 1.0
    im = ax.imshow(v, cmap="RdBu_r", vmin=-lim, vmax=lim, aspect="auto", interpolation="nearest")
    ax.set_yticks(range(n_r), [str(g) for g in mat.index], fontsize=7, parse_math=False)
    ax.set_xticks(range(n_t), [str(g) for g in mat.columns], fontsize=7, rotation=90, parse_math=False)
    ax.grid(False)
    ax.set_xlabel("target")
    ax.set_ylabel("regulator")
    ax.set_title("Effect E: top regulators x their strongest targets (red activates, blue represses)")
    fig.colorbar(im, ax=ax, shrink=0.8, label="E (signed)")
    return fig


def plot_pr(pr: pd.DataFrame, summary: dict[str, float]) -> Figure:
    """Precision-recall curves (dashgrn, the prior alone, random) against the truth."""
    fig = _figure(width=5.2, height=3.8)
    ax = fig.add_subplot()
    for method, part in pr.groupby("method", sort=False):
        ap = summary.get(str(method))
        label = f"{method} (AP {ap:.3f})" if ap is not None and np.isfinite(ap) else str(method)
        ls = ":" if method == "random" else "-"
        ax.plot(part["recall"], part["precision"], lw=1.6, ls=ls, color=COLORS.get(str(method), None),
                label=label, drawstyle="steps-post" if method != "random" else "default")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_title("Precision-recall against the truth")
    ax.legend(fontsize=8)
    return fig


def plot_embedding(cells: pd.DataFrame | None, embedding: str) -> Figure:
    """Cells on the 2-D embedding, coloured by pseudotime (grey: no pseudotime); the root starred."""
    fig = _figure(width=5.2, height=4.0)
    ax = fig.add_subplot()
    if cells is None or len(cells) == 0:
        _no_data(ax, "no cell table (singlecell_cells.tsv.gz)")
        return fig
    x = cells["embedding_1"].to_numpy(dtype=np.float64)
    y = cells["embedding_2"].to_numpy(dtype=np.float64)
    pt = cells["pseudotime"].to_numpy(dtype=np.float64)
    known = np.isfinite(pt)
    size = float(np.clip(3000 / max(len(cells), 1), 1.0, 14.0))
    if (~known).any():
        ax.scatter(x[~known], y[~known], s=size, c="#bbbbbb", lw=0, label="no pseudotime", rasterized=True)
    order = np.argsort(pt[known], kind="stable")
    sc = ax.scatter(x[known][order], y[known][order], s=size, c=pt[known][order], cmap="viridis", lw=0,
                    rasterized=True)
    fig.colorbar(sc, ax=ax, shrink=0.85, label="pseudotime")
    root = cells["root"].to_numpy(dtype=bool) if "root" in cells else np.zeros(len(cells), dtype=bool)
    if root.any():
        ax.plot(x[root], y[root], marker="*", ms=13, color="#d1495b", mec="#222222", mew=0.6, ls="none",
                label="root cell")
    if root.any() or (~known).any():
        ax.legend(fontsize=8, loc="best")
    ax.grid(False)
    ax.set_xticks([])
    ax.set_yticks([])
    base = {"diffusion": "diffusion component", "principal": "principal component"}.get(
        embedding.split(" ")[0] if embedding else "", "embedding")
    ax.set_xlabel(f"{base} 1")
    ax.set_ylabel(f"{base} 2")
    ax.set_title("Cells coloured by pseudotime")
    return fig


def plot_bins(bins: pd.DataFrame | None) -> Figure:
    """Per lineage, each pseudotime window's mean (dot) and range (bar) against its number."""
    from matplotlib.ticker import MaxNLocator

    fig = _figure(width=5.2, height=4.0)
    ax = fig.add_subplot()
    need = {"lineage", "bin", "pseudotime_mean", "pseudotime_min", "pseudotime_max"}
    if bins is None or len(bins) == 0 or not need <= set(bins.columns):
        _no_data(ax, "no bin table (singlecell_bins.tsv)")
        return fig
    lineages = pd.unique(bins["lineage"].astype(str))
    for i, (lab, part) in enumerate(bins.groupby(bins["lineage"].astype(str), sort=False)):
        if i == 12:
            break
        x = part["bin"].to_numpy(dtype=np.float64)
        mean = part["pseudotime_mean"].to_numpy(dtype=np.float64)
        lo = mean - part["pseudotime_min"].to_numpy(dtype=np.float64)
        hi = part["pseudotime_max"].to_numpy(dtype=np.float64) - mean
        ax.errorbar(x, mean, yerr=[lo, hi], fmt="o", ms=2.5, lw=0.9, capsize=0, label=str(lab))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("window (in pseudotime order)")
    ax.set_ylabel("pseudotime of its cells (dot: mean)")
    shown = f" (first 12 of {len(lineages)} lineages)" if len(lineages) > 12 else ""
    ax.set_title(f"Pseudotime windows{shown}")
    if len(lineages) > 1 or lineages[0] != "all":
        leg = ax.legend(fontsize=8, title="lineage")
        for t in leg.get_texts():
            t.set_parse_math(False)
    return fig


def render_figures(report: Report) -> dict[str, str]:
    """Draw every plot of a report.

    Parameters
    ----------
    report
        From :func:`dashgrn.report.build_report`.

    Returns
    -------
    dict
        Plot name -> ``data:image/png;base64,...`` URI. Names: ``loss``, ``lr``,
        ``sparsity``, ``degrees``, ``weights``, ``heatmap``, ``confidence`` (when edges.tsv
        has the column), with a truth ``pr``, and
        for single-cell runs ``sc_embedding`` and ``sc_bins``.
    """
    import matplotlib

    best = report.values.get("training_best_epoch")
    out: dict[str, str] = {}
    with matplotlib.rc_context(_RC):
        makers = {
            "loss": lambda: plot_loss(report.history, report.prune_epochs, best),
            "lr": lambda: plot_lr(report.history, report.prune_epochs),
            "sparsity": lambda: plot_sparsity(report.history, report.prune_epochs),
            "degrees": lambda: plot_degrees(report.out_degree, report.in_degree),
            "weights": lambda: plot_weights(report.abs_effects),
            "heatmap": lambda: plot_heatmap(report.heatmap),
        }
        if report.confidence is not None:
            conf, members = report.confidence, report.values.get("network_confidence_members")
            makers["confidence"] = lambda: plot_confidence(conf, members)
        t = report.truth
        if t is not None and t.get("pr") is not None:
            table = t["table"]
            ap = {str(m): float(a) for m, a in zip(table["method"], table["average_precision"])}
            makers["pr"] = lambda: plot_pr(t["pr"], ap)
        scr = report.singlecell
        if scr is not None:
            emb = str((scr.get("summary") or {}).get("embedding") or "")
            makers["sc_embedding"] = lambda: plot_embedding(scr.get("cells"), emb)
            makers["sc_bins"] = lambda: plot_bins(scr.get("bins"))
        for name, make in makers.items():
            fig = make()
            out[name] = to_data_uri(fig)
            fig.clear()
    return out
