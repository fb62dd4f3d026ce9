"""The pruning interface: a schedule, one :class:`Pruner` per strategy, masks and densities (SPEC 3).

Every strategy scores the four weight matrices of :class:`~dashgrn.model.PhoenixODE`
(W_p, W_s, C_s, C_p, in that order) and the schedule removes, per layer, a fraction of
the weights that are still unpruned, lowest scores first. Masks are cumulative and
never regrow. No file access and no printing here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch

from ...config import PruneConfig
from .._ode import PRUNABLE, PhoenixODE
from ._prior import PriorMatrices


@dataclass(frozen=True)
class Schedule:
    """When and how much to prune (SPEC 3.4); epochs are 1-based. Built from a :class:`PruneConfig`.

    Prune ``first`` of the weights before epoch ``start``, then ``step`` of the remaining
    weights before every epoch ``e`` with ``e > start``, ``e % every == 0`` and ``e < epochs``.
    """

    start: int
    first: float
    step: float
    every: int

    @classmethod
    def from_config(cls, cfg: PruneConfig) -> Schedule:
        return cls(start=cfg.start, first=cfg.first, step=cfg.step, every=cfg.every)

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
class Pruner:
    """Scores and prunes a :class:`PhoenixODE` at scheduled events; subclasses define :meth:`scores`.

    Attributes
    ----------
    schedule
        The :class:`Schedule`.
    abs_exp_wp
        Score W_p by |W_p| instead of exp(W_p) (SPEC 7.4).
    state
        The strategy's state across events (DASH's recursive S), drawn by :meth:`init_state`.
    """

    #: whether the strategy prunes at all (``none`` does not)
    active: ClassVar[bool] = True
    #: whether it needs a prior network (``dash``, ``prior``)
    needs_prior: ClassVar[bool] = False
    #: whether its events follow the training (plateaus of the validation loss) instead of
    #: fixed epochs: then :meth:`adaptive_amount` decides and :attr:`n_events` counts them
    adaptive: ClassVar[bool] = False
    schedule: Schedule
    abs_exp_wp: bool = False
    state: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def from_config(cls, cfg: PruneConfig, prior: PriorMatrices | None) -> Pruner:  # noqa: ARG003
        """The pruner of ``cfg`` (strategies that use a prior override this)."""
        return cls(schedule=Schedule.from_config(cfg), abs_exp_wp=cfg.abs_wp)

    @property
    def uses_prior(self) -> bool:
        return False

    def init_state(self, hidden: int, n_genes: int, rng: np.random.Generator) -> None:
        """Draw the initial S_s, S_p ~ U(0, 1)^{H x N} (SPEC 3.3), once before training.

        Every strategy draws them, so that the random stream after this call is the same.
        """
        self.state = {"s": rng.random((hidden, n_genes)), "p": rng.random((hidden, n_genes))}

    def amount(self, epoch: int, epochs: int) -> float:
        return self.schedule.amount(epoch, epochs) if self.active else 0.0

    @property
    def n_events(self) -> int:
        """An adaptive strategy's number of events (0 for a fixed schedule)."""
        return 0

    def adaptive_amount(self, epoch: int, epochs: int, stalled: int, done: int,  # noqa: ARG002
                        patience: int = 0) -> float:
        """An adaptive strategy's fraction to prune before ``epoch``, given the epochs since the
        validation loss last improved (``stalled``, counted from the last event), the events
        ``done`` so far (0: no event) and the training's early-stopping ``patience``."""
        return 0.0

    def last_event(self, epochs: int) -> int | None:
        """The epoch of the last fixed event (0 when there is none); None for an adaptive strategy."""
        if self.adaptive and self.active:
            return None
        events = self.schedule.events(epochs) if self.active else []
        return max(events) if events else 0

    def weights(self, model: PhoenixODE) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The masked weights (float64) and the gene rates of ``model``."""
        with torch.no_grad():
            W = {k: model.weight(k).detach().double().cpu().numpy() for k in PRUNABLE}
            rate = model.rate().detach().double().cpu().numpy()
        return W, rate

    def scores(self, model: PhoenixODE) -> tuple[dict[str, np.ndarray], dict[str, float]]:
        """Scores for W_p, W_s, C_s, C_p (float64 arrays) and the prior/magnitude mass ratios.

        The base class scores by magnitude alone (SPEC 3.3's magnitude terms).
        """
        W, rate = self.weights(model)
        return magnitude_scores(W, rate, abs_exp_wp=self.abs_exp_wp), {}

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


def prune_mask_per_gene(mask: np.ndarray, score: np.ndarray, density: float, axis: int) -> np.ndarray:
    """Keep, in every slice along ``axis`` (a gene's row or column), at most
    ``floor(density * slice size)`` unpruned entries, those of highest |score| (ties: the lower
    index first), so that every gene keeps the same share of its weights; entries already pruned
    stay pruned."""
    m = np.moveaxis(mask, axis, 0).copy()
    sc = np.abs(np.moveaxis(score, axis, 0))
    keep = int(np.floor(density * m.shape[1] + 1e-9))
    for g in range(m.shape[0]):
        alive = np.flatnonzero(m[g] > 0)
        if alive.size > keep:
            order = np.argsort(-sc[g, alive], kind="stable")
            m[g, alive[order[keep:]]] = 0.0
    return np.moveaxis(m, 0, axis)


def prune_mask_layer(mask: np.ndarray, score: np.ndarray, density: float, axis: int) -> np.ndarray:
    """Keep ``floor(density * mask.size)`` unpruned entries of the whole layer, those of highest
    |score|, but at least one in every slice along ``axis`` that has one left (its entry of
    highest |score|): genes compete for the layer's budget and none loses all of it. Ties: the
    lower index first (the lower slice for the floor, then the lower flat index). Entries
    already pruned stay pruned; when the floor alone exceeds the budget, the floor is kept."""
    sc = np.abs(score).astype(np.float64)
    alive = mask > 0
    new = np.zeros(mask.shape, dtype=mask.dtype)  # C order: ravel() below is a view
    m, s, n = (np.moveaxis(a, axis, 0) for a in (alive, sc, new))  # views: n writes into new
    for g in range(m.shape[0]):
        idx = np.flatnonzero(m[g])
        if idx.size:
            n[g, idx[np.argmax(s[g, idx])]] = 1  # argmax: the first of equal scores
    budget = int(np.floor(density * mask.size + 1e-9)) - int(new.sum())
    if budget > 0:
        cand = np.flatnonzero(alive.ravel() & (new.ravel() == 0))
        order = cand[np.argsort(-sc.ravel()[cand], kind="stable")]
        new.ravel()[order[:budget]] = 1
    return new


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
