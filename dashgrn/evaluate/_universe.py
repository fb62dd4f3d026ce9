"""The universe: the ordered (regulator, target) pairs that are scored, and the true edges among them.

The kinds (:data:`UNIVERSES`) and the rule for listed gold standards are described in
:mod:`dashgrn.evaluate`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import ConfigError, InputError
from .._log import get_logger
from ..io.truth import Truth, as_truth

log = get_logger(__name__)

#: The universe kinds (``--universe``), the default first.
UNIVERSES: tuple[str, ...] = ("beeline", "tf", "genes")


@dataclass(frozen=True)
class Universe:
    """The ordered pairs that are scored, and the true edges among them.

    Build it with :func:`build_universe`.

    Attributes
    ----------
    kind
        ``beeline``, ``tf`` or ``genes``.
    listed
        ``True`` when the truth has explicit negatives (DREAM): only listed pairs count.
    genes, regulators
        Sorted genes (targets) and allowed regulators.
    n_pairs, n_positive, n_activating, n_repressing
        Pairs in the universe; true edges among them (all, +1, -1).
    n_truth_dropped
        True edges left out: a gene outside the universe (``genes``) or a self-loop.
    truth_source
        Where the truth came from.
    """

    kind: str
    listed: bool
    genes: tuple[str, ...]
    regulators: tuple[str, ...]
    n_pairs: int
    n_positive: int
    n_activating: int
    n_repressing: int
    n_truth_dropped: int
    truth_source: str
    codes: np.ndarray = field(repr=False, compare=False)
    labels: np.ndarray = field(repr=False, compare=False)
    signs: np.ndarray = field(repr=False, compare=False)
    regulator_mask: np.ndarray = field(repr=False, compare=False)

    @property
    def density(self) -> float:
        """True edges over pairs: the precision of a random predictor."""
        return self.n_positive / self.n_pairs

    @property
    def signed(self) -> bool:
        """Whether any true edge in the universe has a known sign."""
        return (self.n_activating + self.n_repressing) > 0

    @property
    def description(self) -> str:
        """One line saying which pairs were scored."""
        if self.kind == "beeline":
            rule = f"ordered pairs of distinct truth genes ({len(self.genes):,} genes)"
        elif self.kind == "tf":
            rule = (
                f"truth regulators x truth genes, self-pairs excluded ({len(self.regulators):,} regulators x "
                f"{len(self.genes):,} genes)"
            )
        else:
            rule = f"ordered pairs of distinct genes of the gene list ({len(self.genes):,} genes)"
        if self.listed:
            rule += ", listed pairs only (explicit negatives)"
        text = (
            f"{self.kind}: {rule}; {self.n_pairs:,} pairs, {self.n_positive:,} true edges, "
            f"density {self.density:.4g}"
        )
        if self.n_truth_dropped:
            text += f"; {self.n_truth_dropped:,} true edges outside the universe dropped"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "kind": self.kind,
            "description": self.description,
            "listed_pairs_only": self.listed,
            "n_genes": len(self.genes),
            "n_regulators": len(self.regulators),
            "n_pairs": self.n_pairs,
            "n_true_edges": self.n_positive,
            "n_activating": self.n_activating,
            "n_repressing": self.n_repressing,
            "n_truth_dropped": self.n_truth_dropped,
            "density": self.density,
            "truth": self.truth_source,
        }


def check_universe(universe: str, *, has_genes: bool) -> None:
    """``universe`` is one of :data:`UNIVERSES`, and a gene list is given exactly for ``genes``."""
    if universe not in UNIVERSES:
        msg = f"unknown universe {universe!r}"
        raise ConfigError(msg, hint=f"choose one of: {', '.join(UNIVERSES)}")
    if universe == "genes" and not has_genes:
        msg = "--universe genes needs --genes FILE"
        raise ConfigError(msg, hint="give the gene list with --genes (one gene per line), or choose --universe beeline")
    if universe != "genes" and has_genes:
        msg = f"--genes is only used with --universe genes (got --universe {universe})"
        raise ConfigError(msg, hint="drop --genes, or use --universe genes")


def build_universe(
    truth: Truth | pd.DataFrame,
    *,
    universe: str = "beeline",
    genes: Sequence[str] | None = None,
) -> Universe:
    """Build the universe of scored pairs from a truth network.

    Parameters
    ----------
    truth
        A :class:`~dashgrn.io.Truth` or a truth table (see
        :func:`~dashgrn.io.as_truth`).
    universe
        ``beeline`` (default), ``tf`` or ``genes`` (see :mod:`dashgrn.evaluate`).
    genes
        The gene list for ``universe="genes"``.

    Returns
    -------
    Universe

    Raises
    ------
    ConfigError
        Unknown universe, or ``genes`` missing for ``universe="genes"``.
    InputError
        No true edge inside the universe, or every pair of the universe is a true edge.
    """
    truth = as_truth(truth)
    check_universe(universe, has_genes=genes is not None)
    edges = truth.edges
    n_loops = int(((edges["regulator"] == edges["target"]) & (edges["label"] == 1)).sum())
    if n_loops:
        log.info("%s: %d self-loop true edge(s) excluded (the universe has no self-pairs)", truth.source, n_loops)
    edges = edges[edges["regulator"] != edges["target"]]
    if universe == "genes":
        gene_list = sorted({str(g) for g in genes})  # type: ignore[union-attr]
        regs = gene_list
    else:
        gene_list = sorted(set(edges["regulator"]) | set(edges["target"]))
        regs = gene_list if universe == "beeline" else sorted(set(edges.loc[edges["label"] == 1, "regulator"]))
    index = pd.Index(gene_list)
    reg_mask = np.zeros(len(gene_list), dtype=bool)
    reg_mask[index.get_indexer(regs)] = True
    ri = index.get_indexer(edges["regulator"])
    ti = index.get_indexer(edges["target"])
    inside = (ri >= 0) & (ti >= 0)
    inside[inside] &= reg_mask[ri[inside]]
    lab = edges["label"].to_numpy(dtype=np.int8)
    dropped = int((~inside & (lab == 1)).sum())
    if dropped:
        log.warning("%s: %d true edge(s) outside the universe were dropped", truth.source, dropped)
    n_genes = len(gene_list)
    codes = ri[inside].astype(np.int64) * n_genes + ti[inside]
    labels = lab[inside]
    signs = edges["sign"].to_numpy(dtype=np.int8)[inside] * labels
    order = np.argsort(codes, kind="stable")
    codes, labels, signs = codes[order], labels[order], signs[order]
    listed = truth.listed
    n_pairs = len(codes) if listed else len(regs) * (n_genes - 1)
    n_pos = int(labels.sum())
    if n_pos == 0:
        msg = f"{truth.source}: no true edge is inside the {universe!r} universe"
        hint = (
            "check that the gene list uses the truth's gene identifiers"
            if universe == "genes"
            else "the truth needs at least one edge between two distinct genes"
        )
        raise InputError(msg, hint=hint)
    if n_pos == n_pairs:
        msg = f"{truth.source}: every pair of the {universe!r} universe is a true edge; there is nothing to rank"
        raise InputError(msg, hint="use a larger universe (--universe genes --genes FILE)")
    return Universe(
        kind=universe,
        listed=listed,
        genes=tuple(gene_list),
        regulators=tuple(regs),
        n_pairs=int(n_pairs),
        n_positive=n_pos,
        n_activating=int((signs == 1).sum()),
        n_repressing=int((signs == -1).sum()),
        n_truth_dropped=dropped + n_loops,
        truth_source=truth.source,
        codes=codes,
        labels=labels,
        signs=signs,
        regulator_mask=reg_mask,
    )

