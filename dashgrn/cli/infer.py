"""`dashgrn infer`: options -> :class:`~dashgrn.config.InferConfig` -> :func:`dashgrn.pipeline.run`,
with signals and progress on the terminal."""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ..config import EPOCHS_DEFAULT, EPOCHS_DEFAULTS, flat_defaults
from ._common import handle_errors, is_quiet, stderr, stdout

log = logging.getLogger("dashgrn.infer")

#: The defaults of every option, as the stage configs of dashgrn.config declare them.
D = flat_defaults()

H_DATA = "Input"
H_MODEL = "Model and training"
H_PRUNE = "Pruning"
H_OUT = "Output and run"
H_SC = "Single-cell snapshots (no time: order cells in pseudotime)"


class _StopFlag:
    """Set by SIGINT/SIGTERM; a second signal aborts at once."""

    def __init__(self) -> None:
        self.stop = False

    def __call__(self, signum: int, frame: Any) -> None:  # noqa: ARG002
        if self.stop:
            raise KeyboardInterrupt
        self.stop = True
        log.warning("stopping after this batch; the best checkpoint so far and the resume state will be written "
                    "(Ctrl-C again to abort)")


def _progress_callback(epochs: int, members: int = 1, *, early_stopping: int = 0):  # noqa: ANN202
    """A rich progress bar on a terminal, plain log lines otherwise: members done and training,
    epoch, losses, elapsed time and an ETA bound (:mod:`dashgrn.cli._progress`)."""
    if is_quiet():
        return None, None
    from ._progress import progress_callback

    return progress_callback(epochs, members, early_stopping=early_stopping, terminal=stderr.is_terminal,
                             console=stderr)


