"""The sections of the report: the flat ``report.json`` values of each part of a run
folder (see :mod:`dashgrn.report.build`) and the tables the report shows beside them.

Each ``<part>_section(rf, values)`` adds its ``<part>_`` keys to ``values`` (the truth
section is in :mod:`dashgrn.report._truth`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from ..io.rundir import RunFolder, read_singlecell_tables
from ._values import abs_effect, json_value, ratio
from ._wording import pruning_facts, ranking_mode

__all__ = ["add_checks", "data_section", "heatmap_table", "json_value", "network_section", "prior_section",
           "run_section", "singlecell_section", "training_section"]

#: Version of the layout of ``report.json``; raised when a key changes meaning or goes.
SCHEMA_VERSION = 1
#: Regulators (rows) and targets (columns) of the effect heat map.
HEATMAP_REGULATORS = 20
HEATMAP_TARGETS = 30

_LAYERS = ("W_p", "W_s", "C_s", "C_p")


def run_section(rf: RunFolder, values: dict[str, Any]) -> dict[str, Any]:
    """``run_`` and ``input_`` values; returns the nested run facts of the templates."""
    from .. import __version__

    run, s, st = rf.run, rf.summary, rf.settings
    vers = run.get("versions") or {}
    training = s.get("training") or {}
    values.update(
        report_schema_version=SCHEMA_VERSION,
        report_dashgrn_version=__version__,
        run_command=run.get("command") or rf.config.get("command"),
        run_dashgrn_version=vers.get("dashgrn"),
        run_python_version=vers.get("python"),
        run_torch_version=vers.get("torch"),
        run_torchdiffeq_version=vers.get("torchdiffeq"),
        run_platform=vers.get("platform"),
        run_device=training.get("device"),
        run_seed=st.get("seed"),
        run_seconds=json_value(training.get("seconds")),
        run_stopped=run.get("stopped") or training.get("stopped"),
        run_pruning=st.get("pruning"),
        run_solver=st.get("solver"),
        run_hidden=st.get("hidden"),
        run_epochs_requested=st.get("epochs"),
        run_learning_rate=st.get("lr"),
    )
    inputs = []
    for name, rec in (run.get("inputs") or {}).items():
        if not isinstance(rec, dict):
            continue
        facts = {k: v for k, v in rec.items() if k not in ("path", "sha256", "bytes")}
        for k, v in rec.items():
            if isinstance(v, (str, int, float, bool)) or v is None:
                values[f"input_{name}_{k}"] = json_value(v)
        inputs.append({
            "name": str(name), "path": rec.get("path"), "sha256": rec.get("sha256"), "bytes": rec.get("bytes"),
            "shape": ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in facts.items()),
        })
    return {
        "command": values["run_command"],
        "versions": [(k, str(v)) for k, v in vers.items()],
        "inputs": inputs,
        "settings": [(k, v) for k, v in st.items()],
    }


def data_section(rf: RunFolder, values: dict[str, Any]) -> None:
    """``data_`` values: genes, samples, trajectories, time-point pairs, expression scaling, and
    ``data_time_scale``: the factor every interval between time points was divided by (1: the
    times as given; ``None`` for a run that does not record it, as before dashgrn rescaled times)."""
    d = rf.summary.get("data") or {}
    scaling = d.get("scaling")
    n_samples, n_traj = d.get("samples"), d.get("trajectories")
    times = d.get("time_points")  # a count or the list of distinct times, when infer records it
    values.update(
        data_genes=rf.n_genes,
        data_samples=n_samples,
        data_trajectories=n_traj,
        data_time_points=len(times) if isinstance(times, list) else times,
        data_samples_per_trajectory=json_value(ratio(n_samples, n_traj)) if n_samples and n_traj else None,
        data_pairs=d.get("pairs"),
        data_train_pairs=d.get("train_pairs"),
        data_validation_pairs=d.get("validation_pairs"),
        data_scaling=scaling.get("mode") if isinstance(scaling, dict) else scaling,
        data_time_scale=json_value(scaling.get("time_scale")) if isinstance(scaling, dict) else None,
    )
    p = rf.summary.get("prior") or {}
    # Genes dropped when the prior was aligned to the expression genes.
    values["data_prior_genes_not_in_expression"] = p.get("prior_genes_not_in_expression")


def prior_section(rf: RunFolder, values: dict[str, Any]) -> None:
    """``prior_`` values of the aligned prior (``prior_given`` false without one)."""
    p = rf.summary.get("prior") or {}
    prior = rf.prior
    if prior is None:
        values["prior_given"] = False
        return
    genes_used = set(prior["regulator"]) | set(prior["target"])
    n = rf.n_genes
    values.update(
        prior_given=True,
        prior_path=((rf.run.get("inputs") or {}).get("prior") or {}).get("path"),
        prior_edges_in_file=p.get("edges_in_file"),
        prior_edges_used=len(prior),
        prior_edges_dropped=p.get("edges_dropped"),
        prior_self_loops_dropped=p.get("self_loops_dropped"),
        prior_regulators=int(prior["regulator"].nunique()),
        prior_targets=int(prior["target"].nunique()),
        prior_activating=int((prior["sign"] > 0).sum()),
        prior_repressing=int((prior["sign"] < 0).sum()),
        prior_genes_in_expression=len(genes_used),
        prior_genes_not_in_expression=p.get("prior_genes_not_in_expression"),
        prior_expression_genes_covered_fraction=json_value(ratio(len(genes_used), n)),
        prior_density=json_value(ratio(len(prior), n * (n - 1))),
    )


def training_section(rf: RunFolder, values: dict[str, Any]) -> list[int]:
    """``training_`` values from the history; returns the epochs at which weights were pruned."""
    h = rf.history
    last = h.iloc[-1] if len(h) else None
    best_epoch = int(last["best_epoch"]) if last is not None and "best_epoch" in h and pd.notna(last["best_epoch"]) \
        else int((rf.summary.get("training") or {}).get("best_epoch") or 0)
    best = h[h["epoch"] == best_epoch]
    row = best.iloc[0] if len(best) else last
    pruned = h["pruned"].fillna(0).astype(bool) if "pruned" in h else pd.Series(False, index=h.index)
    prune_epochs = [int(e) for e in h.loc[pruned, "epoch"]]
    values.update(
        training_epochs_run=len(h),
        training_ensemble=int((rf.summary.get("training") or {}).get("ensemble") or 1),
        training_best_epoch=best_epoch,
        training_best_val_loss=json_value(best["val_loss"].iloc[0]) if len(best) else None,
        training_best_train_loss=json_value(best["train_loss"].iloc[0]) if len(best) else None,
        training_final_train_loss=json_value(last["train_loss"]) if last is not None else None,
        training_final_val_loss=json_value(last["val_loss"]) if last is not None else None,
        training_min_val_loss=json_value(h["val_loss"].min()) if len(h) else None,
        training_final_lr=json_value(last["lr"]) if last is not None and "lr" in h else None,
        training_prune_events=len(prune_epochs),
        training_first_prune_epoch=prune_epochs[0] if prune_epochs else None,
        training_last_prune_epoch=prune_epochs[-1] if prune_epochs else None,
        training_weight_sparsity=json_value(row["weight_sparsity"]) if row is not None and "weight_sparsity" in h else None,
        training_seconds=json_value(h["seconds"].sum()) if "seconds" in h else None,
        training_stopped=(rf.summary.get("training") or {}).get("stopped") or rf.run.get("stopped"),
    )
    values["training_pruned"] = pruning_facts(values)["pruned"]
    for layer in _LAYERS:
        col = f"density_{layer}"
        if col in h and row is not None:
            values[f"training_density_{layer.lower()}"] = json_value(row[col])
    return prune_epochs


def network_section(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``network_`` values; returns the per-regulator table and the out- and in-degrees.

    ``network_weight_*`` are of the ranking weight (edges.tsv's ``weight``), ``network_abs_effect_*``
    of |E| (its ``effect``); a regulator's ``out_strength`` is the sum of |E| of its edges.
    """
    e = rf.edges.assign(abs_effect=abs_effect(rf.edges))
    n = rf.n_genes
    w = e["weight"].to_numpy(dtype=np.float64)
    a = e["abs_effect"].to_numpy(dtype=np.float64)
    out_deg = e.groupby("regulator", sort=True).size()
    in_deg = e.groupby("target", sort=True).size()
    signed = e.assign(act=(e["sign"] > 0).astype(int), rep=(e["sign"] < 0).astype(int))
    regs = signed.groupby("regulator", sort=True).agg(
        out_degree=("target", "size"), out_strength=("abs_effect", "sum"), activating=("act", "sum"),
        repressing=("rep", "sum"),
    )
    if rf.prior is not None:
        regs["prior_targets"] = rf.prior.groupby("regulator").size().reindex(regs.index).fillna(0).astype(int)
    else:
        regs["prior_targets"] = 0
    regs = regs.reset_index()
    top = regs.sort_values(["out_degree", "out_strength", "regulator"], ascending=[False, False, True],
                           kind="mergesort")
    values.update(
        network_genes=n,
        network_edges=len(e),
        network_activating=int((e["sign"] > 0).sum()),
        network_repressing=int((e["sign"] < 0).sum()),
        network_unsigned=int((e["sign"] == 0).sum()),
        network_self_loops=int((e["regulator"] == e["target"]).sum()),
        network_density=json_value(ratio(len(e), n * (n - 1))) if n > 1 else None,
        network_regulators=int(len(out_deg)),
        network_targets=int(len(in_deg)),
        network_max_out_degree=int(out_deg.max()) if len(out_deg) else 0,
        network_max_in_degree=int(in_deg.max()) if len(in_deg) else 0,
        network_mean_out_degree=json_value(len(e) / n) if n else None,
        network_top_regulator=str(top["regulator"].iloc[0]) if len(top) else None,
        network_ranking=ranking_mode(rf),
        network_export=(rf.summary.get("network") or {}).get("export") or rf.settings.get("export"),
        network_effect_column="effect" in rf.edges.columns,
        network_weight_max=json_value(w.max()) if len(w) else None,
        network_weight_median=json_value(np.median(w)) if len(w) else None,
        network_weight_min=json_value(w.min()) if len(w) else None,
        network_abs_effect_max=json_value(a.max()) if len(a) else None,
        network_abs_effect_median=json_value(np.median(a)) if len(a) else None,
        network_abs_effect_min=json_value(a.min()) if len(a) else None,
        network_weight_sparsity=json_value((rf.summary.get("network") or {}).get("weight_sparsity")),
        network_effects_source=rf.effects_source,
    )
    return regs, out_deg, in_deg


