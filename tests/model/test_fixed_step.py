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
