"""Batched ODE solves of many (y_k -> y_k+1 over dt) pairs at once, and the solver registry.

The PHOENIX system is autonomous, so each pair's interval [0, dt_b] is rescaled to
[0, 1]: dz/ds = dt_b * f(z). All pairs of a batch are then integrated together in one
call, with no Python loop over pairs: the hand-written fixed-step loop of
:func:`fixed_step` for ``rk4`` / ``euler``, torchdiffeq for the adaptive methods.

:data:`SOLVERS` names every method with what the rest of the code needs to know of it:
fixed or adaptive, and for a fixed-step method its step and its stability limit on the
negative real axis (used by :mod:`dashgrn.model._stiffness`). Adding a method means one
entry here (and for a fixed-step one its step function) and one test.

Bounds: a fixed-step solve takes at most :data:`dashgrn.model._stiffness.MAX_STEPS` steps,
and an adaptive one (also the ``dopri5`` fallback) at most :data:`MAX_ADAPTIVE_STEPS`, so
that the memory a solve (and its backward pass) holds is bounded. A solve that needs more
raises :class:`~dashgrn.TrainingError` (exit 5) with a hint, instead of growing until the
machine runs out of memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from .._errors import TrainingError
from .._registry import Registry
from ..config import SolverConfig
from ._ode import VectorField

Field = Callable[[torch.Tensor], torch.Tensor]


def _euler_step(f: Field, y: torch.Tensor) -> torch.Tensor:
    return y + f(y)


def _rk4_step(f: Field, y: torch.Tensor) -> torch.Tensor:
    """One step of rk4 by the 3/8 rule, as torchdiffeq's ``rk4`` (``f`` includes the step length)."""
    k1 = f(y)
    k2 = f(y + k1 / 3)
    k3 = f(y + (k2 - k1 / 3))
    k4 = f(y + (k1 - k2 + k3))
    return y + (k1 + 3 * (k2 + k3) + k4) * 0.125


@dataclass(frozen=True)
class Solver:
    """One integration method.

    Attributes
    ----------
    name
        The torchdiffeq method name.
    step
        For a fixed-step method, one step ``(f, y) -> y_next`` where ``f`` already includes
        the step length; ``None`` for an adaptive method (steps chosen from rtol / atol).
    stability_limit
        Fixed steps: the limit of h * rho (rho the largest |eigenvalue| of the Jacobian) on
        the negative real axis beyond which the method diverges.
    stiff_target
        Fixed steps: the h * rho aimed at when the configured steps are unstable, with a
        margin below the limit.
    """

    name: str
    step: Callable[[Field, torch.Tensor], torch.Tensor] | None = None
    stability_limit: float | None = None
    stiff_target: float | None = None

    @property
    def fixed(self) -> bool:
        return self.step is not None


#: Every integration method by name (``--solver``).
SOLVERS: Registry[Solver] = Registry("solver", "--solver")
SOLVERS.add("dopri5", Solver("dopri5"))
SOLVERS.add("rk4", Solver("rk4", _rk4_step, stability_limit=2.785, stiff_target=2.5))
SOLVERS.add("euler", Solver("euler", _euler_step, stability_limit=2.0, stiff_target=1.8))
SOLVERS.add("bosh3", Solver("bosh3"))
SOLVERS.add("dopri8", Solver("dopri8"))

#: adaptive method used when a fixed-step solve diverges (see :func:`solve_pairs`)
FALLBACK = "dopri5"
#: at most this many steps of an adaptive solve (torchdiffeq's ``max_num_steps``) per batch
MAX_ADAPTIVE_STEPS = 1000
_STIFF_HINT = ("the model is too stiff for the intervals between time points: try a lower --lr or --dtype float64, "
               "and check the time column (intervals are rescaled to a median of 1 only when the largest is "
               "above 100 or the median below 0.001; see the README, Input formats)")


@dataclass
class SolveStats:
    """Counts kept by the caller of :func:`solve_pairs` (one per trainer, so threads never share it)."""

    fallbacks: int = 0