def heatmap_table(rf: RunFolder) -> pd.DataFrame:
    """Signed E of the strongest regulators (by out-strength, the sum of |E|) x their strongest
    targets; ``rf.effects``' ``weight`` is |E| (see :class:`~dashgrn.io.rundir.RunFolder`)."""
    eff = rf.effects
    if len(eff) == 0:
        return pd.DataFrame()
    eff = eff[eff["regulator"] != eff["target"]]
    strength = eff.groupby("regulator")["weight"].sum()
    regs = strength.sort_values(ascending=False, kind="mergesort").index[:HEATMAP_REGULATORS]
    sub = eff[eff["regulator"].isin(regs)]
    tstrength = sub.groupby("target")["weight"].sum()
    tgts = tstrength.sort_values(ascending=False, kind="mergesort").index[:HEATMAP_TARGETS]
    sub = sub[sub["target"].isin(tgts)]
    signed = sub["weight"].to_numpy(dtype=np.float64) * np.where(sub["sign"].to_numpy() < 0, -1.0, 1.0)
    mat = pd.DataFrame({"regulator": sub["regulator"].to_numpy(), "target": sub["target"].to_numpy(), "e": signed})
    return mat.pivot_table(index="regulator", columns="target", values="e", aggfunc="first", fill_value=0.0) \
        .reindex(index=list(regs), columns=list(tgts), fill_value=0.0)


