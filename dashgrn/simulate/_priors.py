"""Noisy priors made from the true network, as DASH's prior_matrix_maker.R does."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["PriorCorruption", "count_of", "make_prior"]


def count_of(fraction: float, n_edges: int) -> int:
    """Number of edges a fraction of ``n_edges`` stands for: ``floor(fraction * n_edges)``.

    Truncation, as R's ``sample(x, size)`` does with a non-integer size; it reproduces
    the SIM350 priors (noise 0.025 moves 27 of 550 edges: 2 x 0.025 x 550 = 27.5).
    A tolerance of 1e-9 absorbs floating-point error (0.29 x 100 counts as 29).
    """
    return int(math.floor(fraction * n_edges + 1e-9))


@dataclass(frozen=True)
class PriorCorruption:
    """What :func:`make_prior` did: counts for the manifest and for tests."""

    noise: float
    drop: float
    add: float
    n_true_edges: int
    n_moved: int
    n_dropped: int
    n_added: int
    n_edges: int
    n_true_kept: int


def _free_pairs(
    rng: np.random.Generator, n_genes: int, count: int, forbidden: set[int], option: str
) -> np.ndarray:
    """``count`` distinct ordered pairs ``i * n_genes + j`` (i != j) outside ``forbidden``."""
    n_free = n_genes * (n_genes - 1) - len(forbidden)
    if count > n_free:
        msg = f"{option}: {count} new edge(s) needed but only {n_free} gene pairs are not true edges"
        raise ConfigError(msg, hint="use a smaller prior noise / --prior-add, or a larger network")
    chosen: list[int] = []
    taken = set(forbidden)
    while len(chosen) < count:
        need = count - len(chosen)
        i = rng.integers(0, n_genes, size=2 * need + 16)
        j = rng.integers(0, n_genes, size=2 * need + 16)
        for a, b in zip(i.tolist(), j.tolist()):
            key = a * n_genes + b
            if a != b and key not in taken:
                taken.add(key)
                chosen.append(key)
                if len(chosen) == count:
                    break
    return np.asarray(chosen, dtype=np.int64)


def make_prior(
    truth: pd.DataFrame,
    genes: Sequence[str],
    rng: np.random.Generator,
    *,
    noise: float = 0.0,
    drop: float = 0.0,
    add: float = 0.0,
) -> tuple[pd.DataFrame, PriorCorruption]:
    """Corrupt the true network into a prior.

    1. Move ``floor(2 * noise * n_edges)`` true edges (drawn without replacement) to
       random ordered pairs of distinct genes that are not true edges (and distinct
       from each other), keeping their signs (DASH's prior maker; see :func:`count_of`).
    2. Drop ``floor(drop * n_edges)`` of the remaining true edges (missing edges).
    3. Add ``floor(add * n_edges)`` further random false edges, each activating with
       the probability of the truth's activating fraction (extra edges).

    Parameters
    ----------
    truth
        ``regulator, target, sign`` of the true network.
    genes
        All genes (new edges are drawn among them).
    rng
        Random generator.
    noise, drop, add
        The fractions above.

    Returns
    -------
    prior, info
        The prior (``regulator, target, sign``, sorted by regulator then target in
        ``genes`` order) and the counts.

    Raises
    ------
    ConfigError
        A fraction out of range, or not enough free gene pairs.
    """
    for value, option, high in ((noise, "--prior-noise", 0.5), (drop, "--prior-drop", 1.0), (add, "--prior-add", None)):
        if not (np.isfinite(value) and value >= 0 and (high is None or value <= high)):
            bound = f"[0, {high:g}]" if high is not None else ">= 0"
            msg = f"{option}: {value!r} is out of range (must be {bound})"
            raise ConfigError(msg, hint="fractions of the true edges, e.g. 0.05")
    genes = list(genes)
    g = len(genes)
    pos = {name: i for i, name in enumerate(genes)}
    reg = truth["regulator"].map(pos).to_numpy(np.int64)
    tgt = truth["target"].map(pos).to_numpy(np.int64)
    sign = truth["sign"].to_numpy(np.int64)
    n = len(truth)
    n_move = count_of(2.0 * noise, n)
    n_drop = count_of(drop, n)
    n_add = count_of(add, n)
    if n_move + n_drop > n:
        msg = f"--prior-drop: moving {n_move} and dropping {n_drop} edges exceeds the {n} true edges"
        raise ConfigError(msg, hint="lower --prior-drop or the prior noise")
    order = rng.permutation(n)
    moved, kept = order[:n_move], order[n_move + n_drop:]  # the n_drop between them are dropped
    true_keys = set((reg * g + tgt).tolist())
    new = _free_pairs(rng, g, n_move + n_add, true_keys, "--prior-noise/--prior-add")
    frac_act = float(np.mean(sign > 0)) if n else 0.5
    add_sign = np.where(rng.random(n_add) < frac_act, 1, -1)
    keys = np.concatenate([reg[kept] * g + tgt[kept], new])
    signs = np.concatenate([sign[kept], sign[moved], add_sign]).astype(np.int8)
    srt = np.argsort(keys, kind="stable")
    keys, signs = keys[srt], signs[srt]
    names = np.asarray(genes, dtype=object)
    prior = pd.DataFrame({
        "regulator": names[keys // g].astype(str) if keys.size else np.array([], dtype=str),
        "target": names[keys % g].astype(str) if keys.size else np.array([], dtype=str),
        "sign": signs,
    })
    info = PriorCorruption(
        noise=float(noise), drop=float(drop), add=float(add), n_true_edges=n, n_moved=n_move,
        n_dropped=n_drop, n_added=n_add, n_edges=len(prior), n_true_kept=int(kept.size),
    )
    return prior, info
