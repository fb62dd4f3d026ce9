"""Pseudotime of single cells: scanpy's diffusion pseudotime (DPT) from a root, or an obs column.

:func:`dpt_pseudotime` runs ``sc.pp.pca``, ``sc.pp.neighbors`` (Gaussian kernel, as in
the original DPT of Haghverdi et al. 2016), ``sc.tl.diffmap`` and ``sc.tl.dpt``. The root
is a given cell (``--root-cell``) or, for ``--root-group KEY=VALUE``, the cell of that
group at the extreme of the first diffusion component (the end of the component away
from the other cells). :func:`pseudotime_from_obs` takes a pseudotime computed
elsewhere. No torch; every graph computation is scanpy's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import ConfigError, InputError
from .._log import get_logger
from ..config import parse_root_group
from ..io._text import examples
from .preprocess import quiet_scanpy

if TYPE_CHECKING:
    from collections.abc import Sequence

log = get_logger(__name__)

#: Diffusion components computed (the first, trivial one included) and used by DPT.
DIFFMAP_COMPONENTS = 15
DPT_COMPONENTS = 10
#: The neighbour graph's kernel (scanpy ``method``).
NEIGHBORS_METHOD = "gauss"


@dataclass
class Pseudotime:
    """A pseudotime per cell and a 2-D embedding to show it on.

    Attributes
    ----------
    values
        ``(n_cells,)`` pseudotime; NaN where unknown (a cell the root cannot reach, or a
        missing value in the obs column).
    embedding
        ``(n_cells, 2)`` coordinates for plots.
    embedding_name
        What the two coordinates are (e.g. ``diffusion components 1-2``).
    method
        ``dpt`` or ``obs``.
    root
        Row of the root cell (DPT), else ``None``.
    params
        The parameters actually used (numbers of components, neighbours...).
    """

    values: np.ndarray
    embedding: np.ndarray
    embedding_name: str
    method: str
    root: int | None = None
    params: dict[str, Any] = field(default_factory=dict)


def obs_column(obs: pd.DataFrame | None, key: str, *, option: str, source: str) -> pd.Series:
    """``obs[key]``, or an :class:`InputError` that lists the keys there are."""
    if obs is None:
        msg = f"{source}: no obs key {key!r} for {option}: the data have no per-cell annotations"
        raise InputError(msg, hint="give an .h5ad file (or AnnData) whose obs holds the key")
    if key not in obs.columns:
        have = examples([str(c) for c in obs.columns], 10) or "none"
        msg = f"{source}: no obs key {key!r} for {option} (obs keys: {have})"
        raise InputError(msg, hint=f"name one of the obs keys with {option}")
    return obs[key]


def root_candidates(
    samples: Sequence[str],
    obs: pd.DataFrame | None,
    *,
    root_cell: str | None,
    root_group: str | None,
    source: str,
) -> np.ndarray:
    """Rows that may be the root: the one ``root_cell``, or every cell of ``root_group``.

    Raises
    ------
    InputError
        The cell, the obs key or the group value does not exist.
    """
    if root_cell is not None:
        ids = np.asarray([str(s) for s in samples], dtype=object)
        hit = np.flatnonzero(ids == str(root_cell))
        if hit.size == 0:
            msg = f"{source}: root cell {root_cell!r} not found among the {len(ids)} cells (e.g. {examples(list(ids[:3]), 3)})"
            raise InputError(msg, hint="give a cell id (obs_names) with --root-cell, or a group with --root-group KEY=VALUE")
        return hit[:1]
    if root_group is None:
        msg = "a pseudotime root is needed: --root-cell ID or --root-group KEY=VALUE"
        raise ConfigError(msg)
    key, value = parse_root_group(root_group)
    col = obs_column(obs, key, option="--root-group", source=source)
    labels = col.astype(str).to_numpy()
    hit = np.flatnonzero(labels == value)
    if hit.size == 0:
        values = examples(sorted(pd.unique(labels[~pd.isna(col.to_numpy())]).tolist()), 10)
        msg = f"{source}: no cell has {key}={value!r} for --root-group (values: {values})"
        raise InputError(msg, hint=f"choose one of the values of obs key {key!r}")
    return hit


def _extreme(dc1: np.ndarray, candidates: np.ndarray) -> int:
    """The candidate at the end of ``dc1`` away from the other cells."""
    if candidates.size == 1:
        return int(candidates[0])
    rest = np.ones(dc1.size, dtype=bool)
    rest[candidates] = False
    vals = dc1[candidates]
    low = not rest.any() or np.median(vals) <= np.median(dc1[rest])
    return int(candidates[np.argmin(vals)] if low else candidates[np.argmax(vals)])


def _pca(X: np.ndarray | sp.spmatrix, n_comps: int, seed: int) -> np.ndarray:
    import anndata as ad

    adata = ad.AnnData(X=X)
    with quiet_scanpy() as sc:
        sc.pp.pca(adata, n_comps=n_comps, random_state=seed)
    return adata.obsm["X_pca"]


def dpt_pseudotime(
    X: np.ndarray | sp.spmatrix,
    candidates: np.ndarray,
    *,
    n_pcs: int = 10,
    n_neighbors: int = 30,
    seed: int = 0,
    source: str = "<memory>",
) -> Pseudotime:
    """Diffusion pseudotime with scanpy, rooted at one of ``candidates``.

    Parameters
    ----------
    X
        Cells x genes (normalised log values) to embed.
    candidates
        Rows that may be the root (from :func:`root_candidates`); with more than one,
        the root is the one at the extreme of the first diffusion component.
    n_pcs, n_neighbors
        Principal components and neighbours of the kNN graph (reduced for tiny data).
    seed
        ``random_state`` of the PCA and the graph.

    Returns
    -------
    Pseudotime
        DPT in [0, 1] (NaN for cells the root cannot reach) and diffusion components 1-2.
    """
    import anndata as ad

    n_cells, n_genes = X.shape
    if n_cells < 4 or n_genes < 2:
        msg = f"{source}: {n_cells} cells x {n_genes} genes are too few to compute a pseudotime"
        raise InputError(msg, hint="a diffusion pseudotime needs at least 4 cells and 2 genes")
    n_comps = max(1, min(int(n_pcs), n_cells - 1, n_genes - 1))
    k = max(2, min(int(n_neighbors), n_cells - 1))
    n_dc = max(3, min(DIFFMAP_COMPONENTS, n_cells - 2))
    n_dcs = min(DPT_COMPONENTS, n_dc)
    adata = ad.AnnData(X=X)
    with quiet_scanpy() as sc:
        sc.pp.pca(adata, n_comps=n_comps, random_state=seed)
        sc.pp.neighbors(adata, n_neighbors=k, n_pcs=n_comps, method=NEIGHBORS_METHOD, random_state=seed)
        sc.tl.diffmap(adata, n_comps=n_dc)
        dm = np.asarray(adata.obsm["X_diffmap"], dtype=np.float64)
        root = _extreme(dm[:, 1], np.asarray(candidates))
        adata.uns["iroot"] = root
        sc.tl.dpt(adata, n_dcs=n_dcs)
    pt = adata.obs["dpt_pseudotime"].to_numpy(dtype=np.float64)
    pt[~np.isfinite(pt)] = np.nan
    params = {
        "n_pcs": n_comps, "n_neighbors": k, "neighbors_method": NEIGHBORS_METHOD, "diffmap_components": n_dc,
        "dpt_components": n_dcs, "root_rule": "given cell" if len(candidates) == 1 else
        "the group's cell at the extreme of diffusion component 1",
    }
    return Pseudotime(values=pt, embedding=dm[:, 1:3].copy(), embedding_name="diffusion components 1 and 2",
                      method="dpt", root=root, params=params)


def pseudotime_from_obs(
    obs: pd.DataFrame | None, key: str, X: np.ndarray | sp.spmatrix, *, seed: int = 0, source: str = "<memory>"
) -> Pseudotime:
    """A pseudotime from ``obs[key]`` (numbers; NaN/inf mean unknown), shown on PC 1-2 of ``X``.

    Raises
    ------
    InputError
        The key is missing, a value is not a number, or no value is finite.
    """
    col = obs_column(obs, key, option="--pseudotime-key", source=source)
    num = pd.to_numeric(col, errors="coerce")
    bad = num.isna() & col.notna()
    if pd.api.types.is_bool_dtype(col) or bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else 0
        msg = f"{source}: obs key {key!r} (--pseudotime-key) has a non-numeric value {col.iloc[i]!r} (cell {col.index[i]!r})"
        raise InputError(msg, hint="a pseudotime is a number per cell (NaN for cells outside the trajectory)")
    pt = num.to_numpy(dtype=np.float64)
    pt[~np.isfinite(pt)] = np.nan
    if not np.isfinite(pt).any():
        msg = f"{source}: obs key {key!r} (--pseudotime-key) has no finite value"
        raise InputError(msg, hint="give a column that holds the pseudotime of the cells")
    n_cells, n_genes = X.shape
    if n_cells >= 3 and n_genes >= 2:
        emb = _pca(X, 2 if min(n_cells, n_genes) > 2 else 1, seed)
        if emb.shape[1] == 1:
            emb = np.column_stack([emb[:, 0], np.zeros(n_cells)])
        name = "principal components 1 and 2"
    else:
        emb, name = np.zeros((n_cells, 2)), "none"
    return Pseudotime(values=pt, embedding=np.asarray(emb, dtype=np.float64), embedding_name=name, method="obs",
                      params={"pseudotime_key": key})
