"""Pruning: schedule, masks that never regrow, DASH scores against a direct NumPy evaluation."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from dashgrn._errors import ConfigError
from dashgrn.config import PruneConfig
from dashgrn.model import PRUNABLE, PhoenixODE
from dashgrn.model.pruning import (
    PRUNERS,
    DashPruning,
    MagnitudePruning,
    NoPruning,
    PriorMatrices,
    PriorPruning,
    Pruner,
    Schedule,
    magnitude_scores,
    make_pruner,
    prune_mask,
    weight_sparsity,
)


def _pruner(strategy: str, prior: PriorMatrices | None = None, **settings: object) -> Pruner:
    """A pruner from the registry with SPEC's scores (``prior_score='spec'``) unless told otherwise."""
    return make_pruner(PruneConfig(strategy=strategy, **{"prior_score": "spec", **settings}), prior)


def test_registry_names_one_class_per_strategy() -> None:
    assert PRUNERS.names() == ("dash", "imp", "prior", "none", "gradual", "dash-paper")
    classes = {"dash": DashPruning, "imp": MagnitudePruning, "prior": PriorPruning, "none": NoPruning}
    for name, cls in classes.items():
        assert PRUNERS.get(name) is cls and type(_pruner(name, PriorMatrices(sp.eye(3, format="csr")))) is cls
    with pytest.raises(ConfigError, match="--pruning must be one of dash, imp, prior, none, gradual, dash-paper, got 'magic'"):
        make_pruner(PruneConfig(strategy="magic"))


def test_none_never_prunes() -> None:
    pr = _pruner("none")
    assert not pr.active and not pr.uses_prior and not PRUNERS.get("none").needs_prior
    assert all(pr.amount(e, 200) == 0 for e in range(1, 201))


def test_schedule_matches_dash_simulation_defaults() -> None:
    s = Schedule.from_config(PruneConfig())
    assert s.events(200) == [3, *range(10, 200, 10)]
    assert s.amount(3, 200) == 0.7
    assert s.amount(200, 200) == 0.0
    assert s.final_density(200) == pytest.approx(0.30 * 0.9**19)


def test_schedule_rejects_bad_fractions() -> None:
    with pytest.raises(ConfigError, match="prune-first"):
        PruneConfig(first=1.0)


def test_prune_mask_removes_rounded_fraction_of_remaining_lowest_first() -> None:
    mask = np.ones((4, 5))
    mask[0, :2] = 0
    score = np.arange(20, dtype=float).reshape(4, 5)
    new = prune_mask(mask, score, 0.25)
    # 18 alive -> round(4.5) = 4 removed (banker's rounding gives 4), the lowest alive scores 2..5
    assert new.sum() == 18 - round(0.25 * 18)
    assert np.all(new.ravel()[[2, 3, 4, 5]] == 0)
    assert np.all(new[mask == 0] == 0)  # never regrows


