"""`dashgrn export`: re-extract the network from a checkpoint without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, stdout


def register(app: typer.Typer) -> None:
    @app.command("export")
    @handle_errors
    def export(
        checkpoint: Annotated[Path, typer.Argument(help="checkpoint.pt written by 'dashgrn infer'.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for edges.tsv and network.graphml.")],
        top_k: Annotated[Optional[int], typer.Option("--top-k", help="Keep only the k strongest edges.")] = None,
        min_weight: Annotated[float, typer.Option("--min-weight", help="Keep only edges with |E| >= this.")] = 0.0,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    ) -> None:
        """Re-extract edges.tsv and network.graphml from a checkpoint at another threshold."""
        from .._atomic import check_output_dir, staged_output_dir
        from .._errors import ConfigError
        from ..checkpoint import load_checkpoint
        from ..export import write_edges, write_graphml
        from ..network import edges_from_effects, effect_matrix

        if top_k is not None and top_k < 1:
            msg = f"--top-k must be >= 1, got {top_k}"
            raise ConfigError(msg)
        if min_weight < 0:
            msg = f"--min-weight must be >= 0, got {min_weight}"
            raise ConfigError(msg)
        check_output_dir(out, overwrite=overwrite)
        model, meta = load_checkpoint(checkpoint)
        edges = edges_from_effects(effect_matrix(model), meta["genes"], top_k=top_k, min_weight=min_weight)
        with staged_output_dir(out, overwrite=overwrite) as stage:
            write_edges(edges, stage / "edges.tsv")
            write_graphml(edges, stage / "network.graphml")
        stdout.print(f"{len(edges)} edges")
        stdout.print(f"results: {out}")
