"""The in-memory types every reader produces and every writer consumes.

* :class:`ExpressionData`: a samples x genes matrix with gene names, sample ids,
  per-sample time and a trajectory (lineage) label.
* :class:`PriorNetwork`: a regulator -> target edge table, signed and weighted.
* :class:`AlignedPrior`: a prior aligned to an ordered gene list, as a sparse
  regulator x target matrix.
* The edge-list output table (``regulator, target, weight, sign, rank``).

This module uses numpy, scipy and pandas only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._errors import InputError
from ._log import get_logger

if TYPE_CHECKING:
    from collections.abc import Sequence

log = get_logger(__name__)

EDGE_COLUMNS = ["regulator", "target", "weight", "sign", "rank"]
#: Written when known: the signed effect E of the model, 1 for edges of the prior, and the fraction
#: of ensemble members whose own export holds the edge (dashgrn.network._confidence).
EDGE_OPTIONAL_COLUMNS = ["effect", "in_prior", "confidence"]
PRIOR_COLUMNS = ["regulator", "target", "sign", "weight"]


@dataclass
class ExpressionData:
    """Expression of ``n_samples`` samples over ``n_genes`` genes.

    Attributes
    ----------
    X
        ``(n_samples, n_genes)`` values, a dense float array or a scipy sparse matrix
        (kept sparse until :meth:`dense` is called).
    genes
        Gene names, unique, in column order.
    samples
        Sample ids, unique, in row order.
    time
        ``(n_samples,)`` float times, or ``None`` when the data have no time (snapshots).
    trajectory
        ``(n_samples,)`` trajectory / lineage labels (strings).
    source
        Where the data came from (a path or a description), for messages and reports.
    obs
        Extra per-sample annotations (e.g. an AnnData ``obs`` table), indexed like ``samples``.
    """

    X: np.ndarray | sp.spmatrix
    genes: list[str]
    samples: list[str]
    time: np.ndarray | None
    trajectory: np.ndarray
    source: str = "<memory>"
    obs: pd.DataFrame | None = None

    @property
    def n_samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_genes(self) -> int:
        return int(self.X.shape[1])

    def dense(self, dtype: type = np.float64) -> np.ndarray:
        """The expression matrix as a dense array."""
        if sp.issparse(self.X):
            return np.asarray(self.X.toarray(), dtype=dtype)
        return np.asarray(self.X, dtype=dtype)

    def trajectories(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Split into time courses: ``[(label, times (T,), values (T, n_genes)), ...]``.

        Trajectories keep the order of first appearance; samples are sorted by time.
        """
        if self.time is None:
            msg = f"{self.source}: the data have no time; trajectories need a time per sample"
            raise InputError(msg, hint="give --time-key, or a pseudotime option")
        X = self.dense()
        out = []
        labels = pd.unique(pd.Series(self.trajectory))
        for lab in labels:
            idx = np.flatnonzero(self.trajectory == lab)
            order = idx[np.argsort(self.time[idx], kind="stable")]
            out.append((str(lab), self.time[order].astype(np.float64), X[order]))
        return out

    def subset_genes(self, genes: Sequence[str]) -> ExpressionData:
        """A copy restricted to ``genes`` (in that order)."""
        pos = {g: i for i, g in enumerate(self.genes)}
        cols = [pos[g] for g in genes]
        X = self.X[:, cols]
        return ExpressionData(
            X=X, genes=list(genes), samples=list(self.samples), time=self.time,
            trajectory=self.trajectory, source=self.source, obs=self.obs,
        )


