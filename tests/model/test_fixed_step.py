"""The hand-written fixed-step solvers against torchdiffeq and an exact solution."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dashgrn.model import PhoenixODE
from dashgrn.config import SolverConfig
from dashgrn.model import fixed_step, solve_pairs
from dashgrn.model._solvers import _Rescaled

from linear_ode import LinearODE


def _torchdiffeq(func: torch.nn.Module, y0: torch.Tensor, dt: torch.Tensor, method: str, steps: int) -> torch.Tensor:
    import torchdiffeq

    s = torch.tensor([0.0, 1.0], dtype=y0.dtype)
    return torchdiffeq.odeint(_Rescaled(func, dt.reshape(-1, 1)), y0, s, method=method,
                              options={"step_size": 1.0 / steps})[-1]


@pytest.mark.parametrize("method", ["rk4", "euler"])
@pytest.mark.parametrize("steps", [1, 3, 7])
def test_fixed_step_equals_torchdiffeq_fixed_grid(method: str, steps: int) -> None:
    g = torch.Generator().manual_seed(1)
    m = PhoenixODE(9, 5, generator=g, dtype=torch.float64, rate="softplus")
    with torch.no_grad():
        m.mask_W_s[:2] = 0  # masks are applied once per solve
    y0 = torch.rand(4, 9, generator=g, dtype=torch.float64)
    dt = torch.tensor([0.2, 1.0, 2.5, 0.7], dtype=torch.float64)
    np.testing.assert_allclose(fixed_step(m, y0, dt, method, steps).detach().numpy(),
                               _torchdiffeq(m, y0, dt, method, steps).detach().numpy(), rtol=0, atol=1e-13)
    lin = LinearODE(torch.randn(9, 9, generator=g, dtype=torch.float64) * 0.3)
    np.testing.assert_allclose(fixed_step(lin, y0, dt, method, steps).numpy(),
                               _torchdiffeq(lin, y0, dt, method, steps).numpy(), rtol=0, atol=1e-13)


def test_fixed_step_gradients_equal_torchdiffeq() -> None:
    g = torch.Generator().manual_seed(2)
    m = PhoenixODE(7, 4, generator=g, dtype=torch.float64)
    y0 = torch.rand(3, 7, generator=g, dtype=torch.float64)
    dt = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    grads = []
    for solve in (lambda: fixed_step(m, y0, dt, "rk4", 5), lambda: _torchdiffeq(m, y0, dt, "rk4", 5)):
        m.zero_grad()
        solve().pow(2).sum().backward()
        grads.append([p.grad.clone() for p in m.parameters()])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-13)


def test_rk4_is_fourth_order_and_euler_first_order_on_linear_decay() -> None:
    """Global error against y0 exp(-k dt) shrinks 16x (rk4) and 2x (euler) per halving of h."""
    k = torch.tensor([0.5, 2.0, 4.0], dtype=torch.float64)
    lin = LinearODE(-torch.diag(k))
    y0 = torch.ones(1, 3, dtype=torch.float64)
    dt = torch.tensor([1.0], dtype=torch.float64)
    exact = torch.exp(-k * dt)[None, :]
    for method, order in (("rk4", 4), ("euler", 1)):
        errs = [float((fixed_step(lin, y0, dt, method, n) - exact).abs().max()) for n in (32, 64, 128)]
        ratios = [errs[i] / errs[i + 1] for i in range(2)]
        assert all(abs(np.log2(r) - order) < 0.15 for r in ratios), (method, ratios)


def test_vector_field_is_scaled_rhs() -> None:
    g = torch.Generator().manual_seed(3)
    m = PhoenixODE(6, 3, generator=g, dtype=torch.float64)
    y = torch.rand(4, 6, generator=g, dtype=torch.float64)
    scale = torch.rand(4, 1, generator=g, dtype=torch.float64)
    np.testing.assert_allclose(m.vector_field(scale)(y).detach().numpy(), (scale * m.rhs(y)).detach().numpy(),
                               rtol=1e-14)
    # rhs itself against the SPEC formula, evaluated directly in NumPy
    Ws, Wp, Cs, Cp = (m.weight(k).detach().numpy() for k in ("W_s", "W_p", "C_s", "C_p"))
    s = (y.numpy() - 0.5) / (1 + np.abs(y.numpy() - 0.5))
    joint = (s @ Ws.T + m.b_s.detach().numpy()) @ Cs.T + np.exp(np.log1p(s) @ Wp.T + m.b_p.detach().numpy()) @ Cp.T
    np.testing.assert_allclose(m.rhs(y).detach().numpy(), np.maximum(m.m.detach().numpy(), 0) * (joint - y.numpy()),
                               rtol=1e-12)


def test_solve_pairs_uses_the_step_override() -> None:
    lin = LinearODE(-torch.eye(2, dtype=torch.float64))
    y0 = torch.ones(1, 2, dtype=torch.float64)
    dt = torch.tensor([1.0], dtype=torch.float64)
    cfg = SolverConfig(method="euler", steps=2)
    np.testing.assert_allclose(solve_pairs(lin, y0, dt, cfg).numpy(), 0.25)  # (1 - 1/2)^2
    np.testing.assert_allclose(solve_pairs(lin, y0, dt, cfg, steps=4).numpy(), 0.75 ** 4)


def _stiff_decay(k: float, n: int) -> LinearODE:
    """dy/dt = -k y: stable for an adaptive solver only with about k dt / 3.3 steps."""
    return LinearODE(-k * torch.eye(n, dtype=torch.float64))


def test_the_dopri5_fallback_is_bounded_and_fails_with_a_training_error() -> None:
    """rk4 diverges, and dopri5 would need about 30,000 steps: it stops at MAX_ADAPTIVE_STEPS with a
    TrainingError that says why and what to do (before: an unbounded solve, 24 GB of memory)."""
    from dashgrn import TrainingError
    from dashgrn.model import SolveStats
    from dashgrn.model._solvers import MAX_ADAPTIVE_STEPS

    y0 = torch.ones(2, 3, dtype=torch.float64)
    dt = torch.tensor([1.0, 1.0], dtype=torch.float64)
    stats = SolveStats()
    with pytest.raises(TrainingError, match=f"more than {MAX_ADAPTIVE_STEPS} steps") as exc:
        solve_pairs(_stiff_decay(1e5, 3), y0, dt, SolverConfig(method="rk4", steps=4), stats=stats)
    assert stats.fallbacks == 1
    assert "after rk4 with 4 steps diverged" in str(exc.value)
    assert "time column" in exc.value.hint and "--lr" in exc.value.hint


@pytest.mark.parametrize("method", ["dopri5", "bosh3"])
def test_an_adaptive_solve_is_bounded_too(method: str) -> None:
    from dashgrn import TrainingError

    y0 = torch.ones(1, 2, dtype=torch.float64)
    dt = torch.tensor([1.0], dtype=torch.float64)
    with pytest.raises(TrainingError, match=f"the {method} ODE solve needed more than"):
        solve_pairs(_stiff_decay(1e5, 2), y0, dt, SolverConfig(method=method))
    # a solve within the bound is unchanged
    out = solve_pairs(_stiff_decay(2.0, 2), y0, dt, SolverConfig(method=method, rtol=1e-9, atol=1e-12))
    np.testing.assert_allclose(out.numpy(), np.exp(-2.0), rtol=1e-6)
