"""Render the report (HTML through jinja2, Markdown, JSON) and write it, atomically."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._atomic import atomic_path
from .._log import get_logger
from .build import TOP_N, Report, build_report

if TYPE_CHECKING:
    from markupsafe import Markup

log = get_logger(__name__)

#: The files :func:`write_report` writes into the run folder, in this order.
REPORT_FILES = ("report.html", "report.json", "report.md", "prior_kept.tsv", "prior_removed.tsv", "new_edges.tsv")

#: Genes kept by single-cell gene selection listed in the HTML report (all are in singlecell_genes.tsv).
SC_GENES_SHOWN = 500

#: Truth metrics shown in the report, in order.
TRUTH_ROWS = (
    "auroc", "average_precision", "auprc_ratio", "early_precision", "epr", "epr_activating", "epr_repressing",
    "sign_accuracy", "precision", "recall", "f1", "n_edges", "auroc_pvalue", "average_precision_pvalue",
)


# --------------------------------------------------------------------------------------
# Number formatting shared by the HTML and Markdown renderers


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and not math.isfinite(float(v)))


def fmt_int(v: Any) -> str:
    """``12,345``; ``NA`` for a missing value."""
    if _missing(v):
        return "NA"
    return f"{int(v):,}"


def fmt_num(v: Any, digits: int = 4) -> str:
    """Integers with separators, floats with ``digits`` significant digits; ``NA`` when missing."""
    if _missing(v):
        return "NA"
    if isinstance(v, (bool, np.bool_)):
        return "yes" if v else "no"
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if f == int(f) and abs(f) < 1e15 and abs(f) >= 1:
            return f"{int(f):,}"
        return f"{f:.{digits}g}"
    return str(v)


def fmt_pct(v: Any, digits: int = 1) -> str:
    """A fraction as a percentage (``0.123`` -> ``12.3%``)."""
    if _missing(v):
        return "NA"
    return f"{100 * float(v):.{digits}f}%"


def fmt_seconds(v: Any) -> str:
    """``75`` -> ``1 min 15 s``."""
    if _missing(v):
        return "NA"
    s = float(v)
    if s < 60:
        return f"{s:.1f} s"
    m, s = divmod(round(s), 60)
    if m < 60:
        return f"{m} min {s} s"
    h, m = divmod(m, 60)
    return f"{h} h {m} min"


def fmt_sign(v: Any) -> str:
    """+1 -> ``activating``, -1 -> ``repressing``, 0 -> ``unknown``."""
    if _missing(v):
        return "NA"
    return {1: "activating", -1: "repressing"}.get(int(v), "unknown")


def fmt_sign_symbol(v: Any) -> Markup:
    """+1 -> a red ``+``, -1 -> a blue minus sign, 0 -> ``?`` (HTML; the text is fixed, never user data)."""
    from markupsafe import Markup

    if _missing(v) or int(v) == 0:
        return Markup('<span class="muted" title="unknown">?</span>')
    if int(v) > 0:
        return Markup('<span class="act" title="activating">+</span>')
    return Markup('<span class="rep" title="repressing">&minus;</span>')


def records(df: pd.DataFrame, n: int | None = TOP_N) -> list[dict[str, Any]]:
    """The first ``n`` rows of a table as dicts (for templates)."""
    part = df if n is None else df.head(n)
    return part.to_dict(orient="records")


# --------------------------------------------------------------------------------------
# HTML


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
        int=fmt_int, num=fmt_num, pct=fmt_pct, seconds=fmt_seconds, sign=fmt_sign, sym=fmt_sign_symbol
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


# --------------------------------------------------------------------------------------
# Writing


def _json_text(values: dict[str, Any]) -> str:
    return json.dumps(values, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _tsv_bytes(df: pd.DataFrame) -> bytes:
    text = df.to_csv(sep="\t", index=False, lineterminator="\n", na_rep="NA")
    return text.encode("utf-8")


def write_report(run_dir: str | os.PathLike[str], *, truth: str | os.PathLike[str] | None = None) -> list[Path]:
    """Write the report of a run folder into that folder.

    Writes ``report.html`` (self-contained), ``report.json`` (flat values),
    ``report.md``, and the agreement with the prior: ``prior_kept.tsv``,
    ``prior_removed.tsv`` and ``new_edges.tsv``. Everything is computed from the
    folder's files (never torch) before anything is written, and each file is
    replaced atomically, so a failure leaves the previous report in place.

    Parameters
    ----------
    run_dir
        The ``--out`` folder of ``dashgrn infer`` (or its staging folder, before it
        is renamed into place).
    truth
        A gold-standard network: adds the evaluation metrics and the PR curve, and
        stores the truth's path in ``report.json`` (``truth_path``). Without it, the
        truth recorded in ``run.json`` (``inputs.truth``) is used if that file still
        exists unchanged.

    Returns
    -------
    list of Path
        The files written, in the order of :data:`REPORT_FILES`.

    Raises
    ------
    InputError
        ``run_dir`` is not a dashgrn run folder, or the truth cannot be read.
    OutputError
        The folder cannot be written.
    """
    from .figures import render_figures
    from .markdown import render_markdown

    out = Path(run_dir)
    report = build_report(out, truth=truth)
    contents: dict[str, bytes] = {
        "report.html": render_html(report, render_figures(report)).encode("utf-8"),
        "report.json": _json_text(report.values).encode("utf-8"),
        "report.md": render_markdown(report).encode("utf-8"),
        "prior_kept.tsv": _tsv_bytes(report.kept),
        "prior_removed.tsv": _tsv_bytes(report.removed),
        "new_edges.tsv": _tsv_bytes(report.new),
    }
    written = []
    for name in REPORT_FILES:
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(contents[name])
        written.append(out / name)
    log.info("report: %s", out / "report.html")
    return written
