"""From a trained model to its effect matrix E as a sparse matrix (SPEC 1.5); :mod:`dashgrn.network`
ranks and exports from there."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from ._ode import PhoenixODE


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
