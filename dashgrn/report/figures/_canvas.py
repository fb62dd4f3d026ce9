"""A matplotlib figure on its own Agg canvas: no pyplot and no global backend switch."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def agg_figure(width: float, height: float, *, dpi: int, layout: str | None = None) -> Figure:
    """A ``width`` x ``height`` inch figure drawn on its own Agg canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, layout=layout)
    FigureCanvasAgg(fig)
    return fig
