"""Collect the numbers of a finished ``infer`` run folder into one report.

Everything here is computed from the files of the run folder alone (``run.json``,
``config.json``, ``edges.tsv``, ``history.tsv``, ``prior_used.tsv`` and
``ranking.tsv.gz``), with pandas and numpy: never torch, so that a report can be
rebuilt anywhere the folder is copied to.

The flat values (``report.json``) follow one rule: a key starts with the section it
belongs to (``run_``, ``input_<name>_``, ``data_``, ``singlecell_``, ``prior_``,
``training_``, ``network_``, ``truth_``) and every value is a string, a number, a boolean or
``null``, so that MultiQC (custom content) and pipelines can read it without
knowing its layout.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger

log = get_logger(__name__)

#: Version of the layout of ``report.json``; raised when a key changes meaning or goes.
SCHEMA_VERSION = 1
#: Rows of each "top entries" table in the HTML and Markdown reports.
TOP_N = 20
#: Regulators (rows) and targets (columns) of the effect heat map.
HEATMAP_REGULATORS = 20
HEATMAP_TARGETS = 30

#: Columns of the agreement tables written beside the report.
KEPT_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "weight", "sign", "rank", "sign_agrees"]
REMOVED_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "weight", "sign"]
NEW_COLUMNS = ["regulator", "target", "weight", "sign", "rank"]

_HINT_RUN = "give the --out folder of a finished 'dashgrn infer' run"
_HISTORY_REQUIRED = ("epoch", "train_loss", "val_loss")
_LAYERS = ("W_p", "W_s", "C_s", "C_p")


@dataclass
class RunFolder:
    """The files of a run folder, read and checked.

    Attributes
    ----------
    path
        The run folder.
    run, config
        ``run.json`` and ``config.json`` (``config`` is empty when the file is absent).
    edges
        ``edges.tsv``: ``regulator, target, weight, sign, rank``.
    history
        ``history.tsv``: one row per epoch.
    prior
        ``prior_used.tsv`` (``regulator, target, sign, weight``), or ``None`` for a run
        without a prior.
    effects
        The non-zero entries of the effect matrix E (``regulator, target, weight,
        sign, rank``): ``edges`` when it holds them all (no ``--top-k`` or
        ``--min-weight``), else the head of ``ranking.tsv.gz`` (or ``edges`` when
        the ranking is absent); ``effects_source`` says which file.
    """

    path: Path
    run: dict[str, Any]
    config: dict[str, Any]
    edges: pd.DataFrame
    history: pd.DataFrame
    prior: pd.DataFrame | None
    effects: pd.DataFrame
    effects_source: str

    @property
    def summary(self) -> dict[str, Any]:
        """``run.json``'s ``summary`` (empty sections when absent)."""
        return self.run.get("summary") or {}

    @property
    def settings(self) -> dict[str, Any]:
        """The resolved settings of the run (``config.json``, else ``run.json``)."""
        return self.config.get("settings") or {}

    @property
    def n_genes(self) -> int:
        """Genes the model was trained on (``summary.data.genes``; else genes seen in the tables)."""
        n = (self.summary.get("data") or {}).get("genes")
        if isinstance(n, int) and n > 0:
            return n
        genes = set(self.effects["regulator"]) | set(self.effects["target"]) | set(self.edges["regulator"])
        return len(genes | set(self.edges["target"]))


_STAGING = re.compile(r"^\.(?P<name>.+)\.[^.]+\.partial$")


def run_name(path: Path) -> str:
    """The run folder's name; for the staging folder of ``infer`` (``.NAME.<random>.partial``),
    the name it will have once renamed into place."""
    name = path.resolve().name if path.name in ("", ".", "..") else path.name
    m = _STAGING.match(name)
    return m.group("name") if m else name


