"""The prior's matrices and DASH's best-guess terms (SPEC 3.3), shared by the prior-based strategies."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class PriorMatrices:
    """|P| (sparse, N x N, regulator x target) and the co-regulation / PPI matrix Pi.

    ``ppi`` is None when Pi = |P||P|^T / sum(|P||P|^T) (never formed densely);
    otherwise a sparse N x N matrix already normalised to sum 1.
    """

    abs_prior: sp.csr_matrix
    ppi: sp.csr_matrix | None = None

    def pi_right(self, S: np.ndarray) -> np.ndarray:
        """S @ Pi for S of shape (H, N), without forming Pi when it is derived from |P|."""
        if self.ppi is not None:
            return np.asarray((self.ppi.T @ S.T).T)
        A = self.abs_prior
        colsum = np.asarray(A.sum(axis=0)).ravel()
        total = float(np.sum(colsum**2))  # sum of |P||P|^T
        if total == 0:
            return np.zeros_like(S)
        SA = np.asarray((A.T @ S.T).T)  # S |P|        (H, N)
        return np.asarray((A @ SA.T).T) / total  # S |P| |P|^T (H, N)

    def prior_t_right(self, M: np.ndarray) -> np.ndarray:
        """|P|^T @ M for M of shape (N, H)."""
        return np.asarray(self.abs_prior.T @ M)


def _gram_pinv(S: np.ndarray) -> np.ndarray:
    """(S S^T)^+ for S of shape (H, N), by pseudo-inverse (no explicit inverse)."""
    return np.linalg.pinv(S @ S.T, hermitian=True)


def dash_input_term(S: np.ndarray, pm: PriorMatrices) -> np.ndarray:
    """X = (S S^T)^+ S Pi, shape (H, N): least squares of S^T X ~ Pi (SPEC 3.3)."""
    return _gram_pinv(S) @ pm.pi_right(S)


def dash_output_term(S: np.ndarray, pm: PriorMatrices) -> np.ndarray:
    """Y = |P|^T S^T (S S^T)^+, shape (N, H): least squares of Y S ~ |P|^T (SPEC 3.3)."""
    return pm.prior_t_right(S.T) @ _gram_pinv(S)
