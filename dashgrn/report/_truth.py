"""The truth section of the report: which gold standard to score against, and the scores."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..io.rundir import FILES, RunFolder
from ..io.truth import read_truth
from ..provenance import sha256
from ._values import json_value


def resolve_truth(rf: RunFolder, truth: Path | None, notes: list[str]) -> Path | None:
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
        if sha256(path) != rec["sha256"]:
            notes.append(f"The truth file {path} changed since the run; truth metrics are left out.")
            return None
    return path


def truth_section(rf: RunFolder, truth: Path, values: dict[str, Any]) -> dict[str, Any]:
    """Score the network (and the prior alone, and random) against ``truth``; adds the ``truth_`` values."""
    from ..evaluate import METRICS, PVALUES, score_networks

    gold = read_truth(truth)
    values.update(truth_path=str(truth), truth_sha256=sha256(truth), truth_edges=gold.n_edges)
    if len(rf.edges) == 0:
        note = "The network has no edges: there is nothing to score against the truth."
        return {"path": str(truth), "table": None, "pr": None, "universe": None, "note": note}
    pred = rf.edges[["regulator", "target", "weight", "sign"]].copy()
    pred.attrs["source"] = str(rf.path / FILES["edges"])
    prior = rf.prior.copy() if rf.prior is not None else None
    if prior is not None:
        prior.attrs["source"] = str(rf.path / FILES["prior_used"])
    ev = score_networks({"dashgrn": pred}, gold, prior=prior, random=True)
    table = ev.table
    main = table.iloc[0]
    for k in (*METRICS, *PVALUES, "n_outside_universe"):
        values[f"truth_{k}"] = json_value(main[k])
    for method, key in (("prior-only", "prior_only"), ("random", "random")):
        rows = table[table["method"] == method]
        if len(rows):
            for k in ("auroc", "average_precision", "early_precision", "epr"):
                values[f"truth_{key}_{k}"] = json_value(rows.iloc[0][k])
    uni = ev.universe
    values.update(
        truth_universe=uni.kind, truth_universe_pairs=uni.n_pairs, truth_universe_true_edges=uni.n_positive,
        truth_universe_density=json_value(uni.density),
    )
    return {"path": str(truth), "table": table, "pr": ev.pr_curves(), "universe": uni.description, "note": None}

