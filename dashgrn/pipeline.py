"""``dashgrn infer`` as named steps, and :func:`run`: everything the command does, for Python.

:func:`infer` trains on data in memory and returns an :class:`~dashgrn.result.InferResult`:

1. :func:`prepare_inputs`: expression and prior as tables, single-cell snapshots ordered in
   pseudotime, the prior aligned to the genes;
2. :func:`build_trainers`: pairs, split, model and pruner of every ensemble member;
3. :func:`train_ensemble`: the members trained (side by side on a multi-core CPU);
4. :func:`extract_network`: effects, ranking and the exported network of the trained members.

:func:`run` reads the input files, checks the output folder, runs :func:`infer`, and writes
the run folder (and its report) atomically: the same folder as ``dashgrn infer``.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from ._bootstrap import BootstrapDraw, bootstrap_record, log_draws, member_draws
from ._errors import ConfigError, InputError, Interrupted
from ._log import get_logger
from .config import InferConfig
from .data import PairArrays, make_pairs
from .io import as_expression, as_prior
from .io.rundir import FILES
from .model import (
    SOLVERS,
    Pairs,
    PhoenixODE,
    Trainer,
    TrainResult,
    effect_matrix,
    member_seed,
    pair_errors,
    split_indices,
)
from .model._device import resolve_device
from .model.pruning import PRUNERS, PriorMatrices, make_pruner
from .evidence import choose_evidence
from .network import mean_effects, network_from_effects, resolve_ranking, standardised_matrix
from .checkpoint import ResumeSaver, check_same_inputs, find_resume, load_resume, restore
from .result import InferResult, prior_table, run_stopped, summarize
from .tables import AlignedPrior, ExpressionData

log = get_logger(__name__)

Callback = Callable[[dict[str, float]], None]


def seed_everything(seed: int) -> tuple[torch.Generator, np.random.Generator]:
    """Seed torch (CPU and CUDA) and return explicit generators for torch and numpy."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed), np.random.default_rng(seed)


def check_choices(cfg: InferConfig) -> None:
    """The solver and the pruning strategy that ``cfg`` names exist (:data:`dashgrn.model.SOLVERS`,
    :data:`dashgrn.model.pruning.PRUNERS`); a :class:`ConfigError` listing the choices otherwise."""
    SOLVERS.get(cfg.solver.method)
    PRUNERS.get(cfg.prune.strategy)


def resolve_config(config: InferConfig | None, options: dict[str, Any]) -> InferConfig:
    """``config`` (defaults when ``None``) with flat ``options`` (``epochs=50``...) applied, checked."""
    cfg = config or InferConfig()
    if not isinstance(cfg, InferConfig):
        msg = f"config must be an InferConfig, not {type(cfg).__name__}"
        raise ConfigError(msg)
    cfg = cfg.replace(**options) if options else cfg
    check_choices(cfg)
    return cfg


# -- step 1: inputs -------------------------------------------------------------------
def check_prior_needed(cfg: InferConfig, has_prior: bool) -> None:
    """The ranking (``prior-first``) and the pruning strategy (``dash``, ``prior``) that need a
    prior have one; a :class:`ConfigError` otherwise."""
    resolve_ranking(cfg.export.ranking, has_prior)
    if not has_prior and PRUNERS.get(cfg.prune.strategy).needs_prior:
        msg = f"--pruning {cfg.prune.strategy} needs a prior network"
        raise ConfigError(msg, hint="give --prior FILE, or use --pruning imp / none")


def _expression_options(cfg: InferConfig) -> dict[str, Any]:
    """The reading options of the expression (:func:`dashgrn.io.as_expression`) in ``cfg``."""
    return {"time_key": cfg.data.time_key, "trajectory_key": cfg.data.trajectory_key, "layer": cfg.data.layer,
            "drop_nan": cfg.data.drop_nan, "snapshot": cfg.single_cell, "transpose": cfg.data.transpose}


