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

#: Version of the layout of ``report.json``; raised when a key changes meaning or goes.
SCHEMA_VERSION = 1
#: Regulators (rows) and targets (columns) of the effect heat map.
HEATMAP_REGULATORS = 20
HEATMAP_TARGETS = 30

#: Columns of the agreement tables written beside the report.
KEPT_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "weight", "sign", "rank", "sign_agrees"]
REMOVED_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "weight", "sign"]
NEW_COLUMNS = ["regulator", "target", "weight", "sign", "rank"]

_LAYERS = ("W_p", "W_s", "C_s", "C_p")


def json_value(v: Any) -> Any:
    """A JSON-ready scalar: numpy -> Python, NaN/inf -> None."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    return v


def _ratio(a: float, b: float) -> float | None:
    return float(a) / float(b) if b else None


def _pair_index(df: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([df["regulator"].to_numpy(), df["target"].to_numpy()])


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
    """``data_`` values: genes, samples, trajectories, time-point pairs, scaling."""
    d = rf.summary.get("data") or {}
    scaling = d.get("scaling")
    n_samples, n_traj = d.get("samples"), d.get("trajectories")
    times = d.get("time_points")  # a count or the list of distinct times, when infer records it
    values.update(
        data_genes=rf.n_genes,
        data_samples=n_samples,
        data_trajectories=n_traj,
        data_time_points=len(times) if isinstance(times, list) else times,
        data_samples_per_trajectory=json_value(_ratio(n_samples, n_traj)) if n_samples and n_traj else None,
        data_pairs=d.get("pairs"),
        data_train_pairs=d.get("train_pairs"),
        data_validation_pairs=d.get("validation_pairs"),
        data_scaling=scaling.get("mode") if isinstance(scaling, dict) else scaling,
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
        prior_expression_genes_covered_fraction=json_value(_ratio(len(genes_used), n)),
        prior_density=json_value(_ratio(len(prior), n * (n - 1))),
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
    for layer in _LAYERS:
        col = f"density_{layer}"
        if col in h and row is not None:
            values[f"training_density_{layer.lower()}"] = json_value(row[col])
    return prune_epochs


def network_section(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``network_`` values; returns the per-regulator table and the out- and in-degrees."""
    e = rf.edges
    n = rf.n_genes
    w = e["weight"].to_numpy(dtype=np.float64)
    out_deg = e.groupby("regulator", sort=True).size()
    in_deg = e.groupby("target", sort=True).size()
    signed = e.assign(act=(e["sign"] > 0).astype(int), rep=(e["sign"] < 0).astype(int))
    regs = signed.groupby("regulator", sort=True).agg(
        out_degree=("target", "size"), out_strength=("weight", "sum"), activating=("act", "sum"),
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
        network_density=json_value(_ratio(len(e), n * (n - 1))) if n > 1 else None,
        network_regulators=int(len(out_deg)),
        network_targets=int(len(in_deg)),
        network_max_out_degree=int(out_deg.max()) if len(out_deg) else 0,
        network_max_in_degree=int(in_deg.max()) if len(in_deg) else 0,
        network_mean_out_degree=json_value(len(e) / n) if n else None,
        network_top_regulator=str(top["regulator"].iloc[0]) if len(top) else None,
        network_weight_max=json_value(w.max()) if len(w) else None,
        network_weight_median=json_value(np.median(w)) if len(w) else None,
        network_weight_min=json_value(w.min()) if len(w) else None,
        network_weight_sparsity=json_value((rf.summary.get("network") or {}).get("weight_sparsity")),
        network_effects_source=rf.effects_source,
    )
    return regs, out_deg, in_deg


def heatmap_table(rf: RunFolder) -> pd.DataFrame:
    """Signed E of the strongest regulators (by out-strength) x their strongest targets."""
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


def prior_agreement(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The prior edges kept and removed, and the new edges (the TSVs beside the report), with their values."""
    e = rf.edges
    if rf.prior is None:
        kept = pd.DataFrame(columns=KEPT_COLUMNS)
        removed = pd.DataFrame(columns=REMOVED_COLUMNS)
        new = e[NEW_COLUMNS].copy()
        values.update(network_edges_new=len(new), network_edges_new_fraction=json_value(_ratio(len(new), len(e))))
        return kept, removed, new
    prior = rf.prior.rename(columns={"sign": "prior_sign", "weight": "prior_weight"})
    pi, ei = _pair_index(prior), _pair_index(e)
    in_net = pi.isin(ei)
    in_prior = ei.isin(pi)
    kept = prior[in_net].merge(e, on=["regulator", "target"], how="left", validate="one_to_one")
    known = (kept["prior_sign"] != 0) & (kept["sign"] != 0)
    agrees = pd.Series(pd.NA, index=kept.index, dtype="Int8")
    agrees[known] = (kept.loc[known, "prior_sign"] == kept.loc[known, "sign"]).astype(np.int8)
    kept["sign_agrees"] = agrees
    kept = kept.sort_values("rank", kind="mergesort")[KEPT_COLUMNS].reset_index(drop=True)
    removed = prior[~in_net].copy()
    eff = rf.effects[["regulator", "target", "weight", "sign"]]
    removed = removed.merge(eff, on=["regulator", "target"], how="left")
    removed["weight"] = removed["weight"].fillna(0.0)
    removed["sign"] = removed["sign"].fillna(0).astype(np.int8)
    removed = removed.sort_values(
        ["prior_weight", "weight", "regulator", "target"], ascending=[False, False, True, True], kind="mergesort"
    )[REMOVED_COLUMNS].reset_index(drop=True)
    new = e[~in_prior][NEW_COLUMNS].reset_index(drop=True)
    n_known = int(known.sum())
    values.update(
        prior_edges_kept=len(kept),
        prior_edges_removed=len(removed),
        prior_edges_kept_fraction=json_value(_ratio(len(kept), len(prior))),
        prior_kept_sign_known=n_known,
        prior_kept_sign_agreement=json_value(_ratio(int((kept["sign_agrees"] == 1).sum()), n_known)),
        network_edges_new=len(new),
        network_edges_new_fraction=json_value(_ratio(len(new), len(e))),
        network_edges_in_prior_fraction=json_value(_ratio(len(kept), len(e))),
    )
    return kept, removed, new


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
            "Weak edges are many; trust the ranking (|E|, edges.tsv rank 1 = strongest) rather than presence, "
            "or export a sparse network with 'dashgrn infer --top-k N' or '--min-weight W'."
        )
    if values.get("network_edges") == 0:
        notes.append("The network has no edges: every weight was pruned or cut.")

