"""dashgrn's file I/O (pandas and anndata; never torch).

Readers of the inputs:

* :func:`read_expression`: CSV/TSV(.gz), ``.h5ad`` or a PHOENIX 'dim,ntraj' CSV
  -> :class:`~dashgrn.tables.ExpressionData`;
* :func:`check_trajectories`: every time course has two or more distinct times;
* :func:`read_prior`: edge lists, TF-to-targets tables, GMT, matrices
  -> :class:`~dashgrn.tables.PriorNetwork`;
* :func:`read_gene_list`: one gene name per line, or a ``gene`` column;
* :func:`as_expression`, :func:`as_prior`: AnnData, DataFrames and paths, with the same checks.

Readers of networks to score (``dashgrn evaluate``):

* :func:`read_prediction`: dashgrn, arboreto, BEELINE, PANDA edge lists or a matrix
  -> ``regulator, target, weight, sign``;
* :func:`read_truth`: BEELINE, TSV or DREAM gold standards -> :class:`Truth`.

dashgrn's own files:

* :func:`write_edges`, :func:`read_edges`, :func:`validate_edges`: ``edges.tsv``;
  :func:`write_graphml`: ``network.graphml``; :func:`write_ranking`: ``ranking.tsv.gz``;
* :func:`read_run_folder`: the files of an ``infer`` run folder -> :class:`RunFolder`
  (their names: :data:`dashgrn.io.rundir.FILES`).
"""

from __future__ import annotations

from .convert import as_expression, as_prior
from .edges import read_edges, validate_edges, write_edges, write_graphml, write_ranking
from .expression import check_trajectories, expression_from_anndata, expression_from_frame, read_expression
from .genes import read_gene_list
from .prediction import normalize_prediction, read_prediction
from .prior import prior_from_frame, read_prior
from .rundir import RunFolder, read_run_folder
from .truth import Truth, as_truth, read_truth

__all__ = [
    "RunFolder",
    "Truth",
    "as_expression",
    "as_prior",
    "as_truth",
    "check_trajectories",
    "expression_from_anndata",
    "expression_from_frame",
    "normalize_prediction",
    "prior_from_frame",
    "read_edges",
    "read_expression",
    "read_gene_list",
    "read_prediction",
    "read_prior",
    "read_run_folder",
    "read_truth",
    "validate_edges",
    "write_edges",
    "write_graphml",
    "write_ranking",
]
