"""How many fixed steps a solve needs: a running estimate of the model's stiffness.

A fixed-step method is stable only while h |lambda| stays inside its stability region
(rk4: about 2.8 on the negative real axis; euler: 2), where lambda are the eigenvalues of the
Jacobian of the right-hand side along the solution. The model's Jacobian grows in training,
and faster with more genes, so a step count that suits 350 genes diverges at 2,000. The
tracker follows the largest |lambda| over a fixed set of probe states by power iteration,
warm-started from the previous batch's vectors (a few products per batch). For a pair over ``dt``
the trainer keeps the configured step count while it is stable (h rho within the method's limit)
and otherwise takes ``ceil(dt * rho / target)`` steps, with a margin below the limit (both per
method in :data:`dashgrn.model.SOLVERS`); each pair by its own interval
(:func:`step_groups`, :func:`solve_stepped`).

No file access and no printing here.
"""

from __future__ import annotations

import math

import torch

from ..config import SolverConfig
from ._ode import HasJacobian, PhoenixODE
from ._solvers import SOLVERS, SolveStats, solve_pairs

#: at most this many fixed steps; a solve that still diverges falls back to dopri5, itself bounded
#: (:data:`dashgrn.model._solvers.MAX_ADAPTIVE_STEPS`; beyond it a TrainingError)
MAX_STEPS = 64


class StiffnessTracker:
    """Largest |eigenvalue| of d rhs / dy over ``probes`` (P, N), by warm-started power iteration.

    Parameters
    ----------
    probes
        States at which the Jacobian is probed (training start and end states).
    iterations
        Power iterations per :meth:`update` after the first one (which runs ``first_iterations``).
    """

    def __init__(self, probes: torch.Tensor, *, iterations: int = 2, first_iterations: int = 20) -> None:
        self.probes = probes
        gen = torch.Generator().manual_seed(0)  # its own stream: training randomness is untouched
        v = torch.randn(probes.shape, generator=gen, dtype=torch.float64).to(probes.device, probes.dtype)
        self.v = v / v.norm(dim=1, keepdim=True)
        self.iterations, self.first_iterations = iterations, first_iterations
        self.rho = math.nan
        self.updates = 0

    @torch.no_grad()
    def update(self, model: HasJacobian) -> float:
        """Advance the power iteration on the current ``model``; return rho."""
        n = self.first_iterations if self.updates == 0 else self.iterations
        lam = torch.zeros(self.probes.shape[0], dtype=self.probes.dtype, device=self.probes.device)
        for _ in range(n):
            jv = model.jvp(self.probes, self.v)
            lam = jv.norm(dim=1)
            ok = torch.isfinite(lam) & (lam > 0)
            self.v = torch.where(ok[:, None], jv / lam.clamp_min(1e-30)[:, None], self.v)
        self.updates += 1
        finite = lam[torch.isfinite(lam)]
        self.rho = float(finite.max()) if finite.numel() else math.inf
        return self.rho

    def state_dict(self) -> dict[str, object]:
        return {"v": self.v.detach().cpu().clone(), "updates": self.updates, "rho": self.rho}

    def load_state_dict(self, state: dict) -> None:
        self.v = state["v"].to(self.probes.device, self.probes.dtype)
        self.updates, self.rho = int(state["updates"]), float(state["rho"])

    def steps(self, dt_max: float, method: str, base: int) -> int:
        """Fixed steps for an interval of length ``dt_max``: ``base`` while dt_max * rho / base is
        within the method's stability limit, else ceil(dt_max * rho / target), at most MAX_STEPS."""
        solver = SOLVERS.get(method)
        target = solver.stiff_target
        if target is None:
            return base
        if not math.isfinite(self.rho):
            return MAX_STEPS
        if dt_max * self.rho / base <= solver.stability_limit:
            return base
        return int(min(MAX_STEPS, max(base, math.ceil(dt_max * self.rho / target))))


