"""``report.html``: the report as one self-contained page, rendered through jinja2."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ._format import (
    TOP_N,
    TRUTH_ROWS,
    fmt_agrees,
    fmt_int,
    fmt_num,
    fmt_pct,
    fmt_seconds,
    fmt_sign,
    fmt_sign_symbol,
    records,
)

if TYPE_CHECKING:
    from .build import Report

#: Genes kept by single-cell gene selection listed in the HTML report (all are in singlecell_genes.tsv).
SC_GENES_SHOWN = 500


def _environment():  # noqa: ANN202 - jinja2 type
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dashgrn.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        int=fmt_int, num=fmt_num, pct=fmt_pct, seconds=fmt_seconds, sign=fmt_sign, sym=fmt_sign_symbol,
        agrees=fmt_agrees,
    )
    return env


def _truth_rows(report: Report) -> tuple[list[str], list[dict[str, Any]]]:
    from ..evaluate import METRIC_DEFINITIONS

    t = report.truth
    if t is None or t.get("table") is None:
        return [], []
    table: pd.DataFrame = t["table"]
    methods = [str(m) for m in table["method"]]
    rows = []
    for metric in TRUTH_ROWS:
        if metric not in table:
            continue
        rows.append({
            "metric": metric, "definition": METRIC_DEFINITIONS.get(metric, ""),
            "values": [fmt_num(v, 3 if metric.endswith("_pvalue") else 4) for v in table[metric]],
        })
    return methods, rows


def _cells_per_bin(report: Report) -> str:
    """``40`` or ``39 to 41`` (cells per pseudotime window), ``NA`` without a bin table."""
    sc = report.singlecell
    bins = sc.get("bins") if sc is not None else None
    if bins is None or "cells" not in bins or len(bins) == 0:
        return "NA"
    c = pd.to_numeric(bins["cells"], errors="coerce")
    lo, hi = c.min(), c.max()
    return fmt_int(lo) if lo == hi else f"{fmt_int(lo)} to {fmt_int(hi)}"


def template_context(report: Report, figures: dict[str, str]) -> dict[str, Any]:
    """Everything the HTML template reads."""
    methods, truth_rows = _truth_rows(report)
    regs = report.regulators
    by_degree = regs.sort_values(["out_degree", "out_strength", "regulator"], ascending=[False, False, True],
                                 kind="mergesort")
    by_strength = regs.sort_values(["out_strength", "out_degree", "regulator"], ascending=[False, False, True],
                                   kind="mergesort")
    hist = report.history
    prune_rows = hist[hist["epoch"].isin(report.prune_epochs)] if report.prune_epochs else hist.iloc[:0]
    return {
        "v": report.values,
        "run": report.run,
        "run_name": report.name,
        "figures": figures,
        "notes": report.notes,
        "top_n": TOP_N,
        "kept": records(report.kept),
        "removed": records(report.removed),
        "new": records(report.new),
        "disagree": records(report.disagree),
        "pruning": report.run["pruning"],
        "ranking_text": report.run["ranking"],
        "by_degree": records(by_degree),
        "by_strength": records(by_strength),
        "heatmap_shape": report.heatmap.shape,
        "prune_rows": records(prune_rows, None),
        "layers": [c[len("density_"):] for c in hist.columns if c.startswith("density_")],
        "truth": report.truth,
        "truth_methods": methods,
        "truth_rows": truth_rows,
        "sc": report.singlecell,
        "sc_cells_per_bin": _cells_per_bin(report),
        "sc_genes_shown": SC_GENES_SHOWN,
    }


def render_html(report: Report, figures: dict[str, str] | None = None) -> str:
    """Render ``report.html``: one self-contained page (inline CSS, plots as data URIs).

    Every string from the run folder (gene names, paths, the command line) is
    HTML-escaped by the template engine (``autoescape=True``), and a
    Content-Security-Policy forbids scripts and any resource that is not inline.

    Parameters
    ----------
    report
        From :func:`~dashgrn.report.build_report`.
    figures
        From :func:`~dashgrn.report.figures.render_figures` (drawn here when ``None``).
    """
    if figures is None:
        from .figures import render_figures

        figures = render_figures(report)
    return _environment().get_template("report.html.j2").render(**template_context(report, figures))
