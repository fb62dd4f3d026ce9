"""``gradual``: prune a converged model in a few events, every target keeping its share (issue 18).

The paper's schedule (``dash``) removes 70% of the weights at epoch 3, before the model has
learned anything. ``gradual`` waits instead:

1. The dense model trains as the unpruned model (``none``) does, until it would stop early: its
   validation loss has not improved (by 0.1%, :data:`~dashgrn.model._training.PLATEAU_DROP`)
   for the early-stopping patience (``--early-stopping``, at least ``settle``) epochs.
2. An event prunes every layer to the next density of a geometric ladder
   ``d_k = (1 - target) ** (k / events)``, keeping the weights of largest magnitude |W|:
   - each target keeps the share ``d_k`` of its output weights (its row of C_s and of C_p),
     so that no target loses all its inputs;
   - the regulators compete for their layer's share ``d_k`` of the input weights (W_s, W_p),
     each keeping at least its strongest one: most genes regulate nothing, and a share per
     regulator would keep as many paths out of every one of them as out of a true
     regulator (on SIM350 that ranked the pairs less well at prior noise 0.025 and 0.1, and
     about as well at 0.05: benchmarks/results/ACCURACY_NOTES.md).
   Magnitude is |W| on every layer, |W_p| included whatever ``--abs-wp-score`` says: SPEC
   7.4's exp(W_p) ranks by signed value and would cut every strong negative exponent, the
   prods branch's repression, before any weak positive one. There is no prior term: the prior
   already orders the ranking, and prior scores keep the prior's paths at the expense of the
   data's evidence for edges the prior lacks, which lowered the exported BA on SIM350.
3. The learning rates are reset, the pruned model trains until it has settled again (``settle``
   epochs without a 0.1% improvement), and the next event follows, until the last one reaches
   ``target``. The epochs left must hold the events: an event is not put off past
   ``epochs - (events left) * settle - settle``.
4. The checkpoint kept is the best one at the final sparsity, with the usual early stopping.

The stages need epochs: on SIM350 the dense model settles at epoch 230 to 390, and the pruned
stages then improve the validation loss for 300 to 450 more (the pruned model predicts held-out
pairs better than the dense one), so ``--epochs 1000`` (with early stopping) is the setting measured.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ...config import PruneConfig
from .._ode import PRUNABLE, PhoenixODE
from ._base import Pruner, Schedule, layer_density, prune_mask_layer, prune_mask_per_gene
from ._prior import PriorMatrices

#: The gene axis of each prunable matrix: W (H, N) by regulator column, C (N, H) by target row.
GENE_AXIS = {"W_p": 1, "W_s": 1, "C_s": 0, "C_p": 0}
#: Layers whose genes share the layer's budget (each keeping at least one weight); the others
#: give every gene its own share.
SHARED_BUDGET = frozenset({"W_s", "W_p"})


@dataclass
class GradualPruning(Pruner):
    """Magnitude scores on a schedule that follows the training; per-target budgets.

    Attributes
    ----------
    events
        Pruning events after the dense model has converged.
    target
        Weight sparsity after the last event (every layer; every target's output weights).
    settle
        Epochs without improvement of the validation loss that count as settled.
    """

    adaptive: ClassVar[bool] = True
    abs_exp_wp: bool = True  # magnitude is |W| on every layer: SPEC 7.4's exp(W_p) is dash's, for fidelity
    events: int = 4
    target: float = 0.9
    settle: int = 10

    @classmethod
    def from_config(cls, cfg: PruneConfig, prior: PriorMatrices | None) -> GradualPruning:  # noqa: ARG003
        return cls(schedule=Schedule.from_config(cfg), events=cfg.events, target=cfg.target, settle=cfg.settle)

    @property
    def n_events(self) -> int:
        return self.events

    def density(self, k: int) -> float:
        """The share of each layer's weights (and of each target's) kept after event ``k`` (1-based)."""
        return float((1.0 - self.target) ** (k / self.events))

    def adaptive_amount(self, epoch: int, epochs: int, stalled: int, done: int, patience: int = 0) -> float:
        if done >= self.events or epoch <= 1:
            return 0.0
        latest = epochs - (self.events - done) * self.settle - self.settle
        wait = max(patience, self.settle) if done == 0 else self.settle  # the dense model: until it would stop
        if stalled < wait and epoch < latest:
            return 0.0
        return 1.0 - self.density(done + 1) / self.density(done)

    def prune(self, model: PhoenixODE, fraction: float) -> dict[str, object]:
        """Prune to the next density of the ladder (``fraction`` of what is left, for the log)."""
        done = int(self.state.get("events_done", np.zeros(1))[0])
        goal = self.density(min(done + 1, self.events))
        scores, ratio = self.scores(model)
        with torch.no_grad():
            for name in PRUNABLE:
                mask = getattr(model, f"mask_{name}")
                cut = prune_mask_layer if name in SHARED_BUDGET else prune_mask_per_gene
                new = cut(mask.detach().cpu().numpy(), scores[name], goal, GENE_AXIS[name])
                mask.copy_(torch.from_numpy(new).to(mask))
            model.apply_masks_()
        self.state["events_done"] = np.array([done + 1], dtype=np.float64)
        return {"fraction": fraction, "mass_ratio": ratio, "density": layer_density(model), "target_density": goal}