def register(app: typer.Typer) -> None:
    @app.command("infer")
    @handle_errors
    def infer(
        ctx: typer.Context,
        expression: Annotated[Path, typer.Argument(help="Expression: CSV/TSV(.gz) samples x genes, .h5ad, or a PHOENIX 'dim,ntraj' CSV.")],
        prior: Annotated[Optional[Path], typer.Option("--prior", "-p", help="Prior network: edge list, TF-target table or matrix.", rich_help_panel=H_DATA)] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must not exist unless --overwrite).", rich_help_panel=H_OUT)] = Path("dashgrn_out"),
        config: Annotated[Optional[Path], typer.Option("--config", help="Re-run a saved config.json; flags given here override it.", rich_help_panel=H_OUT)] = None,
        time_key: Annotated[str, typer.Option("--time-key", help="Time column / obs key.", rich_help_panel=H_DATA)] = D["time_key"],
        trajectory_key: Annotated[str, typer.Option("--trajectory-key", help="Trajectory column / obs key.", rich_help_panel=H_DATA)] = D["trajectory_key"],
        transpose: Annotated[bool, typer.Option("--transpose", help="The CSV is genes x samples.", rich_help_panel=H_DATA)] = D["transpose"],
        layer: Annotated[Optional[str], typer.Option("--layer", help="h5ad layer instead of .X.", rich_help_panel=H_DATA)] = D["layer"],
        genes: Annotated[Optional[Path], typer.Option("--genes", help="Gene names for a 'dim,ntraj' CSV.", rich_help_panel=H_DATA)] = None,
        drop_nan: Annotated[bool, typer.Option("--drop-nan", help="Drop samples with NaN/inf instead of failing.", rich_help_panel=H_DATA)] = D["drop_nan"],
        case_insensitive: Annotated[bool, typer.Option("--case-insensitive", help="Match prior genes ignoring case.", rich_help_panel=H_DATA)] = D["case_insensitive"],
        scale: Annotated[str, typer.Option("--scale", help="auto | none | minmax: bring expression to about [0, 1].", rich_help_panel=H_DATA)] = D["scale"],
        val_fraction: Annotated[float, typer.Option("--val-fraction", help="Fraction of trajectories (or pairs) held out for validation.", rich_help_panel=H_DATA)] = D["val_fraction"],
        hidden: Annotated[int, typer.Option("--hidden", help="Hidden width H of each branch (SPEC: 40).", rich_help_panel=H_MODEL)] = D["hidden"],
        ensemble: Annotated[int, typer.Option("--ensemble", help="Models trained with their own seeds; edges are ranked by their mean standardised effect (1 = a single model).", rich_help_panel=H_MODEL)] = D["ensemble"],
        bootstrap: Annotated[int, typer.Option("--bootstrap", help="B >= 2: train B members, each on the trajectories drawn with replacement (one trajectory: blocks of pairs), validated on those not drawn; an edge's confidence is then the fraction of members whose own export holds it (0: off, the --ensemble members).", rich_help_panel=H_MODEL)] = D["bootstrap"],
        epochs: Annotated[Optional[int], typer.Option("--epochs", help=f"Training epochs at most (early stopping ends most runs sooner); default {EPOCHS_DEFAULTS['gradual']} with --pruning gradual, else {EPOCHS_DEFAULT}.", rich_help_panel=H_MODEL)] = D["epochs"],
        lr: Annotated[float, typer.Option("--lr", help="Learning rate (5x on gene multipliers).", rich_help_panel=H_MODEL)] = D["lr"],
        batch_size: Annotated[int, typer.Option("--batch-size", help="Pairs per optimisation step (one ODE solve), at least.", rich_help_panel=H_MODEL)] = D["batch_size"],
        max_batches: Annotated[int, typer.Option("--max-batches", help="Steps per epoch at most: with more training pairs the batch grows (and the learning rate by its square root); 0 = never.", rich_help_panel=H_MODEL)] = D["max_batches"],
        early_stopping: Annotated[int, typer.Option("--early-stopping", help="Stop after this many epochs without improvement at the final sparsity (0: off).", rich_help_panel=H_MODEL)] = D["early_stopping"],
        dtype: Annotated[str, typer.Option("--dtype", help="float32 | float64.", rich_help_panel=H_MODEL)] = D["dtype"],
        rate: Annotated[str, typer.Option("--rate", help="Gene rate function: softplus(m) (cannot die) | relu(m) (SPEC).", rich_help_panel=H_MODEL)] = D["rate"],
        solver: Annotated[str, typer.Option("--solver", help="rk4 (fixed --solver-steps) | dopri5 (adaptive, SPEC) | euler | bosh3 | dopri8.", rich_help_panel=H_MODEL)] = D["solver"],
        rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance (adaptive solvers).", rich_help_panel=H_MODEL)] = D["rtol"],
        atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance (adaptive solvers).", rich_help_panel=H_MODEL)] = D["atol"],
        solver_steps: Annotated[int, typer.Option("--solver-steps", help="Fixed steps per interval (rk4/euler), at least; raised for each pair whose interval needs more at the model's stiffness.", rich_help_panel=H_MODEL)] = D["solver_steps"],
        adjoint: Annotated[bool, typer.Option("--adjoint", help="Adjoint gradients (less memory, slower).", rich_help_panel=H_MODEL)] = D["adjoint"],
        pruning: Annotated[str, typer.Option("--pruning", help="gradual (prune the converged model in steps to --prune-target sparsity; ranks as well as the unpruned model in benchmarks/ACCURACY.md) | none (the whole model; faster) | dash | dash-paper (SPEC's DASH scores) | imp | prior.", rich_help_panel=H_PRUNE)] = D["pruning"],
        prune_start: Annotated[int, typer.Option("--prune-start", help="Epoch of the first pruning event.", rich_help_panel=H_PRUNE)] = D["prune_start"],
        prune_first: Annotated[float, typer.Option("--prune-first", help="Fraction pruned at the first event.", rich_help_panel=H_PRUNE)] = D["prune_first"],
        prune_step: Annotated[float, typer.Option("--prune-step", help="Fraction of the remaining weights pruned at later events.", rich_help_panel=H_PRUNE)] = D["prune_step"],
        prune_every: Annotated[int, typer.Option("--prune-every", help="Later events at epochs divisible by this.", rich_help_panel=H_PRUNE)] = D["prune_every"],
        prune_events: Annotated[int, typer.Option("--prune-events", help="gradual: pruning events after the dense model has converged.", rich_help_panel=H_PRUNE)] = D["prune_events"],
        prune_target: Annotated[float, typer.Option("--prune-target", help="gradual: weight sparsity after the last event (every target's output weights alike; the regulators share their layer's input weights).", rich_help_panel=H_PRUNE)] = D["prune_target"],
        prune_settle: Annotated[int, typer.Option("--prune-settle", help="gradual: prune when the validation loss has not improved for this many epochs.", rich_help_panel=H_PRUNE)] = D["prune_settle"],
        lambda_ppi: Annotated[Optional[float], typer.Option("--lambda-ppi", help="Prior weight for the input layers; default 0.9 with --prior-score path, 0.05 with spec.", rich_help_panel=H_PRUNE)] = D["lambda_ppi"],
        lambda_motif: Annotated[Optional[float], typer.Option("--lambda-motif", help="Prior weight for the output layers; default 0.9 with path, 0.01 with spec.", rich_help_panel=H_PRUNE)] = D["lambda_motif"],
        normalized_scores: Annotated[bool, typer.Option("--normalized-scores", help="Normalise DASH prior terms before mixing.", rich_help_panel=H_PRUNE)] = D["normalized_scores"],
        prior_score: Annotated[str, typer.Option("--prior-score", help="path (prior path mass) | spec (DASH's X/Y terms, SPEC 3.3).", rich_help_panel=H_PRUNE)] = D["prior_score"],
        abs_wp_score: Annotated[bool, typer.Option("--abs-wp-score", help="Score W_p by |W_p| instead of exp(W_p) (gradual always uses |W_p|).", rich_help_panel=H_PRUNE)] = D["abs_wp_score"],
        original_lr_reset_bug: Annotated[bool, typer.Option("--original-lr-reset-bug", help="Reproduce the original's LR reset (5x on C_p, not m).", rich_help_panel=H_PRUNE)] = D["original_lr_reset_bug"],
        lr_patience: Annotated[int, typer.Option("--lr-patience", help="ReduceLROnPlateau patience (epochs).", rich_help_panel=H_MODEL)] = D["lr_patience"],
        evidence: Annotated[str, typer.Option("--evidence", help="What ranks the pairs: auto (the model when it predicts held-out pairs better than a linear model of the dynamics, else a crowd of tree and linear models; README 'Evidence') | model | crowd.", rich_help_panel=H_OUT)] = D["evidence"],
        ranking: Annotated[str, typer.Option("--ranking", help="auto (prior-first with a prior, else effect) | prior-first (prior edges first, each group by |E|) | effect (|E| alone).", rich_help_panel=H_OUT)] = D["ranking"],
        export: Annotated[str, typer.Option("--export", help="calibrated (the prior's edges plus new edges with |E| >= the --new-edge-quantile of the prior edges' |E|, or the prior's edges alone when a crowd ranked the pairs; without a prior the --export-degree x N strongest) | support (every non-zero effect).", rich_help_panel=H_OUT)] = D["export"],
        new_edge_quantile: Annotated[float, typer.Option("--new-edge-quantile", help="Calibrated export: a new edge needs |E| at least this quantile of the prior edges' |E|.", rich_help_panel=H_OUT)] = D["new_edge_quantile"],
        export_degree: Annotated[float, typer.Option("--export-degree", help="Calibrated export without a prior: export this many edges per gene.", rich_help_panel=H_OUT)] = D["export_degree"],
        top_k: Annotated[Optional[int], typer.Option("--top-k", help="Export at most the k best-ranked of those edges.", rich_help_panel=H_OUT)] = D["top_k"],
        min_weight: Annotated[float, typer.Option("--min-weight", help="Export only edges with |E| >= this.", rich_help_panel=H_OUT)] = D["min_weight"],
        seed: Annotated[int, typer.Option("--seed", help="Seed for every random draw.", rich_help_panel=H_OUT)] = D["seed"],
        device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda | cuda:N.", rich_help_panel=H_OUT)] = D["device"],
        threads: Annotated[Optional[int], typer.Option("--threads", help="CPU threads for torch.", rich_help_panel=H_OUT)] = D["threads"],
        scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Train the ensemble members as Dask tasks: 'local' (a LocalCluster on this machine, started and stopped here) or a running scheduler's address tcp://HOST:PORT (needs pip install 'dashgrn\\[dask]'). The same seed gives the same edges.tsv as without it.", rich_help_panel=H_OUT)] = D["scheduler"],
        groupby: Annotated[Optional[str], typer.Option("--groupby", help="One network per group of this .h5ad obs key or table column: --out gets one run folder per group, edges_by_group.tsv and groups.json.", rich_help_panel=H_OUT)] = None,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.", rich_help_panel=H_OUT)] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted (Ctrl-C, SIGTERM) or killed run of --out from its last resume state (same inputs; its config.json is the base).", rich_help_panel=H_OUT)] = False,
        truth: Annotated[Optional[Path], typer.Option("--truth", help="Gold standard, only to score the result in the report (never used for inference).", rich_help_panel=H_OUT)] = None,
        root_cell: Annotated[Optional[str], typer.Option("--root-cell", help="Compute diffusion pseudotime (scanpy DPT) from this cell (an obs name).", rich_help_panel=H_SC)] = D["root_cell"],
        root_group: Annotated[Optional[str], typer.Option("--root-group", help="KEY=VALUE: DPT rooted at the cell of this obs group at the extreme of the first diffusion component (e.g. cell_type=stem).", rich_help_panel=H_SC)] = D["root_group"],
        pseudotime_key: Annotated[Optional[str], typer.Option("--pseudotime-key", help="Use this obs column as the pseudotime (computed elsewhere) instead of DPT.", rich_help_panel=H_SC)] = D["pseudotime_key"],
        lineage_key: Annotated[Optional[str], typer.Option("--lineage-key", help="obs column of lineage labels ('ery;mono' = both), or comma-separated boolean columns: one trajectory per lineage (default: all cells form one lineage).", rich_help_panel=H_SC)] = D["lineage_key"],
        bins: Annotated[int, typer.Option("--bins", help="Pseudotime windows per lineage, equal cell counts (mean expression per window); 0 = every cell a time point.", rich_help_panel=H_SC)] = D["bins"],
        smooth: Annotated[int, typer.Option("--smooth", help="Moving average over this many windows on each side (0 = none).", rich_help_panel=H_SC)] = D["smooth"],
        normalize: Annotated[bool, typer.Option("--normalize/--no-normalize", help="normalize_total (to the median count) + log1p before anything else; --no-normalize for values already normalised.", rich_help_panel=H_SC)] = D["normalize"],
        n_top_genes: Annotated[Optional[int], typer.Option("--n-top-genes", help="Keep only prior genes among the N most variable genes (the prior's regulators are always kept).", rich_help_panel=H_SC)] = D["n_top_genes"],
        n_pcs: Annotated[int, typer.Option("--n-pcs", help="Principal components of the DPT neighbour graph.", rich_help_panel=H_SC)] = D["n_pcs"],
        n_neighbors: Annotated[int, typer.Option("--n-neighbors", help="Neighbours per cell in the DPT graph.", rich_help_panel=H_SC)] = D["n_neighbors"],
    ) -> None:
        """Infer a gene regulatory network: train PHOENIX neural ODEs, prune them (gradually by default, or with DASH) and read out the network."""
        from .._errors import Interrupted
        from ..config import FLAT_KEYS, InferConfig, load_config
        from ..pipeline import run

        settings: dict[str, Any] = {}
        if groupby is not None:  # before --resume looks for a resume state
            from ._groups import check_groupby_options

            check_groupby_options(resume=resume, genes=genes)
        if resume and config is None:  # the interrupted run's folder, or a killed run's staging folder
            from ..checkpoint import find_resume
            from ..io.rundir import FILES

            config = find_resume(out) / FILES["config"]
        if config is not None:
            settings.update(load_config(config))
        for name, value in ctx.params.items():
            if name not in FLAT_KEYS:
                continue
            src = ctx.get_parameter_source(name)
            explicit = src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")
            if explicit or name not in settings:
                settings[name] = value
        cfg = InferConfig.from_dict(settings, source=str(config) if config else "options")

        flag = _StopFlag()
        old = {s: signal.signal(s, flag) for s in (signal.SIGINT, signal.SIGTERM)}
        callback, progress = _progress_callback(cfg.train.epochs, cfg.model.members,
                                                early_stopping=cfg.train.early_stopping)
        t0 = time.perf_counter()

        def trained(seconds: float) -> None:
            if progress is not None:
                progress.stop()
            log.info("training done in %.1f s; writing %s", seconds, out)

        try:
            if progress is not None:
                progress.start()
            if groupby is not None:  # one network per group (dashgrn.groups)
                from ._groups import infer_groups

                return infer_groups(
                    expression, prior, cfg, groupby=groupby, out=out, truth=truth, overwrite=overwrite, resume=resume,
                    genes=genes, command=shlex.join(["dashgrn", *sys.argv[1:]]) if sys.argv else "dashgrn infer",
                    callback=callback, stop_requested=lambda: flag.stop, on_trained=trained,
                    protect=[config] if config is not None else [], t0=t0)
            result = run(
                expression, prior, cfg, out=out, truth=truth, genes_file=genes, overwrite=overwrite, resume=resume,
                command=shlex.join(["dashgrn", *sys.argv[1:]]) if sys.argv else "dashgrn infer",
                callback=callback, stop_requested=lambda: flag.stop, on_trained=trained,
                protect=[config] if config is not None and not resume else [],
            )
        finally:
            if progress is not None:
                progress.stop()
            for s, h in old.items():
                signal.signal(s, h)
        s = result.summary
        stdout.print(
            f"{s['network']['edges']} edges ({s['network']['activating']} activating, "
            f"{s['network']['repressing']} repressing) among {s['data']['genes']} genes; "
            f"weight sparsity {s['network']['weight_sparsity']:.1%}; best epoch {s['training']['best_epoch']}; "
            f"{time.perf_counter() - t0:.0f} s"
        )
        stdout.print(f"results: {out}")
        if result.stopped == "interrupted":
            msg = f"interrupted; the best checkpoint so far was written to {out}"
            raise Interrupted(msg, hint=f"continue with the same command plus --resume (state in {out / 'resume.pt'})")
