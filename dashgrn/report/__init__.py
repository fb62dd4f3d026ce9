"""The run report: report.html, report.json and report.md from a run folder's files.

Built from the files of an ``infer`` run folder alone (never torch), so that
``dashgrn report RUN_DIR`` can rebuild it anywhere. The folder is read by
:func:`dashgrn.io.read_run_folder`; :mod:`.build` computes the report,
:mod:`.html`, :mod:`.markdown` and :mod:`.figures` render it, and
:func:`write_report` writes it.
"""

from __future__ import annotations

from ..io.rundir import read_run_folder
from ._write import write_report
from .build import Report, build_report
from .html import render_html
from .markdown import render_markdown

__all__ = ["Report", "build_report", "read_run_folder", "render_html", "render_markdown", "write_report"]
