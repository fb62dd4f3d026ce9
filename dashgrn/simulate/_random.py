"""Random SimulatorGRN-style networks."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._errors import ConfigError
from ._network import Network

__all__ = ["random_network"]


def _check_fraction(value: float, option: str, *, low_open: bool = True, high_open: bool = False) -> None:
    lo_ok = value > 0 if low_open else value >= 0
    hi_ok = value < 1 if high_open else value <= 1
    if not (np.isfinite(value) and lo_ok and hi_ok):
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        msg = f"{option}: {value!r} is not a fraction in {interval}"
        raise ConfigError(msg, hint=f"give a number in {interval}")


def _check_range(rng_: tuple[float, float], option: str, low: float, high: float | None) -> None:
    a, b = rng_
    ok = np.isfinite(a) and np.isfinite(b) and a <= b and a > low and (high is None or b < high)
    if not ok:
        bounds = f"({low:g}, {high:g})" if high is not None else f"({low:g}, inf)"
        msg = f"{option}: bad range {a!r}..{b!r}"
        raise ConfigError(msg, hint=f"give LOW <= HIGH inside {bounds}")


def random_network(
    n_genes: int,
    rng: np.random.Generator,
    *,
    regulator_fraction: float = 0.25,
    input_fraction: float = 0.75,
    edges_per_gene: float = 1.5,
    activating_fraction: float = 2 / 3,
    ec50_range: tuple[float, float] = (0.4, 0.6),
    n_range: tuple[float, float] = (1.01, 1.7),
    hub_exponent: float = 1.0,
    or_join_fraction: float = 0.5,
) -> Network:
    """Draw a random SimulatorGRN-style network.

    Genes are named ``G0001`` ... (zero-padded to at least 4 digits). Input genes
    (constant, no regulators) come first, then regulated genes. The regulators are
    the inputs plus the first regulated genes.

    Edges: every regulated gene gets one regulator; every regulator without a target
    gets one; further edges up to ``round(edges_per_gene * n_genes)`` join a regulator
    drawn with a power-law weight (``rank ** -hub_exponent`` over a random ranking,
    giving a scale-free-like out-degree) to a uniformly drawn regulated gene. No
    self-loops, no duplicate pairs.

    Logic (SimulatorGRN style): activators are AND-ed, repressors negated and OR-ed;
    a gene with both joins the two groups with ``|`` (probability
    ``or_join_fraction``: ``(A & B) | !C | !D``) or with ``&`` (``A & B & (!C | !D)``).

    Parameters
    ----------
    n_genes
        Number of genes, at least 2.
    rng
        The random generator (all draws come from it).
    regulator_fraction
        Fraction of genes that regulate others (at least one, at most ``n_genes - 1``).
    input_fraction
        Fraction of the regulators that are inputs (at least one).
    edges_per_gene
        Edges per gene (at least one per regulated gene and per regulator).
    activating_fraction
        Probability that an edge activates.
    ec50_range, n_range
        Uniform ranges of EC50 and of the Hill coefficient n.
    hub_exponent
        Exponent of the out-degree weights; 0 gives uniform regulators.
    or_join_fraction
        Probability of joining activators and repressors with ``|``.

    Returns
    -------
    Network
        spmax = spdeg = tau = 1 and all weights 1.

    Raises
    ------
    ConfigError
        Fewer than 2 genes or a parameter out of range.
    """
    if isinstance(n_genes, bool) or int(n_genes) != n_genes or n_genes < 2:
        msg = f"--genes: {n_genes!r}; a network needs at least 2 genes"
        raise ConfigError(msg, hint="give --genes 2 or more")
    n_genes = int(n_genes)
    _check_fraction(regulator_fraction, "--regulator-fraction")
    _check_fraction(input_fraction, "input_fraction")
    _check_fraction(activating_fraction, "--activating-fraction", low_open=False)
    _check_fraction(or_join_fraction, "or_join_fraction", low_open=False)
    if not (np.isfinite(edges_per_gene) and edges_per_gene > 0):
        msg = f"--edges-per-gene: {edges_per_gene!r} must be > 0"
        raise ConfigError(msg, hint="about 1.5 matches SIM350")
    if not (np.isfinite(hub_exponent) and hub_exponent >= 0):
        msg = f"hub_exponent: {hub_exponent!r} must be >= 0"
        raise ConfigError(msg)
    _check_range(ec50_range, "EC50 range", 0.0, 1.0)
    _check_range(n_range, "Hill n range", 0.0, None)

    width = max(4, len(str(n_genes)))
    names = np.array([f"G{i:0{width}d}" for i in range(1, n_genes + 1)], dtype=object)
    n_reg = int(min(max(round(regulator_fraction * n_genes), 1), n_genes - 1))
    n_in = int(min(max(round(input_fraction * n_reg), 1), n_reg))
    regs = np.arange(n_reg)
    targets = np.arange(n_in, n_genes)
    weights = (1.0 + rng.permutation(n_reg)) ** (-float(hub_exponent))
    p = weights / weights.sum()

    pairs: set[tuple[int, int]] = set()
    src: list[int] = []
    dst: list[int] = []

    def add(r: int, t: int) -> None:
        pairs.add((r, t))
        src.append(r)
        dst.append(t)

    # 1. One regulator per regulated gene (no self-loops: redraw collisions).
    first = rng.choice(regs, size=targets.size, p=p)
    for _ in range(100):
        clash = first == targets
        if not clash.any():
            break
        first[clash] = rng.choice(regs, size=int(clash.sum()), p=p)
    for r, t in zip(first.tolist(), targets.tolist()):
        if r == t:  # still clashing after the redraws: take another regulator (n_reg >= 2 here)
            r = int(regs[regs != t][0])
        add(r, t)
    # 2. One target per regulator that has none (it has no edges, so only self-loops clash).
    has_out = np.zeros(n_reg, dtype=bool)
    has_out[np.asarray(src, dtype=np.int64)] = True
    for r in np.flatnonzero(~has_out).tolist():
        choices = targets[targets != r]
        if choices.size:
            add(r, int(rng.choice(choices)))
    # 3. More edges, up to the requested count (bounded by the number of possible pairs).
    n_possible = n_reg * targets.size - int(np.count_nonzero(regs >= n_in))
    n_edges = int(min(max(round(edges_per_gene * n_genes), len(src)), n_possible))
    while len(src) < n_edges:
        need = n_edges - len(src)
        r = rng.choice(regs, size=2 * need + 8, p=p)
        t = rng.choice(targets, size=2 * need + 8)
        for a, b in zip(r.tolist(), t.tolist()):
            if a != b and (a, b) not in pairs:
                add(a, b)
                if len(src) == n_edges:
                    break

    n_e = len(src)
    sign = np.where(rng.random(n_e) < activating_fraction, 1, -1)
    ec50 = rng.uniform(ec50_range[0], ec50_range[1], size=n_e)
    hill = rng.uniform(n_range[0], n_range[1], size=n_e)
    join_or = rng.random(n_genes) < or_join_fraction

    edges = pd.DataFrame({"regulator_i": src, "target_i": dst, "sign": sign, "EC50": ec50, "n": hill})
    # Order: by target, activators first, then by regulator (the order of the formula).
    edges = edges.sort_values(["target_i", "sign", "regulator_i"], ascending=[True, False, True], kind="mergesort")
    logic = [""] * n_genes
    groups: dict[int, tuple[list[str], list[str]]] = {}
    for r, t, sg in zip(edges["regulator_i"].tolist(), edges["target_i"].tolist(), edges["sign"].tolist()):
        acts, reps = groups.setdefault(t, ([], []))
        (acts if sg > 0 else reps).append(names[r] if sg > 0 else "!" + names[r])
    for t, (acts, reps) in groups.items():
        if acts and reps:
            if join_or[t]:
                a = " & ".join(acts)
                logic[t] = " | ".join([f"({a})" if len(acts) > 1 else a, *reps])
            else:
                r_ = " | ".join(reps)
                logic[t] = " & ".join([*acts, f"({r_})" if len(reps) > 1 else r_])
        else:
            logic[t] = " & ".join(acts) if acts else " | ".join(reps)
    n_regulators = np.bincount(edges["target_i"].to_numpy(), minlength=n_genes)
    nodes = pd.DataFrame({
        "gene": names.astype(str),
        "type": np.where(np.arange(n_genes) < n_in, "input", "regulated"),
        "spmax": 1.0, "spdeg": 1.0, "tau": 1.0,
        "n_regulators": n_regulators.astype(np.int64),
        "logic": logic,
    })
    edge_table = pd.DataFrame({
        "regulator": names[edges["regulator_i"].to_numpy()].astype(str),
        "target": names[edges["target_i"].to_numpy()].astype(str),
        "sign": edges["sign"].to_numpy(np.int64),
        "weight": 1.0,
        "EC50": edges["EC50"].to_numpy(),
        "n": edges["n"].to_numpy(),
    })
    return Network.from_tables(nodes, edge_table, source="random network")
