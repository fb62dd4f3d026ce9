"""From a trained model to a signed, ranked edge table (SPEC 1.5, 8.7-8.8)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch

from .model import PhoenixODE
from .tables import rank_edges


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


def edges_from_effects(
    E: sp.spmatrix,
    genes: list[str],
    *,
    top_k: int | None = None,
    min_weight: float = 0.0,
    self_loops: bool = False,
) -> pd.DataFrame:
    """The edge table of the non-zero entries of ``E`` (``regulator, target, weight, sign, rank``).

    ``weight = |E|``, ``sign = sign(E)``; ``min_weight`` drops weaker edges and ``top_k``
    keeps the strongest ``k``.
    """
    coo = sp.coo_matrix(E)
    keep = coo.data != 0
    if not self_loops:
        keep &= coo.row != coo.col
    if min_weight > 0:
        keep &= np.abs(coo.data) >= min_weight
    g = np.asarray(genes, dtype=object)
    df = rank_edges(g[coo.row[keep]], g[coo.col[keep]], coo.data[keep])
    if top_k is not None:
        df = df.iloc[:top_k].copy()
    return df
