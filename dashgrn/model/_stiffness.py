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
(:func:`dashgrn.model._training.step_groups`).

No file access and no printing here.
"""

from __future__ import annotations

import math

import torch

from ._ode import HasJacobian
from ._solvers import SOLVERS

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
