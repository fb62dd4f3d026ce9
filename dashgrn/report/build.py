"""Collect the numbers of a finished ``infer`` run folder into one report.

Everything here is computed from the files of the run folder alone (``run.json``,
``config.json``, ``edges.tsv``, ``history.tsv``, ``prior_used.tsv`` and
``ranking.tsv.gz``, read by :func:`dashgrn.io.rundir.read_run_folder`), with pandas
and numpy: never torch, so that a report can be rebuilt anywhere the folder is copied
to. The sections are computed in :mod:`dashgrn.report._sections` and
:mod:`dashgrn.report._truth`.

The flat values (``report.json``) follow one rule: a key starts with the section it
belongs to (``run_``, ``input_<name>_``, ``data_``, ``singlecell_``, ``prior_``,
``training_``, ``network_``, ``truth_``) and every value is a string, a number, a boolean or
``null``, so that MultiQC (custom content) and pipelines can read it without
knowing its layout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..io.rundir import FILES, read_run_folder, run_name
from ._agreement import prior_agreement, sign_disagreements
from ._confidence import confidence_section, confidence_text
from ._sections import (
    add_checks,
    data_section,
    heatmap_table,
    json_value,
    network_section,
    prior_section,
    run_section,
    singlecell_section,
    training_section,
)
from ._truth import resolve_truth, truth_section
from ._values import abs_effect
from ._wording import pruning_facts, ranking_text


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
        Nested facts for the templates: command, versions, inputs, settings; ``ranking`` (the
        sentence on how the edges are ranked) and ``pruning`` (``pruned``, ``strategy``,
        ``prior_use``: the sentence on what the pruning did with the prior).
    history
        ``history.tsv``.
    prune_epochs
        Epochs at which weights were pruned.
    kept, removed, new
        The agreement with the prior: prior edges kept in the network, prior edges
        not in the network, network edges not in the prior (the TSV files; ``weight`` is the
        ranking weight, ``abs_effect`` is |E|).
    disagree
        The kept prior edges whose sign in the model is the opposite of the prior's, by rank.
    regulators
        Per regulator of the network: ``regulator, out_degree, out_strength`` (the sum of
        |E| of its edges), ``activating, repressing, prior_targets``.
    out_degree, in_degree
        Out- and in-degree of every gene the model was trained on (0 for genes
        without such edges), in no particular order.
    heatmap
        Signed E for the top regulators (rows) x targets (columns).
    abs_effects
        |E| of every edge of ``edges.tsv`` (its ``effect`` column, made absolute).
    confidence
        The ``confidence`` of every edge of ``edges.tsv`` (``None`` without the column);
        ``run["confidence"]`` is the sentence on it.
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
    disagree: pd.DataFrame
    regulators: pd.DataFrame
    out_degree: np.ndarray
    in_degree: np.ndarray
    heatmap: pd.DataFrame
    abs_effects: np.ndarray
    truth: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    singlecell: dict[str, Any] | None = None
    confidence: np.ndarray | None = None

    @property
    def name(self) -> str:
        """The run folder's name (see :func:`run_name`)."""
        return run_name(self.run_dir)



def build_report(run_dir: str | os.PathLike[str], *, truth: str | os.PathLike[str] | None = None) -> Report:
    """Compute everything the report shows from the files of a run folder.

    Parameters
    ----------
    run_dir
        The ``--out`` folder of ``dashgrn infer`` (or its staging folder).
    truth
        A gold-standard network (any layout :func:`~dashgrn.io.read_truth`
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
    run = run_section(rf, values)
    data_section(rf, values)
    prior_section(rf, values)
    prune_epochs = training_section(rf, values)
    run["pruning"] = pruning_facts(values)
    regs, out_deg, in_deg = network_section(rf, values)
    confidence = confidence_section(rf, values)
    run["confidence"] = confidence_text(values)
    kept, removed, new = prior_agreement(rf, values)
    run["ranking"] = ranking_text(values.get("network_ranking"), rf.summary.get("evidence"))
    singlecell = singlecell_section(rf, values, notes)
    add_checks(rf, values, notes)
    filtered = not rf.settings or rf.settings.get("top_k") is not None or (rf.settings.get("min_weight") or 0) > 0
    if filtered and rf.effects_source != FILES["ranking"]:
        notes.append(
            "ranking.tsv.gz is absent or unreadable: the heat map and the weights of removed prior edges "
            "come from edges.tsv, which may have been cut by --top-k or --min-weight."
        )
    tpath = resolve_truth(rf, Path(truth) if truth is not None else None, notes)
    truth_info = truth_section(rf, tpath, values) if tpath is not None else None
    if tpath is None:
        values["truth_path"] = None
    n = max(rf.n_genes, len(out_deg), len(in_deg))
    out_full = np.zeros(n, dtype=np.int64)  # genes without an out-edge count 0
    out_full[: len(out_deg)] = out_deg.to_numpy()
    in_full = np.zeros(n, dtype=np.int64)
    in_full[: len(in_deg)] = in_deg.to_numpy()
    return Report(
        run_dir=rf.path, values={k: json_value(v) for k, v in values.items()}, run=run, history=rf.history,
        prune_epochs=prune_epochs, kept=kept, removed=removed, new=new, disagree=sign_disagreements(kept),
        regulators=regs, out_degree=out_full, in_degree=in_full, heatmap=heatmap_table(rf),
        abs_effects=abs_effect(rf.edges),
        truth=truth_info, notes=notes, singlecell=singlecell, confidence=confidence,
    )