class _Rescaled(nn.Module):
    """dz/ds = dt * f(z) for a batch with per-row interval lengths ``dt`` (B, 1)."""

    def __init__(self, func: nn.Module, dt: torch.Tensor) -> None:
        super().__init__()
        self.func = func
        self.dt = dt

    def forward(self, s: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.dt * self.func(s, z)


def solve_pairs(func: nn.Module, y0: torch.Tensor, dt: torch.Tensor, config: SolverConfig,
                steps: int | None = None, *, stats: SolveStats | None = None) -> torch.Tensor:
    """Integrate every row of ``y0`` (B, N) over its own interval ``dt`` (B,) and return (B, N).

    ``steps`` overrides ``config.steps`` for fixed-step methods (the trainer raises it when the
    model gets stiff; see :mod:`dashgrn.model._stiffness`).

    A fixed-step solve (``rk4``, ``euler``) that diverges (a non-finite result, or one more than
    10 x (1 + max |y0|) away from zero: the steps were too long for the current, stiffer model)
    is redone with the adaptive ``dopri5`` at the configured tolerances, counted in ``stats``;
    other batches are unchanged.

    Raises
    ------
    TrainingError
        An adaptive solve (also the fallback) needs more than :data:`MAX_ADAPTIVE_STEPS` steps,
        or fails because the model is not finite.
    """
    out = _bounded_solve(func, y0, dt, config, steps)
    if SOLVERS.get(config.method).fixed and _diverged(out, y0):
        if stats is not None:
            stats.fallbacks += 1
        fallback = SolverConfig(method=FALLBACK, rtol=config.rtol, atol=config.atol, adjoint=config.adjoint)
        out = _bounded_solve(func, y0, dt, fallback, after=f"{config.method} with {steps or config.steps} steps diverged")
    return out


def _bounded_solve(func: nn.Module, y0: torch.Tensor, dt: torch.Tensor, config: SolverConfig,
                   steps: int | None = None, *, after: str | None = None) -> torch.Tensor:
    """:func:`_solve`, with torchdiffeq's failures (more than :data:`MAX_ADAPTIVE_STEPS` steps;
    "underflow in dt": the model itself is not finite) as a :class:`TrainingError`."""
    try:
        return _solve(func, y0, dt, config, steps)
    except AssertionError as exc:
        why = f" (after {after})" if after else ""
        if "max_num_steps" in str(exc):
            msg = (f"the {config.method} ODE solve needed more than {MAX_ADAPTIVE_STEPS} steps for one batch{why}; "
                   "it was stopped to keep memory bounded")
            raise TrainingError(msg, hint=_STIFF_HINT) from None
        msg = f"the ODE solve failed{why} ({exc})"
        raise TrainingError(msg, hint="try a lower --lr or --dtype float64") from None


def _diverged(out: torch.Tensor, y0: torch.Tensor) -> bool:
    """Non-finite, or far outside the start states' range (expression is scaled to about [0, 1])."""
    with torch.no_grad():
        if not bool(torch.isfinite(out).all()):
            return True
        return bool(out.abs().max() > 10.0 * (1.0 + y0.abs().max()))


def _solve(func: nn.Module, y0: torch.Tensor, dt: torch.Tensor, config: SolverConfig,
           steps: int | None = None) -> torch.Tensor:
    solver = SOLVERS.get(config.method)
    if solver.fixed and not config.adjoint:
        return fixed_step(func, y0, dt, config.method, steps or config.steps)
    import torchdiffeq

    rescaled = _Rescaled(func, dt.reshape(-1, 1).to(y0.dtype))
    s = torch.tensor([0.0, 1.0], dtype=y0.dtype, device=y0.device)
    kwargs: dict = {"method": config.method}
    if solver.fixed:
        kwargs["options"] = {"step_size": 1.0 / (steps or config.steps)}
    else:
        kwargs["rtol"] = config.rtol
        kwargs["atol"] = config.atol
        kwargs["options"] = {"max_num_steps": MAX_ADAPTIVE_STEPS}
    if config.adjoint:
        out = torchdiffeq.odeint_adjoint(rescaled, y0, s, adjoint_params=tuple(func.parameters()), **kwargs)
    else:
        out = torchdiffeq.odeint(rescaled, y0, s, **kwargs)
    return out[-1]


def fixed_step(func: nn.Module, y0: torch.Tensor, dt: torch.Tensor, method: str, steps: int) -> torch.Tensor:
    """``steps`` equal steps of a fixed-step method of :data:`SOLVERS` (``rk4``: the 3/8 rule, as
    torchdiffeq's ``rk4``; ``euler``) over each row's own interval ``dt`` (B,); returns the states
    at the end, (B, N).

    The same arithmetic as torchdiffeq's fixed-grid solvers on the rescaled system, written out
    so that a :class:`~dashgrn.model.VectorField` (such as :class:`~dashgrn.model.PhoenixODE`)
    forms its masked weights once per solve rather than once per evaluation: about 1.3x faster
    for the small matrices of a training batch. Other modules are called as ``func(t, y)``.
    """
    step = SOLVERS.get(method).step
    if step is None:
        msg = f"{method} is not a fixed-step method"
        raise ValueError(msg)
    h = (dt.reshape(-1, 1) / steps).to(y0.dtype)
    f = func.vector_field(h) if isinstance(func, VectorField) else (lambda y: h * func(None, y))
    y = y0
    for _ in range(steps):
        y = step(f, y)
    return y