@dataclass
class Inputs:
    """The data of a run, ready for training."""

    expr: ExpressionData
    aligned: AlignedPrior | None
    pairs: PairArrays
    singlecell: Any = None  # a dashgrn.singlecell.SingleCellRecord for single-cell snapshots


def prepare_inputs(expression: Any, prior: Any, cfg: InferConfig) -> Inputs:
    """Step 1: tables, pseudotime time courses for snapshots, the aligned prior, the pairs."""
    expr = as_expression(expression, **_expression_options(cfg))
    pnet = as_prior(prior)
    sc_record = None
    if cfg.single_cell:  # snapshots -> pseudotime time courses (dashgrn.singlecell)
        from .singlecell import prepare_snapshots

        expr, sc_record = prepare_snapshots(
            expr, pnet, cfg.singlecell, case_insensitive=cfg.data.case_insensitive, layer=cfg.data.layer,
            seed=cfg.run.seed,
        )
    if expr.n_genes < 2:
        msg = f"{expr.source}: at least 2 genes are needed, found {expr.n_genes}"
        raise InputError(msg)
    check_prior_needed(cfg, pnet is not None)  # fail before training
    aligned = pnet.align(expr.genes, case_insensitive=cfg.data.case_insensitive) if pnet is not None else None
    if aligned is not None:
        s = aligned.summary()
        log.info(
            "prior: %d of %d edges used (%d dropped: gene not in expression; %d self-loops), %d regulators",
            s["edges_used"], s["edges_in_file"], s["edges_dropped"] - s["self_loops_dropped"],
            s["self_loops_dropped"], s["regulators"],
        )
    return Inputs(expr=expr, aligned=aligned, pairs=make_pairs(expr, scale=cfg.data.scale), singlecell=sc_record)


# -- step 2: one trainer per ensemble member -------------------------------------------
def _to_pairs(pa: PairArrays, cfg: InferConfig, rng: np.random.Generator, draw: BootstrapDraw | None = None) -> Pairs:
    train_idx, val_idx = (draw.train, draw.val) if draw is not None else split_indices(
        pa.trajectory, cfg.data.val_fraction, rng)  # --bootstrap: the member's resample
    if train_idx.size == 0:
        msg = "no training pairs are left after the validation split"
        raise InputError(msg, hint="lower --val-fraction")
    return Pairs(
        y0=torch.from_numpy(pa.y0), y1=torch.from_numpy(pa.y1), dt=torch.from_numpy(pa.dt),
        train=torch.from_numpy(train_idx), val=torch.from_numpy(val_idx),
    )


def _draws(pa: PairArrays, cfg: InferConfig) -> list[BootstrapDraw] | None:
    """Every member's resample with ``--bootstrap`` (seeded by :func:`member_seed`), else ``None``."""
    seeds = [member_seed(cfg.run.seed, k) for k in range(cfg.model.members)]
    return member_draws(pa.trajectory, seeds, cfg.data.val_fraction) if cfg.model.bootstrap else None


def build_trainers(inputs: Inputs, cfg: InferConfig, device: torch.device) -> list[Trainer]:
    """Step 2: member 1 uses the seed itself, member k its own seed (:func:`member_seed`), split
    (with ``--bootstrap``, its resample: :mod:`dashgrn._bootstrap`), model, pruner and optimiser."""
    dtype = torch.float64 if cfg.model.dtype == "float64" else torch.float32
    pa, expr, aligned = inputs.pairs, inputs.expr, inputs.aligned
    prior = PriorMatrices(abs_prior=aligned.abs_matrix()) if aligned is not None else None
    draws = _draws(pa, cfg)
    trainers: list[Trainer] = []
    for k in range(cfg.model.members):
        tgen, rng = seed_everything(member_seed(cfg.run.seed, k))
        pairs = _to_pairs(pa, cfg, rng, draws[k] if draws is not None else None).to(device, dtype)
        if k == 0:
            log.info(
                "data: %d genes, %d trajectories, %d pairs (%d train, %d validation); scaling: %s",
                expr.n_genes, pa.n_trajectories, pa.y0.shape[0], pairs.train.numel(), pairs.val.numel(),
                pa.scale["mode"],
            )
            if draws is not None:
                log_draws(draws)
            if pairs.val.numel() == 0 and cfg.data.val_fraction > 0:
                log.warning("no validation pairs (too few pairs for --val-fraction %g): the training loss "
                            "chooses the checkpoint kept", cfg.data.val_fraction)
        pruner = make_pruner(cfg.prune, prior)
        model = PhoenixODE(expr.n_genes, cfg.model.hidden, generator=tgen, dtype=dtype, rate=cfg.model.rate)
        pruner.init_state(cfg.model.hidden, expr.n_genes, rng)
        model.to(device)
        trainers.append(Trainer(model, pairs, cfg.train, pruner, cfg.solver, generator=tgen))
    return trainers


