"""Pruning strategies behind one interface (SPEC section 3).

Every strategy scores the four weight matrices of :class:`~dashgrn.model.PhoenixODE`
(W_p, W_s, C_s, C_p, in that order) and the schedule removes, per layer, a fraction of
the weights that are still unpruned, lowest scores first. Masks are cumulative and
never regrow.

* ``dash``: DASH scores, lambda * prior ("best-guess") term + (1 - lambda) * magnitude
  term, with the recursive state S (SPEC 3.3).
* ``imp``: magnitude scores only (lambda = 0).
* ``prior``: prior scores only (lambda = 1, "Bio Pruning").
* ``none``: no pruning (plain PHOENIX).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
import torch

from ._errors import ConfigError
from .model import PRUNABLE, PhoenixODE

STRATEGIES = ("dash", "imp", "prior", "none")


@dataclass(frozen=True)
class Schedule:
    """When and how much to prune (SPEC 3.4); epochs are 1-based.

    Prune ``first`` of the weights before epoch ``start``, then ``step`` of the remaining
    weights before every epoch ``e`` with ``e > start``, ``e % every == 0`` and ``e < epochs``.
    """

    start: int = 3
    first: float = 0.70
    step: float = 0.10
    every: int = 10

    def __post_init__(self) -> None:
        if self.start < 1 or self.every < 1:
            msg = f"pruning schedule: start ({self.start}) and every ({self.every}) must be >= 1"
            raise ConfigError(msg)
        for name, v in (("first", self.first), ("step", self.step)):
            if not 0.0 <= v < 1.0:
                msg = f"pruning schedule: --prune-{name} must be in [0, 1), got {v}"
                raise ConfigError(msg)

    def amount(self, epoch: int, epochs: int) -> float:
        """Fraction of the remaining weights to prune before ``epoch`` (0 if none)."""
        if epoch == self.start:
            return self.first
        if epoch > self.start and epoch % self.every == 0 and epoch < epochs:
            return self.step
        return 0.0

    def events(self, epochs: int) -> list[int]:
        return [e for e in range(1, epochs + 1) if self.amount(e, epochs) > 0]

    def final_density(self, epochs: int) -> float:
        """Fraction of each layer's weights left after the last event."""
        d = 1.0
        for e in self.events(epochs):
            d *= 1.0 - self.amount(e, epochs)
        return d


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


