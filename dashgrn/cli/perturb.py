"""`dashgrn perturb`: in-silico knockouts and overexpression from a trained run."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, stdout

_EXAMPLES = """
Exit codes: 0 success, 2 usage error, 3 bad input (an unknown gene, start data without the
model's genes, a folder that is not a run), 4 bad option, 7 output folder exists or is not writable.

\b
Examples:
  dashgrn perturb results/ --knockout GAL4 --from expr.h5ad --out ko_gal4
  dashgrn perturb results/ --knockout GAL4,REB1 --overexpress MIG1=0.9 --from expr.h5ad --out perturb
  dashgrn perturb results/ --knockout GAL4,GAL80 --combine --from expr.h5ad --t-end 20 --out double_ko
  dashgrn perturb results/ --knockout GATA1 --from cells.h5ad --cells cell_type=stem --t-end 1 --out ko
"""


def _genes(items: list[str]) -> list[str]:
    return [g.strip() for item in items for g in item.split(",") if g.strip()]


def register(app: typer.Typer) -> None:
    @app.command("perturb", epilog=_EXAMPLES)
    @handle_errors
    def perturb(
        run_dir: Annotated[Path, typer.Argument(help="Run folder of 'dashgrn infer' (or its checkpoint.pt).")],
        start: Annotated[Path, typer.Option("--from", help="Expression data to start from (any 'infer' format), with the model's genes: the first time point of every trajectory.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for perturbation.tsv, perturbation.html and perturbation.json.")],
        knockout: Annotated[Optional[list[str]], typer.Option("--knockout", help="Genes to knock out (comma-separated, repeatable), each a perturbation of its own: held at 0 from t = 0.")] = None,
        overexpress: Annotated[Optional[list[str]], typer.Option("--overexpress", help="GENE=VALUE (repeatable): held at VALUE, in the units of --from, from t = 0.")] = None,
        combine: Annotated[bool, typer.Option("--combine", help="Apply all knockouts and overexpressions together, as one perturbation.")] = False,
        cells: Annotated[Optional[str], typer.Option("--cells", help="KEY=VALUE: start from every sample of this group (an obs column, or 'trajectory') instead.")] = None,
        t_end: Annotated[Optional[float], typer.Option("--t-end", help="End time on the data's clock [default: the last observed time].")] = None,
        time_key: Annotated[str, typer.Option("--time-key", help="Time column / obs key of --from.")] = "time",
        trajectory_key: Annotated[str, typer.Option("--trajectory-key", help="Trajectory column / obs key of --from.")] = "trajectory",
        layer: Annotated[Optional[str], typer.Option("--layer", help=".h5ad layer of --from instead of .X.")] = None,
        threads: Annotated[Optional[int], typer.Option("--threads", help="CPU threads for torch [default: torch's].")] = None,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    ) -> None:
        """Predict in-silico knockouts and overexpression: integrate every ensemble member from the
        observed start states with the perturbed genes clamped, and write the change of every gene
        at the end time (perturbation.tsv) and a page of the most affected genes (perturbation.html)."""
        from .._atomic import check_output_dir
        from .._errors import ConfigError
        from ..perturbation import parse_overexpress, run_perturbation, write_perturbation

        if threads is not None:
            if threads < 1:
                msg = f"--threads must be >= 1, got {threads}"
                raise ConfigError(msg)
            import torch

            torch.set_num_threads(threads)
        genes = _genes(knockout or [])
        over = parse_overexpress(overexpress or [])
        check_output_dir(out, overwrite=overwrite, inputs=(run_dir, start))
        table, trained = run_perturbation(run_dir, genes, over, start=start, cells=cells, t_end=t_end,
                                          combine=combine, time_key=time_key, trajectory_key=trajectory_key,
                                          layer=layer)
        write_perturbation(table, out, edges=trained.edges, overwrite=overwrite, inputs=(run_dir, start),
                           command=shlex.join(["dashgrn", *sys.argv[1:]]) if sys.argv else "dashgrn perturb")
        for label in table.attrs["perturbations"]:
            rows = table[(table["perturbation"] == label) & (table["rank"] > 0)].head(3)
            top = ", ".join(f"{g} {d:+.3g}" for g, d in zip(rows["gene"], rows["delta"]))
            stdout.print(f"{label}: {top}", markup=False)
        stdout.print(f"results: {out}", markup=False)
