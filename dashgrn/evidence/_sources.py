"""Models of the data other than the neural ODE, each as a regulator x target score matrix.

Every matrix is ``(N, N)`` with ``[i, j]`` = the evidence that gene i regulates gene j.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp

from ..data import PairArrays, make_pairs
from ..tables import ExpressionData

T = TypeVar("T")

__all__ = ["Source", "linear_dynamics", "linear_ode_matrix", "prior_regulators", "spearman_matrix", "tree_dynamics",
           "tree_levels"]

#: Ridge penalties searched (per target, efficient leave-one-out CV).
ALPHAS = np.logspace(-3, 4, 15)
#: At most this many training pairs fit the linear model (a random subset): it then costs the
#: same on 22,000 pairs as on 5,000.
MAX_PAIRS = 5000
#: Each tree of a forest sees at most this many samples (a bootstrap sample per tree beyond it) ...
MAX_TREE_SAMPLES = 1000
#: ... and a forest has ``n_trees`` trees for up to this many genes, fewer beyond (at least
#: :data:`MIN_TREES`), so that the forests' cost grows no faster than the number of genes.
TREE_GENES = 100
MIN_TREES = 50


def forest_size(n_trees: int, n_genes: int) -> int:
    """Trees per forest for ``n_genes`` genes: ``n_trees`` up to :data:`TREE_GENES` genes, then
    ``n_trees * TREE_GENES / n_genes`` (at least :data:`MIN_TREES`)."""
    return max(MIN_TREES, min(n_trees, n_trees * TREE_GENES // max(n_genes, 1)))


@dataclass
class Source:
    """One model's scores and, for a model of the dynamics, its held-out error.

    ``val_errors``: each validation pair's mean squared error (over genes) of the
    one-interval prediction of ``y1``; ``val_mse`` their mean (NaN without validation pairs).
    """

    scores: np.ndarray
    val_errors: np.ndarray

    @property
    def val_mse(self) -> float:
        return float(self.val_errors.mean()) if self.val_errors.size else float("nan")


def spearman_matrix(expr: ExpressionData | np.ndarray) -> np.ndarray:
    """Signed Spearman correlation between genes over all samples (an expression or a samples x
    genes array), (N, N); NaN -> 0."""
    from scipy.stats import rankdata

    X = expr.dense() if isinstance(expr, ExpressionData) else np.asarray(expr, dtype=np.float64)
    R = np.apply_along_axis(rankdata, 0, X)
    R = R - R.mean(axis=0)
    sd = np.sqrt((R**2).sum(axis=0))
    sd[sd == 0] = np.inf  # constant genes correlate with nothing
    Z = R / sd
    return Z.T @ Z


def linear_ode_matrix(expr: ExpressionData, *, alphas: np.ndarray | None = None) -> np.ndarray:
    """Ridge coefficients of dx_j/dt on the mid-point expression of all genes, as (regulator, target).

    Features are standardised; the ridge penalty is chosen per target by efficient
    leave-one-out cross-validation (scikit-learn ``RidgeCV``).
    """
    from sklearn.linear_model import RidgeCV

    pa = make_pairs(expr, scale="none")
    mid = (pa.y0 + pa.y1) / 2
    deriv = (pa.y1 - pa.y0) / pa.dt[:, None]
    sd = mid.std(axis=0)
    sd[sd == 0] = 1.0
    Xs = (mid - mid.mean(axis=0)) / sd
    model = RidgeCV(alphas=alphas if alphas is not None else ALPHAS, alpha_per_target=True)
    model.fit(Xs, deriv)
    return np.asarray(model.coef_).T / sd[:, None]  # [i, j]: regulator i -> target j


def _derivative(pa: PairArrays) -> np.ndarray:
    return (pa.y1 - pa.y0) / pa.dt[:, None]


def _val_errors(pred_deriv: np.ndarray, pa: PairArrays, val: np.ndarray) -> np.ndarray:
    """Each pair's error (mean over genes) of the Euler prediction y0 + dt * f(y0) on the pairs ``val``."""
    if val.size == 0:
        return np.zeros(0)
    pred = pa.y0[val] + pa.dt[val, None] * pred_deriv
    return ((pred - pa.y1[val]) ** 2).mean(axis=1)


