"""dashgrn.simulate._integrate: sampling times, initial states, SIM350 reproduction and the
integrators."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import ConfigError
from dashgrn.simulate import check_times, initial_states, integrate, random_network, read_network

TIMES = np.array([0.0, 2.0, 3.0, 7.0, 9.0])


def test_sim350_reproduces_test_trajectories(shared_data: Path) -> None:
    """Done-when: the 10 SIM350 test trajectories to max abs error <= 1e-4."""
    net = read_network(shared_data / "sim350_ode_nodes.tsv", shared_data / "sim350_ode_edges.tsv")
    assert (net.n_genes, net.n_edges, int(net.is_input.sum())) == (350, 550, 73)
    assert net.max_depth == 2
    test = pd.read_csv(shared_data / "sim350_test_long.csv")
    assert list(test.columns[2:]) == net.genes
    comp = net.compile()
    data = test[net.genes].to_numpy().reshape(10, 5, net.n_genes)
    assert np.array_equal(np.unique(test["time"]), TIMES)
    sol = integrate(comp, data[:, 0, comp.reg_idx], data[:, 0, comp.input_idx], TIMES)
    err = np.abs(sol - data[:, :, comp.reg_idx]).max()
    assert err <= 1e-4
    assert err < 1e-5  # in practice 1.3e-6, the tolerance of the original lsoda run


def test_initial_states_follow_the_simulatorgrn_model() -> None:
    net = random_network(200, np.random.default_rng(0))
    comp = net.compile()
    inputs, y0 = initial_states(comp, 300, np.random.default_rng(1))
    assert inputs.shape == (300, comp.n_inputs) and y0.shape == (300, comp.n_regulated)
    assert inputs.min() >= 0 and inputs.max() <= 1 and y0.min() >= 0 and y0.max() <= 1
    assert inputs.std(axis=0).max() < 0.15  # per-gene truncated normals with sd <= 1/6
    assert 0.4 < y0.mean() < 0.6
    _, shared = initial_states(comp, 50, np.random.default_rng(1), start_jitter=0.0)
    assert np.all(shared == shared[0])


def test_check_times() -> None:
    assert check_times([0, 2, 3]).tolist() == [0, 2, 3]
    with pytest.raises(ConfigError, match="not strictly increasing"):
        check_times([0, 3, 2])
    with pytest.raises(ConfigError, match="not strictly increasing"):
        check_times([0, 2, 2])
    with pytest.raises(ConfigError, match="at least 2"):
        check_times([0])


@pytest.mark.parametrize("method", ["BDF", "Radau", "DOP853", "LSODA-banded"])
def test_integrators_agree(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashgrn.simulate import _integrate

    net = random_network(40, np.random.default_rng(8))
    comp = net.compile()
    inputs, y0 = initial_states(comp, 2, np.random.default_rng(0))
    ref = integrate(comp, y0, inputs, TIMES)
    if method == "LSODA-banded":  # the large-network path: LSODA with a diagonal Jacobian
        monkeypatch.setattr(_integrate, "DENSE_JACOBIAN_MAX", 0)
        method = "LSODA"
    other = integrate(comp, y0, inputs, TIMES, method=method)
    assert np.abs(other - ref).max() < 1e-6