@dataclass
class Pruner:
    """Scores and prunes a :class:`PhoenixODE` at scheduled events.

    Attributes
    ----------
    strategy
        One of :data:`STRATEGIES`.
    schedule
        The :class:`Schedule`.
    lambda_ppi, lambda_motif
        DASH mixing weights for the input (W) and output (C) layers.
    normalized
        Normalise the prior terms |X| and |Y| to sum 1 before mixing (SPEC 3.3 variant).
    abs_exp_wp
        Score W_p by |W_p| instead of exp(W_p) (SPEC 7.4).
    prior_score
        ``spec``: the DASH best-guess terms X and Y with the recursive state S (SPEC 3.3).
        ``path``: prior path mass: an input weight W[k, i] scores by the prior edges
        i -> j that unit k can carry, sum_j |P[i, j]| |C[j, k]| rate_j, relative to the
        best unit of regulator i; an output weight C[j, k] by sum_i |W[k, i]| |P[i, j]|,
        relative to the best unit of target j.
    """

    strategy: str = "dash"
    schedule: Schedule = field(default_factory=Schedule)
    lambda_ppi: float = 0.05
    lambda_motif: float = 0.01
    normalized: bool = False
    abs_exp_wp: bool = False
    prior_score: str = "spec"
    prior: PriorMatrices | None = None
    state: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.strategy not in STRATEGIES:
            msg = f"unknown pruning strategy {self.strategy!r}; choose one of {', '.join(STRATEGIES)}"
            raise ConfigError(msg)
        if self.strategy == "imp":
            self.lambda_ppi = self.lambda_motif = 0.0
        elif self.strategy == "prior":
            self.lambda_ppi = self.lambda_motif = 1.0
        for name, v in (("lambda_ppi", self.lambda_ppi), ("lambda_motif", self.lambda_motif)):
            if not 0.0 <= v <= 1.0:
                msg = f"--{name.replace('_', '-')} must be in [0, 1], got {v}"
                raise ConfigError(msg)
        if self.prior_score not in ("spec", "path"):
            msg = f"unknown prior score {self.prior_score!r}; choose spec or path"
            raise ConfigError(msg)
        if self.uses_prior and self.prior is None:
            msg = f"pruning strategy {self.strategy!r} needs a prior network"
            raise ConfigError(msg, hint="give --prior, or use --pruning imp / none")

    @property
    def uses_prior(self) -> bool:
        return self.strategy in ("dash", "prior") and (self.lambda_ppi > 0 or self.lambda_motif > 0)

    @property
    def active(self) -> bool:
        return self.strategy != "none"

    def init_state(self, hidden: int, n_genes: int, rng: np.random.Generator) -> None:
        """Draw the initial S_s, S_p ~ U(0, 1)^{H x N} (SPEC 3.3), once before training."""
        self.state = {"s": rng.random((hidden, n_genes)), "p": rng.random((hidden, n_genes))}

    def amount(self, epoch: int, epochs: int) -> float:
        return self.schedule.amount(epoch, epochs) if self.active else 0.0

    def scores(self, model: PhoenixODE) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Scores for W_p, W_s, C_s, C_p (float64 arrays) and the prior/magnitude mass ratios.

        Updates the DASH state S as a side effect (S <- Omega of each input layer).
        """
        with torch.no_grad():
            W = {k: model.weight(k).detach().double().cpu().numpy() for k in PRUNABLE}
            rate = model.rate().detach().double().cpu().numpy()
        mag = magnitude_scores(W, rate, abs_exp_wp=self.abs_exp_wp)
        if not self.uses_prior:
            return mag, {}
        out: dict[str, np.ndarray] = {}
        ratio: dict[str, float] = {}
        pm = self.prior
        assert pm is not None  # guaranteed by __post_init__
        if self.prior_score == "path":
            return self._path_scores(W, rate, mag, pm)
        for name in PRUNABLE:
            branch = name[-1]  # 's' or 'p'
            S = self.state[branch]
            if name.startswith("W"):
                X = dash_input_term(S, pm)
                prior_term = np.abs(X)
                lam = self.lambda_ppi
            else:
                Y = dash_output_term(S, pm)
                prior_term = np.abs(Y)
                lam = self.lambda_motif
            if self.normalized:
                tot = prior_term.sum()
                prior_term = prior_term / tot if tot > 0 else prior_term
            omega = lam * prior_term + (1.0 - lam) * mag[name]
            denom = (1.0 - lam) * mag[name].sum()
            ratio[name] = float(lam * prior_term.sum() / denom) if denom > 0 else float("inf")
            if name.startswith("W"):
                self.state[branch] = omega
            out[name] = omega
        return out, ratio

    def _path_scores(self, W: dict[str, np.ndarray], rate: np.ndarray, mag: dict[str, np.ndarray],
                     pm: PriorMatrices) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        A = pm.abs_prior
        out: dict[str, np.ndarray] = {}
        for b in ("s", "p"):
            Wa = np.abs(W[f"W_{b}"])  # (H, N)
            Ca = np.abs(W[f"C_{b}"]) * rate[:, None]  # (N, H)
            w_term = np.asarray(A @ Ca).T  # (H, N): [k, i] = sum_j |P[i, j]| |C[j, k]|
            c_term = np.asarray((A.T @ Wa.T))  # (N, H): [j, k] = sum_i |P[i, j]| |W[k, i]|
            # per gene: a regulator's (column's) and a target's (row's) best units score 1,
            # so that genes with few or weak prior edges keep their strongest paths
            w_term = w_term / np.maximum(w_term.max(axis=0, keepdims=True), 1e-300)
            c_term = c_term / np.maximum(c_term.max(axis=1, keepdims=True), 1e-300)
            for name, term, lam in ((f"W_{b}", w_term, self.lambda_ppi), (f"C_{b}", c_term, self.lambda_motif)):
                tot = term.sum()
                term = term / tot if tot > 0 else term
                out[name] = lam * term + (1.0 - lam) * mag[name]
        return {k: out[k] for k in PRUNABLE}, {}

    def prune(self, model: PhoenixODE, fraction: float) -> dict[str, object]:
        """Prune ``fraction`` of each layer's remaining weights; return a log record."""
        scores, ratio = self.scores(model)
        record: dict[str, object] = {"fraction": fraction, "mass_ratio": ratio}
        with torch.no_grad():
            for name in PRUNABLE:
                mask = getattr(model, f"mask_{name}")
                new = prune_mask(mask.detach().cpu().numpy(), scores[name], fraction)
                mask.copy_(torch.from_numpy(new).to(mask))
            model.apply_masks_()
        record["density"] = layer_density(model)
        return record


