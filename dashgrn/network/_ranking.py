"""From the effect matrix E (and a prior) to a ranking of every pair.

No torch and no file access: this is plain NumPy/SciPy on the extracted matrices.

Score
    Pairs are compared by their standardised effect ``z[i, j] = (|E[i, j]| - mean_j) / sd_j``,
    with the mean and standard deviation of |E| over all regulators of target j (zeros of
    a pruned model included). Each target's rate and scale differ; standardising within the
    target ranked the true edges better than |E| itself on the tuning network (README).

Ranking (``--ranking``)
    ``prior-first`` (the default when a prior is given): the prior's edges come first,
    each group ordered by z. ``effect``: every pair by z alone. The ``weight`` of a pair
    sorts the same way: with s = 0.01 + 0.99 (z - min z) / (max z - min z) in [0.01, 1],
    ``1 + s / 2`` for prior edges and ``s / 2`` for the others (prior-first), or ``s``
    (effect). ``effect`` keeps the signed E itself. Pairs with no effect that are not in the
    prior are not ranked (weight 0, after every ranked pair).

Crowd evidence (:mod:`dashgrn.evidence`)
    When the run ranked by a crowd of models (``scores``: a signed regulator x target
    matrix of rank averages in (0, 1]), every pair is listed, ``z`` is ``|score|`` and the
    ``sign`` is the score's; ``effect`` is still the model's mean E. With a prior, the score
    first takes in the prior's evidence of who regulates (:func:`dashgrn.evidence.crowd_with_prior`:
    a third of it is how many other targets the prior gives the pair's regulator).

The exported network is chosen from the ranking by :mod:`dashgrn.network._export`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._errors import ConfigError
from ..config import RANKINGS
from ..evidence import crowd_with_prior

__all__ = ["RANKINGS", "Ranking", "mean_effects", "rank_pairs", "resolve_ranking", "standardised_effects",
           "standardised_matrix"]


@dataclass
class Ranking:
    """Every listed pair, best first.

    ``row``/``col`` index the genes (regulator, target); pairs not listed (zero effect,
    not in the prior) all have weight 0 and come after the listed ones.
    """

    row: np.ndarray
    col: np.ndarray
    effect: np.ndarray
    in_prior: np.ndarray
    z: np.ndarray
    weight: np.ndarray
    mode: str
    sign: np.ndarray | None = None  # crowd evidence: the sign of its score (else the effect's)
    confidence: np.ndarray | None = None  # fraction of members exporting the pair (network._confidence)

    def __len__(self) -> int:
        return int(self.row.size)

    @property
    def evidence(self) -> str:
        """``crowd`` when crowd scores ranked the pairs (they carry their own sign), else ``model``."""
        return "model" if self.sign is None else "crowd"

    def table(self, genes: list[str] | np.ndarray, index: np.ndarray | None = None) -> pd.DataFrame:
        """The pairs ``index`` (all by default) as ``regulator, target, weight, sign, rank,
        effect, in_prior`` (and ``confidence`` when known); ``rank`` is the position in the whole
        ranking (1 = best)."""
        idx = np.arange(len(self)) if index is None else np.asarray(index)
        g = np.asarray(genes, dtype=object)
        extra = {} if self.confidence is None else {"confidence": self.confidence[idx]}
        return pd.DataFrame({
            "regulator": g[self.row[idx]], "target": g[self.col[idx]],
            "weight": self.weight[idx],
            "sign": np.sign(self.effect[idx] if self.sign is None else self.sign[idx]).astype(np.int8),
            "rank": idx.astype(np.int64) + 1, "effect": self.effect[idx],
            "in_prior": self.in_prior[idx].astype(np.int8), **extra,
        })


def resolve_ranking(mode: str, has_prior: bool) -> str:
    """``auto`` is ``prior-first`` with a prior and ``effect`` without one; ``prior-first``
    without a prior is a :class:`ConfigError`."""
    if mode == "auto":
        return "prior-first" if has_prior else "effect"
    if mode == "prior-first" and not has_prior:
        msg = "--ranking prior-first needs a prior network"
        raise ConfigError(msg, hint="give --prior FILE, or use --ranking effect / auto")
    return mode


def rank_pairs(E: sp.spmatrix | list[sp.spmatrix], genes: list[str], prior: sp.spmatrix | None,
               mode: str = "auto", scores: np.ndarray | None = None) -> Ranking:
    """Rank the pairs of ``E`` (regulator x target) that have a non-zero effect or are in ``prior``
    (see the module docstring). Ties are broken by regulator name, then target name, so the
    order is reproducible. A list of effect matrices (an ensemble) is ranked by the mean of
    their standardised effects, and ``effect`` is their mean E. ``scores`` (crowd evidence, see
    the module docstring) replace the standardised effects.
    """
    mats = [sp.csr_matrix(m, dtype=np.float64) for m in (E if isinstance(E, (list, tuple)) else [E])]
    E = mean_effects(mats)
    n = E.shape[0]
    mode = resolve_ranking(mode, prior is not None)
    if scores is not None:  # a crowd scores every pair
        listed = sp.csr_matrix(np.ones((n, n), dtype=np.int8))
    else:
        listed = sum(((m != 0).astype(np.int8) for m in mats[1:]), (mats[0] != 0).astype(np.int8))
        if prior is not None:
            listed = listed + (prior != 0).astype(np.int8)
    listed = sp.coo_matrix(listed)
    keep = listed.row != listed.col
    row, col = listed.row[keep].astype(np.int64), listed.col[keep].astype(np.int64)
    Ecsr = sp.csr_matrix(E)
    effect = np.asarray(Ecsr[row, col]).ravel().astype(np.float64) if row.size else np.zeros(0)
    if prior is not None and row.size:
        in_prior = np.asarray(sp.csr_matrix(prior)[row, col]).ravel() != 0
    else:
        in_prior = np.zeros(row.size, dtype=bool)
    if scores is None:
        z, sign = sum(standardised_effects(m, row, col) for m in mats) / len(mats), None
    else:
        if prior is not None:
            scores = crowd_with_prior(scores, prior)
        z, sign = np.abs(scores[row, col]).astype(np.float64), np.sign(scores[row, col])
    lo, hi = (float(z.min()), float(z.max())) if z.size else (0.0, 0.0)
    scaled = 0.01 + 0.99 * ((z - lo) / (hi - lo) if hi > lo else np.zeros_like(z))
    weight = in_prior + scaled / 2 if mode == "prior-first" else scaled
    # best first; ties by regulator then target name
    name_rank = np.empty(n, dtype=np.int64)
    name_rank[np.argsort(np.asarray(genes, dtype=str), kind="stable")] = np.arange(n)
    order = np.lexsort((name_rank[col], name_rank[row], -weight))
    return Ranking(row=row[order], col=col[order], effect=effect[order], in_prior=in_prior[order],
                   z=z[order], weight=weight[order], mode=mode, sign=None if sign is None else sign[order])


def mean_effects(E: sp.spmatrix | list[sp.spmatrix]) -> sp.csr_matrix:
    """The mean of an ensemble's effect matrices (the matrix itself for one)."""
    mats = [sp.csr_matrix(m, dtype=np.float64) for m in (E if isinstance(E, (list, tuple)) else [E])]
    return mats[0] if len(mats) == 1 else sum(mats[1:], mats[0]) / len(mats)