def _model_and_prior(n: int = 12, h: int = 5, seed: int = 0) -> tuple[PhoenixODE, sp.csr_matrix]:
    g = torch.Generator().manual_seed(seed)
    m = PhoenixODE(n, h, generator=g, dtype=torch.float64)
    with torch.no_grad():
        for k in PRUNABLE:
            getattr(m, k).copy_(torch.randn(getattr(m, k).shape, generator=g, dtype=torch.float64) * 0.3)
        m.m.copy_(torch.randn(n, generator=g, dtype=torch.float64))
    rng = np.random.default_rng(seed)
    P = np.zeros((n, n))
    for _ in range(3 * n):
        i, j = rng.integers(0, n // 2), rng.integers(0, n)
        if i != j:
            P[i, j] = rng.choice([-1.0, 1.0])
    return m, sp.csr_matrix(P)


def _numpy_dash(m: PhoenixODE, P: np.ndarray, S: dict[str, np.ndarray], lam_ppi: float, lam_motif: float):
    """SPEC 3.3 written directly, with explicit inverses, in module order W_p, W_s, C_s, C_p."""
    A = np.abs(P)
    Pi = A @ A.T
    Pi = Pi / Pi.sum()
    W = {k: m.weight(k).detach().numpy().copy() for k in PRUNABLE}
    rate = np.maximum(m.m.detach().numpy(), 0)
    S = {k: v.copy() for k, v in S.items()}
    out = {}
    for name in PRUNABLE:
        b = name[-1]
        if name == "W_p":
            mag = np.exp(W["W_p"]) / np.exp(W["W_p"]).sum()
        elif name == "W_s":
            mag = np.abs(W["W_s"]) / np.abs(W["W_s"]).sum()
        else:
            c = np.abs(W[name]) * rate[:, None]
            mag = c / c.sum()
        inv = np.linalg.inv(S[b] @ S[b].T)
        if name.startswith("W"):
            X = inv @ S[b] @ Pi
            omega = lam_ppi * np.abs(X) + (1 - lam_ppi) * mag
            S[b] = omega
        else:
            Y = (S[b] @ A).T @ inv
            omega = lam_motif * np.abs(Y) + (1 - lam_motif) * mag
        out[name] = omega
    return out, S


def test_dash_scores_match_direct_numpy_over_two_events() -> None:
    m, P = _model_and_prior()
    pr = _pruner("dash", PriorMatrices(abs_prior=abs(P).tocsr()), lambda_ppi=0.05, lambda_motif=0.01)
    pr.init_state(m.hidden, m.n_genes, np.random.default_rng(1))
    S = {k: v.copy() for k, v in pr.state.items()}
    for _ in range(2):  # the second event uses the recursively updated S
        want, S = _numpy_dash(m, P.toarray(), S, 0.05, 0.01)
        got, _ = pr.scores(m)
        for k in PRUNABLE:
            np.testing.assert_allclose(got[k], want[k], rtol=1e-8, atol=1e-12)
        for k in ("s", "p"):
            np.testing.assert_allclose(pr.state[k], S[k], rtol=1e-8)


def test_imp_is_dash_with_zero_lambda_and_prior_is_lambda_one() -> None:
    m, P = _model_and_prior()
    W = {k: m.weight(k).detach().numpy() for k in PRUNABLE}
    rate = np.maximum(m.m.detach().numpy(), 0)
    imp, _ = _pruner("imp").scores(m)
    mag = magnitude_scores(W, rate)
    for k in PRUNABLE:
        np.testing.assert_allclose(imp[k], mag[k])
        assert imp[k].sum() == pytest.approx(1.0)
    pr = _pruner("prior", PriorMatrices(abs_prior=abs(P).tocsr()))
    pr.init_state(m.hidden, m.n_genes, np.random.default_rng(1))
    S0 = {k: v.copy() for k, v in pr.state.items()}
    got, _ = pr.scores(m)
    want, _ = _numpy_dash(m, P.toarray(), S0, 1.0, 1.0)
    for k in PRUNABLE:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-8, atol=1e-12)


def test_explicit_ppi_matrix_is_used() -> None:
    m, P = _model_and_prior()
    n = m.n_genes
    rng = np.random.default_rng(3)
    Q = rng.random((n, n))
    Q = Q / Q.sum()
    pm = PriorMatrices(abs_prior=abs(P).tocsr(), ppi=sp.csr_matrix(Q))
    S = rng.random((m.hidden, n))
    np.testing.assert_allclose(pm.pi_right(S), S @ Q)


def test_prior_terms_vanish_outside_prior_support() -> None:
    """Input columns of genes that regulate nothing and output rows of genes with no
    prior regulator get a zero prior term (SPEC 3.3 consequences)."""
    m, P = _model_and_prior()
    pr = _pruner("prior", PriorMatrices(abs_prior=abs(P).tocsr()))
    pr.init_state(m.hidden, m.n_genes, np.random.default_rng(2))
    got, _ = pr.scores(m)
    A = abs(P).toarray()
    no_targets = A.sum(axis=1) == 0
    no_regs = A.sum(axis=0) == 0
    assert np.allclose(got["W_s"][:, no_targets], 0)
    assert np.allclose(got["C_s"][no_regs, :], 0)


@pytest.mark.parametrize("strategy", ["dash", "imp", "prior"])
def test_masks_never_regrow_and_hit_scheduled_density_exactly(strategy: str) -> None:
    m, P = _model_and_prior(n=30, h=8)
    pr = _pruner(strategy, PriorMatrices(abs_prior=abs(P).tocsr()))
    pr.init_state(m.hidden, m.n_genes, np.random.default_rng(0))
    epochs = 60
    prev = {k: getattr(m, f"mask_{k}").clone() for k in PRUNABLE}
    expected_alive = {k: getattr(m, k).numel() for k in PRUNABLE}
    g = torch.Generator().manual_seed(9)
    for e in range(1, epochs + 1):
        frac = pr.amount(e, epochs)
        if frac > 0:
            pr.prune(m, frac)
            for k in PRUNABLE:
                expected_alive[k] -= round(frac * expected_alive[k])
        with torch.no_grad():  # weights move between events, as in training
            for k in PRUNABLE:
                getattr(m, k).add_(torch.randn(getattr(m, k).shape, generator=g, dtype=torch.float64) * 0.1)
        for k in PRUNABLE:
            mask = getattr(m, f"mask_{k}")
            assert torch.all(mask <= prev[k])  # cumulative, never regrows
            assert int(mask.sum()) == expected_alive[k]
            prev[k] = mask.clone()
    for k in PRUNABLE:
        assert int(getattr(m, f"mask_{k}").sum()) == expected_alive[k]
        assert torch.all(m.weight(k)[getattr(m, f"mask_{k}") == 0] == 0)


