"""Single-cell snapshots -> a time course: the steps in order, and what they leave on record."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import ConfigError, InputError
from .._log import get_logger
from ..config import SingleCellConfig
from ..tables import ExpressionData
from .binning import ALL, bin_cells, check_lineages, lineage_membership, lineage_summary
from .preprocess import (
    EMBEDDING_GENES,
    MIN_CELLS,
    highly_variable,
    normalize_log1p,
    row_sums,
    select_genes,
    value_kind,
)
from .dropout import impute_dropouts
from .pseudotime import dpt_pseudotime, pseudotime_from_obs, root_candidates

if TYPE_CHECKING:
    from ..tables import PriorNetwork

log = get_logger(__name__)

#: Files :meth:`SingleCellRecord.write` puts into a run folder.
FILES = {"cells": "singlecell_cells.tsv.gz", "bins": "singlecell_bins.tsv", "genes": "singlecell_genes.tsv"}
#: Default number of pseudotime windows per lineage.
DEFAULT_BINS = SingleCellConfig.bins


@dataclass
class SingleCellRecord:
    """What the snapshot preprocessing did, for run.json and the report.

    Attributes
    ----------
    params
        Settings and the parameters actually used (pseudotime method, root, graph sizes,
        normalisation target, embedding...).
    counts
        Cells in, dropped (no counts, no lineage, no pseudotime) and used; lineages;
        time points; gene-selection counts.
    cells
        One row per cell and lineage it was binned in (cells left out: one row with
        lineage and bin NA): ``cell, lineage, bin, pseudotime, embedding_1,
        embedding_2, root``.
    bins
        One row per window: ``lineage, bin, cells, pseudotime_mean, pseudotime_min,
        pseudotime_max, time``.
    genes
        One row per gene of the data (see :class:`~dashgrn.singlecell.preprocess.GeneSelection`).
    """

    params: dict[str, Any]
    counts: dict[str, Any]
    cells: pd.DataFrame
    bins: pd.DataFrame
    genes: pd.DataFrame
    lineages: list[dict[str, Any]] = field(default_factory=list)
    #: the normalised values of the cells that have a pseudotime, genes kept (cells x genes; in
    #: memory only: the crowd's tree model of the levels reads the cells, not the bins)
    cell_values: np.ndarray | None = field(default=None, repr=False)

    @property
    def genes_kept(self) -> list[str]:
        return self.genes.loc[self.genes["kept"], "gene"].astype(str).tolist()

    def summary(self) -> dict[str, Any]:
        """A JSON-ready summary (``run.json`` ``summary.singlecell``)."""
        return {**self.params, **self.counts, "lineage_list": self.lineages, "files": dict(FILES)}

    def write(self, folder: str | Path) -> list[Path]:
        """Write the per-cell, per-window and per-gene tables into ``folder`` (atomically)."""
        from .._atomic import atomic_path

        folder = Path(folder)
        out = []
        with atomic_path(folder / FILES["cells"]) as tmp, gzip.open(tmp, "wt", encoding="utf-8", compresslevel=3) as fh:
            self.cells.to_csv(fh, sep="\t", index=False, float_format="%.9g", lineterminator="\n", na_rep="NA")
        out.append(folder / FILES["cells"])
        for key, df in (("bins", self.bins), ("genes", self.genes)):
            with atomic_path(folder / FILES[key]) as tmp:
                df.to_csv(tmp, sep="\t", index=False, float_format="%.9g", lineterminator="\n", na_rep="NA")
            out.append(folder / FILES[key])
        return out


def _scanpy_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scanpy")
    except PackageNotFoundError:  # pragma: no cover
        return "not installed"


def prepare_snapshots(
    expr: ExpressionData, prior: PriorNetwork | None, options: SingleCellConfig, *,
    case_insensitive: bool = False, layer: str | None = None, seed: int = 0,
) -> tuple[ExpressionData, SingleCellRecord]:
    """Turn single-cell snapshots into pseudotime time courses.

    Steps: drop cells without counts; normalize_total + log1p of counts (unless
    ``normalize=False``; values that are already normalised, see
    :func:`~dashgrn.singlecell.preprocess.value_kind`, are used as they are); keep the
    prior's expressed genes (optionally only the highly variable ones, regulators always kept);
    compute the pseudotime (DPT from the root, on an embedding whose dropout zeros are filled
    from neighbouring cells when there are few genes: :mod:`~dashgrn.singlecell.dropout`; or
    the obs column); sort each lineage's cells
    by pseudotime and average them in ``bins`` windows; scale the window times to [0, 1].

    Parameters
    ----------
    expr
        Cells x genes (``time`` is ignored), with ``obs`` for the keys.
    prior
        The prior network, for gene selection (``None``: every expressed gene).
    options
        See :class:`dashgrn.config.SingleCellConfig`.
    case_insensitive
        Match prior genes ignoring case.
    layer
        The matrix that was read (recorded only).
    seed
        Seed of the pseudotime's random draws.

    Returns
    -------
    ExpressionData, SingleCellRecord
        One trajectory per lineage, one sample per window (``time`` in [0, 1]), over
        the kept genes; and the record of what was done.

    Raises
    ------
    InputError
        Missing root cell or obs key, a lineage with fewer than 3 cells or fewer cells
        than bins, every gene filtered out.
    ConfigError
        Conflicting or invalid options.
    """
    o = options
    src = expr.source
    if o.root_cell is None and o.root_group is None and o.pseudotime_key is None:
        msg = "single-cell data need a pseudotime: --root-cell ID, --root-group KEY=VALUE or --pseudotime-key KEY"
        raise ConfigError(msg)
    samples = np.asarray([str(s) for s in expr.samples], dtype=object)
    obs = expr.obs
    # Every check that needs only the annotations comes first, before any computation.
    names, member = lineage_membership(obs, o.lineage_key, expr.n_samples, source=src)
    check_lineages(names, member, bins=o.bins, source=src)
    candidates = None
    if o.pseudotime_key is None:
        candidates = root_candidates(samples, obs, root_cell=o.root_cell, root_group=o.root_group, source=src)
    else:
        from .pseudotime import obs_column

        obs_column(obs, o.pseudotime_key, option="--pseudotime-key", source=src)
    n_in = expr.n_samples
    X = sp.csr_matrix(expr.X, dtype=np.float64) if sp.issparse(expr.X) else np.asarray(expr.X, dtype=np.float64)
    totals = row_sums(np.abs(X) if not sp.issparse(X) else abs(X))
    has = totals > 0
    if not has.any():
        msg = f"{src}: every cell has only zeros"
        raise InputError(msg, hint="check that the right matrix or --layer was read")
    if not has.all():
        log.warning("%s: %d of %d cells have no counts (all zeros); left out", src, int((~has).sum()), n_in)
    keep_rows = np.flatnonzero(has)
    if candidates is not None:
        pos = np.full(n_in, -1)
        pos[keep_rows] = np.arange(keep_rows.size)
        candidates = pos[candidates][pos[candidates] >= 0]
        if candidates.size == 0:
            msg = f"{src}: the root ({o.root_cell or o.root_group}) has no cell with counts"
            raise InputError(msg, hint="choose another root")
    Xk = X[keep_rows]
    member_k = member[keep_rows]
    obs_k = obs.iloc[keep_rows] if obs is not None else None
    # Normalisation.
    target_sum, kind = None, value_kind(Xk)
    normalise = o.normalize and kind != "normalised"
    if not o.normalize:
        log.info("%s: values used as they are (--no-normalize)", src)
    elif kind == "normalised":
        log.info("%s: the values are already normalised (not counts: negative or non-integer values up to %.3g); "
                 "used as they are, without normalize_total + log1p", src, float(Xk.max()))
    elif kind == "non-integer":
        log.warning("%s: the values are not all integers but go up to %.3g, so they may be estimated counts; "
                    "normalising them (pass --no-normalize if they are already normalised)", src, float(Xk.max()))
    else:
        log.info("%s: the values are counts (non-negative integers): normalize_total + log1p", src)
    if normalise:
        Xn, target_sum = normalize_log1p(Xk, source=src)
    else:
        Xn = Xk
    # Gene selection.
    sel = select_genes(Xn, expr.genes, prior, n_top_genes=o.n_top_genes, case_insensitive=case_insensitive,
                       counts_matrix=Xk, source=src)
    expressed = sel.table["expressed"].to_numpy(dtype=bool)
    # Pseudotime, on the expressed genes (the most variable ones when there are many).
    emb_cols = np.flatnonzero(expressed)
    if emb_cols.size > EMBEDDING_GENES:
        emb_cols = emb_cols[highly_variable(Xn[:, emb_cols], EMBEDDING_GENES)]
    X_emb = Xn[:, emb_cols]
    dropouts = {"dropout_genes": 0, "dropout_values": 0}
    if o.pseudotime_key is not None:
        ptr = pseudotime_from_obs(obs_k, o.pseudotime_key, X_emb, seed=seed, source=src)
    else:
        if kind == "counts":  # zeros that are not Poisson sampling: filled from neighbours (dropout.py)
            X_emb, dropouts = impute_dropouts(X_emb, Xk[:, emb_cols], seed=seed)
            if dropouts["dropout_genes"]:
                log.info("pseudotime embedding: %d of %d genes have dropouts (more zeros than Poisson sampling "
                         "gives); %d zeros filled from the nearest cells", dropouts["dropout_genes"], emb_cols.size,
                         dropouts["dropout_values"])
        log.info("pseudotime: scanpy PCA, neighbours, diffusion map and DPT on %d cells x %d genes",
                 X_emb.shape[0], X_emb.shape[1])
        ptr = dpt_pseudotime(X_emb, candidates, n_pcs=o.n_pcs, n_neighbors=o.n_neighbors, seed=seed, source=src)
    pt = ptr.values
    n_unknown = int((~np.isfinite(pt)).sum())
    if n_unknown:
        why = "the root cannot reach them in the neighbour graph" if ptr.method == "dpt" else "no finite value"
        log.warning("%s: %d of %d cells have no pseudotime (%s); left out", src, n_unknown, pt.size, why)
    # Bins.
    kept_cols = np.flatnonzero(sel.table["kept"].to_numpy(dtype=bool))
    binned = bin_cells(Xn[:, kept_cols], pt, names, member_k, bins=o.bins, smooth=o.smooth, source=src)
    log.info("lineages: %s; %d time points", lineage_summary(names, member_k & np.isfinite(pt)[:, None]),
             len(binned.time))
    # The time course.
    counter: dict[str, int] = {}
    ids = []
    for lab, b in zip(binned.table["lineage"], binned.table["bin"]):
        sid = f"{lab}_bin{b}"
        counter[sid] = counter.get(sid, 0) + 1
        ids.append(sid if counter[sid] == 1 else f"{sid}_{counter[sid]}")
    tc = ExpressionData(
        X=binned.X, genes=sel.kept, samples=ids, time=binned.time.astype(np.float64),
        trajectory=np.asarray([str(x) for x in binned.lineage], dtype=object),
        source=f"{src} (pseudotime {'bins' if o.bins else 'cells'})",
        obs=binned.table.set_index(pd.Index(ids)),
    )
    # The record.
    cell_ids = samples[keep_rows]
    emb = ptr.embedding
    cells_long = binned.cell_bins.copy()
    used = np.zeros(keep_rows.size, dtype=bool)
    used[cells_long["cell"].to_numpy()] = True
    left = pd.DataFrame({"cell": np.flatnonzero(~used), "lineage": pd.NA, "bin": pd.NA})
    cells_long = pd.concat([cells_long, left], ignore_index=True) if len(left) else cells_long
    r = cells_long["cell"].to_numpy(dtype=np.int64)
    root_flag = np.zeros(keep_rows.size, dtype=bool)
    if ptr.root is not None:
        root_flag[ptr.root] = True
    cells = pd.DataFrame({
        "cell": cell_ids[r], "lineage": cells_long["lineage"].to_numpy(dtype=object),
        "bin": pd.array(cells_long["bin"].to_numpy(), dtype="Int64"), "pseudotime": pt[r],
        "embedding_1": emb[r, 0], "embedding_2": emb[r, 1], "root": root_flag[r],
    })
    lineage_rows = []
    for name in names:
        part = binned.table[binned.table["lineage"] == name]
        lineage_rows.append({"name": name, "cells": int(part["cells"].sum()), "time_points": len(part)})
    params = {
        "pseudotime": "dpt" if ptr.method == "dpt" else "obs key",
        "root_cell": str(cell_ids[ptr.root]) if ptr.root is not None else None,
        "root_group": o.root_group, "pseudotime_key": o.pseudotime_key,
        "lineage_key": o.lineage_key, "bins": o.bins, "smooth": o.smooth,
        "normalize": normalise, "values": kind, "target_sum": target_sum, "n_top_genes": o.n_top_genes,
        "matrix": f"layer {layer}" if layer else ".X",
        "min_cells_expressed": MIN_CELLS, "embedding": ptr.embedding_name, "embedding_genes": int(emb_cols.size),
        "embedding_dropout_genes": dropouts["dropout_genes"], "embedding_dropouts_filled": dropouts["dropout_values"],
        "time_scaling": "mean pseudotime of each bin, min-max scaled to [0, 1] over all lineages",
        "scanpy": _scanpy_version(), **ptr.params,
    }
    counts = {
        "cells_in": n_in, "cells_no_counts": int((~has).sum()),
        "cells_no_lineage": int((~member_k.any(axis=1)).sum()) if o.lineage_key is not None else 0,
        "cells_no_pseudotime": n_unknown, "cells_used": int(used.sum()),
        "lineages": len(names), "time_points": len(binned.time),
        **{f"genes_{k}": v for k, v in sel.counts.items()},
    }
    if names == [ALL]:
        params["lineage_key"] = None
    record = SingleCellRecord(params=params, counts=counts, cells=cells, bins=binned.table, genes=sel.table,
                              lineages=lineage_rows, cell_values=np.asarray(Xn[np.isfinite(pt)][:, kept_cols]))
    return tc, record
