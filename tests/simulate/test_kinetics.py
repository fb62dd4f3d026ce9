"""dashgrn.simulate._kinetics: the vectorised Hill right-hand side and its Jacobian, against a
recursive reference evaluation and finite differences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashgrn.simulate import Network, random_network
from dashgrn.simulate._logic import Leaf, Op, leaves


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