# -- step 3: training -----------------------------------------------------------------
def train_ensemble(trainers: list[Trainer], cfg: InferConfig, device: torch.device, *,
                   callback: Callback | None = None, stop_requested: Callable[[], bool] | None = None,
                   on_epoch: Callable[[int, Trainer], None] | None = None) -> list[TrainResult]:
    """Step 3: train every member to its end: side by side in threads, or as Dask tasks with
    ``cfg.run.scheduler`` (:func:`dashgrn.engine.train`: the same results); the list carries ``engine``."""
    from .engine import train

    return train(trainers, cfg.run, device, callback=callback, stop_requested=stop_requested, on_epoch=on_epoch)


# -- step 4: the network ----------------------------------------------------------------
def extract_network(trainers: list[Trainer], results: list[TrainResult], inputs: Inputs, cfg: InferConfig, *,
                    device: torch.device, seconds: float) -> InferResult:
    """Step 4: load each member's best checkpoint, extract effects, rank and export."""
    resume_state, stopped = None, run_stopped(results)  # interrupted when any member was
    engine = getattr(results, "engine", None)  # how the members trained (dashgrn.engine.TrainedMembers)
    if stopped == "interrupted":
        # the trainers' own states (inside the epoch in progress), taken before the best checkpoints load
        resume_state = {"members": [t.state_dict() for t in trainers]}
    # members that never completed an epoch (interrupted before their turn) are left out
    keep = [k for k, t in enumerate(trainers) if t.history] or [0]
    models: list[PhoenixODE] = []
    for k in keep:
        trainers[k].model.load_state_dict(results[k].best_state)
        models.append(trainers[k].model.eval())
    results = [results[k] for k in keep]
    expr, aligned, pa = inputs.expr, inputs.aligned, inputs.pairs
    effects = [effect_matrix(m) for m in models]
    evidence = choose_evidence(
        cfg.export.evidence, expr, pa,
        [(trainers[k].pairs.train.cpu().numpy(), trainers[k].pairs.val.cpu().numpy()) for k in keep],
        [r.best_val_loss for r in results], pair_errors(trainers[keep[0]], trainers[keep[0]].pairs.val).cpu().numpy(),
        lambda: standardised_matrix(effects),
        seed=cfg.run.seed, threads=cfg.run.threads or torch.get_num_threads(),
        levels=getattr(inputs.singlecell, "cell_values", None),
        has_prior=aligned is not None and aligned.n_edges > 0)
    ranking, edges = network_from_effects(
        effects, expr.genes, aligned.matrix if aligned is not None else None, cfg.export, scores=evidence.scores)
    history = pd.concat(
        [pd.DataFrame(r.history).assign(member=k + 1) for k, r in enumerate(results)], ignore_index=True)
    pairs, result = trainers[0].pairs, results[0]
    summary = summarize(inputs, cfg, pairs, results, edges, ranking.mode, models[0], device, seconds, stopped=stopped)
    summary["evidence"] = evidence.record()
    summary["engine"] = engine
    if (draws := _draws(pa, cfg)) is not None:  # which trajectories (or blocks) every member trained on
        summary["training"]["bootstrap"] = bootstrap_record([draws[k] for k in keep], expr.trajectory, keep)
    return InferResult(
        edges=edges, effects=mean_effects(effects), genes=list(expr.genes), history=history, model=models[0],
        config=cfg, summary=summary, prune_events=result.prune_events, stopped=stopped,
        prior_edges=prior_table(aligned), resume_state=resume_state, ranking=ranking,
        singlecell=inputs.singlecell, members=models, evidence=evidence,
    )


