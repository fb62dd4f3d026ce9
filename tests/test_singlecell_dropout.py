"""dashgrn.singlecell.dropout: which genes have dropouts, and the neighbour fill of the embedding."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from dashgrn.singlecell.dropout import MAX_GENES, dropout_genes, impute_dropouts, truncated_poisson_rate


@pytest.mark.parametrize("lam", [0.05, 0.3, 1.0, 4.0, 25.0])
def test_the_truncated_poisson_rate_inverts_the_truncated_mean(lam: float) -> None:
    m = lam / -np.expm1(-lam)  # E[X | X > 0] of a Poisson(lam)
    assert truncated_poisson_rate(np.array([m]))[0] == pytest.approx(lam, rel=1e-6)
    assert truncated_poisson_rate(np.array([1.0]))[0] == 0.0  # every non-zero count is 1


def test_poisson_zeros_are_not_dropouts_but_injected_zeros_are() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    counts = np.column_stack([
        rng.poisson(20.0, n),  # high: Poisson gives no zeros
        rng.poisson(0.3, n),  # low: 74% zeros, all of them sampling
        rng.poisson(2.0, n),  # 13.5% zeros, all sampling
        rng.poisson(20.0, n) * (rng.random(n) > 0.1),  # high, with 10% of the counts dropped
        rng.poisson(2.0, n) * (rng.random(n) > 0.1),  # low, with drops: zeros Poisson could give (p0 0.135)
        np.zeros(n, dtype=int),  # never expressed
    ])
    assert dropout_genes(counts).tolist() == [False, False, False, True, False, False]
    assert dropout_genes(sp.csr_matrix(counts)).tolist() == [False, False, False, True, False, False]


def test_impute_fills_dropped_values_from_the_neighbours() -> None:
    """Cells on a line: gene 2 follows gene 1 exactly. Its dropped values come back as the
    mean of the cells nearest in gene 1 (here: almost the value itself); the rest is kept."""
    n = 400
    s = np.linspace(0, 1, n)
    counts = np.column_stack([np.round(40 + 100 * s), np.round(140 - 100 * s)])
    rng = np.random.default_rng(1)
    drop = rng.random(n) < 0.1
    counts[drop, 1] = 0
    values = np.log1p(counts)
    filled, record = impute_dropouts(values, counts)
    assert record == {"dropout_genes": 1, "dropout_values": int(drop.sum())}
    np.testing.assert_array_equal(filled[~drop], values[~drop])  # observed values untouched
    np.testing.assert_array_equal(filled[:, 0], values[:, 0])
    truth = np.log1p(np.round(140 - 100 * s))
    assert np.abs(filled[drop, 1] - truth[drop]).max() < 0.05  # log units: about 5% of the count
    assert np.abs(values[drop, 1] - truth[drop]).min() > 3.0  # what the zeros were


def test_impute_leaves_data_without_dropouts_or_with_many_genes_alone() -> None:
    rng = np.random.default_rng(2)
    counts = rng.poisson(15.0, (300, 4))
    values = np.log1p(counts.astype(float))
    out, record = impute_dropouts(values, counts)
    assert out is values and record == {"dropout_genes": 0, "dropout_values": 0}
    wide = rng.poisson(20.0, (50, MAX_GENES + 1)) * (rng.random((50, MAX_GENES + 1)) > 0.2)
    out, record = impute_dropouts(np.log1p(wide.astype(float)), wide)
    assert record["dropout_genes"] == 0 and np.array_equal(out, np.log1p(wide.astype(float)))
