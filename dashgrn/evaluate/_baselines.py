"""Baselines that any network should be compared with (no torch).

* ``random``: the analytic scores of a random predictor (:func:`random_baseline`).
* ``prior-only``: the prior's edges ranked first by |weight|, every other pair tied at
  zero (:func:`prior_prediction`).
* the controls (:data:`CONTROLS`, :func:`control_predictions`), computed from the
  expression data:

  * ``spearman``: |Spearman correlation| between two genes over all samples.
  * ``linear-ode``: per target gene, a cross-validated ridge regression of the finite-
    difference derivative (x(t_k+1) - x(t_k)) / dt on the mid-point expression of all genes;
    the score of regulator i -> target j is |coefficient|, its sign the coefficient's.
  * ``prior+X``: the prior's edges first, each group ordered by X.

  Each returns a prediction table ``regulator, target, weight, sign`` over every ordered pair
  of distinct genes, for :func:`dashgrn.evaluate.score_networks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..evidence import linear_ode_matrix, spearman_matrix
from ..io.prediction import normalize_prediction
from ..tables import ExpressionData, PriorNetwork
from ._metrics import METRICS
from ._significance import PVALUES

if TYPE_CHECKING:
    from ._universe import Universe

CONTROLS = ("spearman", "linear-ode")


def random_baseline(uni: Universe, *, top_k: int | None = None) -> dict[str, float]:
    """Analytic scores of a random predictor on ``uni``.

    AUROC 0.5; average precision, trapezoid AUPRC and early precision equal the
    density (so every ratio is 1); a random predicted set of ``top_k`` pairs (default:
    as many as there are true edges) has precision = density, recall =
    size / pairs and balanced accuracy 0.5; a random sign is right half the time.
    Each value is the ``random`` rule of its :class:`~dashgrn.evaluate.Metric`.
    """
    n_sel = top_k if top_k is not None else uni.n_positive
    n_sel = min(n_sel, uni.n_pairs)
    out: dict[str, float] = {}
    for name in METRICS:
        out[name] = METRICS.get(name).random(uni, n_sel, out)
    out.update(dict.fromkeys(PVALUES, float("nan")))
    out["n_outside_universe"] = 0
    return out


def prior_prediction(prior: Any) -> pd.DataFrame:
    """The prior-only baseline as a prediction: prior edges scored by |weight|, the rest 0.

    Parameters
    ----------
    prior
        A :class:`~dashgrn.tables.PriorNetwork` (``.edges``: ``regulator, target, sign,
        weight``) or such a DataFrame.
    """
    edges = prior.edges if hasattr(prior, "edges") else prior
    source = str(getattr(prior, "source", edges.attrs.get("source", "<prior>")))
    table = normalize_prediction(edges, source=source)
    table["weight"] = table["weight"].abs()
    table.attrs["source"] = source
    return table


def _table(genes: list[str], signed: np.ndarray) -> pd.DataFrame:
    n = len(genes)
    r, c = np.nonzero(~np.eye(n, dtype=bool))
    g = np.asarray(genes, dtype=object)
    w = signed[r, c]
    return pd.DataFrame({"regulator": g[r], "target": g[c], "weight": np.abs(w), "sign": np.sign(w).astype(np.int8)})


def prior_first(scores: pd.DataFrame, prior: PriorNetwork) -> pd.DataFrame:
    """Rank the prior's edges first: weight = 1 + s for prior pairs and s < 1 for the rest,
    with s the control's weight scaled into [0, 0.999]."""
    out = scores.copy()
    top = float(out["weight"].max()) if len(out) else 0.0
    s = out["weight"] / top * 0.999 if top > 0 else out["weight"] * 0.0
    key = set(zip(prior.edges["regulator"].astype(str), prior.edges["target"].astype(str)))
    in_prior = np.fromiter(
        ((r, t) in key for r, t in zip(out["regulator"], out["target"])), dtype=bool, count=len(out)
    )
    out["weight"] = s + in_prior.astype(float)
    return out


def control_predictions(expr: ExpressionData, prior: PriorNetwork | None = None) -> dict[str, pd.DataFrame]:
    """Every control (and its prior-first version when ``prior`` is given), by name."""
    out = {
        "spearman": _table(expr.genes, spearman_matrix(expr)),
        "linear-ode": _table(expr.genes, linear_ode_matrix(expr)),
    }
    if prior is not None:
        for name in CONTROLS:
            out[f"prior+{name}"] = prior_first(out[name], prior)
    return out
