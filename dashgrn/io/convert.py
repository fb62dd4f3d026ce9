"""Inputs already in memory -> dashgrn's tables, through the same checks as the file readers."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._errors import ConfigError
from ..tables import ExpressionData, PriorNetwork
from .expression import expression_from_anndata, expression_from_frame
from .prior import prior_from_frame


def as_expression(data: Any, *, time_key: str = "time", trajectory_key: str = "trajectory",
                  layer: str | None = None, drop_nan: bool = False, snapshot: bool = False) -> ExpressionData:
    """:class:`ExpressionData` from itself, an AnnData or a DataFrame (see :func:`read_expression`
    for the options)."""
    if isinstance(data, ExpressionData):
        return data
    opts = {"time_key": time_key, "trajectory_key": trajectory_key, "drop_nan": drop_nan, "snapshot": snapshot}
    if isinstance(data, pd.DataFrame):
        return expression_from_frame(data, **opts)
    if type(data).__name__ == "AnnData":
        return expression_from_anndata(data, layer=layer, **opts)
    msg = f"expression must be ExpressionData, AnnData or a DataFrame, not {type(data).__name__}"
    raise ConfigError(msg)


def as_prior(prior: Any) -> PriorNetwork | None:
    """:class:`PriorNetwork` from itself or a DataFrame; ``None`` stays ``None``."""
    if prior is None or isinstance(prior, PriorNetwork):
        return prior
    if isinstance(prior, pd.DataFrame):
        return prior_from_frame(prior)
    msg = f"prior must be a PriorNetwork or a DataFrame, not {type(prior).__name__}"
    raise ConfigError(msg)
