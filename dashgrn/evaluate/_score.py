"""Scoring: one network (:func:`score_network`) or several plus baselines on one universe
(:func:`score_networks`, :class:`Evaluation`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError
from .._json import jsonable
from ..io.truth import Truth
from ._baselines import prior_prediction, random_baseline
from ._metrics import METRICS
from ._rows import RANK_BY, Rows, prepare_rows
from ._significance import CI_METRICS, PVALUES, ap_pvalue, auroc_pvalue, bootstrap_intervals
from ._universe import Universe, build_universe

#: One line per column of the scores table: the :data:`METRICS`, the :data:`PVALUES`
#: and ``n_outside_universe``.
METRIC_DEFINITIONS: dict[str, str] = {
    **{name: METRICS.get(name).definition for name in METRICS},
    "auroc_pvalue": "one-sided Mann-Whitney p-value (normal approximation, tie-corrected) for AUROC > 0.5",
    "average_precision_pvalue": "one-sided permutation p-value (true-edge labels permuted over the universe, seeded)",
    "n_outside_universe": "distinct predicted pairs outside the universe (ignored), self-loops included",
}


def _curves(rows: Rows, rank_by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The PR and ROC curves (sklearn); under ``raw`` the missing pairs' threshold reads -inf."""
    from sklearn.metrics import precision_recall_curve, roc_curve

    prec, rec, thr = precision_recall_curve(rows.label, rows.score, sample_weight=rows.weight)
    thr = np.append(thr, np.nan)
    fpr, tpr, rthr = roc_curve(rows.label, rows.score, sample_weight=rows.weight)
    if rank_by == "raw":
        thr = np.where(thr == rows.missing_score, -np.inf, thr)
        rthr = np.where(rthr == rows.missing_score, -np.inf, rthr)
    pr = pd.DataFrame({"recall": rec, "precision": prec, "threshold": thr})
    roc = pd.DataFrame({"fpr": fpr, "tpr": tpr, "threshold": rthr})
    return pr, roc



@dataclass
class NetworkScore:
    """The scores of one predicted network.

    Attributes
    ----------
    name
        Method name (a table row).
    source
        Where the prediction came from.
    metrics
        Metric name -> value: :data:`METRICS`, :data:`PVALUES`, ``n_outside_universe``
        and, with a bootstrap, ``<metric>_ci_low`` / ``<metric>_ci_high`` for
        :data:`CI_METRICS`. NaN where a metric is undefined (e.g. signed EPR for an
        unsigned truth).
    pr_curve
        ``recall, precision, threshold`` (sklearn ``precision_recall_curve``).
    roc_curve
        ``fpr, tpr, threshold`` (sklearn ``roc_curve``).
    universe
        The pairs that were scored.
    """

    name: str
    source: str
    metrics: dict[str, float]
    pr_curve: pd.DataFrame
    roc_curve: pd.DataFrame
    universe: Universe


def _check_options(rank_by: str, top_k: int | None, bootstrap: int, n_permutations: int) -> None:
    if rank_by not in RANK_BY:
        msg = f"unknown rank_by {rank_by!r}"
        raise ConfigError(msg, hint=f"choose one of: {', '.join(RANK_BY)}")
    if top_k is not None and top_k < 1:
        msg = f"top_k must be at least 1 (got {top_k})"
        raise ConfigError(msg, hint="leave --top-k out to use every non-zero edge")
    if bootstrap < 0:
        msg = f"bootstrap must be >= 0 (got {bootstrap})"
        raise ConfigError(msg, hint="use 0 for no bootstrap")
    if n_permutations < 0:
        msg = f"n_permutations must be >= 0 (got {n_permutations})"
        raise ConfigError(msg, hint="use 0 to skip the permutation p-value")


