"""What an ``infer`` run produces (:class:`InferResult`) and how it is written as a run folder.

The file names of a run folder are :data:`dashgrn.io.rundir.FILES`; the report reads them back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._atomic import atomic_path, output_errors, write_text_atomic
from ._json import dumps
from ._log import get_logger
from .checkpoint import save_checkpoint, save_resume
from .config import InferConfig
from .io import write_edges, write_graphml, write_ranking
from .io.rundir import FILES
from .model import Pairs, PhoenixODE, TrainResult, batch_plan, member_seed
from .model.pruning import weight_sparsity
from .network import Ranking
from .provenance import versions

if TYPE_CHECKING:
    import torch

    from .pipeline import Inputs
    from .tables import AlignedPrior

log = get_logger(__name__)


@dataclass
class InferResult:
    """What :func:`infer` returns.

    Attributes
    ----------
    edges
        The exported network: ``regulator, target, weight, sign, rank, effect, in_prior,
        confidence`` (see :mod:`dashgrn.network`; ``confidence``: the fraction of members whose
        own export holds the edge with its sign).
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
        Counts and figures for reports: data, prior, training, network, evidence.
    evidence
        What ranked the pairs and why (:class:`dashgrn.evidence.Evidence`): the model alone,
        or a crowd of models when the model's held-out fit did not beat a linear model.
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
    evidence: Any = None  # a dashgrn.evidence.Evidence: what ranked the pairs, and why


#: A member that ran fewer epochs than this has hardly learned anything (:func:`training_warnings`).
MIN_EPOCHS = 10


def run_stopped(results: list[TrainResult]) -> str:
    """How the run ended: ``interrupted`` when any member stopped early, else member 1's."""
    return "interrupted" if any(r.stopped == "interrupted" for r in results) else results[0].stopped


def training_warnings(results: list[TrainResult]) -> list[str]:
    """A warning when training stopped before the model learned anything: a member ran fewer
    than :data:`MIN_EPOCHS` epochs, or (unpruned) its best loss is not below its first epoch's."""
    short = [len(r.history) for r in results if len(r.history) < MIN_EPOCHS]
    flat = [k + 1 for k, r in enumerate(results)
            if len(r.history) >= 2 and not r.prune_events and not r.best_val_loss < _first_loss(r)]
    out = []
    if short:
        out.append(f"training stopped after {min(short)} epoch(s), fewer than {MIN_EPOCHS}: the model has hardly "
                   "learned anything, so the exported edges say little beyond the prior; train longer (--epochs)")
    if flat:
        out.append(f"the best loss of ensemble member(s) {', '.join(map(str, flat))} is not below the first "
                   "epoch's: the model did not learn; try another --lr or more --epochs")
    return out


def _first_loss(r: TrainResult) -> float:
    row = r.history[0]
    val = row.get("val_loss", math.nan)
    return float(val if math.isfinite(val) else row["train_loss"])


def summarize(inputs: Inputs, cfg: InferConfig, pairs: Pairs, results: list[TrainResult], edges: pd.DataFrame,
             ranking_mode: str, model: PhoenixODE, device: torch.device, seconds: float, *,
             stopped: str | None = None) -> dict[str, Any]:
    """Counts and figures of the run for run.json and the report (``InferResult.summary``);
    ``stopped`` is how the whole run ended (:func:`run_stopped`, by default of ``results``)."""
    expr, pa, result = inputs.expr, inputs.pairs, results[0]
    warnings = training_warnings(results)
    for w in warnings:
        log.warning("%s", w)
    n = expr.n_genes
    summary = {
        "data": {
            "genes": n, "samples": expr.n_samples, "trajectories": pa.n_trajectories,
            "pairs": int(pa.y0.shape[0]), "train_pairs": int(pairs.train.numel()),
            "validation_pairs": int(pairs.val.numel()), "scaling": pa.scale,
        },
        "prior": inputs.aligned.summary() if inputs.aligned is not None else None,
        "training": {
            "epochs_run": len(result.history), "best_epoch": result.best_epoch,
            "best_val_loss": result.best_val_loss, "stopped": stopped or run_stopped(results),
            "at_final_sparsity": result.at_final_sparsity, "device": str(device),
            "seconds": seconds,
            # pairs per step and learning rate as the number of training pairs set them (batch_plan)
            **dict(zip(("batch_size", "lr"), batch_plan(int(pairs.train.numel()), cfg.train))),
            "ensemble": len(results),
            "members": [
                {"member": k + 1, "seed": member_seed(cfg.run.seed, k),
                 "epochs_run": len(r.history), "best_epoch": r.best_epoch, "best_val_loss": r.best_val_loss,
                 "stopped": r.stopped} for k, r in enumerate(results)
            ],
            "warnings": warnings,
            "bootstrap": None,  # with --bootstrap: B and every member's draw (dashgrn._bootstrap.bootstrap_record)
        },
        "network": {
            "edges": len(edges), "ranking": ranking_mode, "export": cfg.export.rule,
            "prior_edges_exported": int(edges["in_prior"].sum()),
            "new_edges_exported": int(len(edges) - edges["in_prior"].sum()),
            "activating": int((edges["sign"] > 0).sum()),
            "repressing": int((edges["sign"] < 0).sum()),
            "density": len(edges) / (n * (n - 1)) if n > 1 else math.nan,
            "weight_sparsity": weight_sparsity(model),
            "confidence": confidence_summary(edges, len(results), resampled=cfg.model.bootstrap > 0),
        },
    }
    if inputs.singlecell is not None:
        summary["singlecell"] = inputs.singlecell.summary()
    return summary


