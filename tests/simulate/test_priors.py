"""dashgrn.simulate._priors: priors with moved, missing and extra edges."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import ConfigError
from dashgrn.simulate import make_prior, random_network


@pytest.mark.parametrize(("noise", "kept"), [(0.025, 523), (0.05, 495), (0.1, 440)])
def test_prior_counts_match_dash_sim350_priors(shared_data: Path, noise: float, kept: int) -> None:
    truth = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t")
    genes = pd.read_csv(shared_data / "sim350_genes.tsv", sep="\t")["gene"].tolist()
    shared_prior = pd.read_csv(shared_data / f"sim350_prior_noise_{noise}.tsv", sep="\t")
    overlap = len(shared_prior.merge(truth, on=["regulator", "target"]))
    prior, info = make_prior(truth, genes, np.random.default_rng(0), noise=noise)
    assert overlap == kept == info.n_true_kept
    assert len(prior) == len(shared_prior) == 550


def test_prior_moves_exactly_the_requested_edges() -> None:
    net = random_network(100, np.random.default_rng(4))
    truth = net.truth()
    true_pairs = set(zip(truth["regulator"], truth["target"]))
    for noise in (0.0, 0.025, 0.05, 0.1, 0.5):
        prior, info = make_prior(truth, net.genes, np.random.default_rng(9), noise=noise)
        n_move = int(np.floor(2 * noise * len(truth) + 1e-9))
        pairs = list(zip(prior["regulator"], prior["target"]))
        assert len(prior) == len(truth) and len(set(pairs)) == len(pairs)
        assert sum(p in true_pairs for p in pairs) == len(truth) - n_move == info.n_true_kept
        assert info.n_moved == n_move
        assert not (prior["regulator"] == prior["target"]).any()
        assert (prior["sign"] > 0).sum() == (truth["sign"] > 0).sum()  # signs travel with the moved edges
        kept = prior.merge(truth, on=["regulator", "target"], suffixes=("", "_true"))
        assert (kept["sign"] == kept["sign_true"]).all()


def test_prior_drop_and_add() -> None:
    net = random_network(100, np.random.default_rng(4))
    truth = net.truth()
    prior, info = make_prior(truth, net.genes, np.random.default_rng(1), noise=0.05, drop=0.2, add=0.1)
    n = len(truth)
    assert (info.n_moved, info.n_dropped, info.n_added) == (15, 30, 15)
    assert len(prior) == n - 30 + 15 == info.n_edges
    overlap = len(prior.merge(truth, on=["regulator", "target"]))
    assert overlap == n - 15 - 30
    with pytest.raises(ConfigError, match="--prior-noise"):
        make_prior(truth, net.genes, np.random.default_rng(1), noise=0.6)
    tiny = random_network(3, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="gene pairs"):
        make_prior(tiny.truth(), tiny.genes, np.random.default_rng(1), add=10.0)