@dataclass
class Report:
    """Everything a report shows, computed from a run folder.

    Attributes
    ----------
    run_dir
        The run folder.
    values
        The flat ``report.json`` values (see the module docstring).
    run
        Nested facts for the templates: command, versions, inputs, settings.
    history
        ``history.tsv``.
    prune_epochs
        Epochs at which weights were pruned.
    kept, removed, new
        The agreement with the prior: prior edges kept in the network, prior edges
        not in the network, network edges not in the prior (the TSV files).
    regulators
        Per regulator of the network: ``regulator, out_degree, out_strength,
        activating, repressing, prior_targets``.
    out_degree, in_degree
        Out- and in-degree of every gene the model was trained on (0 for genes
        without such edges), in no particular order.
    heatmap
        Signed E for the top regulators (rows) x targets (columns).
    edge_weights
        The ``weight`` column of ``edges.tsv``.
    truth
        ``None`` without a truth; else ``path``, ``table`` (one row per method),
        ``pr`` (long PR curves), ``universe`` (a line) and ``note``.
    notes
        Lines worth telling the reader (missing files, fallbacks).
    singlecell
        ``None`` unless the run ordered single cells in pseudotime; else ``summary``
        (``run.json``'s ``summary.singlecell``), ``cells`` (one row per cell:
        pseudotime, embedding, root), ``bins`` (one row per window), ``genes_kept`` and
        ``lineages``.
    """

    run_dir: Path
    values: dict[str, Any]
    run: dict[str, Any]
    history: pd.DataFrame
    prune_epochs: list[int]
    kept: pd.DataFrame
    removed: pd.DataFrame
    new: pd.DataFrame
    regulators: pd.DataFrame
    out_degree: np.ndarray
    in_degree: np.ndarray
    heatmap: pd.DataFrame
    edge_weights: np.ndarray
    truth: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    singlecell: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        """The run folder's name (see :func:`run_name`)."""
        return run_name(self.run_dir)


# --------------------------------------------------------------------------------------
# Reading


