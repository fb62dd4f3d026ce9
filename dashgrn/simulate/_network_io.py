"""Reading and writing network tables (the ``sim350_ode_nodes.tsv`` / ``sim350_ode_edges.tsv`` format)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .._errors import InputError
from ._network import Network

__all__ = ["read_network", "write_network"]


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        msg = f"{path}: file not found"
        raise InputError(msg, hint="check the path")
    try:
        df = pd.read_csv(path, sep="\t", dtype={"logic": str}, keep_default_na=False, na_values=[""],
                         float_precision="round_trip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        msg = f"{path}: cannot read as a tab-separated table ({str(exc).strip().splitlines()[0]})"
        raise InputError(msg, hint="network tables are TSV with a header row") from None
    if len(df.columns) < 2:
        msg = f"{path}: found 1 column ({df.columns[0]!r}); is it tab-separated?"
        raise InputError(msg, hint="network tables are TSV with a header row")
    return df


def read_network(nodes: str | Path, edges: str | Path) -> Network:
    """Read a network from node and edge tables (the ``sim350_ode_*.tsv`` format).

    Parameters
    ----------
    nodes
        TSV with ``gene, type`` and optionally ``spmax, spdeg, tau, n_regulators, logic``
        (defaults 1, 1, 1, checked, empty).
    edges
        TSV with ``regulator, target, sign, EC50, n`` and optionally ``weight`` (default 1).
        Column ``n`` is the Hill coefficient used for simulation.

    Returns
    -------
    Network

    Raises
    ------
    InputError
        Unreadable files or any inconsistency between the tables.
    """
    nodes, edges = Path(nodes), Path(edges)
    ndf = _read_table(nodes)
    edf = _read_table(edges)
    return Network.from_tables(ndf, edf, source=f"{nodes}, {edges}", nodes_name=str(nodes), edges_name=str(edges))


def write_network(network: Network, nodes: str | Path, edges: str | Path) -> None:
    """Write the node and edge tables (TSV, floats in shortest round-trip form)."""
    ndf = network.nodes.copy()
    ndf["logic"] = ndf["logic"].fillna("")
    ndf.to_csv(nodes, sep="\t", index=False, lineterminator="\n")
    network.edges.to_csv(edges, sep="\t", index=False, lineterminator="\n")
