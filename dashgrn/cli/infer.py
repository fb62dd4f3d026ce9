"""`dashgrn infer`: read, train, prune, extract, write."""

from __future__ import annotations

import logging
import shlex
import signal
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from ._common import handle_errors, is_quiet, stderr, stdout

log = logging.getLogger("dashgrn.infer")

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
        stderr.print("stopping after this batch; the best checkpoint so far will be written (Ctrl-C again to abort)")


def _progress_callback(epochs: int, members: int = 1):  # noqa: ANN202
    """A rich progress bar on a terminal, plain log lines otherwise (epochs of every member)."""
    if is_quiet():
        return None, None

    def tag(row: dict[str, float]) -> str:
        return f"model {int(row.get('member', 1))}/{members} " if members > 1 else ""

    if stderr.is_terminal:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        progress = Progress(
            TextColumn("{task.fields[tag]}epoch {task.fields[epoch]}"), BarColumn(), TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(), console=stderr, transient=True,
        )
        task = progress.add_task("train", total=epochs * members, info="", tag="", epoch=0)

        reached: dict[int, int] = {}  # epochs completed per member (members may train side by side)

        def cb(row: dict[str, float]) -> None:
            reached[int(row.get("member", 1))] = int(row["epoch"])
            progress.update(task, completed=sum(reached.values()), tag=tag(row), epoch=int(row["epoch"]), info=(
                f"train {row['train_loss']:.3g} val {row['val_loss']:.3g} sparsity {row['weight_sparsity']:.1%}"
            ))

        return cb, progress
    every = max(1, epochs // 20)

    def cb_plain(row: dict[str, float]) -> None:
        e = int(row["epoch"])
        if e == 1 or e % every == 0 or row["pruned"]:
            log.info(
                "%sepoch %d/%d  train %.4g  val %.4g  lr %.2g  sparsity %.1f%%%s", tag(row), e, epochs,
                row["train_loss"], row["val_loss"], row["lr"], 100 * row["weight_sparsity"],
                "  (pruned)" if row["pruned"] else "",
            )

    return cb_plain, None


def register(app: typer.Typer) -> None:
    @app.command("infer")
    @handle_errors
    def infer(
        ctx: typer.Context,
        expression: Annotated[Path, typer.Argument(help="Expression: CSV/TSV(.gz) samples x genes, .h5ad, or a PHOENIX 'dim,ntraj' CSV.")],
        prior: Annotated[Optional[Path], typer.Option("--prior", "-p", help="Prior network: edge list, TF-target table or matrix.", rich_help_panel=H_DATA)] = None,
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must not exist unless --overwrite).", rich_help_panel=H_OUT)] = Path("dashgrn_out"),
        config: Annotated[Optional[Path], typer.Option("--config", help="Re-run a saved config.json; flags given here override it.", rich_help_panel=H_OUT)] = None,
        time_key: Annotated[str, typer.Option("--time-key", help="Time column / obs key.", rich_help_panel=H_DATA)] = "time",
        trajectory_key: Annotated[str, typer.Option("--trajectory-key", help="Trajectory column / obs key.", rich_help_panel=H_DATA)] = "trajectory",
        transpose: Annotated[bool, typer.Option("--transpose", help="The CSV is genes x samples.", rich_help_panel=H_DATA)] = False,
        layer: Annotated[Optional[str], typer.Option("--layer", help="h5ad layer instead of .X.", rich_help_panel=H_DATA)] = None,
        genes: Annotated[Optional[Path], typer.Option("--genes", help="Gene names for a 'dim,ntraj' CSV.", rich_help_panel=H_DATA)] = None,
        drop_nan: Annotated[bool, typer.Option("--drop-nan", help="Drop samples with NaN/inf instead of failing.", rich_help_panel=H_DATA)] = False,
        case_insensitive: Annotated[bool, typer.Option("--case-insensitive", help="Match prior genes ignoring case.", rich_help_panel=H_DATA)] = False,
        scale: Annotated[str, typer.Option("--scale", help="auto | none | minmax: bring expression to about [0, 1].", rich_help_panel=H_DATA)] = "auto",
        val_fraction: Annotated[float, typer.Option("--val-fraction", help="Fraction of trajectories (or pairs) held out for validation.", rich_help_panel=H_DATA)] = 0.066,
        hidden: Annotated[int, typer.Option("--hidden", help="Hidden width H of each branch (SPEC: 40).", rich_help_panel=H_MODEL)] = 120,
        ensemble: Annotated[int, typer.Option("--ensemble", help="Models trained with their own seeds; edges are ranked by their mean standardised effect (1 = a single model).", rich_help_panel=H_MODEL)] = 2,
        epochs: Annotated[int, typer.Option("--epochs", help="Training epochs.", rich_help_panel=H_MODEL)] = 400,
        lr: Annotated[float, typer.Option("--lr", help="Learning rate (5x on gene multipliers).", rich_help_panel=H_MODEL)] = 1e-3,
        batch_size: Annotated[int, typer.Option("--batch-size", help="Pairs per optimisation step (one ODE solve).", rich_help_panel=H_MODEL)] = 32,
        early_stopping: Annotated[int, typer.Option("--early-stopping", help="Stop after this many epochs without improvement at the final sparsity (0: off).", rich_help_panel=H_MODEL)] = 40,
        dtype: Annotated[str, typer.Option("--dtype", help="float32 | float64.", rich_help_panel=H_MODEL)] = "float32",
        rate: Annotated[str, typer.Option("--rate", help="Gene rate function: softplus(m) (cannot die) | relu(m) (SPEC).", rich_help_panel=H_MODEL)] = "softplus",
        solver: Annotated[str, typer.Option("--solver", help="rk4 (fixed --solver-steps) | dopri5 (adaptive, SPEC) | euler | bosh3 | dopri8.", rich_help_panel=H_MODEL)] = "rk4",
        rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance (adaptive solvers).", rich_help_panel=H_MODEL)] = 1e-4,
        atol: Annotated[float, typer.Option("--atol", help="Absolute tolerance (adaptive solvers).", rich_help_panel=H_MODEL)] = 1e-6,
        solver_steps: Annotated[int, typer.Option("--solver-steps", help="Fixed steps per interval (rk4/euler), at least; raised per batch when the model's stiffness estimate needs more.", rich_help_panel=H_MODEL)] = 4,
        adjoint: Annotated[bool, typer.Option("--adjoint", help="Adjoint gradients (less memory, slower).", rich_help_panel=H_MODEL)] = False,
        pruning: Annotated[str, typer.Option("--pruning", help="none (the unpruned model ranks best in benchmarks/ACCURACY.md) | dash | imp | prior.", rich_help_panel=H_PRUNE)] = "none",
        prune_start: Annotated[int, typer.Option("--prune-start", help="Epoch of the first pruning event.", rich_help_panel=H_PRUNE)] = 3,
        prune_first: Annotated[float, typer.Option("--prune-first", help="Fraction pruned at the first event.", rich_help_panel=H_PRUNE)] = 0.70,
        prune_step: Annotated[float, typer.Option("--prune-step", help="Fraction of the remaining weights pruned at later events.", rich_help_panel=H_PRUNE)] = 0.10,
        prune_every: Annotated[int, typer.Option("--prune-every", help="Later events at epochs divisible by this.", rich_help_panel=H_PRUNE)] = 10,
        lambda_ppi: Annotated[Optional[float], typer.Option("--lambda-ppi", help="Prior weight for the input layers [default: 0.9 with --prior-score path, 0.05 with spec].", rich_help_panel=H_PRUNE)] = None,
        lambda_motif: Annotated[Optional[float], typer.Option("--lambda-motif", help="Prior weight for the output layers [default: 0.9 with path, 0.01 with spec].", rich_help_panel=H_PRUNE)] = None,
        normalized_scores: Annotated[bool, typer.Option("--normalized-scores", help="Normalise DASH prior terms before mixing.", rich_help_panel=H_PRUNE)] = False,
        prior_score: Annotated[str, typer.Option("--prior-score", help="path (prior path mass) | spec (DASH's X/Y terms, SPEC 3.3).", rich_help_panel=H_PRUNE)] = "path",
        abs_wp_score: Annotated[bool, typer.Option("--abs-wp-score", help="Score W_p by |W_p| instead of exp(W_p).", rich_help_panel=H_PRUNE)] = False,
        original_lr_reset_bug: Annotated[bool, typer.Option("--original-lr-reset-bug", help="Reproduce the original's LR reset (5x on C_p, not m).", rich_help_panel=H_PRUNE)] = False,
        lr_patience: Annotated[int, typer.Option("--lr-patience", help="ReduceLROnPlateau patience (epochs).", rich_help_panel=H_MODEL)] = 3,
        ranking: Annotated[str, typer.Option("--ranking", help="auto (prior-first with a prior, else effect) | prior-first (prior edges first, each group by |E|) | effect (|E| alone).", rich_help_panel=H_OUT)] = "auto",
        export: Annotated[str, typer.Option("--export", help="calibrated (the prior's edges plus new edges with |E| >= the --new-edge-quantile of the prior edges' |E|; without a prior the --export-degree x N strongest) | support (every non-zero effect).", rich_help_panel=H_OUT)] = "calibrated",
        new_edge_quantile: Annotated[float, typer.Option("--new-edge-quantile", help="Calibrated export: a new edge needs |E| at least this quantile of the prior edges' |E|.", rich_help_panel=H_OUT)] = 0.5,
        export_degree: Annotated[float, typer.Option("--export-degree", help="Calibrated export without a prior: export this many edges per gene.", rich_help_panel=H_OUT)] = 2.0,
        top_k: Annotated[Optional[int], typer.Option("--top-k", help="Export at most the k best-ranked of those edges.", rich_help_panel=H_OUT)] = None,
        min_weight: Annotated[float, typer.Option("--min-weight", help="Export only edges with |E| >= this.", rich_help_panel=H_OUT)] = 0.0,
        seed: Annotated[int, typer.Option("--seed", help="Seed for every random draw.", rich_help_panel=H_OUT)] = 0,
        device: Annotated[str, typer.Option("--device", help="auto | cpu | cuda | cuda:N.", rich_help_panel=H_OUT)] = "auto",
        threads: Annotated[Optional[int], typer.Option("--threads", help="CPU threads for torch.", rich_help_panel=H_OUT)] = None,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.", rich_help_panel=H_OUT)] = False,
        resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted run in --out (same inputs; its config.json is the base).", rich_help_panel=H_OUT)] = False,
        truth: Annotated[Optional[Path], typer.Option("--truth", help="Gold standard, only to score the result in the report (never used for inference).", rich_help_panel=H_OUT)] = None,
        root_cell: Annotated[Optional[str], typer.Option("--root-cell", help="Compute diffusion pseudotime (scanpy DPT) from this cell (an obs name).", rich_help_panel=H_SC)] = None,
        root_group: Annotated[Optional[str], typer.Option("--root-group", help="KEY=VALUE: DPT rooted at the cell of this obs group at the extreme of the first diffusion component (e.g. cell_type=stem).", rich_help_panel=H_SC)] = None,
        pseudotime_key: Annotated[Optional[str], typer.Option("--pseudotime-key", help="Use this obs column as the pseudotime (computed elsewhere) instead of DPT.", rich_help_panel=H_SC)] = None,
        lineage_key: Annotated[Optional[str], typer.Option("--lineage-key", help="obs column of lineage labels ('ery;mono' = both), or comma-separated boolean columns: one trajectory per lineage (default: all cells form one lineage).", rich_help_panel=H_SC)] = None,
        bins: Annotated[int, typer.Option("--bins", help="Pseudotime windows per lineage, equal cell counts (mean expression per window); 0 = every cell a time point.", rich_help_panel=H_SC)] = 50,
        smooth: Annotated[int, typer.Option("--smooth", help="Moving average over this many windows on each side (0 = none).", rich_help_panel=H_SC)] = 0,
        normalize: Annotated[bool, typer.Option("--normalize/--no-normalize", help="normalize_total (to the median count) + log1p before anything else; --no-normalize for values already normalised.", rich_help_panel=H_SC)] = True,
        n_top_genes: Annotated[Optional[int], typer.Option("--n-top-genes", help="Keep only prior genes among the N most variable genes (the prior's regulators are always kept).", rich_help_panel=H_SC)] = None,
        n_pcs: Annotated[int, typer.Option("--n-pcs", help="Principal components of the DPT neighbour graph.", rich_help_panel=H_SC)] = 10,
        n_neighbors: Annotated[int, typer.Option("--n-neighbors", help="Neighbours per cell in the DPT graph.", rich_help_panel=H_SC)] = 30,
    ) -> None:
        """Infer a gene regulatory network: train a PHOENIX neural ODE and prune it with DASH."""
        from .._atomic import check_output_dir, staged_output_dir
        from .._errors import ConfigError, Interrupted
        from ..config import InferConfig, load_config
        from ..io import check_trajectories, read_expression, read_prior
        from ..provenance import file_record
        from ..ranking import resolve_ranking

        settings: dict[str, Any] = {}
        resume_state = None
        if resume:
            from ..checkpoint import load_resume

            resume_state = load_resume(out / "resume.pt")
            if config is None:
                config = out / "config.json"
            overwrite = True
        if config is not None:
            settings.update(load_config(config))
        fields = set(InferConfig().to_dict())
        for name, value in ctx.params.items():
            if name not in fields:
                continue
            src = ctx.get_parameter_source(name)
            explicit = src is not None and src.name not in ("DEFAULT", "DEFAULT_MAP")
            if explicit or name not in settings:
                settings[name] = value
        cfg = InferConfig.from_dict(settings, source=str(config) if config else "options")
        resolve_ranking(cfg.ranking, prior is not None)  # prior-first needs a prior
        if prior is None and cfg.pruning in ("dash", "prior"):
            msg = f"--pruning {cfg.pruning} needs a prior network"
            raise ConfigError(msg, hint="give --prior FILE, or use --pruning imp / none")

        in_files = (expression, prior, genes, truth, config if not resume else None)
        check_output_dir(out, overwrite=overwrite, inputs=in_files)
        expr = read_expression(
            expression, time_key=cfg.time_key, trajectory_key=cfg.trajectory_key, transpose=cfg.transpose,
            layer=cfg.layer, genes_file=genes, drop_nan=cfg.drop_nan, snapshot=cfg.single_cell,
        )
        if not cfg.single_cell:  # snapshots become time courses inside infer() (dashgrn.singlecell)
            check_trajectories(expr)
        pri = read_prior(prior) if prior is not None else None
        inputs = {"expression": file_record(expression, samples=expr.n_samples, genes=expr.n_genes)}
        if pri is not None:
            inputs["prior"] = file_record(prior, edges=pri.n_edges)
        if genes is not None:
            inputs["genes"] = file_record(genes)
        if truth is not None:
            from ..io.networks import read_truth

            read_truth(truth)  # fail now, not after training
            truth = truth.resolve()
            inputs["truth"] = file_record(truth)
        if resume_state is not None:
            _check_same_inputs(out, inputs)

        from ..outputs import write_run
        from ..pipeline import infer as run_infer
        from ..report import write_report

        flag = _StopFlag()
        old = {s: signal.signal(s, flag) for s in (signal.SIGINT, signal.SIGTERM)}
        callback, progress = _progress_callback(cfg.epochs, cfg.ensemble)
        t0 = time.perf_counter()
        try:
            if progress is not None:
                progress.start()
            try:
                result = run_infer(
                    expr, pri, cfg, callback=callback, stop_requested=lambda: flag.stop, resume=resume_state
                )
            finally:
                if progress is not None:
                    progress.stop()
            command = shlex.join(["dashgrn", *sys.argv[1:]]) if sys.argv else "dashgrn infer"
            log.info("training done in %.1f s; writing %s", time.perf_counter() - t0, out)
            with staged_output_dir(out, overwrite=overwrite, inputs=in_files) as stage:
                write_run(stage, result, inputs=inputs, command=command)
                t1 = time.perf_counter()
                write_report(stage, truth=truth)
                log.debug("report: %.1f s", time.perf_counter() - t1)
        finally:
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


def _check_same_inputs(out: Path, inputs: dict[str, Any]) -> None:
    """A resumed run must read the very same input files (by checksum)."""
    import json

    from .._errors import ConfigError

    try:
        before = json.loads((out / "run.json").read_text(encoding="utf-8"))["inputs"]
    except (OSError, ValueError, KeyError):
        msg = f"{out / 'run.json'}: missing or unreadable; cannot check that the inputs are unchanged"
        raise ConfigError(msg) from None
    for key, rec in inputs.items():
        old = before.get(key)
        if key != "truth" and (old is None or old.get("sha256") != rec["sha256"]):
            msg = f"--resume: the {key} file differs from the one the interrupted run used ({rec['path']})"
            raise ConfigError(msg, hint="resume with the same input files, or start a new run")