def test_weight_sparsity_counts_inactive_multiplier_rows() -> None:
    m = PhoenixODE(4, 2, dtype=torch.float64)
    with torch.no_grad():
        for k in PRUNABLE:
            getattr(m, k).fill_(1.0)
        m.m.copy_(torch.tensor([1.0, -1.0, 1.0, 1.0], dtype=torch.float64))
    # W_p, W_s: no zeros (16 entries); C_p, C_s: gene 1 row zero -> 2 + 2 of 16 entries
    assert weight_sparsity(m) == pytest.approx(4 / 32)


def test_dash_needs_a_prior() -> None:
    with pytest.raises(ConfigError, match="needs a prior"):
        _pruner("dash", None)


def test_path_scores_match_direct_numpy() -> None:
    """--prior-score path: W[k, i] ~ sum_j |P_ij| |C_jk| rate_j over regulator i's best unit,
    C[j, k] ~ sum_i |W_ki| |P_ij| over target j's best unit, each normalised and mixed."""
    m, P = _model_and_prior()
    lam = 0.7
    pr = _pruner("dash", PriorMatrices(abs_prior=abs(P).tocsr()), lambda_ppi=lam, lambda_motif=lam,
                 prior_score="path")
    got, _ = pr.scores(m)
    A = np.abs(P.toarray())
    rate = np.maximum(m.m.detach().numpy(), 0)
    W = {k: m.weight(k).detach().numpy() for k in PRUNABLE}
    mag = magnitude_scores(W, rate)
    n, h = m.n_genes, m.hidden
    for b in ("s", "p"):
        Wa, Ca = np.abs(W[f"W_{b}"]), np.abs(W[f"C_{b}"])
        wt = np.zeros((h, n))
        ct = np.zeros((n, h))
        for k in range(h):
            for i in range(n):
                wt[k, i] = sum(A[i, j] * Ca[j, k] * rate[j] for j in range(n))
            for j in range(n):
                ct[j, k] = sum(Wa[k, i] * A[i, j] for i in range(n))
        for i in range(n):
            if wt[:, i].max() > 0:
                wt[:, i] /= wt[:, i].max()
        for j in range(n):
            if ct[j].max() > 0:
                ct[j] /= ct[j].max()
        np.testing.assert_allclose(got[f"W_{b}"], lam * wt / wt.sum() + (1 - lam) * mag[f"W_{b}"], rtol=1e-10)
        np.testing.assert_allclose(got[f"C_{b}"], lam * ct / ct.sum() + (1 - lam) * mag[f"C_{b}"], rtol=1e-10)
    # every regulator with a prior target keeps a top-scored unit in both input layers
    regs = np.flatnonzero(A.sum(axis=1) > 0)
    assert np.all(got["W_s"][:, regs].max(axis=0) > 0)


def test_dash_paper_is_spec_dash_whatever_the_score_settings() -> None:
    m, P = _model_and_prior()
    pm = PriorMatrices(abs_prior=abs(P).tocsr())
    paper = make_pruner(PruneConfig(strategy="dash-paper", prior_score="path", lambda_ppi=0.7, normalized=True), pm)
    assert (paper.prior_score, paper.lambda_ppi, paper.lambda_motif, paper.normalized) == ("spec", 0.05, 0.01, False)
    paper.init_state(m.hidden, m.n_genes, np.random.default_rng(1))
    S = {k: v.copy() for k, v in paper.state.items()}
    want, _ = _numpy_dash(m, P.toarray(), S, 0.05, 0.01)
    got, _ = paper.scores(m)
    for k in PRUNABLE:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-8, atol=1e-12)
    assert paper.schedule.events(200)[:3] == [3, 10, 20]  # SPEC 3.4's schedule by default
    with pytest.raises(ConfigError, match="needs a prior"):
        make_pruner(PruneConfig(strategy="dash-paper"))
