"""``dash``: DASH scores, lambda * prior ("best-guess") term + (1 - lambda) * magnitude term (SPEC 3.3)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..._errors import ConfigError
from ...config import PruneConfig
from .._ode import PRUNABLE, PhoenixODE
from ._base import Pruner, Schedule, magnitude_scores
from ._prior import PriorMatrices, dash_input_term, dash_output_term


@dataclass
class DashPruning(Pruner):
    """Mixes each layer's magnitude term with a prior term.

    Attributes
    ----------
    lambda_ppi, lambda_motif
        Mixing weights of the prior term for the input (W) and output (C) layers.
    normalized
        Normalise the prior terms |X| and |Y| to sum 1 before mixing (SPEC 3.3 variant).
    prior_score
        ``spec``: the DASH best-guess terms X and Y with the recursive state S (SPEC 3.3).
        ``path``: prior path mass: an input weight W[k, i] scores by the prior edges
        i -> j that unit k can carry, sum_j |P[i, j]| |C[j, k]| rate_j, relative to the
        best unit of regulator i; an output weight C[j, k] by sum_i |W[k, i]| |P[i, j]|,
        relative to the best unit of target j.
    prior
        |P| (and Pi) of the aligned prior.
    """

    needs_prior: ClassVar[bool] = True
    lambda_ppi: float = 0.0
    lambda_motif: float = 0.0
    normalized: bool = False
    prior_score: str = "spec"
    prior: PriorMatrices | None = None

    @classmethod
    def from_config(cls, cfg: PruneConfig, prior: PriorMatrices | None) -> Pruner:
        return cls(
            schedule=Schedule.from_config(cfg), abs_exp_wp=cfg.abs_wp, lambda_ppi=cfg.lambda_ppi,
            lambda_motif=cfg.lambda_motif, normalized=cfg.normalized, prior_score=cfg.prior_score, prior=prior,
        )

    def __post_init__(self) -> None:
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
    def strategy(self) -> str:
        return "dash"

    @property
    def uses_prior(self) -> bool:
        return self.lambda_ppi > 0 or self.lambda_motif > 0

    def scores(self, model: PhoenixODE) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Scores for W_p, W_s, C_s, C_p (float64 arrays) and the prior/magnitude mass ratios.

        Updates the DASH state S as a side effect (S <- Omega of each input layer).
        """
        W, rate = self.weights(model)
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
