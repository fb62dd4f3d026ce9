"""The Hill kinetics: a network compiled to index arrays, with the vectorised
right-hand side and its analytic sparse Jacobian.

Model (SimulatorGRN, as in ``../shared/data/README.md``), for every regulated gene g::

    dg/dt = (f_g(x) * spmax_g - spdeg_g * g) / tau_g
    fAct(x; EC50, n) = B x^n / (B - 1 + x^n),   B = (EC50^n - 1) / (2 EC50^n - 1)

``f_g`` is the gene's logic formula over its edge literals (see :mod:`._logic`).
Input genes (no regulators) are constant within a trajectory.

``fAct`` is evaluated in the algebraically identical form
``(1 - E) u / ((1 - E) u + E (1 - u))`` with ``u = x^n`` and ``E = EC50^n``, which has
no pole at ``EC50^n = 1/2`` (where the B form is 0/0).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from ._logic import Leaf, Op

if TYPE_CHECKING:
    from ._network import Network

__all__ = ["CompiledNetwork"]


@dataclass
class _Level:
    """One height of the formula forest: nodes whose children are all lower."""

    nodes: np.ndarray          # (m,) value slots written at this level
    children: np.ndarray       # (c,) value slots read, grouped by parent
    starts: np.ndarray         # (m,) offsets of each parent's group in ``children``
    parent_of_child: np.ndarray  # (c,) index 0..m-1 of the parent within this level
    is_or: np.ndarray          # (m,) bool
    child_or: np.ndarray       # (c,) bool: the parent is an OR node


@dataclass
class CompiledNetwork:
    """A network as index arrays; evaluates ``f`` and ``dy/dt`` for stacked states.

    The state ``y`` holds the regulated genes only (``reg_idx`` order); input genes
    enter as constants. Every method accepts arrays with any leading (batch)
    dimensions: ``y`` of shape ``(..., n_regulated)`` and ``inputs`` of shape
    ``(..., n_inputs)``.

    Value slots: ``0 .. n_leaves-1`` are the edge literals, then one slot per AND/OR
    node. Levels are evaluated bottom-up; each is a gather, a complement for OR
    groups (``a | b = 1 - (1 - a)(1 - b)``), one ``np.multiply.reduceat`` and a scatter.
    """

    n_genes: int
    input_idx: np.ndarray
    reg_idx: np.ndarray
    leaf_src: np.ndarray       # (L,) gene index of each leaf's regulator
    leaf_gene: np.ndarray      # (L,) target gene index (into reg order) of each leaf
    leaf_n: np.ndarray
    leaf_E: np.ndarray         # EC50 ** n
    leaf_w: np.ndarray
    leaf_repress: np.ndarray
    leaf_complement: np.ndarray
    levels: list[_Level]
    n_slots: int
    root: np.ndarray           # (n_regulated,) slot holding f of each regulated gene
    spmax: np.ndarray
    spdeg: np.ndarray
    tau: np.ndarray
    jac_rows: np.ndarray       # (nnz,) Jacobian pattern over the regulated state
    jac_cols: np.ndarray
    leaf_jac_pos: np.ndarray   # (L,) position of each leaf's entry in (jac_rows, jac_cols), -1 for inputs
    diag_pos: np.ndarray       # (n_regulated,) position of the diagonal entries

    @property
    def n_regulated(self) -> int:
        return int(self.reg_idx.size)

    @property
    def n_inputs(self) -> int:
        return int(self.input_idx.size)

    @classmethod
    def from_network(cls, network: Network) -> CompiledNetwork:
        genes = network.genes
        pos = {g: i for i, g in enumerate(genes)}
        is_input = network.is_input
        input_idx = np.flatnonzero(is_input)
        reg_idx = np.flatnonzero(~is_input)
        reg_pos = {int(g): k for k, g in enumerate(reg_idx)}
        edge_par = {(r, t): (w, ec, n) for r, t, w, ec, n in zip(
            network.edges["regulator"], network.edges["target"], network.edges["weight"],
            network.edges["EC50"], network.edges["n"])}

        # References: a leaf i is ``i`` (>= 0), an AND/OR node j is ``~j`` (< 0); slots are
        # assigned once the number of leaves is known.
        leaf_rows: list[tuple[int, int, float, float, float, bool, bool]] = []
        node_is_or: list[bool] = []
        node_children: list[list[int]] = []
        node_height: list[int] = []
        roots: list[int] = []

        def visit(tree: Leaf | Op, tgt: str) -> tuple[int, int]:
            """Collect ``tree``; return its reference and height."""
            if isinstance(tree, Leaf):
                w, ec, n = edge_par[(tree.name, tgt)]
                leaf_rows.append((pos[tree.name], reg_pos[pos[tgt]], n, ec**n, w, tree.repress, tree.complement))
                return len(leaf_rows) - 1, 0
            kids = [visit(c, tgt) for c in tree.children]
            node_is_or.append(tree.kind == "or")
            node_children.append([ref for ref, _ in kids])
            node_height.append(1 + max(h for _, h in kids))
            return ~(len(node_is_or) - 1), node_height[-1]

        for g, tree in zip(genes, network._trees):
            if tree is not None:
                roots.append(visit(tree, g)[0])

        n_leaves = len(leaf_rows)
        arr = np.array(leaf_rows, dtype=np.float64).reshape(-1, 7)

        def slot(ref: int) -> int:
            return ref if ref >= 0 else n_leaves + ~ref

        heights = np.asarray(node_height, dtype=np.int64)
        levels: list[_Level] = []
        for h in range(1, int(heights.max(initial=0)) + 1):
            ids = np.flatnonzero(heights == h)
            kids_: list[int] = []
            starts: list[int] = []
            parent: list[int] = []
            for j, nid in enumerate(ids.tolist()):
                starts.append(len(kids_))
                kids_.extend(slot(ref) for ref in node_children[nid])
                parent.extend([j] * len(node_children[nid]))
            is_or = np.asarray([node_is_or[i] for i in ids], dtype=bool)
            parent_arr = np.asarray(parent, dtype=np.int64)
            levels.append(_Level(
                nodes=n_leaves + ids, children=np.asarray(kids_, dtype=np.int64),
                starts=np.asarray(starts, dtype=np.int64), parent_of_child=parent_arr,
                is_or=is_or, child_or=is_or[parent_arr],
            ))
        root = np.asarray([slot(ref) for ref in roots], dtype=np.int64)

        leaf_src = arr[:, 0].astype(np.int64)
        leaf_gene = arr[:, 1].astype(np.int64)
        # Jacobian pattern over the regulated state: diagonal + one entry per (target, regulated source).
        src_reg = np.array([reg_pos.get(int(s), -1) for s in leaf_src], dtype=np.int64)
        n_reg = reg_idx.size
        rows = np.concatenate([np.arange(n_reg), leaf_gene[src_reg >= 0]])
        cols = np.concatenate([np.arange(n_reg), src_reg[src_reg >= 0]])
        flat = rows * max(n_reg, 1) + cols
        uniq, inverse = np.unique(flat, return_inverse=True)
        jac_rows, jac_cols = uniq // max(n_reg, 1), uniq % max(n_reg, 1)
        diag_pos = inverse[:n_reg]
        leaf_jac_pos = np.full(n_leaves, -1, dtype=np.int64)
        leaf_jac_pos[src_reg >= 0] = inverse[n_reg:]

        nodes = network.nodes
        return cls(
            n_genes=network.n_genes, input_idx=input_idx, reg_idx=reg_idx,
            leaf_src=leaf_src, leaf_gene=leaf_gene, leaf_n=arr[:, 2].copy(), leaf_E=arr[:, 3].copy(),
            leaf_w=arr[:, 4].copy(), leaf_repress=arr[:, 5].astype(bool), leaf_complement=arr[:, 6].astype(bool),
            levels=levels, n_slots=n_leaves + len(node_is_or), root=root,
            spmax=nodes["spmax"].to_numpy(np.float64)[reg_idx], spdeg=nodes["spdeg"].to_numpy(np.float64)[reg_idx],
            tau=nodes["tau"].to_numpy(np.float64)[reg_idx],
            jac_rows=jac_rows, jac_cols=jac_cols, leaf_jac_pos=leaf_jac_pos, diag_pos=diag_pos,
        )

    # ------------------------------------------------------------------ evaluation
    def full_state(self, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """``(..., n_genes)`` expression from the regulated state and the inputs."""
        y = np.asarray(y, dtype=np.float64)
        inputs = np.asarray(inputs, dtype=np.float64)
        batch = np.broadcast_shapes(y.shape[:-1], inputs.shape[:-1])
        x = np.empty(batch + (self.n_genes,), dtype=np.float64)
        x[..., self.reg_idx] = y
        x[..., self.input_idx] = inputs
        return x

    def _leaf_parts(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``fAct`` of every edge literal and its denominator (reused by the Jacobian)."""
        xs = np.clip(x[..., self.leaf_src], 0.0, 1.0)
        u = xs ** self.leaf_n
        one_e = 1.0 - self.leaf_E
        denom = one_e * u + self.leaf_E * (1.0 - u)
        fact = one_e * u / denom
        return fact, denom

    def _slots(self, x: np.ndarray) -> np.ndarray:
        fact, _ = self._leaf_parts(x)
        term = self.leaf_w * np.where(self.leaf_repress, 1.0 - fact, fact)
        term = np.where(self.leaf_complement, 1.0 - term, term)
        vals = np.empty(x.shape[:-1] + (self.n_slots,), dtype=np.float64)
        vals[..., : term.shape[-1]] = term
        for lev in self.levels:
            c = vals[..., lev.children]
            c = np.where(lev.child_or, 1.0 - c, c)
            p = np.multiply.reduceat(c, lev.starts, axis=-1)
            vals[..., lev.nodes] = np.where(lev.is_or, 1.0 - p, p)
        return vals

    def activation(self, x: np.ndarray) -> np.ndarray:
        """``f_g`` of every regulated gene, shape ``(..., n_regulated)``, from the full state."""
        return self._slots(np.asarray(x, dtype=np.float64))[..., self.root]

    def rhs(self, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """``dy/dt`` of the regulated genes, shape ``(..., n_regulated)``."""
        f = self.activation(self.full_state(y, inputs))
        return (f * self.spmax - self.spdeg * y) / self.tau

    def jacobian_values(self, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Values of ``d(dy/dt)/dy`` at the pattern ``(jac_rows, jac_cols)``; shape ``(..., nnz)``."""
        x = self.full_state(y, inputs)
        vals = self._slots(x)
        n_leaves = self.leaf_src.size
        # Reverse pass: grad[slot] = d f_root / d slot.
        grad = np.zeros_like(vals)
        grad[..., self.root] = 1.0
        for lev in reversed(self.levels):
            c = vals[..., lev.children]
            c = np.where(lev.child_or, 1.0 - c, c)
            zero = c == 0.0
            nz = np.where(zero, 1.0, c)
            prod_nz = np.multiply.reduceat(nz, lev.starts, axis=-1)[..., lev.parent_of_child]
            n_zero = np.add.reduceat(zero.astype(np.int64), lev.starts, axis=-1)[..., lev.parent_of_child]
            with np.errstate(divide="ignore", invalid="ignore"):
                others = np.where(n_zero == 0, prod_nz / nz, np.where((n_zero == 1) & zero, prod_nz, 0.0))
            # Formulas are trees: every slot has one parent, so plain assignment is exact.
            grad[..., lev.children] = grad[..., lev.nodes][..., lev.parent_of_child] * others
        xs = np.clip(x[..., self.leaf_src], 0.0, 1.0)
        n = self.leaf_n
        with np.errstate(divide="ignore", invalid="ignore"):
            du = np.where(xs > 0.0, n * xs ** (n - 1.0), np.where(n > 1.0, 0.0, np.where(n == 1.0, 1.0, np.inf)))
        _, denom = self._leaf_parts(x)
        dfact = (1.0 - self.leaf_E) * self.leaf_E / denom**2 * du
        sgn = np.where(self.leaf_repress != self.leaf_complement, -1.0, 1.0)
        dleaf = grad[..., :n_leaves] * sgn * self.leaf_w * dfact
        nnz = self.jac_rows.size
        out = np.zeros(x.shape[:-1] + (nnz,), dtype=np.float64)
        keep = self.leaf_jac_pos >= 0
        scale = (self.spmax / self.tau)[self.leaf_gene[keep]]
        # One leaf per (target, regulated source): positions are distinct.
        out[..., self.leaf_jac_pos[keep]] = dleaf[..., keep] * scale
        out[..., self.diag_pos] -= self.spdeg / self.tau
        return out

    def jacobian(self, y: np.ndarray, inputs: np.ndarray) -> sp.csc_matrix:
        """The sparse Jacobian of one state (``y`` of shape ``(n_regulated,)``)."""
        n = self.n_regulated
        return sp.csc_matrix((self.jacobian_values(y, inputs), (self.jac_rows, self.jac_cols)), shape=(n, n))

    def jacobian_dense(self, y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The dense Jacobian of one state, for LSODA."""
        n = self.n_regulated
        out = np.zeros((n, n), dtype=np.float64)
        out[self.jac_rows, self.jac_cols] = self.jacobian_values(y, inputs)
        return out

