"""Hill-ODE networks: the node and edge tables and their validation.

A :class:`Network` holds the tables (the format of ``sim350_ode_nodes.tsv`` /
``sim350_ode_edges.tsv``) and the parsed logic formula of every gene. Reading and
writing the tables is in :mod:`._network_io`; the compiled vectorised right-hand side
(the Hill kinetics) in :mod:`._kinetics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._errors import InputError
from ._kinetics import CompiledNetwork
from ._logic import Leaf, LogicError, Op, depth, leaves, parse_logic

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Network"]

NODE_COLUMNS = ["gene", "type", "spmax", "spdeg", "tau", "n_regulators", "logic"]
EDGE_COLUMNS = ["regulator", "target", "sign", "weight", "EC50", "n"]
NODE_TYPES = ("input", "regulated")


@dataclass
class Network:
    """A SimulatorGRN-style Hill-ODE network.

    Attributes
    ----------
    nodes
        One row per gene, columns ``gene, type, spmax, spdeg, tau, n_regulators, logic``
        (``type`` is ``input`` or ``regulated``; ``logic`` is empty for inputs).
        Row order is the gene order of every output.
    edges
        One row per edge, columns ``regulator, target, sign, weight, EC50, n`` (plus any
        extra columns of the file, e.g. ``n_published``, kept as they are).
    source
        Where the tables came from, for messages.
    """

    nodes: pd.DataFrame
    edges: pd.DataFrame
    source: str = "<memory>"
    _trees: list[Leaf | Op | None] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self._trees:  # built directly from tables: validate and parse them
            checked = Network.from_tables(self.nodes, self.edges, source=self.source)
            self.nodes, self.edges, self._trees = checked.nodes, checked.edges, checked._trees

    @property
    def genes(self) -> list[str]:
        return self.nodes["gene"].tolist()

    @property
    def n_genes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @property
    def is_input(self) -> np.ndarray:
        """``(n_genes,)`` bool: the gene is an input (constant in time)."""
        return (self.nodes["type"] == "input").to_numpy()

    @property
    def max_depth(self) -> int:
        """Deepest nesting of AND/OR levels over all formulas (0: single literals)."""
        return max((depth(t) for t in self._trees if t is not None), default=0)

    def truth(self) -> pd.DataFrame:
        """The true network: ``regulator, target, sign`` (int8) in edge-table order."""
        out = self.edges[["regulator", "target", "sign"]].copy()
        out["sign"] = out["sign"].astype(np.int8)
        return out.reset_index(drop=True)

    def compile(self) -> CompiledNetwork:
        """Index arrays for the vectorised right-hand side and Jacobian."""
        return CompiledNetwork.from_network(self)

    @classmethod
    def from_tables(cls, nodes: pd.DataFrame, edges: pd.DataFrame, *, source: str = "<memory>",
                    nodes_name: str | None = None, edges_name: str | None = None) -> Network:
        """Validate node and edge tables and parse every formula.

        Raises
        ------
        InputError
            Missing columns, unknown or duplicated genes, bad parameter values, a
            formula that does not parse or does not match the gene's edges.
        """
        nname = nodes_name or f"{source} (nodes)"
        ename = edges_name or f"{source} (edges)"
        nodes = _check_nodes(nodes, nname)
        edges = _check_edges(edges, nodes, ename)
        trees = _parse_formulas(nodes, edges, nname)
        return cls(nodes=nodes, edges=edges, source=source, _trees=trees)


def _missing_columns(df: pd.DataFrame, required: Sequence[str], name: str) -> None:
    missing = [c for c in required if c not in df.columns]
    if missing:
        msg = f"{name}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, df.columns))}"
        raise InputError(msg, hint=f"a node table needs {', '.join(NODE_COLUMNS)}; an edge table "
                         f"{', '.join(EDGE_COLUMNS)} (see sim350_ode_nodes.tsv / sim350_ode_edges.tsv)")


def _numeric(df: pd.DataFrame, col: str, name: str, *, low: float | None = None, high: float | None = None,
             low_open: bool = True, high_open: bool = True) -> np.ndarray:
    vals = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(vals)
    if low is not None:
        bad |= (vals <= low) if low_open else (vals < low)
    if high is not None:
        bad |= (vals >= high) if high_open else (vals > high)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        lo = "" if low is None else ("(" if low_open else "[") + f"{low:g}"
        hi = "" if high is None else f"{high:g}" + (")" if high_open else "]")
        rng = f" (must be in {lo or '(-inf'}, {hi or 'inf)'})" if (low is not None or high is not None) else ""
        msg = f"{name}: row {i + 1}: bad {col} value {df[col].iloc[i]!r}{rng}"
        raise InputError(msg, hint=f"fix column {col}; {int(bad.sum())} row(s) affected")
    return vals


def _check_nodes(nodes: pd.DataFrame, name: str) -> pd.DataFrame:
    _missing_columns(nodes, ["gene", "type"], name)
    nodes = nodes.copy()
    nodes["gene"] = nodes["gene"].astype(str).str.strip()
    if len(nodes) < 2:
        msg = f"{name}: {len(nodes)} gene(s); a network needs at least 2"
        raise InputError(msg, hint="add genes to the node table")
    dup = nodes["gene"][nodes["gene"].duplicated()]
    if len(dup):
        msg = f"{name}: duplicated gene name(s): {', '.join(dup.unique()[:5])}"
        raise InputError(msg, hint="gene names must be unique")
    types = nodes["type"].astype(str).str.strip()
    bad = ~types.isin(NODE_TYPES)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = f"{name}: row {i + 1} ({nodes['gene'].iloc[i]}): unknown type {types.iloc[i]!r}"
        raise InputError(msg, hint="type must be 'input' or 'regulated'")
    nodes["type"] = types
    for col in ("spmax", "spdeg", "tau"):
        if col not in nodes.columns:
            nodes[col] = 1.0
        nodes[col] = _numeric(nodes, col, name, low=0.0, low_open=(col == "tau"))
    if "logic" not in nodes.columns:
        nodes["logic"] = ""
    nodes["logic"] = nodes["logic"].fillna("").astype(str).str.strip()
    extra = [c for c in nodes.columns if c not in NODE_COLUMNS]
    if "n_regulators" not in nodes.columns:
        nodes["n_regulators"] = -1
    return nodes[NODE_COLUMNS + extra].reset_index(drop=True)


def _check_edges(edges: pd.DataFrame, nodes: pd.DataFrame, name: str) -> pd.DataFrame:
    _missing_columns(edges, ["regulator", "target", "sign", "EC50", "n"], name)
    edges = edges.copy()
    for col in ("regulator", "target"):
        edges[col] = edges[col].astype(str).str.strip()
    known = set(nodes["gene"])
    for col in ("regulator", "target"):
        unknown = ~edges[col].isin(known)
        if unknown.any():
            i = int(np.flatnonzero(unknown.to_numpy())[0])
            msg = (f"{name}: row {i + 1}: {col} {edges[col].iloc[i]!r} is not a gene of the node table"
                   f" ({int(unknown.sum())} row(s) affected)")
            raise InputError(msg, hint="every edge must join two genes listed in the node table")
    dup = edges.duplicated(["regulator", "target"])
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        msg = f"{name}: row {i + 1}: duplicated edge {edges['regulator'].iloc[i]} -> {edges['target'].iloc[i]}"
        raise InputError(msg, hint="each regulator -> target pair may appear once")
    sign = pd.to_numeric(edges["sign"], errors="coerce")
    bad = ~sign.isin([1, -1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        msg = f"{name}: row {i + 1}: bad sign {edges['sign'].iloc[i]!r}"
        raise InputError(msg, hint="sign must be 1 (activation) or -1 (repression)")
    edges["sign"] = sign.astype(np.int64)
    if "weight" not in edges.columns:
        edges["weight"] = 1.0
    edges["weight"] = _numeric(edges, "weight", name, low=0.0)
    edges["EC50"] = _numeric(edges, "EC50", name, low=0.0, high=1.0)
    edges["n"] = _numeric(edges, "n", name, low=0.0)
    extra = [c for c in edges.columns if c not in EDGE_COLUMNS]
    return edges[EDGE_COLUMNS + extra].reset_index(drop=True)


def _parse_formulas(nodes: pd.DataFrame, edges: pd.DataFrame, name: str) -> list[Leaf | Op | None]:
    by_target: dict[str, dict[str, int]] = {}
    for reg, tgt, sign in zip(edges["regulator"], edges["target"], edges["sign"]):
        by_target.setdefault(tgt, {})[reg] = int(sign)
    trees: list[Leaf | Op | None] = []
    n_regs = []
    for i, (gene, typ, logic) in enumerate(zip(nodes["gene"], nodes["type"], nodes["logic"])):
        regs = by_target.get(gene, {})
        where = f"{name}: row {i + 1} ({gene})"
        if typ == "input":
            if regs:
                msg = f"{where}: an input gene has {len(regs)} incoming edge(s), e.g. from {next(iter(regs))}"
                raise InputError(msg, hint="make it 'regulated' with a logic formula, or drop its edges")
            if logic:
                msg = f"{where}: an input gene has a logic formula {logic!r}"
                raise InputError(msg, hint="input genes are constant; leave their logic empty")
            trees.append(None)
            n_regs.append(0)
            continue
        if not logic:
            msg = f"{where}: a regulated gene has no logic formula"
            raise InputError(msg, hint="give a formula over its regulators, e.g. 'A & B | !C', or make it 'input'")
        try:
            tree = parse_logic(logic)
        except LogicError as exc:
            msg = f"{where}: logic {logic!r}: {exc}"
            raise InputError(msg, hint="formulas use gene names, '&', '|', '!' and parentheses") from None
        lits = leaves(tree)
        seen: set[str] = set()
        for lit in lits:
            if lit.name in seen:
                msg = f"{where}: logic {logic!r}: regulator {lit.name} appears more than once"
                raise InputError(msg, hint="each edge enters its target's formula exactly once")
            seen.add(lit.name)
            if lit.name not in regs:
                msg = f"{where}: logic {logic!r}: {lit.name!r} has no edge {lit.name} -> {gene} in the edge table"
                raise InputError(msg, hint="add the edge, or fix the name in the formula")
            if lit.sign != regs[lit.name]:
                msg = (f"{where}: logic {logic!r}: {lit.name} acts with sign {lit.sign:+d} in the formula "
                       f"but the edge table says {regs[lit.name]:+d}")
                raise InputError(msg, hint="repressors are written !NAME; make the formula and the sign agree")
        missing = [r for r in regs if r not in seen]
        if missing:
            msg = f"{where}: edge(s) from {', '.join(missing[:5])} are missing in the logic {logic!r}"
            raise InputError(msg, hint="every edge into a gene must appear in its formula")
        trees.append(tree)
        n_regs.append(len(lits))
    declared = pd.to_numeric(nodes["n_regulators"], errors="coerce").to_numpy()
    n_regs_arr = np.asarray(n_regs)
    check = declared >= 0
    bad = check & (declared != n_regs_arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (f"{name}: row {i + 1} ({nodes['gene'].iloc[i]}): n_regulators is {nodes['n_regulators'].iloc[i]}"
               f" but the edge table has {n_regs_arr[i]}")
        raise InputError(msg, hint="fix n_regulators, or drop the column")
    nodes["n_regulators"] = n_regs_arr.astype(np.int64)
    return trees
