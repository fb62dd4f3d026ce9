"""dashgrn.simulate: logic parser, vectorised Hill ODE, SIM350 reproduction, random
networks, priors, snapshots and the written files."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import ConfigError, InputError
from dashgrn.simulate import (
    Network,
    SimulateConfig,
    check_times,
    format_logic,
    initial_states,
    integrate,
    make_prior,
    parse_logic,
    random_network,
    read_network,
    run_simulate,
    simulate,
    write_network,
)
from dashgrn.simulate._logic import Leaf, LogicError, Op, depth, leaves

TIMES = np.array([0.0, 2.0, 3.0, 7.0, 9.0])


# --------------------------------------------------------------------------- helpers
def fact_b_form(x: np.ndarray, ec50: float, n: float) -> np.ndarray:
    """fAct exactly as written in the data README (B form)."""
    b = (ec50**n - 1) / (2 * ec50**n - 1)
    return b * x**n / (b - 1 + x**n)


def eval_tree(tree: Leaf | Op, x: dict[str, float], par: dict[str, tuple[float, float, float]]) -> float:
    """Recursive reference evaluation of a normal-form tree."""
    if isinstance(tree, Leaf):
        w, ec50, n = par[tree.name]
        f = float(fact_b_form(np.array(x[tree.name]), ec50, n))
        term = w * (1 - f if tree.repress else f)
        return 1 - term if tree.complement else term
    vals = [eval_tree(c, x, par) for c in tree.children]
    if tree.kind == "and":
        return float(np.prod(vals))
    return float(1 - np.prod([1 - v for v in vals]))


def nested_network() -> Network:
    """Five genes with a formula three AND/OR levels deep and a negated group."""
    nodes = pd.DataFrame({
        "gene": ["A", "B", "C", "D", "E"],
        "type": ["input", "input", "regulated", "regulated", "regulated"],
        "logic": ["", "", "A & !B", "((A & C) | !B) & (!E)", "A & (B | !(C | D))"],
    })
    edges = pd.DataFrame({
        "regulator": ["A", "B", "A", "C", "B", "E", "C", "D", "A", "B"],
        "target": ["C", "C", "D", "D", "D", "D", "E", "E", "E", "E"],
        "sign": [1, -1, 1, 1, -1, -1, -1, -1, 1, 1],
        "weight": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
        "EC50": [0.45, 0.55, 0.41, 0.5, 0.58, 0.44, 0.52, 0.47, 0.6, 0.43],
        "n": [1.2, 1.5, 1.01, 1.7, 1.3, 1.4, 1.1, 1.6, 1.25, 1.45],
    })
    return Network.from_tables(nodes, edges, source="nested")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- logic
def test_parse_simulatorgrn_formula() -> None:
    tree = parse_logic("(GAL11 & GAL4) | !CAF4 | !TUP1")
    assert isinstance(tree, Op) and tree.kind == "or"
    assert [lf.name for lf in leaves(tree)] == ["GAL11", "GAL4", "CAF4", "TUP1"]
    assert [lf.sign for lf in leaves(tree)] == [1, 1, -1, -1]
    assert depth(tree) == 2
    assert format_logic(tree) == "(GAL11 & GAL4) | !CAF4 | !TUP1"


def test_parse_precedence_and_normal_form() -> None:
    # & binds tighter than |; nested same-kind operators merge.
    assert format_logic(parse_logic("A & B | C")) == "(A & B) | C"
    assert format_logic(parse_logic("A & (B & (C & D))")) == "A & B & C & D"
    assert format_logic(parse_logic("((A))")) == "A"
    # De Morgan: !(A & !B) = !A | !(!B); the leaf keeps its repression and is complemented.
    tree = parse_logic("!(A & !B)")
    assert tree.kind == "or"
    assert leaves(tree) == [Leaf("A", repress=False, complement=True), Leaf("B", repress=True, complement=True)]
    assert [lf.sign for lf in leaves(tree)] == [-1, 1]
    again = parse_logic(format_logic(tree))
    assert again == tree


@pytest.mark.parametrize(
    ("formula", "needle"),
    [
        ("A + B", "unknown token '+'"),
        ("A & B ^ C", "unknown token '^'"),
        ("A &", "formula ends"),
        ("(A | B", "missing ')'"),
        ("A B", "unexpected 'B'"),
        ("| A", "unexpected '|'"),
        ("", "empty formula"),
    ],
)
def test_parse_errors(formula: str, needle: str) -> None:
    with pytest.raises(LogicError, match=re.escape(needle)):
        parse_logic(formula)


# --------------------------------------------------------------------------- kinetics
def test_fact_stable_form_matches_b_form() -> None:
    net = nested_network()
    comp = net.compile()
    x = np.linspace(0, 1, 11)
    for ec50 in (0.4, 0.45, 0.6):
        for n in (1.01, 1.3, 1.7):
            e = ec50**n
            u = x**n
            stable = (1 - e) * u / ((1 - e) * u + e * (1 - u))
            np.testing.assert_allclose(stable, fact_b_form(x, ec50, n), atol=1e-14)
            assert abs(float(fact_b_form(np.array(ec50), ec50, n)) - 0.5) < 1e-12
    # EC50^n = 1/2 is 0/0 in the B form; the stable form gives the limit x^n.
    n = 1.3
    ec50 = 0.5 ** (1 / n)
    e = ec50**n
    u = x**n
    np.testing.assert_allclose((1 - e) * u / ((1 - e) * u + e * (1 - u)), u, atol=1e-12)
    assert comp.n_regulated == 3


def test_vectorised_rhs_matches_recursive_evaluation() -> None:
    net = nested_network()
    assert net.max_depth == 3
    comp = net.compile()
    par = {}
    for r, t, w, ec, n in net.edges[["regulator", "target", "weight", "EC50", "n"]].itertuples(index=False):
        par[(r, t)] = (w, ec, n)
    rng = np.random.default_rng(3)
    xs = rng.random((7, net.n_genes))
    xs[0, 0] = 0.0  # an exact zero (the product-of-others branch of the Jacobian)
    f = comp.activation(xs)  # batched
    for i, x in enumerate(xs):
        xd = dict(zip(net.genes, x))
        for k, g in enumerate(np.asarray(net.genes)[comp.reg_idx]):
            tree = net._trees[net.genes.index(g)]
            ref = eval_tree(tree, xd, {r: par[(r, g)] for r in {lf.name for lf in leaves(tree)}})
            assert abs(f[i, k] - ref) < 1e-13
        assert np.allclose(comp.activation(x), f[i])


def test_jacobian_matches_finite_differences() -> None:
    for net in (nested_network(), random_network(60, np.random.default_rng(5))):
        comp = net.compile()
        rng = np.random.default_rng(1)
        for _ in range(3):
            y = rng.uniform(0.05, 0.95, comp.n_regulated)
            inp = rng.uniform(0.05, 0.95, comp.n_inputs)
            jac = comp.jacobian_dense(y, inp)
            eps = 1e-6
            num = np.stack([(comp.rhs(y + eps * e, inp) - comp.rhs(y - eps * e, inp)) / (2 * eps)
                            for e in np.eye(comp.n_regulated)], axis=1)
            np.testing.assert_allclose(jac, num, atol=1e-7)
            assert np.allclose(comp.jacobian(y, inp).toarray(), jac)


# --------------------------------------------------------------------------- SIM350
def test_sim350_reproduces_test_trajectories(shared_data: Path) -> None:
    """Done-when: the 10 SIM350 test trajectories to max abs error <= 1e-4."""
    net = read_network(shared_data / "sim350_ode_nodes.tsv", shared_data / "sim350_ode_edges.tsv")
    assert (net.n_genes, net.n_edges, int(net.is_input.sum())) == (350, 550, 73)
    assert net.max_depth == 2
    test = pd.read_csv(shared_data / "sim350_test_long.csv")
    assert list(test.columns[2:]) == net.genes
    comp = net.compile()
    data = test[net.genes].to_numpy().reshape(10, 5, net.n_genes)
    assert np.array_equal(np.unique(test["time"]), TIMES)
    sol = integrate(comp, data[:, 0, comp.reg_idx], data[:, 0, comp.input_idx], TIMES)
    err = np.abs(sol - data[:, :, comp.reg_idx]).max()
    assert err <= 1e-4
    assert err < 1e-5  # in practice 1.3e-6, the tolerance of the original lsoda run


def test_sim350_truth_matches_shared_truth(shared_data: Path) -> None:
    net = read_network(shared_data / "sim350_ode_nodes.tsv", shared_data / "sim350_ode_edges.tsv")
    truth = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t")
    mine = net.truth()
    key = ["regulator", "target"]
    merged = truth.merge(mine, on=key, suffixes=("", "_sim"))
    assert len(merged) == len(truth) == len(mine)
    assert (merged["sign"] == merged["sign_sim"]).all()


@pytest.mark.parametrize(("noise", "kept"), [(0.025, 523), (0.05, 495), (0.1, 440)])
def test_prior_counts_match_dash_sim350_priors(shared_data: Path, noise: float, kept: int) -> None:
    truth = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t")
    genes = pd.read_csv(shared_data / "sim350_genes.tsv", sep="\t")["gene"].tolist()
    shared_prior = pd.read_csv(shared_data / f"sim350_prior_noise_{noise}.tsv", sep="\t")
    overlap = len(shared_prior.merge(truth, on=["regulator", "target"]))
    prior, info = make_prior(truth, genes, np.random.default_rng(0), noise=noise)
    assert overlap == kept == info.n_true_kept
    assert len(prior) == len(shared_prior) == 550


# --------------------------------------------------------------------------- random networks
@pytest.mark.parametrize("n_genes", [10, 100, 1000])
def test_random_network_simulates_within_bounds(n_genes: int) -> None:
    rng = np.random.default_rng(n_genes)
    net = random_network(n_genes, rng)
    edges = net.edges
    width = max(4, len(str(n_genes)))
    assert net.genes == [f"G{i:0{width}d}" for i in range(1, n_genes + 1)]
    assert not (edges["regulator"] == edges["target"]).any()
    assert not edges.duplicated(["regulator", "target"]).any()
    assert edges["EC50"].between(0.4, 0.6).all() and edges["n"].between(1.01, 1.7).all()
    inputs = set(np.asarray(net.genes)[net.is_input])
    assert not set(edges["target"]) & inputs
    assert set(edges["target"]) == set(np.asarray(net.genes)[~net.is_input])  # every regulated gene has a regulator
    assert inputs <= set(edges["regulator"])  # every input regulates something
    assert net.n_edges == round(1.5 * n_genes)
    if n_genes == 1000:
        assert 0.6 < (edges["sign"] > 0).mean() < 0.73
        outdeg = edges["regulator"].value_counts()
        assert outdeg.max() > 10 * outdeg.median()  # hubs: scale-free-like out-degree
    for noise in (0.025, 0.05, 0.1):
        prior, info = make_prior(net.truth(), net.genes, rng, noise=noise)
        overlap = len(prior.merge(net.truth(), on=["regulator", "target"]))
        assert info.n_moved == int(2 * noise * net.n_edges + 1e-9)
        assert overlap == net.n_edges - info.n_moved and len(prior) == net.n_edges
    comp = net.compile()
    k = 4 if n_genes == 1000 else 8
    inputs_, y0 = initial_states(comp, k, rng)
    sol = integrate(comp, y0, inputs_, TIMES)
    assert sol.shape == (k, 5, comp.n_regulated)
    assert np.isfinite(sol).all()
    assert sol.min() >= -1e-9 and sol.max() <= 1 + 1e-9


def test_random_network_round_trips_through_tables(tmp_path: Path) -> None:
    net = random_network(30, np.random.default_rng(2))
    write_network(net, tmp_path / "n.tsv", tmp_path / "e.tsv")
    back = read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    pd.testing.assert_frame_equal(back.nodes, net.nodes, check_exact=True)
    pd.testing.assert_frame_equal(back.edges, net.edges, check_exact=True)
    x = np.random.default_rng(0).random((3, 30))
    assert np.array_equal(back.compile().activation(x), net.compile().activation(x))


def test_network_built_directly_is_validated() -> None:
    net = random_network(12, np.random.default_rng(0))
    again = Network(nodes=net.nodes, edges=net.edges)
    assert again.max_depth == net.max_depth and again.compile().n_slots == net.compile().n_slots
    bad = net.edges.copy()
    bad.loc[0, "regulator"] = "NOPE"
    with pytest.raises(InputError, match="NOPE"):
        Network(nodes=net.nodes, edges=bad)


def test_random_network_two_genes_and_bad_sizes() -> None:
    net = random_network(2, np.random.default_rng(0))
    assert net.n_edges == 1 and net.is_input.tolist() == [True, False]
    for bad in (1, 0, -3, 2.5):
        with pytest.raises(ConfigError, match="--genes"):
            random_network(bad, np.random.default_rng(0))  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="--regulator-fraction"):
        random_network(10, np.random.default_rng(0), regulator_fraction=1.5)


def test_initial_states_follow_the_simulatorgrn_model() -> None:
    net = random_network(200, np.random.default_rng(0))
    comp = net.compile()
    inputs, y0 = initial_states(comp, 300, np.random.default_rng(1))
    assert inputs.shape == (300, comp.n_inputs) and y0.shape == (300, comp.n_regulated)
    assert inputs.min() >= 0 and inputs.max() <= 1 and y0.min() >= 0 and y0.max() <= 1
    assert inputs.std(axis=0).max() < 0.15  # per-gene truncated normals with sd <= 1/6
    assert 0.4 < y0.mean() < 0.6
    _, shared = initial_states(comp, 50, np.random.default_rng(1), start_jitter=0.0)
    assert np.all(shared == shared[0])


# --------------------------------------------------------------------------- priors
def test_prior_moves_exactly_the_requested_edges() -> None:
    net = random_network(100, np.random.default_rng(4))
    truth = net.truth()
    true_pairs = set(zip(truth["regulator"], truth["target"]))
    for noise in (0.0, 0.025, 0.05, 0.1, 0.5):
        prior, info = make_prior(truth, net.genes, np.random.default_rng(9), noise=noise)
        n_move = int(np.floor(2 * noise * len(truth) + 1e-9))
        pairs = list(zip(prior["regulator"], prior["target"]))
        assert len(prior) == len(truth) and len(set(pairs)) == len(pairs)
        assert sum(p in true_pairs for p in pairs) == len(truth) - n_move == info.n_true_kept
        assert info.n_moved == n_move
        assert not (prior["regulator"] == prior["target"]).any()
        assert (prior["sign"] > 0).sum() == (truth["sign"] > 0).sum()  # signs travel with the moved edges
        kept = prior.merge(truth, on=["regulator", "target"], suffixes=("", "_true"))
        assert (kept["sign"] == kept["sign_true"]).all()


def test_prior_drop_and_add() -> None:
    net = random_network(100, np.random.default_rng(4))
    truth = net.truth()
    prior, info = make_prior(truth, net.genes, np.random.default_rng(1), noise=0.05, drop=0.2, add=0.1)
    n = len(truth)
    assert (info.n_moved, info.n_dropped, info.n_added) == (15, 30, 15)
    assert len(prior) == n - 30 + 15 == info.n_edges
    overlap = len(prior.merge(truth, on=["regulator", "target"]))
    assert overlap == n - 15 - 30
    with pytest.raises(ConfigError, match="--prior-noise"):
        make_prior(truth, net.genes, np.random.default_rng(1), noise=0.6)
    tiny = random_network(3, np.random.default_rng(0))
    with pytest.raises(ConfigError, match="gene pairs"):
        make_prior(tiny.truth(), tiny.genes, np.random.default_rng(1), add=10.0)


# --------------------------------------------------------------------------- network tables
NODES = (
    "gene\ttype\tspmax\tspdeg\ttau\tn_regulators\tlogic\n"
    "A\tinput\t1\t1\t1\t0\t\nB\tinput\t1\t1\t1\t0\t\nC\tregulated\t1\t1\t1\t2\t{logic}\n"
)
EDGES = "regulator\ttarget\tsign\tweight\tEC50\tn\nA\tC\t1\t1.0\t0.5\t1.2\n{reg}\tC\t-1\t1.0\t0.45\t1.4\n"


@pytest.mark.parametrize(
    ("logic", "reg", "needle"),
    [
        ("A + !B", "B", "unknown token '+'"),
        ("A & !B", "Z", "regulator 'Z' is not a gene of the node table"),
        ("A & !Q", "B", "'Q' has no edge Q -> C"),
        ("A & B", "B", "sign +1 in the formula but the edge table says -1"),
        ("A", "B", "missing in the logic"),
        ("A & !A", "B", "appears more than once"),
    ],
)
def test_bad_network_tables(tmp_path: Path, logic: str, reg: str, needle: str) -> None:
    (tmp_path / "n.tsv").write_text(NODES.format(logic=logic))
    (tmp_path / "e.tsv").write_text(EDGES.format(reg=reg))
    with pytest.raises(InputError, match=re.escape(needle)):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")


def test_bad_network_values(tmp_path: Path) -> None:
    (tmp_path / "n.tsv").write_text(NODES.format(logic="A & !B"))
    (tmp_path / "e.tsv").write_text(EDGES.format(reg="B").replace("0.45", "1.5"))
    with pytest.raises(InputError, match="bad EC50 value"):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    (tmp_path / "e.tsv").write_text("regulator,target\nA,C\n")
    with pytest.raises(InputError, match="tab-separated"):
        read_network(tmp_path / "n.tsv", tmp_path / "e.tsv")
    (tmp_path / "e.tsv").write_text(EDGES.format(reg="B"))
    (tmp_path / "n1.tsv").write_text("gene\ttype\nA\tinput\n")
    with pytest.raises(InputError, match="at least 2"):
        read_network(tmp_path / "n1.tsv", tmp_path / "e.tsv")
    with pytest.raises(InputError, match="file not found"):
        read_network(tmp_path / "missing.tsv", tmp_path / "e.tsv")


def test_check_times() -> None:
    assert check_times([0, 2, 3]).tolist() == [0, 2, 3]
    with pytest.raises(ConfigError, match="not strictly increasing"):
        check_times([0, 3, 2])
    with pytest.raises(ConfigError, match="not strictly increasing"):
        check_times([0, 2, 2])
    with pytest.raises(ConfigError, match="at least 2"):
        check_times([0])


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"noise": -0.1}, "--noise"),
        ({"genes": 1}, "--genes"),
        ({"times": (0.0, 3.0, 2.0)}, "--times"),
        ({"trajectories": 0}, "--trajectories"),
        ({"prior_noise": (0.7,)}, "--prior-noise"),
        ({"method": "euler"}, "--method"),
        ({"seed": -1}, "--seed"),
        ({"count_scale": 10.0}, "only apply to snapshot"),
        ({"nodes": "a.tsv"}, "--nodes/--edges"),
        ({"prior_noise": (0.05, 0.1), "prior_name": "prior.tsv"}, "--prior-name"),
        ({"prior_noise": (0.05,), "prior_name": "truth.tsv"}, "clashes"),
        ({"start_jitter": 0.1, "initial": "x.csv"}, "--start-jitter"),
    ],
)
def test_config_validation(kwargs: dict, needle: str) -> None:
    base = {"genes": 10}
    base.update(kwargs)
    with pytest.raises(ConfigError, match=needle):
        SimulateConfig(**base).validate()


# --------------------------------------------------------------------------- runs and files
def test_run_writes_all_files_and_is_byte_identical(tmp_path: Path) -> None:
    cfg = SimulateConfig(genes=15, trajectories=4, noise=0.02, prior_noise=(0.05, 0.1), seed=11)
    _, files_a = run_simulate(cfg, tmp_path / "a")
    run_simulate(cfg, tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted([
        "expression.h5ad", "expression.csv", "expression_clean.csv", "truth.tsv", "prior_noise_0.05.tsv",
        "prior_noise_0.1.tsv", "network_nodes.tsv", "network_edges.tsv", "manifest.json", ".dashgrn-output",
    ])
    for name in names:
        assert sha256(tmp_path / "a" / name) == sha256(tmp_path / "b" / name), name
    # A different seed changes the data.
    run_simulate(SimulateConfig(genes=15, trajectories=4, noise=0.02, prior_noise=(0.05, 0.1), seed=12), tmp_path / "c")
    assert sha256(tmp_path / "a" / "expression.csv") != sha256(tmp_path / "c" / "expression.csv")
    manifest = json.loads(files_a["manifest"].read_text())
    assert manifest["seed"] == 11 and manifest["parameters"]["noise"] == 0.02
    assert manifest["files"]["expression.h5ad"]["sha256"] == sha256(tmp_path / "a" / "expression.h5ad")
    assert manifest["priors"][0]["n_moved"] == int(0.1 * manifest["network"]["n_edges"] + 1e-9)


def test_files_have_the_documented_layout(tmp_path: Path, shared_data: Path) -> None:
    import anndata as ad

    cfg = SimulateConfig(genes=12, trajectories=3, times=(0.0, 1.5, 4.0), noise=0.05, prior_noise=(0.05,), seed=1)
    result, files = run_simulate(cfg, tmp_path / "o")
    csv = pd.read_csv(files["csv"], float_precision="round_trip")
    assert list(csv.columns[:2]) == ["trajectory", "time"] and list(csv.columns[2:]) == result.genes
    assert csv["trajectory"].tolist() == [1, 1, 1, 2, 2, 2, 3, 3, 3]
    assert csv["time"].tolist() == [0, 1.5, 4] * 3
    clean = pd.read_csv(files["clean_csv"], float_precision="round_trip")
    adata = ad.read_h5ad(files["h5ad"])
    assert adata.obs["trajectory"].astype(str).tolist() == [str(t) for t in csv["trajectory"]]
    assert adata.obs["time"].dtype == np.float64
    assert list(adata.var_names) == result.genes
    # The .h5ad holds exactly the values of the CSVs (rounded to 10 significant digits).
    assert np.array_equal(adata.X, csv[result.genes].to_numpy())
    assert np.array_equal(adata.layers["clean"], clean[result.genes].to_numpy())
    assert clean[result.genes].to_numpy().min() >= 0 and clean[result.genes].to_numpy().max() <= 1
    noise = csv[result.genes].to_numpy() - clean[result.genes].to_numpy()
    assert 0.03 < noise.std() < 0.07
    # Inputs are constant within a trajectory in the clean data.
    inputs = np.asarray(result.genes)[result.network.is_input]
    assert (clean.groupby("trajectory")[list(inputs)].nunique() == 1).all().all()
    # truth / prior / network tables in the shared formats.
    shared_truth_cols = pd.read_csv(shared_data / "sim350_truth.tsv", sep="\t", nrows=1).columns.tolist()
    assert pd.read_csv(files["truth"], sep="\t").columns.tolist() == shared_truth_cols
    assert pd.read_csv(files["prior_0.05"], sep="\t").columns.tolist() == shared_truth_cols
    shared_nodes = pd.read_csv(shared_data / "sim350_ode_nodes.tsv", sep="\t", nrows=1).columns.tolist()
    assert pd.read_csv(files["nodes"], sep="\t").columns.tolist() == shared_nodes
    shared_edges = pd.read_csv(shared_data / "sim350_ode_edges.tsv", sep="\t", nrows=1).columns.tolist()
    assert pd.read_csv(files["edges"], sep="\t").columns.tolist() == [c for c in shared_edges if c != "n_published"]


def test_rerun_from_written_tables_gives_the_same_data(tmp_path: Path) -> None:
    cfg = SimulateConfig(genes=20, trajectories=3, prior_noise=(), seed=5)
    _, files = run_simulate(cfg, tmp_path / "a")
    cfg2 = SimulateConfig(nodes=str(files["nodes"]), edges=str(files["edges"]), trajectories=3, prior_noise=(), seed=5)
    _, files2 = run_simulate(cfg2, tmp_path / "b")
    assert sha256(files["csv"]) == sha256(files2["csv"])


def test_streams_are_independent() -> None:
    a = simulate(SimulateConfig(genes=30, trajectories=3, noise=0.01, prior_noise=(0.05,), seed=3))
    b = simulate(SimulateConfig(genes=30, trajectories=6, noise=0.01, prior_noise=(0.05,), seed=3))
    pd.testing.assert_frame_equal(a.network.edges, b.network.edges)
    pd.testing.assert_frame_equal(a.priors[0][1], b.priors[0][1])


def test_same_seed_is_byte_identical_across_processes(tmp_path: Path) -> None:
    code = (
        "import sys; from dashgrn.simulate import SimulateConfig, run_simulate; "
        "run_simulate(SimulateConfig(genes=10, trajectories=2, noise=0.01, prior_noise=(0.05,), seed=4), sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "sub")], check=True)
    run_simulate(SimulateConfig(genes=10, trajectories=2, noise=0.01, prior_noise=(0.05,), seed=4), tmp_path / "here")
    for p in sorted((tmp_path / "here").iterdir()):
        assert sha256(p) == sha256(tmp_path / "sub" / p.name), p.name


def test_failure_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashgrn.simulate import _run

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(_run, "write_network", boom)
    with pytest.raises(OSError, match="disk full"):
        run_simulate(SimulateConfig(genes=10, trajectories=2, prior_noise=()), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_initial_file_sets_the_start(tmp_path: Path, shared_data: Path) -> None:
    cfg = SimulateConfig(
        nodes=str(shared_data / "sim350_ode_nodes.tsv"), edges=str(shared_data / "sim350_ode_edges.tsv"),
        initial=str(shared_data / "sim350_test_long.csv"), prior_noise=(), digits=15,
    )
    result = simulate(cfg)
    test = pd.read_csv(shared_data / "sim350_test_long.csv")
    assert result.info["n_trajectories"] == 10
    assert np.abs(result.clean - test[result.genes].to_numpy()).max() <= 1e-4
    bad = tmp_path / "bad.csv"
    test.iloc[:1].assign(ABF1=1.5).to_csv(bad, index=False)
    with pytest.raises(InputError, match="not in \\[0, 1\\]"):
        simulate(SimulateConfig(nodes=cfg.nodes, edges=cfg.edges, initial=str(bad), prior_noise=()))


# --------------------------------------------------------------------------- snapshots
def test_snapshot_mode(tmp_path: Path) -> None:
    import anndata as ad

    cfg = SimulateConfig(genes=25, trajectories=5, times=(0.0, 4.0), snapshot_cells=300, count_scale=40.0,
                         dropout=0.1, start_jitter=0.02, prior_noise=(0.05,), seed=2)
    result, files = run_simulate(cfg, tmp_path / "s")
    adata = ad.read_h5ad(files["h5ad"])
    assert adata.n_obs == 300 and list(adata.obs.columns) == ["cell_type"]
    assert "stem" in adata.obs["cell_type"].cat.categories
    assert (adata.obs["cell_type"] == "stem").sum() > 0
    counts = adata.X
    assert np.array_equal(counts, np.round(counts)) and counts.min() >= 0
    assert 0.08 < (counts == 0).mean()
    truth = pd.read_csv(files["cell_times"], sep="\t")
    assert truth.columns.tolist() == ["cell", "trajectory", "time", "cell_type"]
    assert truth["cell"].tolist() == adata.obs_names.tolist()
    assert truth["time"].between(0, 4).all()
    stem = truth["cell_type"] == "stem"
    assert (truth.loc[stem, "time"] < 0.4).all() and (truth.loc[~stem, "time"] >= 0.4).all()
    # A cell's clean values are the trajectory's state at its hidden time.
    comp = result.network.compile()
    i = int(np.argmax(truth["time"].to_numpy()))
    traj = int(truth["trajectory"].iloc[i]) - 1
    from dashgrn.simulate._run import _stream

    inputs, y0 = initial_states(comp, 5, _stream(2, "initial"), start_jitter=0.02)
    t = truth["time"].iloc[i]
    sol = integrate(comp, y0[traj:traj + 1], inputs[traj:traj + 1], np.array([0.0, t]))
    assert np.abs(adata.layers["clean"][i, comp.reg_idx] - sol[0, -1]).max() < 1e-6


# --------------------------------------------------------------------------- packaging
def test_simulator_does_not_import_torch() -> None:
    code = "import sys, dashgrn.simulate, dashgrn.cli.simulate; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_example_data_matches_its_command(tmp_path: Path, example_data: Path) -> None:
    """example_data/ is what the command in example_data/README.md writes."""
    readme = (example_data / "README.md").read_text()
    assert "--genes 40 --trajectories 50 --times 0,2,3,7,9 --noise 0.025" in readme
    assert "--prior-noise 0.05 --prior-name prior.tsv --seed 1" in readme
    cfg = SimulateConfig(genes=40, trajectories=50, times=(0.0, 2.0, 3.0, 7.0, 9.0), noise=0.025,
                         prior_noise=(0.05,), prior_name="prior.tsv", seed=1)
    _, files = run_simulate(cfg, tmp_path / "ex")
    for name in ("truth.tsv", "prior.tsv", "network_nodes.tsv", "network_edges.tsv"):
        assert (tmp_path / "ex" / name).read_bytes() == (example_data / name).read_bytes(), name
    for name in ("expression.csv", "expression_clean.csv"):
        new = pd.read_csv(tmp_path / "ex" / name)
        old = pd.read_csv(example_data / name)
        assert new.columns.tolist() == old.columns.tolist()
        assert np.abs(new.to_numpy() - old.to_numpy()).max() < 1e-8, name
    total = sum(p.stat().st_size for p in example_data.iterdir())
    assert total < 2 * 1024**2


@pytest.mark.parametrize("method", ["BDF", "Radau", "DOP853", "LSODA-banded"])
def test_integrators_agree(method: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashgrn.simulate import _integrate

    net = random_network(40, np.random.default_rng(8))
    comp = net.compile()
    inputs, y0 = initial_states(comp, 2, np.random.default_rng(0))
    ref = integrate(comp, y0, inputs, TIMES)
    if method == "LSODA-banded":  # the large-network path: LSODA with a diagonal Jacobian
        monkeypatch.setattr(_integrate, "DENSE_JACOBIAN_MAX", 0)
        method = "LSODA"
    other = integrate(comp, y0, inputs, TIMES, method=method)
    assert np.abs(other - ref).max() < 1e-6
