"""Which evidence ranks the pairs: the neural model alone, or a crowd of models.

The rule (``--evidence auto``, the default)
    1. Every model is scored by its *skill* on the validation pairs: 1 - MSE / MSE of "no
       change" (y1 = y0). 1 is a perfect prediction, 0 no better than no change, < 0 worse.
       The neural model's skill is the mean over the ensemble members, each on its own
       validation pairs; the linear model of the dynamics (:func:`~._sources.linear_dynamics`)
       is fitted on member 1's training pairs and scored on its validation pairs.
    2. When the neural model is clearly better than no change and the linear model is not
       clearly better than the neural model, on member 1's validation pairs, the model's
       effects rank the pairs alone (``model``). "A is clearly better than B": the mean of the
       pairs' error differences (B - A) is more than two standard errors above 0, over at
       least :data:`MIN_PAIRS` pairs (fewer cannot show it); the members' mean skill must be
       above 0 too. A near tie
       with the linear model keeps the model (a few validation pairs cannot tell them apart);
       a near tie with no change does not (a model that cannot be told from no change has not
       shown that it learned the dynamics). That is decided before any other model is fitted.
    3. Otherwise the pairs are ranked by a *crowd*: the mean of the rank scores of
       GENIE3-style trees on the levels (always, and on the cells for single-cell snapshots;
       they model co-expression, which has no held-out prediction to check) and of every
       dynamics model whose skill is above 0 (the dynGENIE3-style trees, the linear model,
       the neural model). With a prior, the ranking (:func:`crowd_with_prior`) then gives the
       prior's own evidence of who regulates a third of the weight: how many other targets
       the prior gives each pair's regulator (:func:`~._sources.prior_regulators`).

Without validation pairs, ``auto`` keeps the model (there is nothing to compare it on).
``--evidence crowd`` asks for the crowd, ``--evidence model`` for the model alone.
A crowd score is a rank average in (0, 1]; its sign is the sign of the Spearman
correlation of the two genes (trees have no sign).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._log import get_logger
from ..config import EVIDENCE
from ..data import PairArrays
from ..tables import ExpressionData
from ._sources import linear_dynamics, prior_regulators, spearman_matrix, tree_dynamics, tree_levels

__all__ = ["EVIDENCE", "PRIOR_WEIGHT", "Evidence", "choose_evidence", "clearly_better", "crowd_scores", "crowd_with_prior",
           "rank_scores", "skill"]

log = get_logger(__name__)


@dataclass
class Evidence:
    """The evidence that ranked the pairs, and why (``run.json``: ``summary.evidence``).

    ``scores`` is the signed crowd score matrix (regulator x target) in crowd mode, else None.
    """

    mode: str
    reason: str
    skills: dict[str, float | None] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    scores: np.ndarray | None = None

    def record(self) -> dict[str, Any]:
        """A JSON-ready summary (no matrix)."""
        return {"mode": self.mode, "reason": self.reason, "sources": list(self.sources),
                "skills": {k: (None if v is None or not math.isfinite(v) else round(float(v), 6))
                           for k, v in self.skills.items()}}


def skill(mse: float, baseline_mse: float) -> float:
    """1 - ``mse`` / ``baseline_mse`` (NaN when either is missing or the baseline is 0)."""
    if not (math.isfinite(mse) and math.isfinite(baseline_mse)) or baseline_mse <= 0:
        return float("nan")
    return 1.0 - mse / baseline_mse


def rank_scores(M: np.ndarray) -> np.ndarray:
    """|M|'s off-diagonal entries as ranks scaled to (0, 1] (ties share their mean rank); 0 on the diagonal."""
    from scipy.stats import rankdata

    n = M.shape[0]
    off = ~np.eye(n, dtype=bool)
    out = np.zeros((n, n))
    if off.any():
        out[off] = rankdata(np.abs(M[off])) / off.sum()
    return out


def crowd_scores(mats: list[np.ndarray], sign: np.ndarray) -> np.ndarray:
    """The mean rank score of ``mats`` with the sign of ``sign`` (+ where it is 0)."""
    mean = sum(rank_scores(m) for m in mats) / len(mats)
    return np.where(sign < 0, -mean, mean)


#: The share of a crowd score that the prior's regulators (:func:`~._sources.prior_regulators`)
#: take when a prior is given: one member's share of a crowd of two (the trees on the levels and
#: on the dynamics, the crowd of most runs that need one), the data's crowd keeping the rest.
PRIOR_WEIGHT = 1.0 / 3.0


def crowd_with_prior(scores: np.ndarray, prior: np.ndarray | sp.spmatrix) -> np.ndarray:
    """A crowd score with the prior's evidence of who regulates: ``(1 - w) |scores| + w r`` with
    the sign of ``scores``, where ``w`` is :data:`PRIOR_WEIGHT` and ``r`` the rank scores of
    :func:`~._sources.prior_regulators` (the number of other prior targets of each pair's
    regulator). The crowd of the data (``scores``) is kept without the prior, so that a run can be
    re-ranked with another prior (``dashgrn export --prior``); a prior without edges changes
    nothing."""
    if sp.csr_matrix(prior).nnz == 0:
        return scores
    mixed = (1.0 - PRIOR_WEIGHT) * np.abs(scores) + PRIOR_WEIGHT * rank_scores(prior_regulators(prior))
    return np.where(scores < 0, -mixed, mixed)


