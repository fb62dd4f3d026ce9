"""`dashgrn infer`: read, train, prune, extract, write."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, not_available


def register(app: typer.Typer) -> None:
    @app.command("infer")
    @handle_errors
    def infer(
        expression: Annotated[Path, typer.Argument(help="Expression file: CSV/TSV(.gz), .h5ad, or a PHOENIX 'dim,ntraj' CSV.")],
        prior: Annotated[Path, typer.Option("--prior", "-p", help="Prior network file (edge list, TF-target table or matrix).")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; must not exist unless --overwrite).")],
        time_key: Annotated[str, typer.Option("--time-key", help="Time column / obs key.")] = "time",
        trajectory_key: Annotated[str, typer.Option("--trajectory-key", help="Trajectory column / obs key.")] = "trajectory",
        transpose: Annotated[bool, typer.Option("--transpose", help="The CSV is genes x samples.")] = False,
        layer: Annotated[Optional[str], typer.Option("--layer", help="h5ad layer to use instead of .X.")] = None,
        genes: Annotated[Optional[Path], typer.Option("--genes", help="Gene names for a 'dim,ntraj' trajectory CSV.")] = None,
        drop_nan: Annotated[bool, typer.Option("--drop-nan", help="Drop samples with NaN/inf values instead of failing.")] = False,
        case_insensitive: Annotated[bool, typer.Option("--case-insensitive", help="Match prior genes ignoring case.")] = False,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    ) -> None:
        """Infer a gene regulatory network (PHOENIX neural ODE pruned with DASH)."""
        from .._atomic import check_output_dir
        from ..io import read_expression, read_prior

        check_output_dir(out, overwrite=overwrite)
        expr = read_expression(
            expression, time_key=time_key, trajectory_key=trajectory_key, transpose=transpose,
            layer=layer, genes_file=genes, drop_nan=drop_nan,
        )
        from ..io import check_trajectories

        check_trajectories(expr)
        pri = read_prior(prior)
        pri.align(expr.genes, case_insensitive=case_insensitive)
        not_available("infer (training)", 5)
