"""Inputs in memory or on disk -> dashgrn's tables, through the same checks as the file readers.

The Python API takes what the command line takes: a path is read with :func:`read_expression`
/ :func:`read_prior`, and a prior DataFrame's columns are found by the names a prior file's
header may use (decoupler's ``source, target, weight`` or ``mor``, ``TF``/``gene``...).
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from .._errors import ConfigError
from ..tables import ExpressionData, PriorNetwork
from .expression import expression_from_anndata, expression_from_frame, read_expression
from .prior import prior_from_frame, read_prior


def as_expression(data: Any, *, time_key: str = "time", trajectory_key: str = "trajectory",
                  layer: str | None = None, drop_nan: bool = False, snapshot: bool = False,
                  transpose: bool = False, genes_file: str | os.PathLike[str] | None = None,
                  require_time: bool = True) -> ExpressionData:
    """:class:`ExpressionData` from itself, an AnnData, a DataFrame or a file path (see
    :func:`read_expression` for the options; ``transpose`` and ``genes_file`` apply to files)."""
    if isinstance(data, ExpressionData):
        return data
    opts = {"time_key": time_key, "trajectory_key": trajectory_key, "drop_nan": drop_nan, "snapshot": snapshot,
            "require_time": require_time}
    if isinstance(data, (str, os.PathLike)):
        return read_expression(data, layer=layer, transpose=transpose, genes_file=genes_file, **opts)
    if isinstance(data, pd.DataFrame):
        return expression_from_frame(data, **opts)
    if type(data).__name__ == "AnnData":
        return expression_from_anndata(data, layer=layer, **opts)
    msg = f"expression must be ExpressionData, AnnData, a DataFrame or a file path, not {type(data).__name__}"
    raise ConfigError(msg, hint="pass the expression as one of those, e.g. dashgrn.infer('expression.csv', ...)")


def as_prior(prior: Any) -> PriorNetwork | None:
    """:class:`PriorNetwork` from itself, a DataFrame (the column names of :func:`read_prior`)
    or a file path; ``None`` stays ``None``."""
    if prior is None or isinstance(prior, PriorNetwork):
        return prior
    if isinstance(prior, (str, os.PathLike)):
        return read_prior(prior)
    if isinstance(prior, pd.DataFrame):
        return prior_from_frame(prior)
    msg = f"prior must be a PriorNetwork, a DataFrame or a file path, not {type(prior).__name__}"
    raise ConfigError(msg, hint="pass the prior as one of those, e.g. a decoupler DataFrame (source, target, weight)")