def probe_states(y0: torch.Tensor, y1: torch.Tensor, idx: torch.Tensor, n: int = 16) -> torch.Tensor:
    """Start and end states of ``n`` evenly spaced pairs among ``idx`` (no random numbers drawn)."""
    if idx.numel() == 0:
        return y0[:0]
    pick = idx[torch.linspace(0, idx.numel() - 1, min(n, idx.numel())).round().long()]
    return torch.cat([y0[pick], y1[pick]])


#: at most this many step counts (solves) per batch; beyond it, counts are rounded up to ``--solver-steps``
#: times a power of two (a pair then takes at most twice the steps it needs)
MAX_STEP_GROUPS = 4
#: a batch is solved once per step count only when that takes at most this fraction of the
#: evaluations of one solve at the largest count; otherwise the extra solves cost more than they save
#: (SIM350's batches of 4 and 5 steps: at least 0.8, one solve as before)
GROUP_GAIN = 0.75


def _row_steps(tracker: StiffnessTracker, dt: torch.Tensor, solver: SolverConfig) -> tuple[list[int], int]:
    """Each row's fixed-step count (rounded up to ``--solver-steps`` times a power of two when the
    batch has more than :data:`MAX_STEP_GROUPS` counts) and the exact count of its longest interval."""
    base, method = solver.steps, solver.method
    values = dt.tolist()
    per_dt = {d: tracker.steps(d, method, base) for d in set(values)}
    counts = [per_dt[d] for d in values]
    if len(set(counts)) > MAX_STEP_GROUPS:
        counts = [min(MAX_STEPS, base * 2 ** math.ceil(math.log2(c / base))) if c > base else c for c in counts]
    return counts, per_dt[max(values)]


def _grouped(counts: list[int], device: torch.device) -> dict[int, torch.Tensor]:
    rows: dict[int, list[int]] = {}
    for i, c in enumerate(counts):
        rows.setdefault(c, []).append(i)
    return {c: torch.tensor(r, dtype=torch.long, device=device) for c, r in sorted(rows.items())}


def step_groups(tracker: StiffnessTracker, dt: torch.Tensor, solver: SolverConfig) -> dict[int, torch.Tensor]:
    """The rows of a batch by the fixed-step count each one's interval needs: ``{steps: row indices}``.

    A pair over ``dt`` takes ``tracker.steps(dt)``: the configured count while it is stable, else
    enough for ``dt`` at the current stiffness. A batch mixing short and long intervals thus gives
    the short ones fewer steps than the longest one needs (one solve per count).
    """
    return _grouped(_row_steps(tracker, dt, solver)[0], dt.device)


def solve_stepped(model: PhoenixODE, y0: torch.Tensor, dt: torch.Tensor, solver: SolverConfig,
                  tracker: StiffnessTracker | None, *, stats: SolveStats | None = None) -> tuple[torch.Tensor, int]:
    """:func:`solve_pairs` of every row, each with the fixed steps its own interval needs
    (:func:`step_groups`), when that saves at least a quarter of the evaluations (:data:`GROUP_GAIN`);
    else one solve at the longest interval's count. Without a ``tracker``, the configured solver as
    it is. Returns the predictions (B, N) and the largest step count used (0 without a tracker)."""
    if tracker is None:
        return solve_pairs(model, y0, dt, solver, stats=stats), 0
    counts, longest = _row_steps(tracker, dt, solver)
    if len(set(counts)) == 1 or sum(counts) > GROUP_GAIN * longest * len(counts):
        return solve_pairs(model, y0, dt, solver, longest, stats=stats), longest  # one solve is as cheap
    groups = _grouped(counts, dt.device)
    order = torch.cat(list(groups.values()))
    parts = [solve_pairs(model, y0[r], dt[r], solver, steps, stats=stats) for steps, r in groups.items()]
    return torch.cat(parts)[torch.argsort(order)], max(groups)
