"""The torch layer: the PHOENIX model, ODE solves, pruning, training. No files, no printing.

==================  ===========================================================================
module              what it holds
==================  ===========================================================================
``_ode``            :class:`PhoenixODE` and the :class:`VectorField` / :class:`HasJacobian` protocols
``_solvers``        :data:`SOLVERS` (the registry of integration methods), :func:`solve_pairs`
``_stiffness``      :class:`StiffnessTracker`: fixed-step counts from the model's stiffness, per pair
``pruning``         :data:`~dashgrn.model.pruning.PRUNERS`, one module per strategy
``_training``       :class:`Trainer` (one model, resumable between any two batches), :class:`Pairs`
``_adam``           :class:`Adam`: torch's Adam arithmetic, all parameters per call, no torch._dynamo import
``_ensemble``       :func:`train_members`: ensemble members side by side on a multi-core CPU
``_effects``        :func:`effect_matrix`: E of a trained model as a sparse matrix, in row blocks
==================  ===========================================================================

Settings come from :mod:`dashgrn.config` (``TrainConfig``, ``SolverConfig``, ``PruneConfig``);
saving and loading a trained model is :mod:`dashgrn.checkpoint`.
"""

from __future__ import annotations

from ._effects import effect_matrix
from ._ensemble import member_seed, plan_workers, train_members
from ._ode import PRUNABLE, HasJacobian, PhoenixODE, VectorField, shifted_softsign
from ._solvers import FALLBACK, SOLVERS, Solver, SolveStats, fixed_step, solve_pairs
from ._stiffness import MAX_STEPS, StiffnessTracker, probe_states
from ._training import Pairs, Trainer, TrainResult, batch_plan, evaluate_loss, pair_errors, split_indices

__all__ = [
    "FALLBACK",
    "MAX_STEPS",
    "PRUNABLE",
    "SOLVERS",
    "HasJacobian",
    "Pairs",
    "PhoenixODE",
    "SolveStats",
    "Solver",
    "StiffnessTracker",
    "TrainResult",
    "Trainer",
    "VectorField",
    "batch_plan",
    "effect_matrix",
    "evaluate_loss",
    "fixed_step",
    "member_seed",
    "pair_errors",
    "plan_workers",
    "probe_states",
    "shifted_softsign",
    "solve_pairs",
    "split_indices",
    "train_members",
]
