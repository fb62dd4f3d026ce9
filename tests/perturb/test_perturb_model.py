"""The clamped integration (dashgrn.model._perturb) against exact solutions of linear ODEs."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as la
import torch
from torch import nn

from dashgrn.config import SolverConfig
from dashgrn.model import PhoenixODE
from dashgrn.model._perturb import Clamped, integrate_clamped


class Linear(nn.Module):
    """dy/dt = A y + b (no ``vector_field``: the generic path of the solvers)."""

    def __init__(self, A: np.ndarray, b: np.ndarray | None = None) -> None:
        super().__init__()
        self.A = torch.tensor(A)
        self.b = torch.tensor(np.zeros(len(A)) if b is None else b)

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return y @ self.A.T + self.b


def _system(n: int = 5, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(0, 0.6, (n, n)) - 1.5 * np.eye(n)


def _exact(A: np.ndarray, y0: np.ndarray, t: float, k: int, c: float) -> np.ndarray:
    """y(t) with gene k held at c: y_F' = A_FF y_F + A_Fk c, solved with the matrix exponential."""
    free = [i for i in range(len(A)) if i != k]
    Aff, afk = A[np.ix_(free, free)], A[free, k]
    E = la.expm(Aff * t)
    yf = E @ y0[free] + np.linalg.solve(Aff, (E - np.eye(len(free))) @ afk) * c
    out = np.empty(len(A))
    out[free], out[k] = yf, c
    return out


@pytest.mark.parametrize("solver", [None, SolverConfig(method="rk4", steps=400)], ids=["dopri5", "rk4"])
@pytest.mark.parametrize("c", [0.0, 0.8], ids=["knockout", "overexpress"])
def test_clamped_linear_ode_matches_the_matrix_exponential(solver: SolverConfig | None, c: float) -> None:
    A = _system()
    rng = np.random.default_rng(1)
    y0 = rng.random((3, 5))
    horizon = np.array([0.5, 1.7, 3.0])  # every row over its own time
    k = 2
    clamp = torch.zeros(3, 5, dtype=torch.bool)
    clamp[:, k] = True
    values = torch.full((3, 5), c, dtype=torch.float64)
    kw = {} if solver is None else {"config": solver}
    got = integrate_clamped(Linear(A), torch.tensor(y0), torch.tensor(horizon), clamp=clamp, values=values, **kw)
    want = np.stack([_exact(A, y0[r], horizon[r], k, c) for r in range(3)])
    np.testing.assert_allclose(got.numpy(), want, atol=2e-6)
    assert (got[:, k] == c).all()
    # without the clamp the same call is the plain solve exp(A t) y0
    free = integrate_clamped(Linear(A), torch.tensor(y0), torch.tensor(horizon))
    np.testing.assert_allclose(free.numpy(), np.stack([la.expm(A * h) @ y for h, y in zip(horizon, y0)]), atol=2e-6)


def test_each_row_has_its_own_clamp() -> None:
    """Rows of one batch with different clamps equal the rows solved alone."""
    A = _system(4, seed=3)
    y0 = np.full((2, 4), 0.5)
    clamp = torch.tensor([[True, False, False, False], [False, False, False, True]])
    values = torch.tensor([[0.0, 0, 0, 0], [0, 0, 0, 1.2]], dtype=torch.float64)
    got = integrate_clamped(Linear(A), torch.tensor(y0), torch.tensor([2.0, 2.0]), clamp=clamp, values=values)
    np.testing.assert_allclose(got[0].numpy(), _exact(A, y0[0], 2.0, 0, 0.0), atol=2e-6)
    np.testing.assert_allclose(got[1].numpy(), _exact(A, y0[1], 2.0, 3, 1.2), atol=2e-6)


def test_phoenix_fast_path_equals_the_generic_path() -> None:
    """Clamped.vector_field on a PhoenixODE (masked weights formed once) equals calling the model."""
    torch.manual_seed(0)
    model = PhoenixODE(6, 5, generator=torch.Generator().manual_seed(2), dtype=torch.float64, rate="softplus")

    class Plain(nn.Module):
        def __init__(self, m: nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return self.m(t, y)

    y0 = torch.rand(4, 6, dtype=torch.float64)
    clamp = torch.zeros(4, 6, dtype=torch.bool)
    clamp[:, 1] = True
    values = torch.zeros(4, 6, dtype=torch.float64)
    cfg = SolverConfig(method="rk4", steps=20)
    fast = integrate_clamped(model, y0, torch.full((4,), 2.0, dtype=torch.float64), clamp=clamp, values=values,
                             config=cfg)
    slow = integrate_clamped(Plain(model), y0, torch.full((4,), 2.0, dtype=torch.float64), clamp=clamp,
                             values=values, config=cfg)
    torch.testing.assert_close(fast, slow, rtol=1e-12, atol=1e-12)
    assert (fast[:, 1] == 0).all()
    assert not torch.allclose(fast[:, 0], y0[:, 0])  # the other genes did move
    field = Clamped(model, (~clamp).double())
    assert (field(None, y0)[:, 1] == 0).all()
