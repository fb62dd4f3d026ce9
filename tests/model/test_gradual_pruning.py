"""``gradual`` pruning: per-gene budgets, events after plateaus, the density ladder, resume."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from dashgrn.config import PruneConfig, SolverConfig, TrainConfig
from dashgrn.model import Pairs, PhoenixODE, Trainer
from dashgrn.model._training import PLATEAU_DROP
from dashgrn.model.pruning import PRUNERS, GradualPruning, make_pruner, prune_mask_layer, prune_mask_per_gene
from dashgrn.model.pruning.gradual import GENE_AXIS, SHARED_BUDGET


def test_per_gene_mask_keeps_the_floor_share_of_each_gene_by_score() -> None:
    mask = np.ones((3, 5))
    mask[2, 0] = 0.0  # already pruned: stays pruned, and counts against the gene's share
    score = np.array([[5.0, 1.0, 4.0, 2.0, 3.0],
                      [-1.0, -9.0, 0.5, 0.5, 8.0],  # |score|; the tie at 0.5 keeps the lower index
                      [9.0, 1.0, 2.0, 3.0, 4.0]])
    new = prune_mask_per_gene(mask, score, 0.5, axis=0)  # floor(0.5 * 5) = 2 per row
    np.testing.assert_array_equal(new, [[1, 0, 1, 0, 0], [0, 1, 0, 0, 1], [0, 0, 0, 1, 1]])
    by_col = prune_mask_per_gene(np.ones((4, 2)), np.array([[1.0, 4], [3, 2], [2, 3], [4, 1]]), 0.5, axis=1)
    np.testing.assert_array_equal(by_col, [[0, 1], [1, 0], [0, 1], [1, 0]])
    assert (prune_mask_per_gene(mask, score, 1.0, axis=0) == mask).all()  # nothing to remove


def test_layer_mask_shares_the_layer_s_budget_and_keeps_each_gene_s_best() -> None:
    mask = np.ones((3, 4))
    mask[0, 1] = 0.0  # already pruned: stays pruned, and is never the gene's floor
    score = np.array([[9.0, 8.0, 0.1, 0.2],
                      [7.0, -0.5, 0.3, -0.2],  # |score|
                      [6.0, 0.4, 0.3, 0.1]])
    # 12 entries at density 0.5: 6 kept; the floor (by column): 9 (0,0), 0.5 (1,1), 0.3 (1,2: the
    # lower row of the tie), 0.2 (0,3 before -0.2 at 1,3); then the best others: 7 (1,0), 6 (2,0)
    new = prune_mask_layer(mask, score, 0.5, axis=1)
    np.testing.assert_array_equal(new, [[1, 0, 0, 1], [1, 1, 1, 0], [1, 0, 0, 0]])
    # the floor is kept when it alone exceeds the budget: floor(0.25 * 12) = 3 < 4 columns
    low = prune_mask_layer(mask, score, 0.25, axis=1)
    np.testing.assert_array_equal(low, [[1, 0, 0, 1], [0, 1, 1, 0], [0, 0, 0, 0]])
    # by row: the same cut of the transposed layer
    np.testing.assert_array_equal(prune_mask_layer(mask.T, score.T, 0.5, axis=0), new.T)
    assert (prune_mask_layer(mask, score, 1.0, axis=1) == mask).all()  # nothing to remove


def _pruner(**kw: object) -> GradualPruning:
    p = make_pruner(PruneConfig(strategy="gradual", **kw))
    assert isinstance(p, GradualPruning)
    return p


def test_registry_and_the_events_follow_plateaus_down_a_geometric_ladder() -> None:
    assert PRUNERS.get("gradual") is GradualPruning
    p = _pruner(events=4, target=0.9, settle=5)
    assert p.adaptive and p.last_event(400) is None and p.n_events == 4
    assert [p.density(k) for k in range(5)] == pytest.approx([0.1 ** (k / 4) for k in range(5)])
    assert p.adaptive_amount(50, 400, stalled=4, done=0) == 0.0  # not converged yet
    first = p.adaptive_amount(50, 400, stalled=5, done=0)
    assert first == pytest.approx(1 - 0.1 ** 0.25)
    # the dense model waits for the early-stopping patience, later stages for `settle` epochs
    assert p.adaptive_amount(50, 400, stalled=39, done=0, patience=40) == 0.0
    assert p.adaptive_amount(50, 400, stalled=40, done=0, patience=40) == pytest.approx(first)
    assert p.adaptive_amount(50, 400, stalled=5, done=1, patience=40) > 0.0
    # the product of the fractions is the target density
    fracs = [p.adaptive_amount(60 + k, 400, stalled=5, done=k) for k in range(4)]
    assert math.prod(1 - f for f in fracs) == pytest.approx(0.1)
    assert p.adaptive_amount(100, 400, stalled=99, done=4) == 0.0  # all events done
    # an event is not put off past the epochs its successors need: 400 - 4 * 5 - 5 = 375
    assert p.adaptive_amount(374, 400, stalled=0, done=0) == 0.0
    assert p.adaptive_amount(375, 400, stalled=0, done=0) > 0.0
    assert p.adaptive_amount(1, 400, stalled=99, done=0) == 0.0  # never before the first epoch


def test_it_scores_by_magnitude_with_or_without_a_prior() -> None:
    import scipy.sparse as sp

    from dashgrn.model.pruning import PriorMatrices, magnitude_scores

    g = torch.Generator().manual_seed(3)
    m = PhoenixODE(6, 4, generator=g, dtype=torch.float64, rate="softplus")
    p = make_pruner(PruneConfig(strategy="gradual"), PriorMatrices(abs_prior=sp.eye(6, format="csr")))
    assert not p.uses_prior and not p.needs_prior
    got, _ = p.scores(m)
    W, rate = p.weights(m)
    for k, v in magnitude_scores(W, rate, abs_exp_wp=True).items():
        np.testing.assert_array_equal(got[k], v)
    # |W| on every layer, directly: W_p too (not SPEC 7.4's exp(W_p)), whatever --abs-wp-score says
    with torch.no_grad():  # the sparse initialisation leaves W_p all zero at H = 4
        m.W_p.copy_(torch.randn(4, 6, generator=g, dtype=torch.float64))
    W, rate = p.weights(m)
    assert (W["W_p"] < 0).any() and (W["W_p"] > 0).any()
    for abs_wp in (False, True):
        q = make_pruner(PruneConfig(strategy="gradual", abs_wp=abs_wp))
        sc, _ = q.scores(m)
        np.testing.assert_allclose(sc["W_p"], np.abs(W["W_p"]) / np.abs(W["W_p"]).sum())
        np.testing.assert_allclose(sc["C_s"], np.abs(W["C_s"]) * rate[:, None] / (np.abs(W["C_s"]) * rate[:, None]).sum())


def test_a_strong_negative_exponent_outlives_weak_positive_ones() -> None:
    # exp(W_p) would keep the weak positive exponents and cut the strong negative one
    g = torch.Generator().manual_seed(0)
    m = PhoenixODE(3, 4, generator=g, dtype=torch.float64, rate="softplus")
    with torch.no_grad():
        m.W_p.copy_(torch.tensor([[-2.0, 0.1, 0.3], [0.01, 0.2, -0.5], [0.02, -0.3, 0.1], [0.03, 0.05, 0.2]],
                                 dtype=torch.float64))
    p = make_pruner(PruneConfig(strategy="gradual", events=1, target=0.75))
    p.init_state(4, 3, np.random.default_rng(0))
    p.prune(m, 0.75)  # one event: the layer keeps 3 of 12, one per regulator: its largest |W_p|
    np.testing.assert_array_equal(m.mask_W_p.numpy(), [[1, 0, 0], [0, 0, 1], [0, 1, 0], [0, 0, 0]])


def _trainer(epochs: int, *, settle: int = 2, events: int = 2, seed: int = 0) -> Trainer:
    g = torch.Generator().manual_seed(seed)
    n, h = 5, 8
    y0 = torch.rand(30, n, generator=g, dtype=torch.float64)
    y1 = 0.8 * y0 + 0.1 + 0.05 * torch.randn(30, n, generator=g, dtype=torch.float64)  # noise: a floor
    pairs = Pairs(y0=y0, y1=y1, dt=torch.full((30,), 0.5, dtype=torch.float64),
                  train=torch.arange(24), val=torch.arange(24, 30))
    model = PhoenixODE(n, h, generator=g, dtype=torch.float64, rate="softplus")
    pruner = make_pruner(PruneConfig(strategy="gradual", events=events, target=0.75, settle=settle))
    pruner.init_state(h, n, np.random.default_rng(seed))
    cfg = TrainConfig(epochs=epochs, batch_size=8, early_stopping=4, lr=0.05)
    return Trainer(model, pairs, cfg, pruner, SolverConfig(method="rk4", steps=2), generator=g)


def test_training_reaches_the_target_per_gene_and_keeps_the_best_at_final_sparsity() -> None:
    tr = _trainer(60)
    res = tr.run()
    assert len(res.prune_events) == 2 and res.at_final_sparsity
    first, second = (e["epoch"] for e in res.prune_events)
    # each event waits for `settle` epochs without improvement since the last one
    before = [r["val_loss"] for r in res.history if r["epoch"] < first]
    # the dense model: early_stopping = 4 epochs without a 0.1% fall below the best before them,
    # well before the latest epoch
    assert 4 < len(before) < 40 and min(before[-4:]) >= min(before[:-4]) * (1 - PLATEAU_DROP)
    assert second > first + 1
    assert res.best_epoch >= second
    at_final = [r["val_loss"] for r in res.history if r["epoch"] >= second]
    assert res.best_val_loss == min(at_final)
    for name, axis in GENE_AXIS.items():
        mask = getattr(tr.model, f"mask_{name}").numpy()
        kept = mask.sum(axis=1 - axis)
        if name in SHARED_BUDGET:  # the regulators share floor(0.25 * 40) = 10 weights, each keeps one
            assert mask.sum() == 10 and kept.min() >= 1, name
        else:  # every target keeps floor(0.25 * 8) = 2 of its 8 weights
            assert kept.tolist() == [2] * 5, name
    assert [e["target_density"] for e in res.prune_events] == pytest.approx([0.5, 0.25])


def test_stopping_and_resuming_is_the_same_run() -> None:
    whole = _trainer(40).run()
    first = _trainer(40)
    n_stop = whole.prune_events[0]["epoch"] + 1  # inside the second stage

    part = first.run(stop_requested=lambda: len(first.history) >= n_stop)
    assert part.stopped == "interrupted"
    second = _trainer(40)
    second.load_state_dict(first.state_dict())
    rest = second.run()
    assert [r["val_loss"] for r in rest.history] == [r["val_loss"] for r in whole.history]
    assert [e["epoch"] for e in rest.prune_events] == [e["epoch"] for e in whole.prune_events]
    for k, v in whole.best_state.items():
        assert torch.equal(rest.best_state[k], v), k
