"""dashgrn.model._adam.Adam against torch.optim.Adam: the same parameters and state, bit for bit."""

from __future__ import annotations

import copy

import pytest
import torch

from dashgrn.model._adam import Adam


def _problem(seed: int) -> tuple[list[torch.Tensor], torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(6, 4, generator=g), torch.randn(4, generator=g), torch.randn(3, 6, generator=g)], \
        torch.randn(5, 4, generator=g)


def _loss(ps: list[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    w, b, c = ps
    return ((torch.tanh(x @ w.T) @ w + b) ** 2).sum() + (c**3).abs().sum()


def _groups(ps: list[torch.Tensor], opt_lr: float) -> list[dict]:
    # per-group learning rates and betas, as the trainer's groups (5 x lr on one of them)
    return [{"params": [ps[0]], "lr": opt_lr}, {"params": [ps[1]], "lr": 5 * opt_lr},
            {"params": [ps[2]], "lr": opt_lr, "betas": (0.8, 0.99), "eps": 1e-6}]


def _run(opt_cls: type, steps: int, seed: int = 0, lr_change_at: int | None = None):
    init, x = _problem(seed)
    ps = [p.clone().requires_grad_(True) for p in init]
    opt = opt_cls(_groups(ps, 1e-2), lr=1e-2)
    for k in range(steps):
        if k == lr_change_at:
            for gr in opt.param_groups:
                gr["lr"] *= 0.5
        opt.zero_grad(set_to_none=True)
        _loss(ps, x).backward()
        opt.step()
    return ps, opt


@pytest.mark.parametrize("seed", [0, 1])
def test_same_parameters_and_state_as_torch_adam_bit_for_bit(seed: int) -> None:
    ours, o1 = _run(Adam, 60, seed, lr_change_at=25)
    ref, o2 = _run(torch.optim.Adam, 60, seed, lr_change_at=25)
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)
    for pa, pb in zip(ours, ref, strict=True):
        sa, sb = o1.state[pa], o2.state[pb]
        for key in ("step", "exp_avg", "exp_avg_sq"):
            assert torch.equal(sa[key], sb[key]), key
    assert not torch.equal(ours[0], _problem(seed)[0][0])  # it did move


def test_parameters_without_gradient_are_left_alone() -> None:
    init, x = _problem(0)
    ps = [p.clone().requires_grad_(True) for p in init]
    opt = Adam([{"params": ps[:2]}, {"params": [ps[2]]}], lr=0.1)
    _loss(ps[:2] + [ps[2].detach()], x).backward()
    opt.step()
    assert torch.equal(ps[2], init[2]) and ps[2] not in opt.state
    assert not torch.equal(ps[0], init[0])


def test_state_dict_loads_into_torch_adam_and_back() -> None:
    """A resume state saved with either optimiser continues identically with the other."""
    ours, o1 = _run(Adam, 10)
    ref = [p.detach().clone().requires_grad_(True) for p in ours]
    o2 = torch.optim.Adam(_groups(ref, 1e-2), lr=1e-2)
    o2.load_state_dict(copy.deepcopy(o1.state_dict()))
    _, x = _problem(0)
    for ps, opt in ((ours, o1), (ref, o2)):
        for _ in range(5):
            opt.zero_grad(set_to_none=True)
            _loss(ps, x).backward()
            opt.step()
    for a, b in zip(ours, ref, strict=True):
        assert torch.equal(a, b)
    back = Adam(_groups([p.detach().clone() for p in ref], 1e-2))
    back.load_state_dict(o2.state_dict())
    assert back.param_groups[1]["lr"] == o2.param_groups[1]["lr"]


def test_rejects_bad_settings_and_closures() -> None:
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match="invalid Adam"):
        Adam([p], lr=-1.0)
    with pytest.raises(ValueError, match="closure"):
        Adam([p]).step(lambda: 0.0)
