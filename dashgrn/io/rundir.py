"""A run folder of ``dashgrn infer``: the names of its files, and the reader of them.

:data:`FILES` names every file a run folder can hold, in one place: what ``infer``
writes (:func:`dashgrn.result.write_run`), the single-cell tables (:mod:`dashgrn.singlecell`)
and the report (:mod:`dashgrn.report`). :func:`read_run_folder` reads and checks
them (``run.json``, ``config.json``, ``edges.tsv``, ``history.tsv``,
``prior_used.tsv`` and ``ranking.tsv.gz``) with pandas and numpy: never torch, so
that a report can be rebuilt anywhere the folder is copied to.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._atomic import KEEP_IF
from .._errors import InputError
from .._log import get_logger
from ._text import error_detail
from .edges import read_edges

log = get_logger(__name__)

#: The files of a run folder by key: those ``dashgrn infer`` writes, the single-cell
#: tables of a snapshot run, and those of the report.
FILES: dict[str, str] = {
    "edges": "edges.tsv",
    "graphml": "network.graphml",
    "ranking": "ranking.tsv.gz",
    "prior_used": "prior_used.tsv",
    "history": "history.tsv",
    "config": "config.json",
    "checkpoint": "checkpoint.pt",
    "resume": KEEP_IF,  # the staging layer keeps a killed run's folder that holds it
    "run": "run.json",
    "singlecell_cells": "singlecell_cells.tsv.gz",
    "singlecell_bins": "singlecell_bins.tsv",
    "singlecell_genes": "singlecell_genes.tsv",
    "report_html": "report.html",
    "report_json": "report.json",
    "report_md": "report.md",
    "prior_kept": "prior_kept.tsv",
    "prior_removed": "prior_removed.tsv",
    "new_edges": "new_edges.tsv",
}
#: The single-cell tables (keys of ``run.json``'s ``summary.singlecell.files``).
SINGLECELL_TABLES = ("cells", "bins", "genes")

_HINT_RUN = "give the --out folder of a finished 'dashgrn infer' run"
_HISTORY_REQUIRED = ("epoch", "train_loss", "val_loss")


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
        msg = f"{path}: cannot read the {what} ({error_detail(exc, exc)})"
        raise InputError(msg, hint=_HINT_RUN) from None


def _read_history(path: Path) -> pd.DataFrame:
    if not path.is_file():
        msg = f"{path.parent}: not a dashgrn run folder ({path.name} is missing)"
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
    path = Path(run_dir)
    if not path.is_dir():
        msg = f"{path}: no such folder" if not path.exists() else f"{path}: not a folder"
        raise InputError(msg, hint=_HINT_RUN)
    run = _read_json(path / FILES["run"], required=True)
    if "summary" not in run and "command" not in run:
        msg = f"{path / FILES['run']}: not the run.json of a dashgrn run (no 'summary' or 'command')"
        raise InputError(msg, hint=_HINT_RUN)
    config = _read_json(path / FILES["config"], required=False)
    if not (path / FILES["edges"]).is_file():
        msg = f"{path}: not a dashgrn run folder ({FILES['edges']} is missing)"
        raise InputError(msg, hint=_HINT_RUN)
    edges = read_edges(path / FILES["edges"])
    history = _read_history(path / FILES["history"])
    prior = _read_prior(path / FILES["prior_used"])
    settings = config.get("settings") or {}
    # edges.tsv holds every non-zero E only with --export support and no --top-k / --min-weight cut.
    complete = (bool(settings) and settings.get("export") == "support" and settings.get("top_k") is None
                and not (settings.get("min_weight") or 0) > 0)
    effects = None if complete else _read_effects(path / FILES["ranking"])
    source = FILES["ranking"]
    if effects is None:
        effects, source = _as_effects(edges), FILES["edges"]
    return RunFolder(
        path=path, run=run, config=config, edges=edges, history=history, prior=prior,
        effects=effects, effects_source=source,
    )


def read_singlecell_tables(rf: RunFolder) -> dict[str, tuple[Path, pd.DataFrame | None]]:
    """The single-cell tables of a run folder, by :data:`SINGLECELL_TABLES` key.

    The file names are those recorded in ``run.json`` (``summary.singlecell.files``),
    else those of :data:`FILES`.

    Returns
    -------
    dict
        Key -> the path and the table as read (``None`` when the file is absent).

    Raises
    ------
    InputError
        A table exists but cannot be read.
    """
    s = rf.summary.get("singlecell")
    files = s.get("files") if isinstance(s, dict) and isinstance(s.get("files"), dict) else {}
    out: dict[str, tuple[Path, pd.DataFrame | None]] = {}
    for key in SINGLECELL_TABLES:
        path = rf.path / str(files.get(key, FILES[f"singlecell_{key}"]))
        table = _read_tsv(path, what=f"single-cell {key} table", string_columns=("cell", "lineage", "gene")) \
            if path.is_file() else None
        out[key] = (path, table)
    return out
