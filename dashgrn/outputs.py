"""Write the files of an ``infer`` run into a (staging) folder."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._atomic import atomic_path, write_text_atomic
from .checkpoint import save_checkpoint
from .export import write_edges, write_graphml
from .pipeline import InferResult
from .provenance import versions


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return None if not math.isfinite(float(o)) else float(o)
    if isinstance(o, Path):
        return str(o)
    msg = f"not JSON serialisable: {type(o).__name__}"
    raise TypeError(msg)


def _clean(o: Any) -> Any:
    """Replace NaN/inf floats by None so the JSON is standard."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def dump_json(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(_clean(data), indent=2, default=_json_default) + "\n")


def ranking_table(result: InferResult) -> pd.DataFrame:
    """Every candidate pair (all ordered pairs of distinct genes) ranked by |E|; zeros last."""
    n = len(result.genes)
    E = result.effects.tocoo()
    full = np.zeros((n, n))
    full[E.row, E.col] = E.data
    np.fill_diagonal(full, np.nan)
    r, c = np.nonzero(~np.isnan(full))
    from .tables import rank_edges

    g = np.asarray(result.genes, dtype=object)
    return rank_edges(g[r], g[c], full[r, c])


def write_run(
    out: Path,
    result: InferResult,
    *,
    inputs: dict[str, Any],
    command: str,
    write_ranking: bool = True,
) -> list[Path]:
    """Write edges.tsv, network.graphml, checkpoint.pt, config.json, history.tsv, run.json
    (and ranking.tsv.gz) into ``out``; return the paths written."""
    out = Path(out)
    written: list[Path] = []
    vers = versions()
    write_edges(result.edges, out / "edges.tsv")
    write_graphml(result.edges, out / "network.graphml")
    written += [out / "edges.tsv", out / "network.graphml"]
    if write_ranking and len(result.genes) <= 5000:
        rk = ranking_table(result)
        with atomic_path(out / "ranking.tsv.gz") as tmp, gzip.open(tmp, "wt", encoding="utf-8", compresslevel=6) as fh:
            # mtime=0 is not settable through gzip.open; the content is deterministic.
            rk.to_csv(fh, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
        written.append(out / "ranking.tsv.gz")
    if result.prior_edges is not None:
        with atomic_path(out / "prior_used.tsv") as tmp:
            result.prior_edges.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
        written.append(out / "prior_used.tsv")
    hist = result.history.copy()
    with atomic_path(out / "history.tsv") as tmp:
        hist.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
    written.append(out / "history.tsv")
    config = {"settings": result.config.to_dict(), "command": command}
    dump_json(out / "config.json", config)
    written.append(out / "config.json")
    meta = {"config": result.config.to_dict(), "versions": vers, "summary": result.summary}
    save_checkpoint(out / "checkpoint.pt", result.model, result.genes, meta)
    written.append(out / "checkpoint.pt")
    run = {
        "command": command,
        "inputs": inputs,
        "summary": result.summary,
        "prune_events": result.prune_events,
        "stopped": result.stopped,
        "versions": vers,
    }
    dump_json(out / "run.json", run)
    written.append(out / "run.json")
    return written
