"""Training with scheduled pruning (SPEC sections 2 and 3.4); settings in :class:`dashgrn.config.TrainConfig`.

No files, no printing."""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from .._errors import ConfigError, TrainingError
from .._log import get_logger
from ..config import SolverConfig, TrainConfig
from ._adam import Adam
from ._ode import HasJacobian, PhoenixODE
from ._solvers import SOLVERS, SolveStats
from ._stiffness import StiffnessTracker, probe_states, solve_stepped
from .pruning import Pruner, layer_density, weight_sparsity

log = get_logger(__name__)


@dataclass
class Pairs:
    """Training examples: ``y0`` (P, N) -> ``y1`` (P, N) over ``dt`` (P,), with split indices."""

    y0: torch.Tensor
    y1: torch.Tensor
    dt: torch.Tensor
    train: torch.Tensor
    val: torch.Tensor

    def to(self, device: torch.device, dtype: torch.dtype) -> Pairs:
        return Pairs(
            self.y0.to(device, dtype), self.y1.to(device, dtype), self.dt.to(device, dtype),
            self.train.to(device), self.val.to(device),
        )


@dataclass
class TrainResult:
    """What training produced."""

    history: list[dict[str, float]]
    best_state: dict[str, torch.Tensor]
    best_epoch: int
    best_val_loss: float
    prune_events: list[dict[str, object]] = field(default_factory=list)
    stopped: str = "completed"  # completed | early_stopping | interrupted
    at_final_sparsity: bool = True


Callback = Callable[[dict[str, float]], None]

#: An adaptive pruning strategy (``gradual``) sees the model as settled when its validation loss
#: has not fallen by this fraction of its best since the last event for ``--prune-settle`` epochs.
PLATEAU_DROP = 1e-3


def batch_plan(n_train: int, cfg: TrainConfig) -> tuple[int, float]:
    """(pairs per step, learning rate) for ``n_train`` training pairs: ``cfg.batch_size`` and
    ``cfg.lr``, unless an epoch would take more than ``cfg.max_batches`` steps; then the batch
    grows to ceil(n_train / max_batches) and the learning rate by the square root of that growth
    (the usual scaling for Adam). Small data sets keep the configured batch; a large one gets
    fewer, larger steps per epoch, which cost about as much per pair as the small ones on a CPU
    (benchmarks/results/SPEED.md)."""
    if cfg.max_batches <= 0 or n_train <= cfg.batch_size * cfg.max_batches:
        return cfg.batch_size, cfg.lr
    batch = math.ceil(n_train / cfg.max_batches)
    return batch, cfg.lr * math.sqrt(batch / cfg.batch_size)


def _param_groups(model: PhoenixODE, cfg: TrainConfig, base_lr: float) -> list[dict]:
    names = ["W_s", "b_s", "W_p", "b_p", "C_s", "C_p", "m"]
    groups = []
    for n in names:
        lr = base_lr * (cfg.multiplier_lr_factor if n == "m" else 1.0)
        groups.append({"params": [getattr(model, n)], "lr": lr, "initial_lr": lr, "name": n})
    return groups


def _scheduler(opt: torch.optim.Optimizer, cfg: TrainConfig) -> torch.optim.lr_scheduler.ReduceLROnPlateau:
    return torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=cfg.lr_factor, patience=cfg.lr_patience, threshold=cfg.lr_threshold,
        threshold_mode="abs", cooldown=0, min_lr=cfg.min_lr, eps=1e-9,
    )


def _reset_lr(opt: torch.optim.Optimizer, cfg: TrainConfig, base_lr: float) -> None:
    """Learning-rate rewinding at a pruning event (SPEC 2.5); weights are kept."""
    for i, g in enumerate(opt.param_groups):
        if cfg.original_lr_reset_bug:
            # The original applies 5 x lr to the 6th group (C_p) and lr to all others.
            g["lr"] = base_lr * (cfg.multiplier_lr_factor if i == 5 else 1.0)
        else:
            g["lr"] = g["initial_lr"]


def evaluate_loss(model: PhoenixODE, pairs: Pairs, idx: torch.Tensor, solver: SolverConfig,
                  batch_size: int = 4096, tracker: StiffnessTracker | None = None,
                  stats: SolveStats | None = None) -> float:
    """Mean squared one-interval prediction error over the pairs ``idx``.

    With a ``tracker``, fixed-step solves use as many steps as its current stiffness estimate asks for.
    """
    if idx.numel() == 0:
        return float("nan")
    total = 0.0
    with torch.no_grad():
        for start in range(0, idx.numel(), batch_size):
            b = idx[start:start + batch_size]
            pred, _ = solve_stepped(model, pairs.y0[b], pairs.dt[b], solver, tracker, stats=stats)
            total += float(((pred - pairs.y1[b]) ** 2).sum())
    return total / (idx.numel() * pairs.y0.shape[1])