def linear_dynamics(pa: PairArrays, train: np.ndarray, val: np.ndarray) -> Source:
    """dx/dt = A^T x + b fitted by ridge regression on the training pairs (one penalty per target,
    leave-one-out CV); scores ``A`` (signed), error of its Euler step on ``val``."""
    from sklearn.linear_model import RidgeCV

    if train.size > MAX_PAIRS:
        train = np.sort(np.random.default_rng(0).choice(train, MAX_PAIRS, replace=False))
    X, dX = pa.y0[train], _derivative(pa)[train]
    model = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, dX)
    A = np.asarray(model.coef_, dtype=np.float64).T.copy()
    np.fill_diagonal(A, 0.0)
    return Source(A, _val_errors(model.predict(pa.y0[val]), pa, val) if val.size else np.zeros(0))


def _forest(n_trees: int, seed: int, n_samples: int):  # noqa: ANN202 - a scikit-learn estimator
    from sklearn.ensemble import ExtraTreesRegressor

    big = n_samples > MAX_TREE_SAMPLES  # then each tree sees a bootstrap sample of MAX_TREE_SAMPLES
    return ExtraTreesRegressor(n_estimators=n_trees, max_features="sqrt", random_state=seed, n_jobs=1,
                               bootstrap=big, max_samples=MAX_TREE_SAMPLES if big else None)


def _per_target(fit: Callable[[int], T], n: int, threads: int) -> list[T]:
    """``[fit(0), ..., fit(n - 1)]``, ``threads`` targets at a time (threads: scikit-learn's tree
    building releases the GIL). Each target's forest has its own seed, so the result is the same
    for any ``threads``."""
    if threads <= 1 or n < 2:
        return [fit(j) for j in range(n)]
    with ThreadPoolExecutor(max_workers=min(threads, n), thread_name_prefix="dashgrn-trees") as pool:
        return list(pool.map(fit, range(n)))


def tree_dynamics(pa: PairArrays, train: np.ndarray, val: np.ndarray, *, n_trees: int = 300, seed: int = 0,
                  threads: int = 1) -> Source:
    """dynGENIE3-style: per target j, extremely randomised trees predict dx_j/dt from x(t) (every
    gene, j itself included, so that its own decay is explained by itself); the score of i -> j
    is i's importance (mean decrease of impurity, summing to 1 per target; the diagonal zeroed).
    Fitted on the training pairs; error of the Euler step on ``val``. Forest size and samples
    per tree: :func:`forest_size`, :data:`MAX_TREE_SAMPLES`; ``threads`` targets are fitted at once."""
    n = pa.y0.shape[1]
    n_trees = forest_size(n_trees, n)
    X, dX = pa.y0[train], _derivative(pa)[train]
    Xv = pa.y0[val]

    def fit(j: int) -> tuple[np.ndarray, np.ndarray]:
        forest = _forest(n_trees, seed + j, X.shape[0]).fit(X, dX[:, j])
        return forest.feature_importances_, forest.predict(Xv) if val.size else np.zeros(0)

    fits = _per_target(fit, n, threads)
    W = np.column_stack([f[0] for f in fits])
    pred = np.column_stack([f[1] for f in fits]) if val.size else np.zeros((0, n))
    np.fill_diagonal(W, 0.0)
    return Source(W, _val_errors(pred, pa, val))


def tree_levels(X: np.ndarray, *, n_trees: int = 300, seed: int = 0, threads: int = 1) -> np.ndarray:
    """GENIE3-style: per target j, extremely randomised trees predict x_j from every other gene
    over all samples; the score of i -> j is i's importance (summing to 1 per target);
    ``threads`` targets are fitted at once."""
    n = X.shape[1]
    n_trees = forest_size(n_trees, n)

    def fit(j: int) -> np.ndarray:
        others = np.flatnonzero(np.arange(n) != j)
        return _forest(n_trees, seed + j, X.shape[0]).fit(X[:, others], X[:, j]).feature_importances_

    W = np.zeros((n, n))
    for j, imp in enumerate(_per_target(fit, n, threads)):
        W[np.arange(n) != j, j] = imp
    return W


def prior_regulators(prior: np.ndarray | sp.spmatrix) -> np.ndarray:
    """How many *other* targets the prior gives each pair's regulator: ``[i, j]`` = the number of
    prior edges i -> k with k != j (regulator x target, (N, N), 0 on the diagonal).

    A gene that the prior lists as the regulator of many genes is likely a regulator (a
    transcription factor), and one it lists once or never likely is not: this is the evidence
    that GENIE3 and GRNBoost2 take as a list of candidate regulators, read from the prior's
    other edges (so that a prior edge does not vouch for itself).
    """
    P = (sp.csr_matrix(prior) != 0).astype(np.float64).toarray()
    out = P.sum(axis=1, keepdims=True) - P
    np.fill_diagonal(out, 0.0)
    return out