def infer(
    expression: Any,
    prior: Any = None,
    config: InferConfig | None = None,
    *,
    callback: Callback | None = None,
    stop_requested: Callable[[], bool] | None = None,
    resume: dict[str, Any] | None = None,
    on_epoch: Callable[[int, Trainer], None] | None = None,
    **options: Any,
) -> InferResult:
    """Train PHOENIX models on ``expression``, pruned as configured (gradually by default), and extract the network.

    Parameters
    ----------
    expression
        :class:`ExpressionData`, an AnnData with obs time/trajectory keys, or a DataFrame
        of samples x genes with time/trajectory columns. Single-cell snapshots (no time):
        give a pseudotime source in ``config`` (``root_cell``, ``root_group`` or
        ``pseudotime_key``; see :mod:`dashgrn.singlecell`), and the cells are ordered in
        pseudotime and binned into time courses first (``result.singlecell`` records it).
    prior
        :class:`PriorNetwork` or a DataFrame with ``regulator, target[, sign, weight]``;
        ``None`` only with ``pruning`` ``imp`` or ``none``.
    config
        :class:`InferConfig`; defaults when ``None``.
    callback
        Called after every epoch with that epoch's history row.
    stop_requested
        Polled between batches; when it returns True, training stops before the next batch
        and the best checkpoint so far is used. The result then carries ``resume_state``.
    resume
        A ``resume_state`` of an interrupted run with the same data and config:
        training continues with the batch where it stopped, as if it had not.
    on_epoch
        ``on_epoch(k, trainer)`` after every completed epoch of member ``k`` (0-based), from
        the thread that trains it (:class:`dashgrn.checkpoint.ResumeSaver` saves resume states).
    **options
        Flat settings that override ``config`` (``epochs=50``, ``solver="dopri5"``; the names
        of ``dashgrn infer``'s options, see :data:`dashgrn.config.FLAT_KEYS`).
    """
    cfg = resolve_config(config, options)
    t_start = time.perf_counter()
    device = resolve_device(cfg.run.device)
    if cfg.run.threads:
        torch.set_num_threads(cfg.run.threads)
    seed_everything(cfg.run.seed)
    inputs = prepare_inputs(expression, prior, cfg)
    trainers = build_trainers(inputs, cfg, device)
    if resume is not None:
        restore(trainers, resume)
    results = train_ensemble(trainers, cfg, device, callback=callback, stop_requested=stop_requested,
                             on_epoch=on_epoch)
    return extract_network(trainers, results, inputs, cfg, device=device, seconds=time.perf_counter() - t_start)


