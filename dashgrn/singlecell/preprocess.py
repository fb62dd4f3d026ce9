"""Preprocessing of single-cell counts: normalisation, gene selection.

* :func:`value_kind`: raw counts, already normalised values, or non-integer counts;
* :func:`normalize_log1p`: ``normalize_total`` (to the median total count) and
  ``log1p``, done by scanpy;
* :func:`select_genes`: the prior's genes that are expressed, optionally intersected
  with the highly variable genes, the prior's regulators always kept.

Scaling to about [0, 1] is not done here: the time course this package builds goes
through :func:`dashgrn.data.scale_values` like any other (``--scale``), so values are
scaled exactly once. No torch.
"""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import InputError
from .._log import get_logger
from ..io._text import examples

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

    from ..tables import PriorNetwork

log = get_logger(__name__)

#: A gene is "expressed" when it is non-zero in at least this many cells.
MIN_CELLS = 3
#: Non-integer values up to this are taken to be log-normalised already (log1p of counts
#: normalised to 1e5 per cell stays below 12; raw or CPM-like values go far above).
LOG_SCALE_MAX = 50.0
#: Genes used for the embedding (PCA) when more than this many are expressed: the most variable ones.
EMBEDDING_GENES = 2000


@contextlib.contextmanager
def quiet_scanpy() -> Iterator[Any]:
    """Import scanpy and silence its logging and warnings for the duration of a block."""
    import scanpy as sc

    old = sc.settings.verbosity
    sc.settings.verbosity = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield sc
    finally:
        sc.settings.verbosity = old