def pair_errors(trainer: Trainer, idx: torch.Tensor) -> torch.Tensor:
    """Each pair's mean squared one-interval prediction error (over genes) by ``trainer``'s model
    as it is now, with the step counts its stiffness tracker asks for."""
    if idx.numel() == 0:
        return torch.zeros(0, dtype=trainer.pairs.y0.dtype, device=trainer.pairs.y0.device)
    with torch.no_grad():
        pred, _ = solve_stepped(trainer.model, trainer.pairs.y0[idx], trainer.pairs.dt[idx], trainer.solver,
                                trainer.tracker)
        return ((pred - trainer.pairs.y1[idx]) ** 2).mean(dim=1)


class Trainer:
    """Training with scheduled pruning, resumable between any two batches.

    The checkpoint kept is the one with the lowest validation loss among the epochs at
    the final sparsity of the schedule (SPEC 7.9); without validation pairs, the
    training loss is used instead. A stop request between two batches leaves the epoch in
    progress in :attr:`position` (its order of pairs, the next batch, the partial loss sums);
    :meth:`state_dict` holds it, so a resumed trainer continues with the next batch and the
    run is the one it would have been without the stop.
    """

    def __init__(self, model: PhoenixODE, pairs: Pairs, cfg: TrainConfig, pruner: Pruner, solver: SolverConfig,
                 *, generator: torch.Generator) -> None:
        if cfg.epochs is None:
            msg = "TrainConfig.epochs is not set (InferConfig sets the pruning strategy's default)"
            raise ConfigError(msg)
        self.model, self.pairs, self.cfg, self.pruner, self.solver = model, pairs, cfg, pruner, solver
        self.generator = generator
        self.batch_size, self.lr = batch_plan(pairs.train.numel(), cfg)  # more pairs: larger steps
        self.opt = Adam(_param_groups(model, cfg, self.lr))  # torch.optim.Adam's arithmetic (dashgrn.model._adam)
        self.sched = _scheduler(self.opt, cfg)
        # the last fixed pruning event (None: the strategy prunes after plateaus, see at_final)
        self.last_event = pruner.last_event(cfg.epochs)
        # epochs since the validation loss last improved, counted afresh after each event
        self.stage_best, self.stalled = math.inf, 0
        self.epoch = 0  # last completed epoch
        self.history: list[dict[str, float]] = []
        self.prune_log: list[dict[str, object]] = []
        self.best: dict[str, torch.Tensor] | None = None
        self.best_loss, self.best_epoch, self.since_best = math.inf, 0, 0
        self.finished: str | None = None  # "completed" or "early_stopping" once run() has ended
        # the epoch in progress: epoch, perm (the order of the training pairs), start (the next
        # batch's offset), loss_sum, seen, max_steps, max_rho, frac (pruned at its start), seconds
        self.position: dict[str, object] | None = None
        # fixed-step solves get more steps when the model stiffens (dashgrn.stiffness)
        self.tracker = (StiffnessTracker(probe_states(pairs.y0, pairs.y1, pairs.train))
                        if SOLVERS.get(solver.method).fixed and isinstance(model, HasJacobian) else None)
        self.solve_stats = SolveStats()  # fallbacks of this trainer's solves (see solve_pairs)

    # -- persistence (resume) -------------------------------------------------------
    def state_dict(self) -> dict[str, object]:
        """Everything needed to continue where training stands (after the last completed epoch,
        or inside the epoch in progress); copies, so training may go on meanwhile."""
        pos = self.position
        return {
            "model": {k: v.detach().cpu().clone() for k, v in self.model.state_dict().items()},
            "optimizer": copy.deepcopy(self.opt.state_dict()),
            "scheduler": copy.deepcopy(self.sched.state_dict()),
            "pruner": {k: torch.from_numpy(v.copy()) for k, v in self.pruner.state.items()},
            "best": None if self.best is None else {k: v.detach().cpu().clone() for k, v in self.best.items()},
            "generator": self.generator.get_state(),
            "stiffness": None if self.tracker is None else self.tracker.state_dict(),
            "perm": None if pos is None else pos["perm"].detach().cpu().clone(),
            "meta": {
                "epoch": self.epoch, "history": [dict(r) for r in self.history],
                "prune_log": copy.deepcopy(self.prune_log),
                "best_loss": self.best_loss if math.isfinite(self.best_loss) else None,
                "best_epoch": self.best_epoch, "since_best": self.since_best, "finished": self.finished,
                "stage_best": self.stage_best if math.isfinite(self.stage_best) else None, "stalled": self.stalled,
                "position": None if pos is None else {k: v for k, v in pos.items() if k != "perm"},
            },
        }

    def load_state_dict(self, state: dict) -> None:
        dev = next(self.model.parameters()).device
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(copy.deepcopy(state["optimizer"]))  # never train on the caller's tensors
        self.sched.load_state_dict(state["scheduler"])
        self.pruner.state = {k: v.numpy().copy() for k, v in state["pruner"].items()}
        self.best = None if state["best"] is None else {k: v.to(dev) for k, v in state["best"].items()}
        self.generator.set_state(state["generator"])
        if self.tracker is not None and state.get("stiffness") is not None:
            self.tracker.load_state_dict(state["stiffness"])
        meta = state["meta"]
        self.epoch = int(meta["epoch"])
        self.history = [dict(r) for r in meta["history"]]
        self.prune_log = list(meta["prune_log"])
        self.best_loss = math.inf if meta["best_loss"] is None else float(meta["best_loss"])
        self.best_epoch, self.since_best = int(meta["best_epoch"]), int(meta["since_best"])
        self.finished = meta.get("finished")
        self.stage_best = math.inf if meta.get("stage_best") is None else float(meta["stage_best"])
        self.stalled = int(meta.get("stalled", 0))
        pos = meta.get("position")
        self.position = None if pos is None else {**pos, "perm": state["perm"].to(self.pairs.train.device)}

    # -- one epoch ------------------------------------------------------------------
    def _start_epoch(self, epoch: int) -> dict[str, object]:
        """Prune (when the schedule says so) and draw the order of the training pairs."""
        model, pairs, cfg = self.model, self.pairs, self.cfg
        if self.last_event is None:
            frac = self.pruner.adaptive_amount(epoch, cfg.epochs, self.stalled, len(self.prune_log),
                                               patience=cfg.early_stopping)
        else:
            frac = self.pruner.amount(epoch, cfg.epochs)
        if frac > 0:
            rec = self.pruner.prune(model, frac)
            rec["epoch"] = epoch
            self.prune_log.append(rec)
            dens = rec["density"]
            ratio = rec.get("mass_ratio") or {}
            log.info(
                "epoch %d: pruned %.0f%% of the remaining weights; kept W_p %.2f%%, W_s %.2f%%, C_s %.2f%%, "
                "C_p %.2f%%%s", epoch, 100 * frac, *(100 * dens[k] for k in ("W_p", "W_s", "C_s", "C_p")),
                "; prior/magnitude mass " + ", ".join(f"{k} {v:.3g}" for k, v in ratio.items()) if ratio else "",
            )
            _reset_lr(self.opt, cfg, self.lr)
            self.sched = _scheduler(self.opt, cfg)
            self.stage_best, self.stalled = math.inf, 0
        n_train = pairs.train.numel()
        perm = pairs.train[torch.randperm(n_train, generator=self.generator).to(pairs.train.device)]
        return {"epoch": epoch, "perm": perm, "start": 0, "loss_sum": 0.0, "seen": 0, "max_steps": 0,
                "max_rho": 0.0, "frac": frac, "seconds": 0.0}

    def _epoch(self, epoch: int, stop_requested: Callable[[], bool] | None) -> dict[str, float] | None:
        """Run (or continue) epoch ``epoch``; return its history row, or None when a stop was
        requested before its last batch (the epoch in progress stays in :attr:`position`)."""
        model, pairs, cfg = self.model, self.pairs, self.cfg
        t0 = time.perf_counter()
        if self.position is None or self.position["epoch"] != epoch:
            self.position = self._start_epoch(epoch)
        pos = self.position
        model.train()
        n_train = pairs.train.numel()
        while pos["start"] < n_train:
            if stop_requested is not None and stop_requested():
                pos["seconds"] += time.perf_counter() - t0
                return None
            b = pos["perm"][pos["start"]:pos["start"] + self.batch_size]
            if self.tracker is not None:
                pos["max_rho"] = max(pos["max_rho"], self.tracker.update(model))
            pred, steps = solve_stepped(model, pairs.y0[b], pairs.dt[b], self.solver, self.tracker,
                                        stats=self.solve_stats)
            pos["max_steps"] = max(pos["max_steps"], steps)
            loss = torch.mean((pred - pairs.y1[b]) ** 2)
            if not torch.isfinite(loss):
                msg = f"the training loss became {loss.item()} at epoch {epoch}"
                raise TrainingError(msg, hint="try a lower --lr, --solver rk4, or --dtype float64")
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            pos["loss_sum"] += loss.item() * b.numel()
            pos["seen"] += b.numel()
            pos["start"] += self.batch_size
        self.position = None
        train_loss = pos["loss_sum"] / max(pos["seen"], 1)
        max_rho, frac = pos["max_rho"], pos["frac"]
        model.eval()
        has_val = pairs.val.numel() > 0
        if has_val and self.tracker is not None:
            max_rho = max(max_rho, self.tracker.update(model))
        val_loss = (evaluate_loss(model, pairs, pairs.val, self.solver, tracker=self.tracker, stats=self.solve_stats)
                    if has_val else train_loss)
        if not math.isfinite(val_loss):
            msg = f"the validation loss became {val_loss} at epoch {epoch}"
            raise TrainingError(msg, hint="try a lower --lr, --solver rk4, or --dtype float64")
        self.sched.step(val_loss)
        row = {
            "epoch": epoch,
            "train_loss": train_loss,
            "val_loss": val_loss if has_val else float("nan"),
            "lr": self.opt.param_groups[0]["lr"],
            "lr_multiplier": self.opt.param_groups[-1]["lr"],
            "weight_sparsity": weight_sparsity(model),
            "pruned": int(frac > 0),
            **{f"density_{k}": v for k, v in layer_density(model).items()},
            "seconds": pos["seconds"] + time.perf_counter() - t0,
            "complete": int(pos["seen"] == n_train),
        }
        if self.tracker is not None:  # the largest stiffness estimate and fixed-step count of the epoch
            row["stiffness"] = max_rho
            row["solver_steps"] = pos["max_steps"]
        if val_loss < self.stage_best * (1.0 - PLATEAU_DROP):
            self.stage_best, self.stalled = val_loss, 0
        else:
            self.stalled += 1
        if self.at_final(epoch):
            if val_loss < self.best_loss:
                self.best_loss, self.best_epoch, self.since_best = val_loss, epoch, 0
                self.best = {k: v.detach().clone() for k, v in model.state_dict().items()}
            else:
                self.since_best += 1
        row["best_epoch"] = self.best_epoch
        return row

    def at_final(self, epoch: int) -> bool:
        """Whether the model is at the final sparsity of its pruning schedule at ``epoch``."""
        if self.last_event is None:
            return len(self.prune_log) >= self.pruner.n_events
        return epoch >= self.last_event

    def run(self, *, callback: Callback | None = None, stop_requested: Callable[[], bool] | None = None) -> TrainResult:
        """Train from where the trainer stands to the end (or early stopping, or a stop request).

        A stop request is honoured before the next batch; the result is then ``interrupted``
        and :meth:`state_dict` continues from that batch. ``callback`` gets each completed
        epoch's row, after :attr:`finished` is set by the last one. A trainer that has already
        ended (also one restored from a resume state) returns its result.
        """
        if self.finished is None:
            for epoch in range(self.epoch + 1, self.cfg.epochs + 1):
                if self.position is None and stop_requested is not None and stop_requested():
                    break  # at an epoch boundary
                row = self._epoch(epoch, stop_requested)
                if row is None:
                    break  # inside the epoch: self.position holds it
                self.history.append(row)
                self.epoch = epoch
                if (self.at_final(epoch) and self.cfg.early_stopping > 0
                        and self.since_best >= self.cfg.early_stopping):
                    self.finished = "early_stopping"
                elif epoch == self.cfg.epochs:
                    self.finished = "completed"
                if callback is not None:
                    callback(row)
                if self.finished:
                    break
            if self.finished is None and self.position is None and self.epoch >= self.cfg.epochs:
                self.finished = "completed"
        stopped = self.finished or "interrupted"
        at_final = self.best is not None
        if self.best is None:
            # Stopped before the final sparsity: use the current state.
            best = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            best_epoch = self.epoch
            best_loss = self.history[-1]["val_loss"] if self.history else math.nan
        else:
            best, best_epoch, best_loss = self.best, self.best_epoch, self.best_loss
        return TrainResult(
            history=self.history, best_state=best, best_epoch=int(best_epoch), best_val_loss=float(best_loss),
            prune_events=self.prune_log, stopped=stopped, at_final_sparsity=at_final,
        )


def split_indices(traj_of_pair: np.ndarray, val_fraction: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Seeded split of pair indices: whole trajectories when there are several, else pairs."""
    if not 0.0 <= val_fraction < 1.0:
        msg = f"--val-fraction must be in [0, 1), got {val_fraction}"
        raise ConfigError(msg)
    idx = np.arange(traj_of_pair.size)
    if val_fraction == 0:
        return idx, idx[:0]
    trajs = np.unique(traj_of_pair)
    if trajs.size >= 2:
        n_val = max(1, int(math.ceil(val_fraction * trajs.size)))
        n_val = min(n_val, trajs.size - 1)
        val_t = rng.choice(trajs, size=n_val, replace=False)
        is_val = np.isin(traj_of_pair, val_t)
    else:
        n_val = int(math.floor(val_fraction * idx.size))
        n_val = min(n_val, idx.size - 1)
        is_val = np.zeros(idx.size, dtype=bool)
        if n_val > 0:
            is_val[rng.choice(idx, size=n_val, replace=False)] = True
    return idx[~is_val], idx[is_val]