@dataclass
class PriorNetwork:
    """A prior regulator -> target network.

    ``edges`` has the columns ``regulator, target, sign, weight``: ``sign`` is an
    int8 in {+1, -1, 0} (0 = unknown mode of regulation) and ``weight`` a float > 0
    (the confidence; 1 when the file had none). Pairs are unique.
    """

    edges: pd.DataFrame
    source: str = "<memory>"

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    @property
    def regulators(self) -> list[str]:
        return sorted(set(self.edges["regulator"]))

    @property
    def targets(self) -> list[str]:
        return sorted(set(self.edges["target"]))

    @property
    def genes(self) -> list[str]:
        return sorted(set(self.edges["regulator"]) | set(self.edges["target"]))

    def align(self, genes: Sequence[str], *, case_insensitive: bool = False) -> AlignedPrior:
        """Align to an ordered gene list; edges with a gene outside ``genes`` are dropped.

        Raises
        ------
        InputError
            No prior gene is among ``genes``, or no edge between two distinct
            expression genes is left.
        """
        genes = list(genes)
        key = (lambda s: s.upper()) if case_insensitive else (lambda s: s)
        pos: dict[str, int] = {}
        for i, g in enumerate(genes):
            pos.setdefault(key(g), i)
        reg = self.edges["regulator"].astype(str).map(key)
        tgt = self.edges["target"].astype(str).map(key)
        ri = reg.map(pos)
        ti = tgt.map(pos)
        keep = ri.notna() & ti.notna()
        prior_genes = set(reg) | set(tgt)
        shared = prior_genes & set(pos)
        if not shared:
            ex_prior = ", ".join(sorted(prior_genes)[:4])
            ex_expr = ", ".join(genes[:4])
            msg = (
                f"{self.source}: no prior gene is among the expression genes "
                f"(prior has e.g. {ex_prior}; expression has e.g. {ex_expr})"
            )
            raise InputError(msg, hint="check that both files use the same gene identifiers, or try --case-insensitive")
        ri = ri[keep].to_numpy(dtype=np.int64)
        ti = ti[keep].to_numpy(dtype=np.int64)
        sign = self.edges["sign"].to_numpy()[keep.to_numpy()]
        weight = self.edges["weight"].to_numpy(dtype=np.float64)[keep.to_numpy()]
        loops = ri == ti
        n_loops = int(loops.sum())
        if n_loops and n_loops == len(ri):
            msg = f"{self.source}: every prior edge that matches the expression genes is a self-loop"
            raise InputError(msg, hint="a prior needs edges between distinct genes")
        ri, ti, sign, weight = ri[~loops], ti[~loops], sign[~loops], weight[~loops]
        # Duplicate pairs after case folding: keep the first.
        flat = ri * len(genes) + ti
        _, first = np.unique(flat, return_index=True)
        first = np.sort(first)
        ri, ti, sign, weight = ri[first], ti[first], sign[first], weight[first]
        signed = np.where(sign == 0, 1.0, sign.astype(np.float64)) * weight
        n = len(genes)
        matrix = sp.csr_matrix((signed, (ri, ti)), shape=(n, n))
        known_sign = sp.csr_matrix(((sign != 0).astype(np.float64), (ri, ti)), shape=(n, n))
        dropped = self.n_edges - len(ri)
        missing_genes = sorted(prior_genes - set(pos))
        return AlignedPrior(
            matrix=matrix,
            sign_known=known_sign,
            genes=genes,
            n_edges_in=self.n_edges,
            n_edges_dropped=dropped,
            n_self_loops_dropped=n_loops,
            genes_missing=missing_genes,
            source=self.source,
        )


@dataclass
class AlignedPrior:
    """A prior aligned to ordered genes: ``matrix[i, j] = sign * weight`` of edge i -> j.

    Rows are regulators and columns targets, both in the order of ``genes``.
    """

    matrix: sp.csr_matrix
    genes: list[str]
    sign_known: sp.csr_matrix | None = None
    n_edges_in: int = 0
    n_edges_dropped: int = 0
    n_self_loops_dropped: int = 0
    genes_missing: list[str] = field(default_factory=list)
    source: str = "<memory>"

    @property
    def n_edges(self) -> int:
        return int(self.matrix.nnz)

    def abs_matrix(self) -> sp.csr_matrix:
        """``|P|`` as a sparse matrix."""
        return abs(self.matrix).tocsr()

    def summary(self) -> dict[str, object]:
        """Counts for logs and reports."""
        m = self.matrix.tocoo()
        return {
            "edges_in_file": self.n_edges_in,
            "edges_used": self.n_edges,
            "edges_dropped": self.n_edges_dropped,
            "self_loops_dropped": self.n_self_loops_dropped,
            "regulators": int(len(np.unique(m.row))),
            "targets": int(len(np.unique(m.col))),
            "prior_genes_not_in_expression": len(self.genes_missing),
        }


def rank_edges(
    regulator: Sequence[str], target: Sequence[str], signed_weight: np.ndarray
) -> pd.DataFrame:
    """Build the output edge table from signed weights.

    ``weight = |signed_weight|``, ``sign`` its sign (0 where the weight is 0), and
    ``rank`` 1 for the strongest, ties broken by regulator then target so that the
    output is byte-identical across runs.
    """
    w = np.asarray(signed_weight, dtype=np.float64)
    df = pd.DataFrame(
        {
            "regulator": pd.Series(regulator, dtype=str).to_numpy(),
            "target": pd.Series(target, dtype=str).to_numpy(),
            "weight": np.abs(w),
            "sign": np.sign(w).astype(np.int8),
        }
    )
    df = df.sort_values(["weight", "regulator", "target"], ascending=[False, True, True], kind="mergesort")
    df = df.reset_index(drop=True)
    df["rank"] = np.arange(1, len(df) + 1, dtype=np.int64)
    return df[EDGE_COLUMNS]
