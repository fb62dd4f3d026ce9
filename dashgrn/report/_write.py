"""Write the report (HTML, JSON, Markdown and the prior-agreement tables) into a run
folder, atomically."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd

from .._atomic import atomic_path
from .._log import get_logger
from ..io.rundir import FILES
from . import markdown
from .build import build_report
from .figures import render_figures
from .html import render_html

log = get_logger(__name__)

#: The files :func:`write_report` writes into the run folder, in this order.
REPORT_FILES = tuple(
    FILES[k] for k in ("report_html", "report_json", "report_md", "prior_kept", "prior_removed", "new_edges")
)


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
    out = Path(run_dir)
    report = build_report(out, truth=truth)
    contents: dict[str, bytes] = {
        FILES["report_html"]: render_html(report, render_figures(report)).encode("utf-8"),
        FILES["report_json"]: _json_text(report.values).encode("utf-8"),
        FILES["report_md"]: markdown.render_markdown(report).encode("utf-8"),
        FILES["prior_kept"]: _tsv_bytes(report.kept),
        FILES["prior_removed"]: _tsv_bytes(report.removed),
        FILES["new_edges"]: _tsv_bytes(report.new),
    }
    written = []
    for name in REPORT_FILES:
        with atomic_path(out / name) as tmp:
            tmp.write_bytes(contents[name])
        written.append(out / name)
    # DEBUG: during `dashgrn infer` this is the staging folder; the final path is the
    # command's "results:" line (`dashgrn report` prints the files it wrote).
    log.debug("report written: %s", out / FILES["report_html"])
    return written