def nonzero_cells(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    """Per gene, the number of cells with a non-zero value."""
    if sp.issparse(X):
        X = sp.csc_matrix(X)
        X.eliminate_zeros()
        return np.diff(X.indptr).astype(np.int64)
    return np.count_nonzero(np.asarray(X), axis=0).astype(np.int64)


def row_sums(X: np.ndarray | sp.spmatrix) -> np.ndarray:
    return np.asarray(X.sum(axis=1)).ravel().astype(np.float64)


def normalize_log1p(X: np.ndarray | sp.spmatrix, *, source: str = "<memory>") -> tuple[np.ndarray | sp.spmatrix, float]:
    """``log1p(X / total * median(total))`` per cell, with scanpy's ``normalize_total`` and ``log1p``.

    Parameters
    ----------
    X
        Cells x genes counts (dense or sparse; sparse stays sparse). Every cell must
        have a positive total.
    source
        Names the data in messages.

    Returns
    -------
    X, target_sum
        The normalised log values (a new matrix) and the total every cell was scaled to.

    Raises
    ------
    InputError
        The matrix has negative values (it cannot hold counts).
    """
    import anndata as ad

    neg = (X.data < 0).any() if sp.issparse(X) else (np.asarray(X) < 0).any()
    if neg:
        msg = f"{source}: the expression has negative values, so it cannot be counts to normalise"
        raise InputError(msg, hint="pass --no-normalize if the values are already normalised, or use a counts --layer")
    totals = row_sums(X)
    target = float(np.median(totals[totals > 0])) if (totals > 0).any() else 1.0
    adata = ad.AnnData(X=X.astype(np.float64, copy=True))
    with quiet_scanpy() as sc:
        sc.pp.normalize_total(adata, target_sum=target)
        sc.pp.log1p(adata)
    return adata.X, target


def value_kind(X: np.ndarray | sp.spmatrix, *, n: int = 1_000_000) -> str:
    """What the values of a cells x genes matrix are, to decide on normalisation.

    ``"counts"``: non-negative integers (raw counts: normalise them). ``"normalised"``: a
    negative value (scaled or corrected data), or non-integers no larger than
    :data:`LOG_SCALE_MAX` (log-normalised data, such as scanpy's ``log1p`` output: use them
    as they are). ``"non-integer"``: non-negative non-integers above that (estimated counts,
    CPM/TPM: normalised, with a warning). Integrality is checked on (about) ``n`` stored values.
    """
    v = X.data if sp.issparse(X) else np.asarray(X).ravel()
    if v.size == 0:
        return "counts"
    if float(v.min()) < 0:
        return "normalised"
    sample = v[:: v.size // n + 1]
    if np.all(np.mod(sample, 1) == 0):
        return "counts"
    return "normalised" if float(v.max()) <= LOG_SCALE_MAX else "non-integer"


@dataclass
class GeneSelection:
    """Which genes were kept, and why.

    Attributes
    ----------
    table
        One row per gene of the data: ``gene, cells_expressed, expressed, in_prior,
        regulator, highly_variable, kept`` (``highly_variable`` is NA without
        ``n_top_genes``; ``in_prior`` and ``regulator`` are False without a prior).
    kept
        The kept genes, in the data's order.
    counts
        ``in_data``, ``expressed``, ``in_prior``, ``expressed_in_prior``,
        ``highly_variable`` (``None`` without ``n_top_genes``), ``regulators_kept``,
        ``regulators_not_variable`` and ``kept``.
    """

    table: pd.DataFrame
    kept: list[str]
    counts: dict[str, int]


def select_genes(
    X_log: np.ndarray | sp.spmatrix,
    genes: Sequence[str],
    prior: PriorNetwork | None,
    *,
    n_top_genes: int | None = None,
    case_insensitive: bool = False,
    min_cells: int = MIN_CELLS,
    counts_matrix: np.ndarray | sp.spmatrix | None = None,
    source: str = "<memory>",
) -> GeneSelection:
    """Keep the prior's genes that are expressed; with ``n_top_genes``, only the highly
    variable ones among them, except the prior's regulators, which are always kept.

    Parameters
    ----------
    X_log
        Cells x genes normalised log values (for the highly variable genes).
    genes
        Gene names, in column order.
    prior
        The prior network; ``None`` keeps every expressed gene (before ``n_top_genes``).
    n_top_genes
        ``sc.pp.highly_variable_genes(n_top_genes=...)`` (flavor ``seurat``) over the
        expressed genes.
    case_insensitive
        Match prior gene names ignoring case (as ``--case-insensitive``).
    min_cells
        A gene is expressed when non-zero in at least this many cells.
    counts_matrix
        The matrix before normalisation, for the expression filter (``X_log`` when ``None``).

    Raises
    ------
    InputError
        Fewer than 2 genes are left.
    """
    genes = [str(g) for g in genes]
    key = (lambda s: s.upper()) if case_insensitive else (lambda s: s)
    n_expr = nonzero_cells(counts_matrix if counts_matrix is not None else X_log)
    expressed = n_expr >= min_cells
    if prior is not None:
        prior_genes = {key(str(g)) for g in prior.genes}
        regulators = {key(str(g)) for g in prior.regulators}
        in_prior = np.array([key(g) in prior_genes for g in genes], dtype=bool)
        is_reg = np.array([key(g) in regulators for g in genes], dtype=bool)
    else:
        in_prior = np.zeros(len(genes), dtype=bool)
        is_reg = np.zeros(len(genes), dtype=bool)
    candidate = expressed & in_prior if prior is not None else expressed.copy()
    hvg = None
    if n_top_genes is not None and expressed.any():
        hvg = np.zeros(len(genes), dtype=bool)
        hvg[np.flatnonzero(expressed)] = highly_variable(X_log[:, np.flatnonzero(expressed)], n_top_genes)
        kept = candidate & (hvg | is_reg)
    else:
        kept = candidate
    table = pd.DataFrame({
        "gene": genes, "cells_expressed": n_expr, "expressed": expressed, "in_prior": in_prior,
        "regulator": is_reg,
        "highly_variable": pd.array(hvg if hvg is not None else [pd.NA] * len(genes), dtype="boolean"),
        "kept": kept,
    })
    counts = {
        "in_data": len(genes), "expressed": int(expressed.sum()), "in_prior": int(in_prior.sum()),
        "expressed_in_prior": int((expressed & in_prior).sum()),
        "highly_variable": int(hvg.sum()) if hvg is not None else None,
        "regulators_kept": int((kept & is_reg).sum()),
        "regulators_not_variable": int((kept & is_reg & ~hvg).sum()) if hvg is not None else 0,
        "kept": int(kept.sum()),
    }
    if kept.sum() < 2:
        parts = [f"{counts['in_data']} genes", f"{counts['expressed']} expressed in >= {min_cells} cells"]
        if prior is not None:
            parts.append(f"{counts['in_prior']} in the prior ({prior.source})")
            parts.append(f"{counts['expressed_in_prior']} both")
        if hvg is not None:
            parts.append(f"{counts['highly_variable']} highly variable (--n-top-genes {n_top_genes})")
        what = "every gene was filtered out" if kept.sum() == 0 else f"only {int(kept.sum())} gene is left"
        msg = f"{source}: {what} in gene selection ({'; '.join(parts)})"
        if prior is not None and counts["in_prior"] == 0:
            hint = (f"the prior's genes (e.g. {examples(prior.genes[:3], 3)}) are not expression genes "
                    f"(e.g. {examples(genes[:3], 3)}): use the same identifiers, or --case-insensitive")
        elif n_top_genes is not None:
            hint = "raise --n-top-genes or leave it out"
        else:
            hint = "check that the right matrix or --layer was read; a network needs at least 2 expressed genes"
        raise InputError(msg, hint=hint)
    return GeneSelection(table=table, kept=[g for g, k in zip(genes, kept) if k], counts=counts)


def highly_variable(X_log: np.ndarray | sp.spmatrix, n_top: int) -> np.ndarray:
    """Boolean mask of the ``n_top`` most variable genes (scanpy, flavor ``seurat``)."""
    import anndata as ad

    n = X_log.shape[1]
    if n_top >= n:
        return np.ones(n, dtype=bool)
    adata = ad.AnnData(X=X_log)
    with quiet_scanpy() as sc:
        sc.pp.highly_variable_genes(adata, n_top_genes=int(n_top), flavor="seurat")
    return adata.var["highly_variable"].to_numpy(dtype=bool)