def _read_json(path: Path, *, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            msg = f"{path.parent}: not a dashgrn run folder ({path.name} is missing)"
            raise InputError(msg, hint=_HINT_RUN)
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: cannot read it as JSON ({exc})"
        raise InputError(msg, hint=_HINT_RUN) from None
    if not isinstance(data, dict):
        msg = f"{path}: expected a JSON object"
        raise InputError(msg, hint=_HINT_RUN)
    return data


def _read_tsv(path: Path, *, what: str, string_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    try:
        return pd.read_csv(
            path, sep="\t", dtype=dict.fromkeys(string_columns, str), keep_default_na=False,
            na_values=["nan", "NaN"], encoding="utf-8", float_precision="round_trip",
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        msg = f"{path}: cannot read the {what} ({str(exc).strip().splitlines()[-1] if str(exc).strip() else exc})"
        raise InputError(msg, hint=_HINT_RUN) from None


def _read_history(path: Path) -> pd.DataFrame:
    if not path.is_file():
        msg = f"{path.parent}: not a dashgrn run folder (history.tsv is missing)"
        raise InputError(msg, hint=_HINT_RUN)
    hist = _read_tsv(path, what="training history")
    missing = [c for c in _HISTORY_REQUIRED if c not in hist.columns]
    if missing:
        msg = f"{path}: not a dashgrn training history (missing columns: {', '.join(missing)})"
        raise InputError(msg, hint=_HINT_RUN)
    for c in hist.columns:
        hist[c] = pd.to_numeric(hist[c], errors="coerce")
    if "member" in hist.columns:  # an ensemble: the training figures show member 1
        hist = hist[hist["member"] == 1]
    return hist.sort_values("epoch", kind="mergesort").reset_index(drop=True)


def _read_prior(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    prior = _read_tsv(path, what="aligned prior", string_columns=("regulator", "target"))
    if not {"regulator", "target"} <= set(prior.columns):
        msg = f"{path}: not an aligned prior (columns: {', '.join(map(str, prior.columns))})"
        raise InputError(msg, hint=_HINT_RUN)
    if "sign" not in prior:
        prior["sign"] = 0
    if "weight" not in prior:
        prior["weight"] = 1.0
    prior["sign"] = pd.to_numeric(prior["sign"], errors="coerce").fillna(0).astype(np.int8)
    prior["weight"] = pd.to_numeric(prior["weight"], errors="coerce").abs()
    return prior[["regulator", "target", "sign", "weight"]].drop_duplicates(["regulator", "target"])


def _read_effects(path: Path, *, chunk: int = 200_000, limit: int = 1_000_000) -> pd.DataFrame | None:
    """The non-zero rows at the head of ``ranking.tsv.gz`` (zero pairs are never loaded; at
    most ``limit`` rows), with ``weight = |effect|`` and the effect's sign when the file has
    an ``effect`` column (its ``weight`` is then the ranking score)."""
    if not path.is_file():
        return None
    parts: list[pd.DataFrame] = []
    try:
        with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
            reader = pd.read_csv(
                fh, sep="\t", dtype={"regulator": str, "target": str}, keep_default_na=False,
                float_precision="round_trip", chunksize=chunk, quoting=csv.QUOTE_MINIMAL,
            )
            for part in reader:
                zero = part["weight"].to_numpy(dtype=np.float64) == 0
                if zero.any():
                    parts.append(part.iloc[: int(np.argmax(zero))])
                    break
                parts.append(part)
                if sum(len(p) for p in parts) >= limit:
                    break
    except (OSError, EOFError, KeyError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError,
            ValueError) as exc:
        log.warning("%s: cannot read the ranking (%s); the heat map uses edges.tsv", path, exc)
        return None
    if not parts:
        return None
    return _as_effects(pd.concat(parts, ignore_index=True))


def _as_effects(table: pd.DataFrame) -> pd.DataFrame:
    """``regulator, target, weight = |E|, sign, rank`` of the pairs with a non-zero effect; a
    table with an ``effect`` column (whose ``weight`` is the ranking score) is converted."""
    out = table.copy()
    if "effect" in out.columns:
        eff = pd.to_numeric(out["effect"], errors="coerce").fillna(0.0).to_numpy(dtype=np.float64)
        out["weight"], out["sign"] = np.abs(eff), np.sign(eff).astype(np.int8)
        out = out[eff != 0]
    return out[["regulator", "target", "weight", "sign", "rank"]].reset_index(drop=True)


def read_run_folder(run_dir: str | os.PathLike[str]) -> RunFolder:
    """Read and check the files of an ``infer`` run folder.

    Parameters
    ----------
    run_dir
        The ``--out`` folder of ``dashgrn infer`` (or its staging folder).

    Returns
    -------
    RunFolder

    Raises
    ------
    InputError
        The folder is missing or lacks ``run.json``, ``edges.tsv`` or ``history.tsv``,
        or one of them cannot be read.
    """
    from ..export import read_edges

    path = Path(run_dir)
    if not path.is_dir():
        msg = f"{path}: no such folder" if not path.exists() else f"{path}: not a folder"
        raise InputError(msg, hint=_HINT_RUN)
    run = _read_json(path / "run.json", required=True)
    if "summary" not in run and "command" not in run:
        msg = f"{path / 'run.json'}: not the run.json of a dashgrn run (no 'summary' or 'command')"
        raise InputError(msg, hint=_HINT_RUN)
    config = _read_json(path / "config.json", required=False)
    if not (path / "edges.tsv").is_file():
        msg = f"{path}: not a dashgrn run folder (edges.tsv is missing)"
        raise InputError(msg, hint=_HINT_RUN)
    edges = read_edges(path / "edges.tsv")
    history = _read_history(path / "history.tsv")
    prior = _read_prior(path / "prior_used.tsv")
    settings = config.get("settings") or {}
    # edges.tsv holds every non-zero E only with --export support and no --top-k / --min-weight cut.
    complete = (bool(settings) and settings.get("export") == "support" and settings.get("top_k") is None
                and not (settings.get("min_weight") or 0) > 0)
    effects = None if complete else _read_effects(path / "ranking.tsv.gz")
    source = "ranking.tsv.gz"
    if effects is None:
        effects, source = _as_effects(edges), "edges.tsv"
    return RunFolder(
        path=path, run=run, config=config, edges=edges, history=history, prior=prior,
        effects=effects, effects_source=source,
    )


# --------------------------------------------------------------------------------------
# Small helpers


def _num(v: Any) -> Any:
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


# --------------------------------------------------------------------------------------
# Sections


def _run_section(rf: RunFolder, values: dict[str, Any]) -> dict[str, Any]:
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
        run_seconds=_num(training.get("seconds")),
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
                values[f"input_{name}_{k}"] = _num(v)
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


def _data_section(rf: RunFolder, values: dict[str, Any]) -> None:
    d = rf.summary.get("data") or {}
    scaling = d.get("scaling")
    n_samples, n_traj = d.get("samples"), d.get("trajectories")
    times = d.get("time_points")  # a count or the list of distinct times, when infer records it
    values.update(
        data_genes=rf.n_genes,
        data_samples=n_samples,
        data_trajectories=n_traj,
        data_time_points=len(times) if isinstance(times, list) else times,
        data_samples_per_trajectory=_num(_ratio(n_samples, n_traj)) if n_samples and n_traj else None,
        data_pairs=d.get("pairs"),
        data_train_pairs=d.get("train_pairs"),
        data_validation_pairs=d.get("validation_pairs"),
        data_scaling=scaling.get("mode") if isinstance(scaling, dict) else scaling,
    )
    p = rf.summary.get("prior") or {}
    # Genes dropped when the prior was aligned to the expression genes.
    values["data_prior_genes_not_in_expression"] = p.get("prior_genes_not_in_expression")


def _prior_section(rf: RunFolder, values: dict[str, Any]) -> None:
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
        prior_expression_genes_covered_fraction=_num(_ratio(len(genes_used), n)),
        prior_density=_num(_ratio(len(prior), n * (n - 1))),
    )


def _training_section(rf: RunFolder, values: dict[str, Any]) -> list[int]:
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
        training_best_val_loss=_num(best["val_loss"].iloc[0]) if len(best) else None,
        training_best_train_loss=_num(best["train_loss"].iloc[0]) if len(best) else None,
        training_final_train_loss=_num(last["train_loss"]) if last is not None else None,
        training_final_val_loss=_num(last["val_loss"]) if last is not None else None,
        training_min_val_loss=_num(h["val_loss"].min()) if len(h) else None,
        training_final_lr=_num(last["lr"]) if last is not None and "lr" in h else None,
        training_prune_events=len(prune_epochs),
        training_first_prune_epoch=prune_epochs[0] if prune_epochs else None,
        training_last_prune_epoch=prune_epochs[-1] if prune_epochs else None,
        training_weight_sparsity=_num(row["weight_sparsity"]) if row is not None and "weight_sparsity" in h else None,
        training_seconds=_num(h["seconds"].sum()) if "seconds" in h else None,
        training_stopped=(rf.summary.get("training") or {}).get("stopped") or rf.run.get("stopped"),
    )
    for layer in _LAYERS:
        col = f"density_{layer}"
        if col in h and row is not None:
            values[f"training_density_{layer.lower()}"] = _num(row[col])
    return prune_epochs


def _network_section(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
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
        network_density=_num(_ratio(len(e), n * (n - 1))) if n > 1 else None,
        network_regulators=int(len(out_deg)),
        network_targets=int(len(in_deg)),
        network_max_out_degree=int(out_deg.max()) if len(out_deg) else 0,
        network_max_in_degree=int(in_deg.max()) if len(in_deg) else 0,
        network_mean_out_degree=_num(len(e) / n) if n else None,
        network_top_regulator=str(top["regulator"].iloc[0]) if len(top) else None,
        network_weight_max=_num(w.max()) if len(w) else None,
        network_weight_median=_num(np.median(w)) if len(w) else None,
        network_weight_min=_num(w.min()) if len(w) else None,
        network_weight_sparsity=_num((rf.summary.get("network") or {}).get("weight_sparsity")),
        network_effects_source=rf.effects_source,
    )
    return regs, out_deg, in_deg


def _heatmap(rf: RunFolder) -> pd.DataFrame:
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


def _agreement(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    e = rf.edges
    if rf.prior is None:
        kept = pd.DataFrame(columns=KEPT_COLUMNS)
        removed = pd.DataFrame(columns=REMOVED_COLUMNS)
        new = e[NEW_COLUMNS].copy()
        values.update(network_edges_new=len(new), network_edges_new_fraction=_num(_ratio(len(new), len(e))))
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
        prior_edges_kept_fraction=_num(_ratio(len(kept), len(prior))),
        prior_kept_sign_known=n_known,
        prior_kept_sign_agreement=_num(_ratio(int((kept["sign_agrees"] == 1).sum()), n_known)),
        network_edges_new=len(new),
        network_edges_new_fraction=_num(_ratio(len(new), len(e))),
        network_edges_in_prior_fraction=_num(_ratio(len(kept), len(e))),
    )
    return kept, removed, new


def _resolve_truth(rf: RunFolder, truth: Path | None, notes: list[str]) -> Path | None:
    """The truth to score against: the one given, else the one recorded in run.json."""
    if truth is not None:
        return Path(truth)
    rec = (rf.run.get("inputs") or {}).get("truth")
    if not isinstance(rec, dict) or not rec.get("path"):
        return None
    path = Path(rec["path"])
    if not path.is_file():
        notes.append(
            f"The truth recorded for this run ({path}) was not found (a relative path is read from the current "
            "folder); truth metrics are left out: give it with 'dashgrn report RUN_DIR --truth FILE'."
        )
        return None
    if rec.get("sha256"):
        from ..provenance import sha256

        if sha256(path) != rec["sha256"]:
            notes.append(f"The truth file {path} changed since the run; truth metrics are left out.")
            return None
    return path


def _truth_section(rf: RunFolder, truth: Path, values: dict[str, Any]) -> dict[str, Any]:
    from ..evaluate import METRICS, PVALUES, score_networks
    from ..io.networks import read_truth
    from ..provenance import sha256

    gold = read_truth(truth)
    values.update(truth_path=str(truth), truth_sha256=sha256(truth), truth_edges=gold.n_edges)
    if len(rf.edges) == 0:
        note = "The network has no edges: there is nothing to score against the truth."
        return {"path": str(truth), "table": None, "pr": None, "universe": None, "note": note}
    pred = rf.edges[["regulator", "target", "weight", "sign"]].copy()
    pred.attrs["source"] = str(rf.path / "edges.tsv")
    prior = rf.prior.copy() if rf.prior is not None else None
    if prior is not None:
        prior.attrs["source"] = str(rf.path / "prior_used.tsv")
    ev = score_networks({"dashgrn": pred}, gold, prior=prior, random=True)
    table = ev.table
    main = table.iloc[0]
    for k in (*METRICS, *PVALUES, "n_outside_universe"):
        values[f"truth_{k}"] = _num(main[k])
    for method, key in (("prior-only", "prior_only"), ("random", "random")):
        rows = table[table["method"] == method]
        if len(rows):
            for k in ("auroc", "average_precision", "early_precision", "epr"):
                values[f"truth_{key}_{k}"] = _num(rows.iloc[0][k])
    uni = ev.universe
    values.update(
        truth_universe=uni.kind, truth_universe_pairs=uni.n_pairs, truth_universe_true_edges=uni.n_positive,
        truth_universe_density=_num(uni.density),
    )
    return {"path": str(truth), "table": table, "pr": ev.pr_curves(), "universe": uni.description, "note": None}


#: Cells drawn in the embedding plot at most (an even subsample beyond).
SC_MAX_CELLS = 30_000


def _singlecell_section(rf: RunFolder, values: dict[str, Any], notes: list[str]) -> dict[str, Any] | None:
    """Pseudotime, lineages, bins and genes of a single-cell run (``singlecell_*`` files)."""
    s = rf.summary.get("singlecell")
    if not isinstance(s, dict):
        return None
    for k, v in s.items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            values[f"singlecell_{k}"] = _num(v)
    files = s.get("files") if isinstance(s.get("files"), dict) else {}
    tables: dict[str, pd.DataFrame | None] = {}
    for key, default in (("cells", "singlecell_cells.tsv.gz"), ("bins", "singlecell_bins.tsv"),
                         ("genes", "singlecell_genes.tsv")):
        path = rf.path / str(files.get(key, default))
        tables[key] = _read_tsv(path, what=f"single-cell {key} table", string_columns=("cell", "lineage", "gene")) \
            if path.is_file() else None
        if tables[key] is None:
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


def _checks(rf: RunFolder, values: dict[str, Any], notes: list[str]) -> None:
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


# --------------------------------------------------------------------------------------
# Public


def build_report(run_dir: str | os.PathLike[str], *, truth: str | os.PathLike[str] | None = None) -> Report:
    """Compute everything the report shows from the files of a run folder.

    Parameters
    ----------
    run_dir
        The ``--out`` folder of ``dashgrn infer`` (or its staging folder).
    truth
        A gold-standard network (any layout :func:`~dashgrn.io.networks.read_truth`
        reads). Without it, the truth recorded in ``run.json`` (``inputs.truth``) is
        used when that file still exists unchanged.

    Returns
    -------
    Report

    Raises
    ------
    InputError
        ``run_dir`` is not a dashgrn run folder, or the truth cannot be read.
    """
    rf = read_run_folder(run_dir)
    values: dict[str, Any] = {}
    notes: list[str] = []
    run = _run_section(rf, values)
    _data_section(rf, values)
    _prior_section(rf, values)
    prune_epochs = _training_section(rf, values)
    regs, out_deg, in_deg = _network_section(rf, values)
    kept, removed, new = _agreement(rf, values)
    singlecell = _singlecell_section(rf, values, notes)
    _checks(rf, values, notes)
    filtered = not rf.settings or rf.settings.get("top_k") is not None or (rf.settings.get("min_weight") or 0) > 0
    if filtered and rf.effects_source != "ranking.tsv.gz":
        notes.append(
            "ranking.tsv.gz is absent or unreadable: the heat map and the weights of removed prior edges "
            "come from edges.tsv, which may have been cut by --top-k or --min-weight."
        )
    tpath = _resolve_truth(rf, Path(truth) if truth is not None else None, notes)
    truth_info = _truth_section(rf, tpath, values) if tpath is not None else None
    if tpath is None:
        values["truth_path"] = None
    n = max(rf.n_genes, len(out_deg), len(in_deg))
    out_full = np.zeros(n, dtype=np.int64)  # genes without an out-edge count 0
    out_full[: len(out_deg)] = out_deg.to_numpy()
    in_full = np.zeros(n, dtype=np.int64)
    in_full[: len(in_deg)] = in_deg.to_numpy()
    return Report(
        run_dir=rf.path, values={k: _num(v) for k, v in values.items()}, run=run, history=rf.history,
        prune_epochs=prune_epochs, kept=kept, removed=removed, new=new, regulators=regs, out_degree=out_full,
        in_degree=in_full, heatmap=_heatmap(rf), edge_weights=rf.edges["weight"].to_numpy(dtype=np.float64),
        truth=truth_info, notes=notes, singlecell=singlecell,
    )
