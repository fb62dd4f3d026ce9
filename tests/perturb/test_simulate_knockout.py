"""`dashgrn simulate --knockout`: the simulator's knockouts, checked against an exact solution and
against the same network with the gene made a constant input at 0."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dashgrn import ConfigError, InputError
from dashgrn.cli import app
from dashgrn.simulate import Network, SimulateConfig, random_network, simulate, write_network

NODES = ("gene\ttype\tspmax\tspdeg\ttau\tn_regulators\tlogic\n"
         "A\tinput\t1\t1\t1\t0\t\nB\tregulated\t1\t1\t1\t1\tA\nC\tregulated\t1\t2\t0.5\t1\tB\n")
EDGES = "regulator\ttarget\tsign\tweight\tEC50\tn\nA\tB\t1\t1.0\t0.5\t1.3\nB\tC\t1\t1.0\t0.45\t1.6\n"


@pytest.fixture()
def chain(tmp_path: Path) -> tuple[str, str, str]:
    (tmp_path / "n.tsv").write_text(NODES)
    (tmp_path / "e.tsv").write_text(EDGES)
    (tmp_path / "init.csv").write_text("A,B,C\n0.7,0.6,0.9\n0.3,0.2,0.4\n")
    return str(tmp_path / "n.tsv"), str(tmp_path / "e.tsv"), str(tmp_path / "init.csv")


def test_knockout_of_a_chain_link_is_exact(chain: tuple[str, str, str]) -> None:
    """A -> B -> C with B held at 0: fAct(0) = 0, so dC/dt = -(spdeg / tau) C, C(t) = C0 exp(-4 t)."""
    nodes, edges, init = chain
    times = (0.0, 0.5, 1.0, 2.0)
    r = simulate(SimulateConfig(nodes=nodes, edges=edges, initial=init, times=times, prior_noise=(), knockout=("B",)))
    X = r.clean.reshape(2, len(times), 3)
    t = np.asarray(times)
    np.testing.assert_allclose(X[:, :, 0], [[0.7] * 4, [0.3] * 4])  # the input is untouched
    assert (X[:, :, 1] == 0).all()
    np.testing.assert_allclose(X[:, :, 2], np.outer([0.9, 0.4], np.exp(-4 * t)), rtol=1e-6, atol=1e-9)
    for method in ("BDF", "Radau", "RK45"):  # the clamped Jacobians of the implicit methods
        other = simulate(SimulateConfig(nodes=nodes, edges=edges, initial=init, times=times, prior_noise=(),
                                        knockout=("B",), method=method))
        np.testing.assert_allclose(other.clean, r.clean, atol=1e-6)


def _as_input_at_zero(net: Network, gene: str) -> Network:
    """The network with ``gene`` turned into an input gene (no equation, no incoming edges)."""
    nodes = net.nodes.copy()
    row = nodes["gene"] == gene
    nodes.loc[row, ["type", "n_regulators", "logic"]] = ["input", 0, ""]
    edges = net.edges[net.edges["target"] != gene].reset_index(drop=True)
    return Network(nodes, edges)


def test_knockout_equals_the_gene_made_an_input_at_zero(tmp_path: Path) -> None:
    base = simulate(SimulateConfig(genes=40, trajectories=4, prior_noise=(), seed=5))
    net = base.network
    comp = net.compile()
    out_degree = net.edges.loc[net.edges["regulator"].isin(np.asarray(net.genes)[comp.reg_idx]), "regulator"]
    gene = out_degree.value_counts().index[0]  # a regulated gene that regulates others
    write_network(net, tmp_path / "n.tsv", tmp_path / "e.tsv")
    first = base.clean.reshape(4, 5, -1)[:, 0]
    pd.DataFrame(first, columns=net.genes).to_csv(tmp_path / "init.csv", index=False)
    ko = simulate(SimulateConfig(nodes=str(tmp_path / "n.tsv"), edges=str(tmp_path / "e.tsv"),
                                 initial=str(tmp_path / "init.csv"), prior_noise=(), knockout=(gene,)))
    zeroed = first.copy()
    zeroed[:, net.genes.index(gene)] = 0.0
    pd.DataFrame(zeroed, columns=net.genes).to_csv(tmp_path / "init0.csv", index=False)
    write_network(_as_input_at_zero(net, gene), tmp_path / "n0.tsv", tmp_path / "e0.tsv")
    ref = simulate(SimulateConfig(nodes=str(tmp_path / "n0.tsv"), edges=str(tmp_path / "e0.tsv"),
                                  initial=str(tmp_path / "init0.csv"), prior_noise=()))
    np.testing.assert_allclose(ko.clean, ref.clean, atol=1e-7)
    assert np.abs(ko.clean - base.clean).max() > 1e-3  # the knockout changed something


def test_input_knockout_keeps_every_random_draw() -> None:
    """A random run with an input knocked out is the same run with that input at 0, and the
    genes it cannot reach are unchanged."""
    cfg = SimulateConfig(genes=40, trajectories=3, prior_noise=(0.05,), seed=8)
    base = simulate(cfg)
    net = base.network
    gene = net.edges.loc[net.edges["regulator"].isin(np.asarray(net.genes)[net.is_input]), "regulator"].iloc[0]
    ko = simulate(SimulateConfig(genes=40, trajectories=3, prior_noise=(0.05,), seed=8, knockout=(gene,)))
    pd.testing.assert_frame_equal(ko.priors[0][1], base.priors[0][1])
    g = net.genes.index(gene)
    assert (ko.clean[:, g] == 0).all()
    reach, frontier = {gene}, [gene]
    while frontier:
        x = frontier.pop()
        for t in net.edges.loc[net.edges["regulator"] == x, "target"]:
            if t not in reach:
                reach.add(t)
                frontier.append(t)
    untouched = [i for i, name in enumerate(net.genes) if name not in reach]
    np.testing.assert_allclose(ko.clean[:, untouched], base.clean[:, untouched], atol=1e-7)
    assert np.abs(ko.clean - base.clean).max() > 1e-3


def test_knockout_options_are_checked() -> None:
    with pytest.raises(InputError, match=r"--knockout: 'G0O01' is not a gene of the network \(close matches: .*G0001"):
        simulate(SimulateConfig(genes=10, trajectories=1, prior_noise=(), knockout=("G0O01",)))
    with pytest.raises(ConfigError, match="named twice"):
        SimulateConfig(genes=10, knockout=("G0001", "G0001")).validate()
    assert "knockout" not in SimulateConfig(genes=10).to_dict()  # manifests without it stay as they were
    assert SimulateConfig(genes=10, knockout=("G0001",)).to_dict()["knockout"] == ["G0001"]


def test_cli_knockout(tmp_path: Path, chain: tuple[str, str, str]) -> None:
    nodes, edges, init = chain
    out = tmp_path / "ko"
    args = ["simulate", "--nodes", nodes, "--edges", edges, "--initial", init, "--prior-noise", ""]
    res = CliRunner().invoke(app, [*args, "--knockout", "B", "--out", str(out)])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["parameters"]["knockout"] == ["B"]
    X = pd.read_csv(out / "expression.csv")
    assert (X["B"] == 0).all()
    plain = tmp_path / "plain"
    assert CliRunner().invoke(app, [*args, "--out", str(plain)]).exit_code == 0
    assert "knockout" not in json.loads((plain / "manifest.json").read_text())["parameters"]
    bad = tmp_path / "bad"
    res = CliRunner().invoke(app, [*args, "--knockout", "b", "--out", str(bad)])
    assert res.exit_code == 3
    lines = [line for line in res.output.splitlines() if not line.startswith("INFO ")]
    assert lines == ["error: --knockout: 'b' is not a gene of the network (close matches: B)"]
    assert not bad.exists()
