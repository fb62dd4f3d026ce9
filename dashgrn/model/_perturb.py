"""Integration with genes clamped: in-silico knockouts and overexpression (issue 19).

A perturbation holds some genes at fixed values from t = 0: their start values are replaced
and their derivatives are 0, so every solver of :data:`~dashgrn.model.SOLVERS` keeps them
exactly there (each stage of a step adds 0 to them) while the other genes follow the model.
The solve itself is :func:`~dashgrn.model.solve_pairs`. No file access and no printing here.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ..config import SolverConfig
from ._ode import VectorField
from ._solvers import solve_pairs

#: Tolerances of the perturbation solves (float64; far below the size of any effect reported).
PERTURB_SOLVER = SolverConfig(method="dopri5", rtol=1e-7, atol=1e-9)


class Clamped(nn.Module):
    """``func`` with the derivative of some genes held at 0: dy/dt = free * f(y).

    Parameters
    ----------
    func
        The right-hand side (``func(t, y)``; a :class:`~dashgrn.model.VectorField` keeps its
        fast path).
    free
        ``(B, N)`` or ``(N,)``: 1 for the genes that follow ``func``, 0 for the clamped ones.
    """

    def __init__(self, func: nn.Module, free: torch.Tensor) -> None:
        super().__init__()
        self.func = func
        self.free = free

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.func(t, y) * self.free

    def vector_field(self, scale: torch.Tensor | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        """``y -> scale * free * f(y)`` (see :class:`~dashgrn.model.VectorField`)."""
        free = self.free
        if isinstance(self.func, VectorField):
            base = self.func.vector_field(scale)
            return lambda y: base(y) * free
        func = self.func
        if scale is None:
            return lambda y: func(None, y) * free
        return lambda y: scale * func(None, y) * free


def integrate_clamped(func: nn.Module, y0: torch.Tensor, horizon: torch.Tensor, *,
                      clamp: torch.Tensor | None = None, values: torch.Tensor | None = None,
                      config: SolverConfig = PERTURB_SOLVER) -> torch.Tensor:
    """The states at the end of each row's horizon, with the genes of ``clamp`` held at ``values``.

    Parameters
    ----------
    func
        The right-hand side, e.g. a :class:`~dashgrn.model.PhoenixODE` (autonomous).
    y0
        ``(B, N)`` start states (in the model's units).
    horizon
        ``(B,)`` time to integrate each row over (in the model's time units), > 0.
    clamp
        ``(B, N)`` bool, True for the genes held constant (``None``: no gene).
    values
        ``(B, N)``: where ``clamp`` is True, the value the gene is held at from t = 0.
    config
        The solver (:data:`PERTURB_SOLVER` by default: adaptive dopri5 at tight tolerances).

    Returns
    -------
    torch.Tensor
        ``(B, N)`` states at t = horizon; clamped genes equal ``values`` exactly.
    """
    with torch.no_grad():
        if clamp is None or not bool(clamp.any()):
            return solve_pairs(func, y0, horizon, config)
        if values is None:
            msg = "values are needed for clamped genes"
            raise ValueError(msg)
        start = torch.where(clamp, values.to(y0.dtype), y0)
        field = Clamped(func, (~clamp).to(y0.dtype))
        out = solve_pairs(field, start, horizon, config)
        return torch.where(clamp, start, out)  # exact, also after an adaptive solve's rounding