def standardised_effects(E: sp.csr_matrix, row: np.ndarray, col: np.ndarray) -> np.ndarray:
    """``(|E[row, col]| - mean) / sd`` with the mean and (population) SD of |E[:, col]| over the
    N - 1 regulators of that target (the diagonal left out, zeros counted); 0 where sd = 0."""
    n = E.shape[0]
    A = abs(sp.csr_matrix(E, dtype=np.float64))
    A.setdiag(0)
    A.eliminate_zeros()
    m = max(n - 1, 1)
    mean = np.asarray(A.sum(axis=0)).ravel() / m
    var = np.asarray(A.multiply(A).sum(axis=0)).ravel() / m - mean**2
    sd = np.sqrt(np.maximum(var, 0.0))
    vals = np.asarray(A[row, col]).ravel() if row.size else np.zeros(0)
    ok = sd[col] > 1e-12 * np.maximum(mean[col], 1e-300)
    out = np.zeros(row.size)
    out[ok] = (vals[ok] - mean[col][ok]) / sd[col][ok]
    return out


def standardised_matrix(E: sp.spmatrix | list[sp.spmatrix]) -> np.ndarray:
    """The mean standardised effect z of every pair as a dense regulator x target matrix (0 on the
    diagonal): the model's scores as :func:`rank_pairs` ranks them."""
    mats = [sp.csr_matrix(m, dtype=np.float64) for m in (E if isinstance(E, (list, tuple)) else [E])]
    n = mats[0].shape[0]
    row, col = (a.ravel() for a in np.nonzero(~np.eye(n, dtype=bool)))
    out = np.zeros((n, n))
    out[row, col] = sum(standardised_effects(m, row, col) for m in mats) / len(mats)
    return out