def confidence_summary(edges: pd.DataFrame, members: int, *, resampled: bool) -> dict[str, Any] | None:
    """How the exported edges' ``confidence`` is spread (:mod:`dashgrn.network._confidence`):
    members, whether they trained on resamples (``--bootstrap``), the edges backed by every
    member and by at least half of them, and the median; ``None`` without the column."""
    if "confidence" not in edges.columns:
        return None
    c = edges["confidence"].to_numpy(dtype=np.float64)
    return {
        "members": int(members), "resampled": bool(resampled), "same_sign": True,
        "edges_all_members": int((c >= 1 - 1e-12).sum()), "edges_at_least_half": int((c >= 0.5 - 1e-12).sum()),
        "median": float(np.median(c)) if c.size else None,
    }


def prior_table(aligned: AlignedPrior | None) -> pd.DataFrame | None:
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


def dump_json(path: Path, data: Any) -> None:
    write_text_atomic(path, dumps(data))


def write_config(out: Path, config: InferConfig, command: str) -> Path:
    """config.json: the resolved settings and the command (``--config`` and ``--resume`` read it)."""
    dump_json(Path(out) / FILES["config"], {"settings": config.to_dict(), "command": command})
    return Path(out) / FILES["config"]


def write_run(
    out: Path,
    result: InferResult,
    *,
    inputs: dict[str, Any],
    command: str,
    ranking: bool = True,
) -> list[Path]:
    """Write edges.tsv, network.graphml, checkpoint.pt, config.json, history.tsv, run.json
    (and ranking.tsv.gz; for single-cell snapshots also singlecell_cells.tsv.gz,
    singlecell_bins.tsv and singlecell_genes.tsv) into ``out``; return the paths written.
    A full disk or a read-only ``out`` is an :class:`~dashgrn._errors.OutputError`."""
    with output_errors(out):
        return _write_run(Path(out), result, inputs=inputs, command=command, ranking=ranking)


def _write_run(out: Path, result: InferResult, *, inputs: dict[str, Any], command: str,
               ranking: bool) -> list[Path]:
    written: list[Path] = []
    vers = versions()
    t0 = time.perf_counter()
    write_edges(result.edges, out / FILES["edges"])
    write_graphml(result.edges, out / FILES["graphml"])
    written += [out / FILES["edges"], out / FILES["graphml"]]
    log.debug("edges.tsv and network.graphml: %.1f s", time.perf_counter() - t0)
    if ranking:
        t0 = time.perf_counter()
        write_ranking(out / FILES["ranking"], result.ranking, result.genes)
        written.append(out / FILES["ranking"])
        log.debug("ranking.tsv.gz: %.1f s", time.perf_counter() - t0)
    if result.prior_edges is not None:
        with atomic_path(out / FILES["prior_used"]) as tmp:
            result.prior_edges.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
        written.append(out / FILES["prior_used"])
    if getattr(result, "singlecell", None) is not None:  # single-cell snapshots: cells, bins, genes kept
        written += result.singlecell.write(out)
    hist = result.history.copy()
    with atomic_path(out / FILES["history"]) as tmp:
        hist.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
    written.append(out / FILES["history"])
    written.append(write_config(out, result.config, command))
    meta = {"config": result.config.to_dict(), "versions": vers, "summary": result.summary}
    scores = getattr(result.evidence, "scores", None)
    save_checkpoint(out / FILES["checkpoint"], result.model, result.genes, meta, members=result.members[1:],
                    evidence_scores=scores)
    written.append(out / FILES["checkpoint"])
    if result.resume_state is not None:
        save_resume(out / FILES["resume"], result.resume_state, inputs=inputs)
        written.append(out / FILES["resume"])
    run = {
        "command": command,
        "inputs": inputs,
        "summary": result.summary,
        "prune_events": result.prune_events,
        "stopped": result.stopped,
        "versions": vers,
    }
    dump_json(out / FILES["run"], run)
    written.append(out / FILES["run"])
    return written
