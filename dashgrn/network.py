"""From a trained model to its effect matrix, ranking and exported edge table (SPEC 1.5, 8.7-8.8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .model import PhoenixODE
from .ranking import Ranking, rank_pairs, select_edges


def effect_matrix(model: PhoenixODE, *, block: int | None = None) -> sp.csr_matrix:
    """The effect matrix E (regulator x target) as a sparse matrix of its non-zeros.

    Computed in row blocks so that memory stays O(N * H + non-zeros).
    """
    n = model.n_genes
    if block is None:  # about 8 M entries (64 MB in float64) per block
        block = max(1, min(n, 8_000_000 // max(n, 1)))
    rows, cols, vals = [], [], []
    for start in range(0, n, block):
        E = model.effect_matrix(slice(start, start + block))
        r, c = torch.nonzero(E, as_tuple=True)
        rows.append((r + start).cpu().numpy())
        cols.append(c.cpu().numpy())
        vals.append(E[r, c].cpu().numpy())
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )


def network_from_effects(
    E: sp.spmatrix | list[sp.spmatrix],
    genes: list[str],
    prior: sp.spmatrix | None,
    *,
    ranking: str = "auto",
    export: str = "calibrated",
    new_edge_quantile: float = 0.5,
    export_degree: float = 2.0,
    top_k: int | None = None,
    min_weight: float = 0.0,
) -> tuple[Ranking, pd.DataFrame]:
    """The ranking of every pair and the exported edge table (:mod:`dashgrn.ranking`).

    The table has the columns ``regulator, target, weight, sign, rank, effect, in_prior``,
    ranked 1..n in ranking order. ``E`` may be a list (the members of an ensemble).
    """
    rk = rank_pairs(E, genes, prior, ranking)
    chosen = select_edges(
        rk, len(genes), export=export, new_edge_quantile=new_edge_quantile, degree=export_degree,
        top_k=top_k, min_weight=min_weight,
    )
    edges = rk.table(genes, chosen)
    edges["rank"] = np.arange(1, len(edges) + 1, dtype=np.int64)
    return rk, edges