# -- run: files in, run folder out ---------------------------------------------------------
def run(
    expression: Any,
    prior: Any = None,
    config: InferConfig | None = None,
    *,
    out: str | Path,
    truth: str | Path | None = None,
    genes_file: str | Path | None = None,
    overwrite: bool = False,
    resume: bool = False,
    report: bool = True,
    command: str | None = None,
    callback: Callback | None = None,
    stop_requested: Callable[[], bool] | None = None,
    on_trained: Callable[[float], None] | None = None,
    protect: Iterable[str | Path] = (),
    **options: Any,
) -> InferResult:
    """Everything ``dashgrn infer`` does: read, check, train, write the run folder ``out``.

    ``expression`` and ``prior`` are file paths (read as the command reads them) or objects
    as :func:`infer` takes them. The folder is written through a staging folder, so it
    appears complete or not at all; ``overwrite`` replaces only a folder that dashgrn wrote
    (see :func:`dashgrn._atomic.check_output_dir`). ``truth`` (a file) only scores the result
    in the report. ``resume=True`` continues the interrupted or killed run of ``out`` from the
    newest resume state (:func:`dashgrn.checkpoint.find_resume`; same input files); while
    training, one is saved in the staging folder (:class:`~dashgrn.checkpoint.ResumeSaver`).
    ``command`` is recorded in run.json and config.json.
    ``on_trained(seconds)`` is called when training ended, before the folder is written.
    ``protect`` names more files that must not lie inside ``out`` (a ``--config`` file).
    The result's ``stopped`` says whether the run was interrupted.
    """
    from ._atomic import check_output_dir, staged_output_dir
    from .result import write_config, write_run

    cfg = resolve_config(config, options)
    resolve_device(cfg.run.device)  # before any file is read
    check_prior_needed(cfg, prior is not None)
    source = find_resume(out) if resume else None  # out itself, or a killed run's staging folder
    overwrite = overwrite or resume
    in_files = [p for p in (expression, prior, genes_file, truth, *protect) if isinstance(p, (str, Path))]
    check_output_dir(out, overwrite=overwrite, inputs=in_files)
    resume_state = load_resume(source / FILES["resume"]) if source is not None else None
    expr, pnet, inputs = _read_inputs(expression, prior, cfg, genes_file=genes_file, truth=truth)
    if resume_state is not None:
        check_same_inputs(source, inputs, resume_state)
    command = command or "dashgrn.run(...)"
    # the staging folder exists from here on: a killed run leaves its periodic resume state in it
    with staged_output_dir(out, overwrite=overwrite, inputs=in_files, keep=source) as stage:
        write_config(stage, cfg, command)
        saver = ResumeSaver(stage / FILES["resume"], (resume_state or {}).get("members") or [None] * cfg.model.members,
                            inputs=inputs)
        t0 = time.perf_counter()
        result = infer(expr, pnet, cfg, callback=callback, stop_requested=stop_requested, resume=resume_state,
                       on_epoch=saver)
        if on_trained is not None:
            on_trained(time.perf_counter() - t0)
        if result.stopped == "interrupted" and result.history.empty:  # no epoch ended: nothing to keep
            msg = f"interrupted before the first epoch ended; nothing was written to {out}"
            raise Interrupted(msg, hint="run the command again (there is nothing to resume)")
        write_run(stage, result, inputs=inputs, command=command)
        if report:
            from .report import write_report

            write_report(stage, truth=Path(truth).resolve() if truth is not None else None)
        if result.resume_state is None:  # completed: the periodic resume state has done its job
            (stage / FILES["resume"]).unlink(missing_ok=True)
    if source is not None and source.resolve() != Path(out).resolve():
        shutil.rmtree(source, ignore_errors=True)  # the killed run's staging folder, now resumed
    return result


def _read_inputs(expression: Any, prior: Any, cfg: InferConfig, *, genes_file: str | Path | None,
                 truth: str | Path | None) -> tuple[Any, Any, dict[str, Any]]:
    """Read the input files (objects pass through) and their records for run.json."""
    from .io import check_trajectories
    from .provenance import file_record

    inputs: dict[str, Any] = {}
    if isinstance(expression, (str, Path)):
        path = expression
        expression = as_expression(path, genes_file=genes_file, **_expression_options(cfg))
        if not cfg.single_cell:  # snapshots become time courses inside infer() (dashgrn.singlecell)
            check_trajectories(expression)
        inputs["expression"] = file_record(path, samples=expression.n_samples, genes=expression.n_genes)
    if isinstance(prior, (str, Path)):
        path = prior
        prior = as_prior(path)
        inputs["prior"] = file_record(path, edges=prior.n_edges)
    if genes_file is not None:
        inputs["genes"] = file_record(genes_file)
    if truth is not None:
        from .io import read_truth

        read_truth(truth)  # fail now, not after training
        inputs["truth"] = file_record(Path(truth).resolve())
    return expression, prior, inputs
