"""`dashgrn simulate`: Hill-ODE expression data with a known network and noisy priors."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, stdout

_EXAMPLES = """
Exit codes: 0 success, 2 usage error, 3 bad network or initial-state file or --knockout gene
(InputError), 4 bad option (ConfigError), 7 output folder exists or is not writable.

\b
Examples:
  dashgrn simulate --genes 40 --trajectories 50 --noise 0.025 --prior-noise 0.05 --out sim40
  dashgrn simulate --nodes sim350_ode_nodes.tsv --edges sim350_ode_edges.tsv \\
      --initial sim350_test_long.csv --prior-noise 0.05 --out sim350_test
  dashgrn simulate --genes 100 --snapshot-cells 2000 --count-scale 50 --start-jitter 0.02 --out cells
  dashgrn simulate --nodes run/network_nodes.tsv --edges run/network_edges.tsv --initial starts.csv \\
      --knockout G0004 --prior-noise '' --out ko_G0004
"""


def _floats(text: str, option: str, *, allow_empty: bool = False) -> tuple[float, ...]:
    """Parse ``"0,2,3"`` into floats; ConfigError naming ``option`` otherwise."""
    from .._errors import ConfigError

    items = [s.strip() for s in text.split(",")] if text.strip() else []
    if not items:
        if allow_empty:
            return ()
        msg = f"{option}: empty list"
        raise ConfigError(msg, hint="give comma-separated numbers, e.g. 0,2,3,7,9")
    try:
        return tuple(float(s) for s in items)
    except ValueError:
        msg = f"{option}: {text!r} is not a comma-separated list of numbers"
        raise ConfigError(msg, hint="e.g. 0,2,3,7,9") from None


def register(app: typer.Typer) -> None:
    @app.command("simulate", epilog=_EXAMPLES)
    @handle_errors
    def simulate(
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (created; must not exist unless --overwrite).")],
        nodes: Annotated[Optional[Path], typer.Option("--nodes", help="Node table of a given network (sim350_ode_nodes.tsv format).", rich_help_panel="Network")] = None,
        edges: Annotated[Optional[Path], typer.Option("--edges", help="Edge table of a given network (sim350_ode_edges.tsv format; column n = Hill coefficient).", rich_help_panel="Network")] = None,
        genes: Annotated[Optional[int], typer.Option("--genes", "-g", help="Random network with this many genes (>= 2).", rich_help_panel="Network")] = None,
        regulator_fraction: Annotated[float, typer.Option("--regulator-fraction", help="Random network: fraction of genes that regulate.", rich_help_panel="Network")] = 0.25,
        edges_per_gene: Annotated[float, typer.Option("--edges-per-gene", help="Random network: edges per gene.", rich_help_panel="Network")] = 1.5,
        activating_fraction: Annotated[float, typer.Option("--activating-fraction", help="Random network: fraction of activating edges.", show_default="2/3", rich_help_panel="Network")] = 2 / 3,
        trajectories: Annotated[int, typer.Option("--trajectories", "-k", help="Number of trajectories.", rich_help_panel="Trajectories")] = 150,
        times: Annotated[str, typer.Option("--times", help="Sampling times, comma-separated, strictly increasing (first = start).", rich_help_panel="Trajectories")] = "0,2,3,7,9",
        noise: Annotated[float, typer.Option("--noise", help="SD of Gaussian measurement noise (a clean copy is also written).", rich_help_panel="Trajectories")] = 0.0,
        initial: Annotated[Optional[Path], typer.Option("--initial", help="CSV/TSV of initial states (gene columns; per trajectory its earliest row). Sets the number of trajectories.", rich_help_panel="Trajectories")] = None,
        start_jitter: Annotated[Optional[float], typer.Option("--start-jitter", help="All trajectories start from one shared random state plus N(0, SD^2) (default: independent starts).", rich_help_panel="Trajectories")] = None,
        prior_noise: Annotated[str, typer.Option("--prior-noise", help="Prior noise levels x (comma-separated; each moves a fraction 2x of the true edges); '' for none.", rich_help_panel="Priors")] = "0.025,0.05,0.1",
        prior_drop: Annotated[float, typer.Option("--prior-drop", help="Fraction of true edges missing from every prior.", rich_help_panel="Priors")] = 0.0,
        prior_add: Annotated[float, typer.Option("--prior-add", help="Fraction (of the true edge count) of extra false edges in every prior.", rich_help_panel="Priors")] = 0.0,
        prior_name: Annotated[Optional[str], typer.Option("--prior-name", help="File name of the prior when there is one noise level (default prior_noise_<x>.tsv).", rich_help_panel="Priors")] = None,
        snapshot_cells: Annotated[Optional[int], typer.Option("--snapshot-cells", help="Snapshot mode: sample this many cells at hidden uniform times (true times in cell_times.tsv).", rich_help_panel="Snapshots")] = None,
        count_scale: Annotated[Optional[float], typer.Option("--count-scale", help="Snapshot mode: X = Poisson(SCALE * value) counts.", rich_help_panel="Snapshots")] = None,
        dropout: Annotated[float, typer.Option("--dropout", help="Snapshot mode: probability that a value is zeroed.", rich_help_panel="Snapshots")] = 0.0,
        stem_fraction: Annotated[float, typer.Option("--stem-fraction", help="Snapshot mode: cells in this first fraction of the time range get cell_type 'stem'.", rich_help_panel="Snapshots")] = 0.1,
        # The names of dashgrn.simulate.METHODS, written out: importing the simulator here would slow every
        # `dashgrn` start (tests/cli/test_simulate_cli.py checks that they agree).
        method: Annotated[str, typer.Option("--method", help="Integrator: LSODA, BDF, Radau, DOP853 or RK45.", rich_help_panel="Solver")] = "LSODA",
        rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance.", rich_help_panel="Solver")] = 1e-8,
        atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance.", rich_help_panel="Solver")] = 1e-10,
        knockout: Annotated[str, typer.Option("--knockout", help="Genes held at 0 from t = 0 in every trajectory (comma-separated; all at once): in-silico knockouts with the same random draws as the run without them.", rich_help_panel="Trajectories")] = "",
        seed: Annotated[int, typer.Option("--seed", "-s", help="Seed of every random draw (same seed, same files).")] = 0,
        digits: Annotated[int, typer.Option("--digits", help="Significant digits of the written values.")] = 10,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    ) -> None:
        """Simulate expression dynamics of a Hill-ODE network (SimulatorGRN kinetics) with its truth and noisy priors.

        Writes expression.h5ad and expression.csv (plus expression_clean.csv with
        --noise), truth.tsv, prior_noise_<x>.tsv per level, network_nodes.tsv /
        network_edges.tsv (to repeat the run) and manifest.json.
        """
        from ..simulate import METHODS, SimulateConfig, run_simulate

        method = {m.lower(): m for m in METHODS}.get(method.lower(), method)

        config = SimulateConfig(
            nodes=str(nodes) if nodes is not None else None,
            edges=str(edges) if edges is not None else None,
            genes=genes, regulator_fraction=regulator_fraction, edges_per_gene=edges_per_gene,
            activating_fraction=activating_fraction, trajectories=trajectories,
            times=_floats(times, "--times"), noise=noise,
            prior_noise=_floats(prior_noise, "--prior-noise", allow_empty=True),
            prior_drop=prior_drop, prior_add=prior_add, prior_name=prior_name, snapshot_cells=snapshot_cells,
            count_scale=count_scale, dropout=dropout, stem_fraction=stem_fraction,
            start_jitter=start_jitter, initial=str(initial) if initial is not None else None,
            method=method, rtol=rtol, atol=atol, seed=seed, digits=digits,
            knockout=tuple(g.strip() for g in knockout.split(",") if g.strip()),
        )
        result, files = run_simulate(config, out, overwrite=overwrite)
        n = result.clean.shape[0]
        kind = "cells" if config.snapshot_cells is not None else "samples"
        stdout.print(
            f"simulated {result.network.n_genes} genes, {result.network.n_edges} edges, "
            f"{result.info['n_trajectories']} trajectories, {n} {kind} -> {out}",
            markup=False,
        )
        for path in files.values():
            stdout.print(str(path), markup=False)
