"""Readers of expression data and prior networks (pandas and anndata; never torch).

* :func:`read_expression`: CSV/TSV(.gz), ``.h5ad`` or a PHOENIX 'dim,ntraj' CSV
  -> :class:`~dashgrn.tables.ExpressionData`;
* :func:`check_trajectories`: every time course has two or more distinct times;
* :func:`read_prior`: edge lists, TF-to-targets tables, GMT, matrices
  -> :class:`~dashgrn.tables.PriorNetwork`.
"""

from __future__ import annotations

from ._text import read_gene_list
from .expression import check_trajectories, expression_from_anndata, expression_from_frame, read_expression
from .prior import prior_from_frame, read_prior

__all__ = [
    "check_trajectories",
    "expression_from_anndata",
    "expression_from_frame",
    "prior_from_frame",
    "read_expression",
    "read_gene_list",
    "read_prior",
]
