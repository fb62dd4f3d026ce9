"""Write the files of an ``infer`` run into a (staging) folder."""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._atomic import atomic_path, write_text_atomic
from ._json import dumps
from .checkpoint import save_checkpoint, save_resume
from .export import write_edges, write_graphml
from ._log import get_logger
from .pipeline import InferResult
from .ranking import Ranking
from .provenance import versions

log = get_logger(__name__)


def dump_json(path: Path, data: Any) -> None:
    write_text_atomic(path, dumps(data))


def write_ranking(path: Path, ranking: Ranking, genes: list[str], *, block: int | None = None,
                  chunk: int = 500_000) -> None:
    """Write every ordered pair of distinct genes, ranked (see :mod:`dashgrn.ranking`): the
    ranked pairs first (columns as edges.tsv), then every other pair (weight 0) by
    regulator and target name.

    Memory stays O(ranked pairs + block x N): both parts are written in pieces.
    """
    n = len(genes)
    genes = np.asarray(genes, dtype=object)
    rk = ranking
    order = np.argsort(genes.astype(str), kind="stable")  # genes by name
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    listed = sp.csr_matrix((np.ones(len(rk), dtype=np.int8), (pos[rk.row], pos[rk.col])), shape=(n, n))
    if block is None:
        block = max(1, 2_000_000 // max(n, 1))
    with atomic_path(path) as tmp, gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as fh:
        for b in range(0, max(len(rk), 1), chunk):
            part = rk.table(genes, np.arange(b, min(b + chunk, len(rk))))
            part.to_csv(fh, sep="\t", index=False, header=b == 0, float_format="%.9g", lineterminator="\n")
        rank = len(rk)
        for b in range(0, n, block):
            rows = np.arange(b, min(b + block, n))
            zero = np.ones((rows.size, n), dtype=bool)
            zero[rows - b, rows] = False  # no self-pairs
            zero[listed[rows].nonzero()] = False
            r, c = np.nonzero(zero)
            if r.size == 0:
                continue
            part = pd.DataFrame({
                "regulator": genes[order[rows[r]]], "target": genes[order[c]],
                "weight": 0, "sign": 0, "rank": np.arange(rank + 1, rank + r.size + 1), "effect": 0, "in_prior": 0,
            })
            part.to_csv(fh, sep="\t", index=False, header=False, lineterminator="\n")
            rank += r.size


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
    singlecell_bins.tsv and singlecell_genes.tsv) into ``out``; return the paths written."""
    out = Path(out)
    written: list[Path] = []
    vers = versions()
    t0 = time.perf_counter()
    write_edges(result.edges, out / "edges.tsv")
    write_graphml(result.edges, out / "network.graphml")
    written += [out / "edges.tsv", out / "network.graphml"]
    log.debug("edges.tsv and network.graphml: %.1f s", time.perf_counter() - t0)
    if ranking:
        t0 = time.perf_counter()
        write_ranking(out / "ranking.tsv.gz", result.ranking, result.genes)
        written.append(out / "ranking.tsv.gz")
        log.debug("ranking.tsv.gz: %.1f s", time.perf_counter() - t0)
    if result.prior_edges is not None:
        with atomic_path(out / "prior_used.tsv") as tmp:
            result.prior_edges.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
        written.append(out / "prior_used.tsv")
    if getattr(result, "singlecell", None) is not None:  # single-cell snapshots: cells, bins, genes kept
        written += result.singlecell.write(out)
    hist = result.history.copy()
    with atomic_path(out / "history.tsv") as tmp:
        hist.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n")
    written.append(out / "history.tsv")
    config = {"settings": result.config.to_dict(), "command": command}
    dump_json(out / "config.json", config)
    written.append(out / "config.json")
    meta = {"config": result.config.to_dict(), "versions": vers, "summary": result.summary}
    save_checkpoint(out / "checkpoint.pt", result.model, result.genes, meta, members=result.members[1:])
    written.append(out / "checkpoint.pt")
    if result.resume_state is not None:
        save_resume(out / "resume.pt", result.resume_state)
        written.append(out / "resume.pt")
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
