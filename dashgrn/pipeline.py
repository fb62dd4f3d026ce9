"""The composed steps of ``dashgrn infer``: data -> pairs -> train + prune -> edges.

:func:`infer` is the Python API; the CLI is a thin layer over it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from ._errors import ConfigError, DeviceError, InputError
from ._log import get_logger
from .config import InferConfig
from .data import PairArrays, make_pairs
from .ensemble import plan_workers, train_members
from .model import PhoenixODE
from .network import effect_matrix, network_from_effects
from .ranking import Ranking, mean_effects, resolve_ranking
from .pruning import Pruner, PriorMatrices, Schedule, weight_sparsity
from .solvers import SolverConfig
from .tables import AlignedPrior, ExpressionData, PriorNetwork
from .training import Pairs, TrainConfig, Trainer, split_indices

log = get_logger(__name__)


@dataclass
class InferResult:
    """What :func:`infer` returns.

    Attributes
    ----------
    edges
        The exported network: ``regulator, target, weight, sign, rank, effect, in_prior``
        (see :mod:`dashgrn.ranking`).
    ranking
        Every pair with a non-zero effect or in the prior, best first.
    effects
        The effect matrix E (sparse, regulator x target; the members' mean for an ensemble).
    genes
        Gene order of the model and of ``effects``.
    history
        One row per epoch (losses, learning rate, sparsity, layer densities).
    model
        The trained :class:`PhoenixODE` at the selected checkpoint (ensemble member 1).
    members
        Every ensemble member (``model`` first); ``effects`` is their mean E and the
        ranking averages their standardised effects.
    summary
        Counts and figures for reports: data, prior, training, network.
    """

    edges: pd.DataFrame
    effects: sp.csr_matrix
    genes: list[str]
    history: pd.DataFrame
    model: PhoenixODE
    config: InferConfig
    summary: dict[str, Any] = field(default_factory=dict)
    prune_events: list[dict[str, Any]] = field(default_factory=list)
    stopped: str = "completed"
    prior_edges: pd.DataFrame | None = None
    resume_state: dict[str, Any] | None = None
    ranking: Ranking | None = None
    members: list[PhoenixODE] = field(default_factory=list)
    singlecell: Any = None  # a dashgrn.singlecell.SingleCellRecord for single-cell snapshots


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when usable, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        msg = f"unknown device {name!r}"
        raise DeviceError(msg, hint="use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            msg = f"device {name!r} requested but CUDA is not available"
            raise DeviceError(msg, hint="use --device cpu, or install a CUDA build of torch")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            msg = f"device {name!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
            raise DeviceError(msg)
    elif dev.type != "cpu":
        msg = f"device {name!r} is not supported"
        raise DeviceError(msg, hint="use auto, cpu, cuda or cuda:N")
    return dev


def seed_everything(seed: int) -> tuple[torch.Generator, np.random.Generator]:
    """Seed torch (CPU and CUDA) and return explicit generators for torch and numpy."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed), np.random.default_rng(seed)


def _as_expression(data: Any, cfg: InferConfig) -> ExpressionData:
    if isinstance(data, ExpressionData):
        return data
    from .io.expression import expression_from_anndata, expression_from_frame

    opts = {"time_key": cfg.time_key, "trajectory_key": cfg.trajectory_key, "drop_nan": cfg.drop_nan,
            "snapshot": cfg.single_cell}
    if isinstance(data, pd.DataFrame):
        return expression_from_frame(data, **opts)
    if type(data).__name__ == "AnnData":
        return expression_from_anndata(data, layer=cfg.layer, **opts)
    msg = f"expression must be ExpressionData, AnnData or a DataFrame, not {type(data).__name__}"
    raise ConfigError(msg)


def _as_prior(prior: Any) -> PriorNetwork | None:
    if prior is None or isinstance(prior, PriorNetwork):
        return prior
    if isinstance(prior, pd.DataFrame):
        from .io.prior import prior_from_frame

        return prior_from_frame(prior)
    msg = f"prior must be a PriorNetwork or a DataFrame, not {type(prior).__name__}"
    raise ConfigError(msg)


def _to_pairs(pa: PairArrays, cfg: InferConfig, rng: np.random.Generator) -> Pairs:
    train_idx, val_idx = split_indices(pa.trajectory, cfg.val_fraction, rng)
    if train_idx.size == 0:
        msg = "no training pairs are left after the validation split"
        raise InputError(msg, hint="lower --val-fraction")
    return Pairs(
        y0=torch.from_numpy(pa.y0), y1=torch.from_numpy(pa.y1), dt=torch.from_numpy(pa.dt),
        train=torch.from_numpy(train_idx), val=torch.from_numpy(val_idx),
    )


def build_pruner(cfg: InferConfig, aligned: AlignedPrior | None) -> Pruner:
    schedule = Schedule(start=cfg.prune_start, first=cfg.prune_first, step=cfg.prune_step, every=cfg.prune_every)
    pm = PriorMatrices(abs_prior=aligned.abs_matrix()) if aligned is not None else None
    return Pruner(
        strategy=cfg.pruning, schedule=schedule, lambda_ppi=cfg.lambda_ppi, lambda_motif=cfg.lambda_motif,
        normalized=cfg.normalized_scores, abs_exp_wp=cfg.abs_wp_score, prior=pm,
        prior_score=cfg.prior_score,
    )


def infer(
    expression: Any,
    prior: Any = None,
    config: InferConfig | None = None,
    *,
    callback: Callable[[dict[str, float]], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    resume: dict[str, Any] | None = None,
) -> InferResult:
    """Train a PHOENIX model on ``expression``, prune it with DASH, and extract the network.

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
        Polled between batches; when it returns True, training stops and the best
        checkpoint so far is used. The result then carries ``resume_state``.
    resume
        A ``resume_state`` of an interrupted run with the same data and config:
        training continues after its last epoch.
    """
    cfg = config or InferConfig()
    t_start = time.perf_counter()
    device = resolve_device(cfg.device)
    dtype = torch.float64 if cfg.dtype == "float64" else torch.float32
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    tgen, rng = seed_everything(cfg.seed)

    expr = _as_expression(expression, cfg)
    pnet = _as_prior(prior)
    sc_record = None
    if cfg.single_cell:  # snapshots -> pseudotime time courses (dashgrn.singlecell)
        from .singlecell import SingleCellOptions, prepare_snapshots

        expr, sc_record = prepare_snapshots(expr, pnet, SingleCellOptions.from_config(cfg))
    if expr.n_genes < 2:
        msg = f"{expr.source}: at least 2 genes are needed, found {expr.n_genes}"
        raise InputError(msg)
    resolve_ranking(cfg.ranking, pnet is not None)  # prior-first needs a prior: fail before training
    aligned = pnet.align(expr.genes, case_insensitive=cfg.case_insensitive) if pnet is not None else None
    if aligned is not None:
        s = aligned.summary()
        log.info(
            "prior: %d of %d edges used (%d dropped: gene not in expression; %d self-loops), %d regulators",
            s["edges_used"], s["edges_in_file"], s["edges_dropped"] - s["self_loops_dropped"],
            s["self_loops_dropped"], s["regulators"],
        )
    pa = make_pairs(expr, scale=cfg.scale)
    tcfg = TrainConfig(
        epochs=cfg.epochs, lr=cfg.lr, batch_size=cfg.batch_size, lr_patience=cfg.lr_patience,
        early_stopping=cfg.early_stopping, original_lr_reset_bug=cfg.original_lr_reset_bug,
    )
    solver = SolverConfig(method=cfg.solver, rtol=cfg.rtol, atol=cfg.atol, steps=cfg.solver_steps, adjoint=cfg.adjoint)
    # An ensemble of cfg.ensemble members: member 1 uses the seed itself, member k its own seed
    # (member_seed), split, model and optimiser. On a CPU with several threads the members train
    # side by side (dashgrn.ensemble). Resume restores every member where it stopped.
    trainers: list[Trainer] = []
    for k in range(cfg.ensemble):
        if k > 0:
            tgen, rng = seed_everything(member_seed(cfg.seed, k))
        pairs = _to_pairs(pa, cfg, rng).to(device, dtype)
        if k == 0:
            log.info(
                "data: %d genes, %d trajectories, %d pairs (%d train, %d validation); scaling: %s",
                expr.n_genes, pa.n_trajectories, pa.y0.shape[0], pairs.train.numel(), pairs.val.numel(),
                pa.scale["mode"],
            )
        pruner = build_pruner(cfg, aligned)
        model = PhoenixODE(expr.n_genes, cfg.hidden, generator=tgen, dtype=dtype, rate=cfg.rate)
        pruner.init_state(cfg.hidden, expr.n_genes, rng)
        model.to(device)
        trainers.append(Trainer(model, pairs, tcfg, pruner, solver, generator=tgen))
    if resume is not None:
        states = resume.get("members") or []
        if len(states) != cfg.ensemble:
            msg = f"the resume state has {len(states)} ensemble member(s), the configuration {cfg.ensemble}"
            raise ConfigError(msg, hint="resume with the configuration of the interrupted run")
        for trainer, state in zip(trainers, states):
            trainer.load_state_dict(state)
        log.info("resuming after epoch %s", ", ".join(str(t.epoch) for t in trainers))
    workers, intra = plan_workers(cfg.ensemble, device, cfg.threads)
    if workers > 1:
        log.info("training %d ensemble members side by side, %d thread(s) each", cfg.ensemble, intra)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(intra)
    try:
        results = train_members(trainers, workers=workers, callback=callback, stop_requested=stop_requested)
    finally:
        torch.set_num_threads(threads_before)
    resume_state = None
    if any(r.stopped == "interrupted" for r in results):
        # the trainers' own states (last completed epoch), taken before the best checkpoints load
        resume_state = {"members": [t.state_dict() for t in trainers]}
    # members that never completed an epoch (interrupted before their turn) are left out
    keep = [k for k, t in enumerate(trainers) if t.history] or [0]
    models: list[PhoenixODE] = []
    for k in keep:
        trainers[k].model.load_state_dict(results[k].best_state)
        models.append(trainers[k].model.eval())
    results = [results[k] for k in keep]
    pairs = trainers[0].pairs
    model, result = models[0], results[0]
    effects = [effect_matrix(m) for m in models]
    E = mean_effects(effects)
    ranking, edges = network_from_effects(
        effects, expr.genes, aligned.matrix if aligned is not None else None, ranking=cfg.ranking, export=cfg.export,
        new_edge_quantile=cfg.new_edge_quantile, export_degree=cfg.export_degree, top_k=cfg.top_k,
        min_weight=cfg.min_weight,
    )
    history = pd.concat(
        [pd.DataFrame(r.history).assign(member=k + 1) for k, r in enumerate(results)], ignore_index=True)
    n = expr.n_genes
    summary = {
        "data": {
            "genes": n, "samples": expr.n_samples, "trajectories": pa.n_trajectories,
            "pairs": int(pa.y0.shape[0]), "train_pairs": int(pairs.train.numel()),
            "validation_pairs": int(pairs.val.numel()), "scaling": pa.scale,
        },
        "prior": aligned.summary() if aligned is not None else None,
        "training": {
            "epochs_run": len(result.history), "best_epoch": result.best_epoch,
            "best_val_loss": result.best_val_loss, "stopped": result.stopped,
            "at_final_sparsity": result.at_final_sparsity, "device": str(device),
            "seconds": time.perf_counter() - t_start,
            "ensemble": len(models),
            "members": [
                {"member": k + 1, "seed": cfg.seed if k == 0 else member_seed(cfg.seed, k),
                 "epochs_run": len(r.history), "best_epoch": r.best_epoch, "best_val_loss": r.best_val_loss,
                 "stopped": r.stopped} for k, r in enumerate(results)
            ],
        },
        "network": {
            "edges": len(edges), "ranking": ranking.mode, "export": cfg.export,
            "prior_edges_exported": int(edges["in_prior"].sum()),
            "new_edges_exported": int(len(edges) - edges["in_prior"].sum()),
            "activating": int((edges["sign"] > 0).sum()),
            "repressing": int((edges["sign"] < 0).sum()),
            "density": len(edges) / (n * (n - 1)) if n > 1 else math.nan,
            "weight_sparsity": weight_sparsity(model),
        },
    }
    if sc_record is not None:
        summary["singlecell"] = sc_record.summary()
    return InferResult(
        edges=edges, effects=E, genes=list(expr.genes), history=history, model=model, config=cfg,
        summary=summary, prune_events=result.prune_events, stopped=result.stopped,
        prior_edges=_prior_table(aligned), resume_state=resume_state, ranking=ranking, singlecell=sc_record,
        members=models,
    )


def member_seed(seed: int, k: int) -> int:
    """The seed of ensemble member ``k`` (0-based; member 0 uses ``seed`` itself)."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def _prior_table(aligned: AlignedPrior | None) -> pd.DataFrame | None:
    """The aligned prior as ``regulator, target, sign, weight`` (the edges actually used)."""
    if aligned is None:
        return None
    coo = aligned.matrix.tocoo()
    g = np.asarray(aligned.genes, dtype=object)
    known = aligned.sign_known.tocsr()[coo.row, coo.col].A1 if aligned.sign_known is not None else np.ones(coo.nnz)
    df = pd.DataFrame({
        "regulator": g[coo.row], "target": g[coo.col],
        "sign": (np.sign(coo.data) * (known > 0)).astype(np.int8), "weight": np.abs(coo.data),
    })
    return df.sort_values(["regulator", "target"], kind="mergesort").reset_index(drop=True)
