"""Step selection from the model's stiffness: the hand-written Jacobian-vector product, the
power-iteration estimate, and the trainer's use of it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dashgrn.config import SolverConfig
from dashgrn.model import MAX_STEPS, SOLVERS, PhoenixODE, SolveStats, StiffnessTracker, probe_states, solve_pairs

TARGETS = {name: SOLVERS.get(name).stiff_target for name in ("rk4", "euler")}

from linear_ode import LinearODE


def _model(n: int = 7, h: int = 5, seed: int = 0) -> PhoenixODE:
    g = torch.Generator().manual_seed(seed)
    m = PhoenixODE(n, h, generator=g, dtype=torch.float64, rate="softplus")
    with torch.no_grad():  # dense, larger weights than the init so every term matters
        for p in (m.W_s, m.W_p, m.b_s, m.b_p, m.C_s, m.C_p, m.m):
            p.copy_(torch.randn(p.shape, generator=g, dtype=torch.float64) * 0.7)
    return m


@pytest.mark.parametrize("masked", [False, True])
def test_jvp_matches_central_differences(masked: bool) -> None:
    m = _model()
    if masked:
        m.mask_W_p[0, :3] = 0.0
        m.mask_C_s[:, 1] = 0.0
    g = torch.Generator().manual_seed(1)
    y = torch.rand(4, 7, generator=g, dtype=torch.float64) * 1.4 - 0.2  # both sides of 0.5
    v = torch.randn(4, 7, generator=g, dtype=torch.float64)
    eps = 1e-6
    with torch.no_grad():
        fd = (m.rhs(y + eps * v) - m.rhs(y - eps * v)) / (2 * eps)
        got = m.jvp(y, v)
    np.testing.assert_allclose(got.numpy(), fd.numpy(), rtol=1e-6, atol=1e-8)


def test_tracker_finds_the_largest_eigenvalue_and_sizes_steps() -> None:
    # a non-symmetric A with real eigenvalues -1, -3, -12 (similarity transform of a diagonal)
    g = torch.Generator().manual_seed(3)
    S = torch.randn(3, 3, generator=g, dtype=torch.float64) + 3 * torch.eye(3, dtype=torch.float64)
    A = S @ torch.diag(torch.tensor([-1.0, -3.0, -12.0], dtype=torch.float64)) @ torch.linalg.inv(S)
    lin = LinearODE(A)
    tr = StiffnessTracker(torch.zeros(6, 3, dtype=torch.float64), iterations=2, first_iterations=60)
    assert tr.update(lin) == pytest.approx(12.0, rel=1e-6)
    assert tr.update(lin) == pytest.approx(12.0, rel=1e-6)  # warm start keeps it
    # steps = ceil(dt * rho / target), never below the configured count, never above MAX_STEPS
    assert tr.steps(4.0, "rk4", 4) == math.ceil(4.0 * 12.0 / TARGETS["rk4"])  # 20
    assert tr.steps(0.5, "rk4", 4) == 4
    assert tr.steps(4.0, "euler", 4) == math.ceil(4.0 * 12.0 / TARGETS["euler"])
    assert tr.steps(100.0, "rk4", 4) == MAX_STEPS
    # the configured count is kept while it is stable: h rho = 1 * 2.7 <= 2.785 at 4 steps over dt 4
    tr.rho = 2.7
    assert tr.steps(4.0, "rk4", 4) == 4
    tr.rho = 2.8  # just past the limit: ceil(4 * 2.8 / 2.5) = 5
    assert tr.steps(4.0, "rk4", 4) == 5
    assert tr.steps(4.0, "euler", 4) == math.ceil(4.0 * 2.8 / TARGETS["euler"])  # euler's limit is 2
    tr.rho = 12.0
    assert tr.steps(4.0, "dopri5", 4) == 4  # adaptive methods are left alone
    # the state round-trips (resume)
    tr2 = StiffnessTracker(torch.zeros(6, 3, dtype=torch.float64))
    tr2.load_state_dict(tr.state_dict())
    assert tr2.rho == tr.rho and tr2.updates == tr.updates and torch.equal(tr2.v, tr.v)


def test_steps_from_the_tracker_keep_a_stiff_rk4_solve_stable_without_fallback() -> None:
    k = 40.0
    lin = LinearODE(torch.tensor([[-k]], dtype=torch.float64))
    y0 = torch.ones(3, 1, dtype=torch.float64)
    dt = torch.tensor([1.0, 2.0, 0.5], dtype=torch.float64)
    tr = StiffnessTracker(y0)
    tr.update(lin)
    steps = tr.steps(float(dt.max()), "rk4", 4)
    assert steps == math.ceil(2.0 * k / TARGETS["rk4"])
    stats = SolveStats()
    out = solve_pairs(lin, y0, dt, SolverConfig(method="rk4", steps=4), steps, stats=stats)
    assert stats.fallbacks == 0  # stable at this step count: no fallback
    # rk4's own amplification per step, (Taylor polynomial of exp(z)) ** steps, z = -k dt / steps
    z = -k * dt.numpy() / steps
    amp = (1 + z + z**2 / 2 + z**3 / 6 + z**4 / 24) ** steps
    np.testing.assert_allclose(out.numpy()[:, 0], amp, rtol=1e-10)
    assert np.all(np.abs(amp) < 1)


def test_probe_states_are_spread_over_the_pairs_and_draw_no_random_numbers() -> None:
    y0 = torch.arange(20, dtype=torch.float64).reshape(10, 2)
    y1 = -y0
    idx = torch.tensor([1, 3, 5, 7, 9])
    torch.manual_seed(5)
    before = torch.rand(1)
    torch.manual_seed(5)
    p = probe_states(y0, y1, idx, n=3)
    assert torch.equal(torch.rand(1), before)
    assert torch.equal(p, torch.cat([y0[[1, 5, 9]], y1[[1, 5, 9]]]))
    assert probe_states(y0, y1, idx[:0]).shape == (0, 2)


def _stiff_trainer(dt: float, n_pairs: int, n_train: int, epochs: int):  # noqa: ANN202 - a Trainer
    """An unpruned rk4 trainer (4 steps) of a 6-gene model with rates about 3, all intervals ``dt``;
    returns it, its model, its pruner and its pairs."""
    from dashgrn.config import PruneConfig, TrainConfig
    from dashgrn.model import Pairs, Trainer
    from dashgrn.model.pruning import make_pruner

    n = 6
    g = torch.Generator().manual_seed(0)
    y0 = torch.rand(n_pairs, n, generator=g, dtype=torch.float64)
    pairs = Pairs(y0=y0, y1=y0 * 0.5, dt=torch.full((n_pairs,), dt, dtype=torch.float64),
                  train=torch.arange(n_train), val=torch.arange(n_train, n_pairs))
    m = PhoenixODE(n, 4, generator=g, dtype=torch.float64, rate="softplus")
    with torch.no_grad():
        m.m.fill_(3.0)  # rate about 3
    pruner = make_pruner(PruneConfig(strategy="none"))
    pruner.init_state(4, n, np.random.default_rng(0))
    tr = Trainer(m, pairs, TrainConfig(epochs=epochs, batch_size=8), pruner, SolverConfig(method="rk4", steps=4),
                 generator=torch.Generator().manual_seed(0))
    return tr, m, pruner, pairs


def test_trainer_raises_steps_for_a_stiff_model_and_records_them() -> None:
    from dashgrn.config import TrainConfig
    from dashgrn.model import Trainer

    # h * rate = 3 at 4 steps over dt 4, past rk4's limit
    tr, m, pruner, pairs = _stiff_trainer(4.0, 24, 16, epochs=2)
    res = tr.run()
    rows = res.history
    assert all(r["stiffness"] >= 2.9 for r in rows)  # h rho >= 2.9 at 4 steps: past the limit
    # the epoch's largest step count comes from its largest estimate (which may be the validation one)
    assert all(5 <= r["solver_steps"] <= math.ceil(4.0 * r["stiffness"] / TARGETS["rk4"]) for r in rows)
    assert tr.solve_stats.fallbacks == 0
    # adaptive solvers get no tracker and no extra columns
    tr2 = Trainer(m, pairs, TrainConfig(epochs=1, batch_size=8), pruner, SolverConfig(method="dopri5"),
                  generator=torch.Generator().manual_seed(0))
    assert tr2.tracker is None
    assert "solver_steps" not in tr2.run().history[0]


def test_a_model_too_stiff_for_the_step_cap_stops_with_a_training_error() -> None:
    """Intervals of 3,600 (times in seconds, not rescaled): MAX_STEPS rk4 steps diverge and the dopri5
    fallback hits its own bound, so training stops with a TrainingError instead of growing in memory."""
    from dashgrn import TrainingError
    from dashgrn.model._solvers import MAX_ADAPTIVE_STEPS

    tr, *_ = _stiff_trainer(3600.0, 16, 12, epochs=1)  # dt * rho about 10,000, far past 64 rk4 steps
    with pytest.raises(TrainingError, match=f"more than {MAX_ADAPTIVE_STEPS} steps"):
        tr.run()
    assert tr.solve_stats.fallbacks == 1


def _tracker_at(rho: float) -> StiffnessTracker:
    tr = StiffnessTracker(torch.zeros(2, 3))
    tr.rho = rho
    return tr


def test_step_groups_give_each_interval_its_own_count() -> None:
    from dashgrn.model._stiffness import step_groups

    solver = SolverConfig(method="rk4", steps=4)
    # rho 7.5: dt 4 needs ceil(4 * 7.5 / 2.5) = 12 steps, dt 2 needs 6, dt 1 is stable at 4 (7.5 / 4 < 2.785)
    dt = torch.tensor([1.0, 4.0, 2.0, 1.0, 4.0])
    groups = step_groups(_tracker_at(7.5), dt, solver)
    assert {k: v.tolist() for k, v in groups.items()} == {4: [0, 3], 6: [2], 12: [1, 4]}
    # each count is the tracker's for that interval alone
    for steps, rows in groups.items():
        assert all(_tracker_at(7.5).steps(float(dt[r]), "rk4", 4) == steps for r in rows)
    # a stable model: one group at the configured count
    assert list(step_groups(_tracker_at(0.5), dt, solver)) == [4]


def test_step_groups_round_up_when_a_batch_has_many_counts() -> None:
    from dashgrn.model._stiffness import MAX_STEP_GROUPS, step_groups

    dt = torch.linspace(0.5, 8.0, 40)
    tr = _tracker_at(9.0)
    groups = step_groups(tr, dt, SolverConfig(method="rk4", steps=4))
    assert len(groups) <= MAX_STEP_GROUPS + 1
    assert sorted(i for v in groups.values() for i in v.tolist()) == list(range(40))
    for steps, rows in groups.items():
        for r in rows.tolist():
            need = tr.steps(float(dt[r]), "rk4", 4)
            assert need <= steps <= min(MAX_STEPS, 2 * need)  # enough, and at most twice as many


def test_solve_stepped_equals_each_row_solved_with_its_own_count_and_has_gradients() -> None:
    from dashgrn.model._stiffness import solve_stepped

    m = _model()
    g = torch.Generator().manual_seed(3)
    y0 = torch.rand(6, 7, generator=g, dtype=torch.float64)
    dt = torch.tensor([1.0, 4.0, 2.0, 1.0, 4.0, 2.0], dtype=torch.float64)
    tr = _tracker_at(7.5)
    solver = SolverConfig(method="rk4", steps=4)
    pred, most = solve_stepped(m, y0, dt, solver, tr)
    assert most == 12
    for i in range(6):
        own = solve_pairs(m, y0[i:i + 1], dt[i:i + 1], solver, tr.steps(float(dt[i]), "rk4", 4))
        torch.testing.assert_close(pred[i:i + 1], own, rtol=0, atol=1e-12)  # one row or many: BLAS rounding
    # the short intervals did not take the longest one's 12 steps (that solve differs by far more)
    longest = solve_pairs(m, y0[:1], dt[:1], solver, 12)
    assert (pred[:1] - longest).abs().max() > 1e-8
    pred.sum().backward()
    assert m.W_s.grad is not None and torch.isfinite(m.W_s.grad).all() and m.W_s.grad.abs().sum() > 0
    # 4 and 5 steps (a fifth of the evaluations saved at most): one solve at 5, as for the longest interval
    few, most = solve_stepped(m, y0, dt, solver, _tracker_at(3.0))
    assert most == 5 and torch.equal(few, solve_pairs(m, y0, dt, solver, 5))
    # without a tracker (adaptive solvers): the configured solve, unchanged
    plain, zero = solve_stepped(m, y0, dt, SolverConfig(method="dopri5"), None)
    assert zero == 0 and torch.equal(plain, solve_pairs(m, y0, dt, SolverConfig(method="dopri5")))
