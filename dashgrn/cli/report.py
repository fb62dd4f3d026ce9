"""`dashgrn report`: rebuild a run's report from its files, without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, stdout


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handle_errors
    def report(
        run_dir: Annotated[
            Path,
            typer.Argument(
                metavar="RUN_DIR", help="The --out folder of a finished 'dashgrn infer' run.", show_default=False
            ),
        ],
        truth: Annotated[
            Optional[Path],
            typer.Option(
                "--truth", "-t",
                help="Gold-standard network: adds the evaluation metrics and the PR curve. Default: the truth "
                "recorded by 'dashgrn infer --truth', if that file is unchanged.",
                show_default=False,
            ),
        ] = None,
    ) -> None:
        """Rebuild report.html, report.json, report.md and the prior-agreement TSVs of a run, in place."""
        from ..report import write_report

        for path in write_report(run_dir, truth=truth):
            stdout.print(str(path), markup=False)