def magnitude_scores(W: dict[str, np.ndarray], rate: np.ndarray, *, abs_exp_wp: bool = False) -> dict[str, np.ndarray]:
    """The normalised magnitude terms of SPEC 3.3 (each sums to 1 over its matrix)."""

    def norm(a: np.ndarray) -> np.ndarray:
        s = a.sum()
        return a / s if s > 0 else a

    return {
        "W_p": norm(np.abs(W["W_p"]) if abs_exp_wp else np.exp(W["W_p"])),
        "W_s": norm(np.abs(W["W_s"])),
        "C_s": norm(np.abs(W["C_s"]) * rate[:, None]),
        "C_p": norm(np.abs(W["C_p"]) * rate[:, None]),
    }


def _gram_pinv(S: np.ndarray) -> np.ndarray:
    """(S S^T)^+ for S of shape (H, N), by pseudo-inverse (no explicit inverse)."""
    return np.linalg.pinv(S @ S.T, hermitian=True)


def dash_input_term(S: np.ndarray, pm: PriorMatrices) -> np.ndarray:
    """X = (S S^T)^+ S Pi, shape (H, N): least squares of S^T X ~ Pi (SPEC 3.3)."""
    return _gram_pinv(S) @ pm.pi_right(S)


def dash_output_term(S: np.ndarray, pm: PriorMatrices) -> np.ndarray:
    """Y = |P|^T S^T (S S^T)^+, shape (N, H): least squares of Y S ~ |P|^T (SPEC 3.3)."""
    return pm.prior_t_right(S.T) @ _gram_pinv(S)


def prune_mask(mask: np.ndarray, score: np.ndarray, fraction: float) -> np.ndarray:
    """Remove ``round(fraction * #unpruned)`` unpruned entries with the lowest |score|.

    Ties are broken by flat index (stable sort), so the result is deterministic.
    """
    alive = np.flatnonzero(mask.ravel() > 0)
    k = int(round(fraction * alive.size))
    new = mask.copy().ravel()
    if k > 0:
        order = np.argsort(np.abs(score.ravel()[alive]), kind="stable")
        new[alive[order[:k]]] = 0.0
    return new.reshape(mask.shape)


def layer_density(model: PhoenixODE) -> dict[str, float]:
    """Fraction of unpruned entries per layer."""
    return {k: float(getattr(model, f"mask_{k}").mean()) for k in PRUNABLE}


def weight_sparsity(model: PhoenixODE) -> float:
    """SPEC 5.1: exact zeros over W_p, W_s, C_p*relu(m)_row, C_s*relu(m)_row, pooled."""
    with torch.no_grad():
        rate = model.rate()[:, None]
        mats = [model.weight("W_p"), model.weight("W_s"), model.weight("C_p") * rate, model.weight("C_s") * rate]
        zeros = sum(int((m == 0).sum()) for m in mats)
        size = sum(m.numel() for m in mats)
    return zeros / size