SC_MAX_CELLS = 30_000


def singlecell_section(rf: RunFolder, values: dict[str, Any], notes: list[str]) -> dict[str, Any] | None:
    """Pseudotime, lineages, bins and genes of a single-cell run (``singlecell_*`` files)."""
    s = rf.summary.get("singlecell")
    if not isinstance(s, dict):
        return None
    for k, v in s.items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            values[f"singlecell_{k}"] = json_value(v)
    tables: dict[str, pd.DataFrame | None] = {}
    for key, (path, table) in read_singlecell_tables(rf).items():
        tables[key] = table
        if table is None:
            notes.append(f"{path.name} is missing: the single-cell section lacks its {key}.")
    cells = tables["cells"]
    if cells is not None:
        cells = cells.drop_duplicates("cell").reset_index(drop=True)
        for c in ("pseudotime", "embedding_1", "embedding_2"):
            cells[c] = pd.to_numeric(cells[c], errors="coerce") if c in cells else np.nan
        cells["root"] = cells["root"].astype(str).str.lower().isin(["true", "1"]) if "root" in cells else False
        if len(cells) > SC_MAX_CELLS:
            cells = cells.iloc[:: int(np.ceil(len(cells) / SC_MAX_CELLS))].reset_index(drop=True)
    genes = tables["genes"]
    kept: list[str] = []
    if genes is not None and {"gene", "kept"} <= set(genes.columns):
        flag = genes["kept"].astype(str).str.lower().isin(["true", "1"])
        kept = genes.loc[flag, "gene"].astype(str).tolist()
    return {"summary": s, "cells": cells, "bins": tables["bins"], "genes_kept": kept,
            "lineages": [x for x in (s.get("lineage_list") or []) if isinstance(x, dict)]}