def _score_on(
    prediction: pd.DataFrame,
    uni: Universe,
    *,
    name: str,
    rank_by: str,
    top_k: int | None,
    bootstrap: int,
    seed: int,
    n_permutations: int,
) -> NetworkScore:
    source = str(prediction.attrs.get("source", name)) if isinstance(prediction, pd.DataFrame) else name
    rows = prepare_rows(prediction, uni, rank_by=rank_by, top_k=top_k, source=source)
    metrics: dict[str, float] = {}
    for key in METRICS:
        metrics[key] = METRICS.get(key).compute(rows, uni, metrics)
    metrics["auroc_pvalue"] = auroc_pvalue(rows.score, rows.label, rows.weight, metrics["auroc"])
    rng_perm = np.random.default_rng([seed, 0])
    metrics["average_precision_pvalue"] = ap_pvalue(rows, metrics["average_precision"], n_permutations, rng_perm)
    metrics["n_outside_universe"] = rows.n_outside
    if bootstrap:
        metrics.update(bootstrap_intervals(rows, uni, bootstrap, np.random.default_rng([seed, 1])))
    pr, roc = _curves(rows, rank_by)
    return NetworkScore(name=name, source=source, metrics=metrics, pr_curve=pr, roc_curve=roc, universe=uni)


def score_network(
    prediction: pd.DataFrame,
    truth: Truth | pd.DataFrame,
    *,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
    rank_by: str = "abs",
    top_k: int | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    n_permutations: int = 1000,
    name: str = "prediction",
) -> NetworkScore:
    """Score one predicted network against a gold standard.

    Parameters
    ----------
    prediction
        An edge table ``regulator, target, weight[, sign]`` (as returned by
        :func:`~dashgrn.io.read_prediction`, or any table with those columns
        or their aliases; without ``weight`` every edge weighs 1).
    truth
        A :class:`~dashgrn.io.Truth` or a table ``regulator, target[, sign][, label]``.
    universe
        ``beeline`` (pairs of distinct truth genes), ``tf`` (truth regulators x truth
        genes) or ``genes`` (pairs of distinct genes of ``genes``).
    genes
        Gene list for ``universe="genes"``.
    rank_by
        ``abs`` ranks by ``|weight|``; ``raw`` by the weight itself.
    top_k
        Use the ``top_k`` highest-scoring pairs as the predicted edge set (ties
        broken by regulator, then target) instead of every non-zero score.
    bootstrap
        Number of bootstrap resamples for 95% intervals (0 = none).
    seed
        Seed of the permutation test and the bootstrap.
    n_permutations
        Permutations for the average-precision p-value (0 = skip).
    name
        Name of the method in tables.

    Returns
    -------
    NetworkScore
        ``.metrics`` holds the numbers (see :data:`METRIC_DEFINITIONS`).

    Raises
    ------
    InputError
        Malformed prediction or truth, no shared gene, no true edge in the universe.
    ConfigError
        Invalid options.
    """
    _check_options(rank_by, top_k, bootstrap, n_permutations)
    uni = build_universe(truth, universe=universe, genes=genes)
    return _score_on(
        prediction, uni, name=name, rank_by=rank_by, top_k=top_k, bootstrap=bootstrap,
        seed=seed, n_permutations=n_permutations,
    )