#: Fewer validation pairs than this cannot show that one model is clearly better than another
#: (a standard error from 3 pairs is no estimate at all).
MIN_PAIRS = 10


def clearly_better(errors: np.ndarray, other: np.ndarray) -> bool:
    """Whether ``other`` has clearly lower errors than ``errors`` on the same pairs: the mean of
    ``errors - other`` is more than two standard errors above 0 (always False for fewer than
    :data:`MIN_PAIRS` pairs)."""
    d = np.asarray(errors, dtype=np.float64) - np.asarray(other, dtype=np.float64)
    if d.size < MIN_PAIRS:
        return False
    se = float(d.std(ddof=1)) / math.sqrt(d.size)
    return float(d.mean()) > 2.0 * se


def _no_change_errors(pa: PairArrays, val: np.ndarray) -> np.ndarray:
    """Each pair's error (mean over genes) of "no change" (y1 = y0) on the pairs ``val``."""
    return ((pa.y1[val] - pa.y0[val]) ** 2).mean(axis=1)


def _mse(errors: np.ndarray) -> float:
    return float(errors.mean()) if errors.size else float("nan")


def _finite_mean(values: list[float]) -> float:
    ok = [v for v in values if math.isfinite(v)]
    return float(np.mean(ok)) if ok else float("nan")


def choose_evidence(
    mode: str,
    expr: ExpressionData,
    pa: PairArrays,
    splits: list[tuple[np.ndarray, np.ndarray]],
    model_val_mse: list[float],
    model_pair_errors: np.ndarray,
    model_scores: Callable[[], np.ndarray],
    *,
    n_trees: int = 300,
    seed: int = 0,
    threads: int = 1,
    levels: np.ndarray | None = None,
    has_prior: bool = False,
) -> Evidence:
    """Apply the rule of the module docstring.

    ``splits`` are the members' (train, validation) pair indices into ``pa`` and
    ``model_val_mse`` their best validation errors; ``model_pair_errors`` member 1's error on
    each of its validation pairs (mean over genes); ``model_scores()`` gives the model's
    regulator x target scores (called only when the crowd includes the model). ``levels``: the
    samples x genes values the tree model of the levels and the signs read (default: ``expr``'s;
    for single-cell snapshots, the cells rather than their pseudotime bins). ``has_prior``: the
    ranking will add the prior's regulators to the crowd (:func:`crowd_with_prior`): recorded in
    ``sources`` as ``prior-regulators``; ``scores`` stay those of the data alone.
    """
    if mode not in EVIDENCE:
        msg = f"unknown evidence mode {mode!r}"
        raise ValueError(msg)
    if mode == "model":
        return Evidence("model", "--evidence model", sources=["model"])
    train, val = splits[0]
    has_val = val.size > 0
    model_skill = _finite_mean([skill(m, _mse(_no_change_errors(pa, v))) for m, (_, v) in zip(model_val_mse, splits)])
    skills: dict[str, float] = {"model": model_skill}
    if not has_val and mode == "auto":
        return Evidence("model", "no validation pairs: the model's fit cannot be compared", skills, ["model"])
    linear = linear_dynamics(pa, train, val)
    no_change = _no_change_errors(pa, val)
    base = _mse(no_change)
    skills["linear"] = skill(linear.val_mse, base)
    linear_better = clearly_better(model_pair_errors, linear.val_errors)
    beats_no_change = clearly_better(no_change, model_pair_errors)
    if mode == "auto" and beats_no_change and model_skill > 0 and not linear_better:
        reason = (f"the model predicts the validation pairs clearly better than no change (skill {model_skill:.3f}) "
                  f"and a linear model of the dynamics is not clearly better ({skills['linear']:.3f})")
        return Evidence("model", reason, skills, ["model"])
    trees = tree_dynamics(pa, train, val, n_trees=n_trees, seed=seed, threads=threads)
    skills["trees"] = skill(trees.val_mse, base)
    values = expr.dense() if levels is None else levels
    mats, sources = [tree_levels(values, n_trees=n_trees, seed=seed, threads=threads)], ["levels"]
    for name, get in (("trees", lambda: trees.scores), ("linear", lambda: linear.scores), ("model", model_scores)):
        if skills[name] > 0 or (not has_val and name == "trees"):  # NaN (no validation pairs) is not > 0
            mats.append(get())
            sources.append(name)
    if mode == "crowd":
        reason = "--evidence crowd"
    else:
        reason = (f"the model is not clearly better than no change on the validation pairs (skill "
                  f"{model_skill:.3f}), or a linear model of the dynamics is clearly better ({skills['linear']:.3f})")
    scores = crowd_scores(mats, spearman_matrix(values))
    if has_prior:
        sources.append("prior-regulators")
    log.info("ranking evidence: a crowd of %s (%s)", ", ".join(sources), reason)
    return Evidence("crowd", reason, skills, sources, scores)