#: Above this density the report suggests --top-k / --min-weight.
DENSE = 0.25


def add_checks(rf: RunFolder, values: dict[str, Any], notes: list[str]) -> None:
    """Plain-language warnings about things a reader should look at before trusting the network."""
    training = rf.summary.get("training") or {}
    if values.get("training_stopped") == "interrupted":
        notes.append("Training was interrupted: the network comes from the best epoch reached before the stop.")
    if training.get("at_final_sparsity") is False:
        notes.append(
            "Training ended before the final pruning sparsity was reached: the network is denser than planned "
            "(run more epochs)."
        )
    if not values.get("training_best_epoch"):
        notes.append("No best epoch was recorded: the saved weights are those of the last epoch.")
    h = rf.history
    if len(h) > 1 and values.get("training_best_val_loss") is not None:
        first = float(h["val_loss"].iloc[0])
        if math.isfinite(first) and values["training_best_val_loss"] >= first:
            notes.append(
                "The validation loss did not improve during training: the model may not describe the data "
                "(try more epochs or another --lr)."
            )
    density = values.get("network_density")
    if density is not None and density > DENSE:
        notes.append(
            f"The network is dense: {100 * density:.1f}% of all ordered gene pairs have a non-zero effect. "
            "Weak edges are many; trust the ranking (edges.tsv's rank, 1 = first) rather than presence, "
            "or export a sparse network with 'dashgrn infer --top-k N' or '--min-weight W'."
        )
    if not values.get("network_effect_column", True):
        notes.append("edges.tsv has no effect column: |E| is taken from its weight column.")
    n_bad, n_known = values.get("prior_kept_sign_disagree") or 0, values.get("prior_kept_sign_known") or 0
    if n_bad:
        notes.append(
            f"{n_bad} of the {n_known} kept prior edges whose sign is known in both have the opposite sign in the "
            "model (listed in the agreement section; sign_agrees = 0 in prior_kept.tsv)."
        )
    if values.get("data_validation_pairs") == 0:
        notes.append("There were no validation pairs (too few pairs for --val-fraction): the training loss chose "
                     "the checkpoint kept, and the validation loss is NA.")
    if values.get("network_edges") == 0:
        notes.append("The network has no edges: every weight was pruned or cut.")

