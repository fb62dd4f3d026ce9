"""The run report: report.html, report.json and report.md from a run folder's files.

Built from the files of an ``infer`` run folder alone (never torch), so that
``dashgrn report RUN_DIR`` can rebuild it anywhere.
"""

from __future__ import annotations

from ._write import render_html, write_report
from .build import Report, build_report, read_run_folder
from .markdown import render_markdown

__all__ = ["Report", "build_report", "read_run_folder", "render_html", "render_markdown", "write_report"]
