"""The report's confidence section: how many ensemble members back the exported edges.

``edges.tsv``'s ``confidence`` (:mod:`dashgrn.network._confidence`) is the fraction of the
members whose own export holds an edge with its sign; ``run.json``'s
``summary.network.confidence`` says how many members there were and whether they trained on
resampled trajectories (``--bootstrap``). An edge table without the column (an older dashgrn,
or another tool's) gives no confidence values, and the report says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..io.rundir import RunFolder
from ._format import fmt_int, fmt_num
from ._values import json_value

__all__ = ["confidence_section", "confidence_text"]


def confidence_section(rf: RunFolder, values: dict[str, Any]) -> np.ndarray | None:
    """``network_confidence_*`` values; returns the edges' confidence (``None`` without the column).

    ``network_confidence_members`` (the members that voted), ``_resampled`` (``--bootstrap``),
    ``_all`` (edges backed by every member: confidence 1), ``_half`` (at least half: >= 0.5),
    ``_median`` and ``_min``.
    """
    s = (rf.summary.get("network") or {}).get("confidence") or {}
    training = rf.summary.get("training") or {}
    members = s.get("members") or training.get("ensemble")
    if "confidence" not in rf.edges.columns:
        values.update(network_confidence_column=False, network_confidence_members=json_value(members))
        return None
    c = rf.edges["confidence"].to_numpy(dtype=np.float64)
    values.update(
        network_confidence_column=True,
        network_confidence_members=json_value(members),
        network_confidence_resampled=bool(s.get("resampled", bool(training.get("bootstrap")))),
        network_confidence_all=int((c >= 1 - 1e-9).sum()),
        network_confidence_half=int((c >= 0.5 - 1e-9).sum()),
        network_confidence_median=json_value(np.median(c)) if c.size else None,
        network_confidence_min=json_value(c.min()) if c.size else None,
    )
    return c


def confidence_text(values: dict[str, Any]) -> str:
    """One plain sentence on the confidence of the edges (escaped by the renderer)."""
    if not values.get("network_confidence_column"):
        return "Not recorded: this edges.tsv has no confidence column (written by an older dashgrn)."
    m = values.get("network_confidence_members")
    how = ("members trained on trajectories resampled with replacement (--bootstrap)"
           if values.get("network_confidence_resampled") else "ensemble members (their own seeds, the same data)")
    n = values.get("network_edges")
    return (f"{fmt_int(values.get('network_confidence_all'))} of {fmt_int(n)} edges have confidence 1 (every member's "
            f"own export holds them, with the same sign), {fmt_int(values.get('network_confidence_half'))} at least "
            f"0.5; median {fmt_num(values.get('network_confidence_median'), 3)}. Confidence is the fraction of the "
            f"{fmt_int(m)} {how} whose export holds the edge.")
