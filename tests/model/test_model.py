"""PHOENIX model: forward pass by hand, gradients, effect matrix, batched solves."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dashgrn.model import PhoenixODE
from dashgrn.config import SolverConfig
from dashgrn.model import solve_pairs


def _three_gene_model() -> PhoenixODE:
    m = PhoenixODE(3, 2, dtype=torch.float64)
    with torch.no_grad():
        m.W_s.copy_(torch.tensor([[1.0, -2.0, 0.0], [0.5, 0.0, 1.5]], dtype=torch.float64))
        m.b_s.copy_(torch.tensor([0.1, -0.2], dtype=torch.float64))
        m.W_p.copy_(torch.tensor([[0.0, 1.0, -1.0], [2.0, 0.0, 0.0]], dtype=torch.float64))
        m.b_p.copy_(torch.tensor([0.0, 0.3], dtype=torch.float64))
        m.C_s.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.5, -0.5]], dtype=torch.float64))
        m.C_p.copy_(torch.tensor([[0.2, 0.0], [0.0, -1.0], [1.0, 1.0]], dtype=torch.float64))
        m.m.copy_(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64))
    return m


def test_forward_matches_hand_computation() -> None:
    m = _three_gene_model()
    y = [0.2, 0.9, 0.5]
    # by hand: ssm(y) = (y-.5)/(1+|y-.5|)
    s = [(-0.3) / 1.3, 0.4 / 1.4, 0.0]
    sums = [1.0 * s[0] - 2.0 * s[1] + 0.1, 0.5 * s[0] + 1.5 * s[2] - 0.2]
    ls = [math.log(1 + v) for v in s]
    prods = [math.exp(1.0 * ls[1] - 1.0 * ls[2]), math.exp(2.0 * ls[0] + 0.3)]
    joint = [
        1.0 * sums[0] + 0.2 * prods[0],
        1.0 * sums[1] - 1.0 * prods[1],
        0.5 * sums[0] - 0.5 * sums[1] + prods[0] + prods[1],
    ]
    rate = [0.5, 0.0, 2.0]
    expected = [rate[i] * (joint[i] - y[i]) for i in range(3)]
    got = m(torch.tensor(0.0), torch.tensor([y], dtype=torch.float64))[0]
    np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    # prods branch is the product form exp(b) * prod (1 + ssm)^W
    assert prods[1] == pytest.approx(math.exp(0.3) * (1 + s[0]) ** 2.0)


def test_effect_matrix_formula_and_orientation() -> None:
    m = _three_gene_model()
    E = m.effect_matrix().numpy()
    Ws, Wp, Cs, Cp = (getattr(m, k).detach().numpy() for k in ("W_s", "W_p", "C_s", "C_p"))
    rate = np.maximum(m.m.detach().numpy(), 0)
    for i in range(3):
        for j in range(3):
            want = rate[j] * sum(Ws[k, i] * Cs[j, k] + Wp[k, i] * Cp[j, k] for k in range(2))
            assert E[i, j] == pytest.approx(want)
    # column of a gene with non-positive multiplier is zero
    assert np.all(E[:, 1] == 0)


def test_effect_matrix_sign_matches_jacobian_for_sums_branch() -> None:
    m = _three_gene_model()
    with torch.no_grad():
        m.W_p.zero_()
    y = torch.tensor([[0.3, 0.6, 0.55]], dtype=torch.float64)
    J = torch.autograd.functional.jacobian(lambda v: m.rhs(v)[0], y)[:, 0, :]  # J[j, i] = d f_j / d y_i
    E = m.effect_matrix()
    off = ~torch.eye(3, dtype=torch.bool)
    nz = (E != 0) & off
    assert torch.equal(torch.sign(J.T[nz]), torch.sign(E[nz]))


def test_masks_zero_the_weights_and_gradients() -> None:
    m = PhoenixODE(5, 4, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        m.mask_W_s[0, :] = 0
    y = torch.rand(3, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    m.rhs(y).sum().backward()
    assert torch.all(m.W_s.grad[0] == 0)
    assert torch.all(m.weight("W_s")[0] == 0)


def test_gradcheck_float64() -> None:
    m = PhoenixODE(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    y = torch.rand(2, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    params = [m.W_s, m.b_s, m.W_p, m.b_p, m.C_s, m.C_p, m.m]

    def f(*ps: torch.Tensor) -> torch.Tensor:
        state = dict(zip(["W_s", "b_s", "W_p", "b_p", "C_s", "C_p", "m"], ps))
        full = {**{k: v for k, v in m.state_dict().items() if k.startswith("mask")}, **state}
        return torch.func.functional_call(m, full, (torch.tensor(0.0), y))

    inputs = tuple(p.detach().clone().requires_grad_(True) for p in params)
    # nudge multipliers away from relu's kink
    with torch.no_grad():
        inputs[-1].copy_(inputs[-1].abs() + 0.1)
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-7)


def test_gradcheck_through_solver() -> None:
    m = PhoenixODE(3, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    y0 = torch.rand(2, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(4)).requires_grad_(True)
    dt = torch.tensor([0.5, 1.5], dtype=torch.float64)
    cfg = SolverConfig(method="rk4", steps=10)
    assert torch.autograd.gradcheck(lambda y: solve_pairs(m, y, dt, cfg), (y0,), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("method", ["dopri5", "rk4"])
def test_batched_rescaled_solve_equals_per_pair_solves(method: str) -> None:
    import torchdiffeq

    m = PhoenixODE(6, 4, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    with torch.no_grad():
        m.m.mul_(3.0)
    g = torch.Generator().manual_seed(6)
    y0 = torch.rand(5, 6, dtype=torch.float64, generator=g)
    dt = torch.tensor([0.1, 1.0, 2.0, 4.0, 0.5], dtype=torch.float64)
    cfg = SolverConfig(method=method, rtol=1e-10, atol=1e-12, steps=400)
    batched = solve_pairs(m, y0, dt, cfg)
    for b in range(5):
        t = torch.tensor([0.0, float(dt[b])], dtype=torch.float64)
        ref = torchdiffeq.odeint(m, y0[b:b + 1], t, method="dopri5", rtol=1e-11, atol=1e-13)[-1]
        np.testing.assert_allclose(batched[b].detach().numpy(), ref[0].detach().numpy(), atol=1e-8)


def test_solver_matches_exact_linear_decay() -> None:
    """With all weights zero, joint = 0 and dy/dt = -r y: y(t) = y0 exp(-r t)."""
    m = PhoenixODE(3, 2, dtype=torch.float64)
    with torch.no_grad():
        for k in ("W_s", "W_p", "C_s", "C_p", "b_s", "b_p"):
            getattr(m, k).zero_()
        m.m.copy_(torch.tensor([0.5, 1.0, 3.0]))
    y0 = torch.tensor([[1.0, 0.5, 0.2], [0.3, 0.3, 0.3]], dtype=torch.float64)
    dt = torch.tensor([2.0, 0.7], dtype=torch.float64)
    got = solve_pairs(m, y0, dt, SolverConfig(method="dopri5", rtol=1e-10, atol=1e-12))
    want = y0 * torch.exp(-torch.tensor([0.5, 1.0, 3.0], dtype=torch.float64)[None, :] * dt[:, None])
    np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-8)


def test_adjoint_gives_same_gradients_as_direct() -> None:
    m = PhoenixODE(4, 3, generator=torch.Generator().manual_seed(7), dtype=torch.float64)
    y0 = torch.rand(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(8))
    dt = torch.tensor([0.5, 1.0, 2.0], dtype=torch.float64)
    grads = []
    for adj in (False, True):
        m.zero_grad()
        solve_pairs(m, y0, dt, SolverConfig(method="dopri5", rtol=1e-10, atol=1e-12, adjoint=adj)).pow(2).sum().backward()
        grads.append(m.W_s.grad.clone())
    np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), rtol=1e-6, atol=1e-9)


def test_initialisation_follows_spec() -> None:
    m = PhoenixODE(50, 40, generator=torch.Generator().manual_seed(0))
    # sparse_: ceil(0.95 * 40) = 38 zeros per column -> 2 non-zeros per input gene
    assert torch.all((m.W_s != 0).sum(dim=0) == 2)
    assert torch.all((m.W_p != 0).sum(dim=0) == 2)
    # orthogonal columns
    eye = (m.C_s.T.double() @ m.C_s.double()).detach()
    np.testing.assert_allclose(eye.numpy(), np.eye(40), atol=1e-5)
    assert float(m.m.min()) >= 0 and float(m.m.max()) <= 1
    bound = 1 / math.sqrt(50)
    assert float(m.b_s.abs().max()) <= bound


def test_blockwise_sparse_effect_matrix_equals_the_dense_one() -> None:
    from dashgrn.model import effect_matrix

    m = PhoenixODE(13, 4, generator=torch.Generator().manual_seed(11), dtype=torch.float64)
    with torch.no_grad():
        m.mask_W_s[:, :5] = 0  # zero rows of E for the first regulators' sums branch
    dense = m.effect_matrix().numpy()
    for block in (1, 4, 13):
        np.testing.assert_array_equal(effect_matrix(m, block=block).toarray(), dense)


class _Decay(torch.nn.Module):
    """dy/dt = -k y: exact solution y0 exp(-k dt)."""

    def __init__(self, k: float) -> None:
        super().__init__()
        self.k = k

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return -self.k * y


def test_fixed_step_solve_that_diverges_falls_back_to_dopri5() -> None:
    from dashgrn.model import SolveStats

    y0 = torch.ones(3, 2, dtype=torch.float64)
    dt = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    stats = SolveStats()
    # k = 40: rk4 with 4 steps (h k dt up to 20, far past rk4's stability limit 2.8) blows up
    out = solve_pairs(_Decay(40.0), y0, dt, SolverConfig(method="rk4", steps=4, rtol=1e-8, atol=1e-10), stats=stats)
    assert stats.fallbacks == 1
    np.testing.assert_allclose(out.numpy(), np.exp(-40.0 * dt.numpy())[:, None] * np.ones((3, 2)), atol=1e-6)
    # a stable fixed-step solve is left alone: it equals rk4's own result, not the exact one
    h = 0.25
    out = solve_pairs(_Decay(1.0), y0, dt, SolverConfig(method="rk4", steps=4), stats=stats)
    assert stats.fallbacks == 1
    z = -h * dt.numpy()  # one rk4 step of y' = -y over h * dt multiplies y by the Taylor polynomial
    step = 1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24
    np.testing.assert_allclose(out.numpy()[:, 0], step**4, rtol=1e-12)
