"""dashgrn.simulate._random: random networks of any size."""

from __future__ import annotations

import numpy as np
import pytest

from dashgrn import ConfigError
from dashgrn.simulate import initial_states, integrate, make_prior, random_network

TIMES = np.array([0.0, 2.0, 3.0, 7.0, 9.0])


@pytest.mark.parametrize("n_genes", [10, 100, 1000])
def test_random_network_simulates_within_bounds(n_genes: int) -> None:
    rng = np.random.default_rng(n_genes)
    net = random_network(n_genes, rng)
    edges = net.edges
    width = max(4, len(str(n_genes)))
    assert net.genes == [f"G{i:0{width}d}" for i in range(1, n_genes + 1)]
    assert not (edges["regulator"] == edges["target"]).any()
    assert not edges.duplicated(["regulator", "target"]).any()
    assert edges["EC50"].between(0.4, 0.6).all() and edges["n"].between(1.01, 1.7).all()
    inputs = set(np.asarray(net.genes)[net.is_input])
    assert not set(edges["target"]) & inputs
    assert set(edges["target"]) == set(np.asarray(net.genes)[~net.is_input])  # every regulated gene has a regulator
    assert inputs <= set(edges["regulator"])  # every input regulates something
    assert net.n_edges == round(1.5 * n_genes)
    if n_genes == 1000:
        assert 0.6 < (edges["sign"] > 0).mean() < 0.73
        outdeg = edges["regulator"].value_counts()
        assert outdeg.max() > 10 * outdeg.median()  # hubs: scale-free-like out-degree
    for noise in (0.025, 0.05, 0.1):
        prior, info = make_prior(net.truth(), net.genes, rng, noise=noise)
        overlap = len(prior.merge(net.truth(), on=["regulator", "target"]))
        assert info.n_moved == int(2 * noise * net.n_edges + 1e-9)
        assert overlap == net.n_edges - info.n_moved and len(prior) == net.n_edges
    comp = net.compile()
    k = 4 if n_genes == 1000 else 8
    inputs_, y0 = initial_states(comp, k, rng)
    sol = integrate(comp, y0, inputs_, TIMES)
    assert sol.shape == (k, 5, comp.n_regulated)
    assert np.isfinite(sol).all()
    assert sol.min() >= -1e-9 and sol.max() <= 1 + 1e-9


def test_random_network_two_genes_and_bad_sizes() -> None:
    net = random_network(2, np.random.default_rng(0))
    assert net.n_edges == 1 and net.is_input.tolist() == [True, False]
    for bad in (1, 0, -3, 2.5):
        with pytest.raises(ConfigError, match="--genes"):
            random_network(bad, np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="--regulator-fraction"):
        random_network(10, np.random.default_rng(0), regulator_fraction=1.5)
