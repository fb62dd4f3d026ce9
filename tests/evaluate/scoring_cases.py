"""Small prediction and truth tables shared by the tests of :mod:`dashgrn.evaluate`."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd


def make_pred(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """A prediction table ``regulator, target, weight``."""
    return pd.DataFrame(rows, columns=["regulator", "target", "weight"])


def make_truth(rows: list[tuple[str, str]] | list[tuple[str, str, int]]) -> pd.DataFrame:
    """A truth table ``regulator, target[, sign]``."""
    cols = ["regulator", "target", "sign"] if len(rows[0]) == 3 else ["regulator", "target"]
    return pd.DataFrame(rows, columns=cols)


def random_network(n_genes: int, n_edges: int, seed: int) -> tuple[list[str], pd.DataFrame]:
    """Gene names ``g00..`` and a signed truth of ``n_edges`` distinct ordered pairs."""
    rng = np.random.default_rng(seed)
    genes = [f"g{i:02d}" for i in range(n_genes)]
    pairs = list(itertools.permutations(genes, 2))
    idx = rng.choice(len(pairs), size=n_edges, replace=False)
    truth = pd.DataFrame([pairs[i] for i in idx], columns=["regulator", "target"])
    truth["sign"] = rng.choice([1, -1], size=n_edges)
    return genes, truth


def all_pairs(genes: list[str]) -> pd.DataFrame:
    """Every ordered pair of distinct genes."""
    return pd.DataFrame(list(itertools.permutations(genes, 2)), columns=["regulator", "target"])


def true_labels(pairs: pd.DataFrame, truth: pd.DataFrame) -> np.ndarray:
    """1 where the pair is a truth edge, 0 otherwise."""
    key = set(zip(truth["regulator"], truth["target"]))
    return np.array([(r, t) in key for r, t in zip(pairs["regulator"], pairs["target"])], dtype=int)


#: 3 genes A, B, C (6 ordered pairs); truth A->B, A->C; density 1/3.
TRUTH_ABC = make_truth([("A", "B"), ("A", "C")])