@dataclass
class Evaluation:
    """Several methods scored on one universe.

    Attributes
    ----------
    table
        One row per method: ``method``, the :data:`METRICS`, the :data:`PVALUES`,
        bootstrap interval columns (if any), ``n_outside_universe`` and ``source``.
    universe
        The pairs that were scored.
    scores
        The per-method :class:`NetworkScore` (baselines without curves excluded).
    settings
        The options used (``rank_by``, ``top_k``, ``bootstrap``, ``seed``, ...).
    """

    table: pd.DataFrame
    universe: Universe
    scores: list[NetworkScore]
    settings: dict[str, Any]

    def pr_curves(self) -> pd.DataFrame:
        """PR curves of every method (long: ``method, recall, precision, threshold``); random included."""
        parts = [s.pr_curve.assign(method=s.name) for s in self.scores]
        if "random" in set(self.table["method"]) and "random" not in {s.name for s in self.scores}:
            d = self.universe.density
            parts.append(pd.DataFrame({"recall": [0.0, 1.0], "precision": [d, d], "threshold": [np.nan, np.nan], "method": "random"}))
        out = pd.concat(parts, ignore_index=True)
        return out[["method", "recall", "precision", "threshold"]]

    def roc_curves(self) -> pd.DataFrame:
        """ROC curves of every method (long: ``method, fpr, tpr, threshold``); random included."""
        parts = [s.roc_curve.assign(method=s.name) for s in self.scores]
        if "random" in set(self.table["method"]) and "random" not in {s.name for s in self.scores}:
            parts.append(pd.DataFrame({"fpr": [0.0, 1.0], "tpr": [0.0, 1.0], "threshold": [np.nan, np.nan], "method": "random"}))
        out = pd.concat(parts, ignore_index=True)
        return out[["method", "fpr", "tpr", "threshold"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, the universe and one metrics object per method (NaN -> None)."""
        methods = []
        for rec in self.table.to_dict(orient="records"):
            methods.append(jsonable(rec))
        return {"universe": self.universe.to_dict(), "settings": dict(self.settings), "methods": methods}


def score_networks(
    predictions: Mapping[str, pd.DataFrame],
    truth: Truth | pd.DataFrame,
    *,
    prior: Any | None = None,
    random: bool = True,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
    rank_by: str = "abs",
    top_k: int | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    n_permutations: int = 1000,
) -> Evaluation:
    """Score several predicted networks, plus baselines, on one universe.

    Parameters
    ----------
    predictions
        Method name -> prediction table (first = the main one), as for
        :func:`score_network`.
    truth
        The gold standard.
    prior
        A prior network (:class:`~dashgrn.tables.PriorNetwork` or a table
        ``regulator, target[, sign][, weight]``); adds a ``prior-only`` row: prior
        edges ranked first by |weight|, every other pair tied at zero.
    random
        Add the analytic ``random`` row (see :func:`random_baseline`).
    universe, genes, rank_by, top_k, bootstrap, seed, n_permutations
        As for :func:`score_network`; shared by every method.

    Returns
    -------
    Evaluation
        ``.table`` has one row per method.
    """
    _check_options(rank_by, top_k, bootstrap, n_permutations)
    if not predictions:
        msg = "no prediction to score"
        raise ConfigError(msg, hint="give at least one prediction")
    uni = build_universe(truth, universe=universe, genes=genes)
    scores: list[NetworkScore] = []
    kw = {"rank_by": rank_by, "top_k": top_k, "bootstrap": bootstrap, "seed": seed, "n_permutations": n_permutations}
    for name, pred in predictions.items():
        scores.append(_score_on(pred, uni, name=name, **kw))  # type: ignore[arg-type]
    if prior is not None:
        scores.append(_score_on(prior_prediction(prior), uni, name="prior-only", **kw))  # type: ignore[arg-type]
    rows = []
    for s in scores:
        rows.append({"method": s.name, **s.metrics, "source": s.source})
    if random:
        rows.append({"method": "random", **random_baseline(uni, top_k=top_k), "source": "analytic"})
    cols = ["method", *METRICS, *PVALUES]
    if bootstrap:
        cols += [f"{k}_ci_{b}" for k in CI_METRICS for b in ("low", "high")]
    cols += ["n_outside_universe", "source"]
    table = pd.DataFrame(rows)
    for c in cols:
        if c not in table:
            table[c] = np.nan
    table = table[cols]
    table["n_edges"] = table["n_edges"].astype(np.int64)
    table["n_outside_universe"] = table["n_outside_universe"].astype(np.int64)
    return Evaluation(table=table, universe=uni, scores=scores, settings=dict(kw))
