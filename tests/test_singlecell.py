"""Single-cell snapshots -> pseudotime time courses (dashgrn.singlecell), checked against
independent computations: bin means by hand, numpy normalisation, simulated true times."""

from __future__ import annotations

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.stats as ss

from dashgrn._errors import ConfigError, InputError
from dashgrn.config import InferConfig
from dashgrn.io import expression_from_anndata
from dashgrn.singlecell import DEFAULT_BINS, SingleCellConfig, prepare_snapshots
from dashgrn.singlecell.binning import bin_cells, lineage_membership, smooth_rows
from dashgrn.singlecell.preprocess import normalize_log1p, select_genes
from dashgrn.tables import PriorNetwork


def _prior(edges: list[tuple[str, str]]) -> PriorNetwork:
    df = pd.DataFrame(edges, columns=["regulator", "target"])
    df["sign"] = np.int8(1)
    df["weight"] = 1.0
    return PriorNetwork(df, source="prior")


# ---------------------------------------------------------------- binning


def test_bin_means_by_hand() -> None:
    X = np.array([[1.0, 10], [2, 20], [3, 30], [4, 40], [5, 50], [6, 60]])
    pt = np.array([0.5, 0.0, 0.2, 0.9, 0.6, 0.4])  # order: rows 1, 2, 5, 0, 4, 3
    b = bin_cells(X, pt, ["all"], np.ones((6, 1), dtype=bool), bins=3)
    expected = np.array([[(2 + 3) / 2, (20 + 30) / 2], [(6 + 1) / 2, (60 + 10) / 2], [(5 + 4) / 2, (50 + 40) / 2]])
    np.testing.assert_allclose(b.X, expected)
    means = np.array([(0.0 + 0.2) / 2, (0.4 + 0.5) / 2, (0.6 + 0.9) / 2])
    np.testing.assert_allclose(b.table["pseudotime_mean"], means)
    np.testing.assert_allclose(b.time, (means - means[0]) / (means[-1] - means[0]))
    assert b.table["cells"].tolist() == [2, 2, 2]
    assert sorted(b.cell_bins.loc[b.cell_bins["bin"] == 1, "cell"]) == [1, 2]


def test_bin_means_sparse_equal_dense() -> None:
    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(40, 5)).astype(float)
    pt = rng.random(40)
    member = np.ones((40, 1), dtype=bool)
    dense = bin_cells(X, pt, ["all"], member, bins=7)
    sparse = bin_cells(sp.csr_matrix(X), pt, ["all"], member, bins=7)
    np.testing.assert_allclose(dense.X, sparse.X)
    assert dense.table["cells"].sum() == 40


def test_cell_in_two_lineages_is_in_both() -> None:
    obs = pd.DataFrame({"lin": ["a;b", "a", "a", "a", "b", "b", "b"]})
    names, member = lineage_membership(obs, "lin", 7)
    assert names == ["a", "b"]
    assert member[0].tolist() == [True, True]
    X = np.arange(14, dtype=float).reshape(7, 2)
    pt = np.array([0.0, 0.1, 0.2, 0.3, 0.15, 0.25, 0.35])
    b = bin_cells(X, pt, names, member, bins=2)
    first = b.cell_bins[b.cell_bins["cell"] == 0]
    assert sorted(first["lineage"]) == ["a", "b"] and (first["bin"] == 1).all()
    # lineage a: cells 0,1 | 2,3 ; lineage b: cells 0,4 | 5,6
    np.testing.assert_allclose(b.X[b.lineage == "a"][0], X[[0, 1]].mean(axis=0))
    np.testing.assert_allclose(b.X[b.lineage == "b"][0], X[[0, 4]].mean(axis=0))


def test_lineage_flag_columns() -> None:
    obs = pd.DataFrame({"is_e": [True, True, False, True], "is_m": [1, 0, 1, 1]})
    names, member = lineage_membership(obs, "is_e,is_m", 4)
    assert names == ["is_e", "is_m"]
    assert member.tolist() == [[True, True], [True, False], [False, True], [True, True]]


def test_time_scaled_to_unit_interval_over_all_lineages() -> None:
    X = np.ones((8, 2))
    pt = np.array([0.0, 1.0, 2.0, 4.0, 1.0, 1.5, 2.0, 2.5])  # lineage b is shorter in pseudotime
    member = np.zeros((8, 2), dtype=bool)
    member[:4, 0] = True
    member[4:, 1] = True
    b = bin_cells(X, pt, ["a", "b"], member, bins=2)
    assert b.time.min() == 0.0 and b.time.max() == 1.0
    ta = b.time[b.lineage == "a"]
    tb = b.time[b.lineage == "b"]
    np.testing.assert_allclose(ta, [0.0, 1.0])
    np.testing.assert_allclose(tb, [(1.25 - 0.5) / 2.5, (2.25 - 0.5) / 2.5])  # one scale for both


def test_bins_zero_keeps_every_cell_and_merges_ties() -> None:
    rng = np.random.default_rng(1)
    X = rng.random((9, 3))
    pt = np.array([0.3, 0.1, 0.9, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6])
    b = bin_cells(X, pt, ["all"], np.ones((9, 1), dtype=bool), bins=0)
    assert len(b.time) == 9
    np.testing.assert_allclose(b.X, X[np.argsort(pt)])
    pt[3] = pt[0]  # a tie: the two cells make one time point
    b = bin_cells(X, pt, ["all"], np.ones((9, 1), dtype=bool), bins=0)
    assert len(b.time) == 8 and b.table["cells"].max() == 2


def test_equal_mean_bins_are_merged() -> None:
    X = np.arange(12, dtype=float).reshape(6, 2)
    pt = np.array([0.0, 0.0, 0.0, 0.0, 1.0, 2.0])
    b = bin_cells(X, pt, ["all"], np.ones((6, 1), dtype=bool), bins=3)
    assert b.table["cells"].tolist() == [4, 2]
    assert np.all(np.diff(b.time) > 0)


def test_smoothing_by_hand() -> None:
    Y = np.array([[1.0], [2.0], [4.0], [8.0]])
    np.testing.assert_allclose(smooth_rows(Y, 1), [[1.5], [7 / 3], [14 / 3], [6.0]])
    np.testing.assert_allclose(smooth_rows(Y, 0), Y)


# ---------------------------------------------------------------- preprocessing


def test_normalisation_equals_numpy() -> None:
    rng = np.random.default_rng(2)
    X = rng.poisson(3.0, size=(30, 12)).astype(float)
    X[0, :] = 0
    X[0, 0] = 5  # a cell with a small total
    totals = X.sum(axis=1)
    expected = np.log1p(X / totals[:, None] * np.median(totals))
    got, target = normalize_log1p(X)
    assert target == np.median(totals)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    got_sparse, _ = normalize_log1p(sp.csr_matrix(X))
    assert sp.issparse(got_sparse)
    np.testing.assert_allclose(got_sparse.toarray(), expected, rtol=1e-12)


def test_normalisation_refuses_negative_values() -> None:
    with pytest.raises(InputError, match="negative values"):
        normalize_log1p(np.array([[1.0, -1.0], [2.0, 3.0]]))


def test_hvg_selection_keeps_regulators() -> None:
    import scanpy as sc

    rng = np.random.default_rng(3)
    n, m = 300, 40
    genes = [f"g{i}" for i in range(m)]
    mean = rng.uniform(1.0, 20.0, size=m)
    spread = np.where(np.arange(m) % 2 == 0, 1.0, 0.02)  # even genes vary, odd genes hardly
    X = np.log1p(rng.gamma(1 / spread**2, mean * spread**2, size=(n, m)))
    reference = ad.AnnData(X=X.copy())
    sc.pp.highly_variable_genes(reference, n_top_genes=10, flavor="seurat")
    hvg = reference.var["highly_variable"].to_numpy()
    edges = [(genes[i], genes[i + 2]) for i in range(0, 30, 3)]
    prior = _prior(edges)
    regs, in_prior = {r for r, _ in edges}, {g for e in edges for g in e}
    quiet_regs = [g for i, g in enumerate(genes) if g in regs and not hvg[i]]
    assert quiet_regs  # the case under test: regulators that are not highly variable
    sel = select_genes(X, genes, prior, n_top_genes=10)
    expected = [g for i, g in enumerate(genes) if g in in_prior and (hvg[i] or g in regs)]
    assert sel.kept == expected
    assert set(quiet_regs) <= set(sel.kept)
    np.testing.assert_array_equal(sel.table["highly_variable"].to_numpy(dtype=bool), hvg)
    assert sel.counts["regulators_not_variable"] == len(quiet_regs)
    assert select_genes(X, genes, prior).kept == [g for g in genes if g in in_prior]  # no --n-top-genes


def test_gene_selection_expression_filter_and_no_gene_left() -> None:
    X = np.zeros((10, 4))
    X[:, 0] = 1.0
    X[:2, 1] = 1.0  # in 2 cells only: not expressed
    X[:, 2] = 2.0
    sel = select_genes(X, ["a", "b", "c", "d"], None)
    assert sel.kept == ["a", "c"]
    with pytest.raises(InputError, match="every gene was filtered out") as err:
        select_genes(X, ["a", "b", "c", "d"], _prior([("x", "y")]), source="cells.h5ad")
    assert "same identifiers" in (err.value.hint or "")


# ---------------------------------------------------------------- options


@pytest.mark.parametrize(("kwargs", "problem"), [
    ({"root_cell": "c1", "root_group": "t=stem"}, "exclude each other"),
    ({"root_cell": "c1", "pseudotime_key": "dpt"}, "exclude each other"),
    ({"root_group": "stem"}, "not KEY=VALUE"),
    ({"root_group": "t=stem", "bins": 1}, "--bins must be 0"),
    ({"root_group": "t=stem", "smooth": -1}, "--smooth must be >= 0"),
    ({"root_group": "t=stem", "n_top_genes": 0}, "--n-top-genes"),
    ({"root_group": "t=stem", "time_key": "hours"}, "exclude each other"),
])
def test_config_errors(kwargs: dict, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        InferConfig.from_dict(kwargs)


def test_defaults_agree() -> None:
    cfg = InferConfig()
    assert cfg.singlecell.bins == DEFAULT_BINS == SingleCellConfig().bins
    assert not cfg.single_cell and InferConfig.from_dict({"pseudotime_key": "dpt"}).single_cell
    opts = InferConfig.from_dict({"root_group": "a=b", "bins": 0, "n_top_genes": 10}).singlecell
    assert (opts.root_group, opts.bins, opts.n_top_genes) == ("a=b", 0, 10)


# ---------------------------------------------------------------- the whole step


def _snapshot(seed: int = 0, genes: int = 100, cells: int = 1000):
    from dashgrn.simulate import SimulateConfig, simulate

    cfg = SimulateConfig(genes=genes, snapshot_cells=cells, trajectories=150, count_scale=50, dropout=0.1,
                         start_jitter=0.02, times=(0.0, 3.0), prior_noise=(0.05,), seed=seed)
    r = simulate(cfg)
    adata = ad.AnnData(X=np.asarray(r.observed), obs=r.obs.copy(), var=pd.DataFrame(index=r.genes))
    return adata, r


@pytest.fixture(scope="module")
def snapshot():
    return _snapshot()


def test_pseudotime_follows_true_time(snapshot) -> None:
    adata, r = snapshot
    expr = expression_from_anndata(adata, snapshot=True)
    prior = PriorNetwork(r.priors[0][1].assign(weight=1.0), source="prior")
    tc, rec = prepare_snapshots(expr, prior, SingleCellConfig(root_group="cell_type=stem", bins=20))
    cells = rec.cells.drop_duplicates("cell").set_index("cell")
    true = r.cell_truth.set_index("cell").loc[cells.index, "time"]
    rho = ss.spearmanr(cells["pseudotime"], true).statistic
    assert rho >= 0.8, rho
    assert rec.params["root_cell"] in set(r.cell_truth.loc[r.cell_truth["cell_type"] == "stem", "cell"])
    # The time course: one lineage, 20 windows, time in [0, 1], the prior's expressed genes.
    assert tc.time is not None and tc.time.min() == 0.0 and tc.time.max() == 1.0
    assert list(pd.unique(tc.trajectory)) == ["all"] and tc.n_samples == 20
    assert set(tc.genes) <= set(prior.genes) and tc.n_genes == rec.counts["genes_kept"]
    assert rec.bins["cells"].sum() == adata.n_obs


def test_pseudotime_key_and_binning_of_true_time(snapshot) -> None:
    adata, r = snapshot
    adata = adata.copy()
    adata.obs["t"] = r.cell_truth["time"].to_numpy()
    adata.obs.loc[adata.obs_names[:5], "t"] = np.nan  # unknown: left out
    expr = expression_from_anndata(adata, snapshot=True)
    tc, rec = prepare_snapshots(expr, None, SingleCellConfig(pseudotime_key="t", bins=0, normalize=False))
    assert rec.counts["cells_no_pseudotime"] == 5 and rec.counts["cells_used"] == adata.n_obs - 5
    assert tc.n_samples == adata.n_obs - 5  # every cell a time point (no ties)
    order = np.argsort(adata.obs["t"].to_numpy()[5:])
    X = np.asarray(adata.X)[5:][order]
    kept = [adata.var_names.get_loc(g) for g in tc.genes]
    np.testing.assert_allclose(tc.dense(), X[:, kept])  # --no-normalize: the values as given
    # the cells themselves (in their input order, those with a pseudotime) for the crowd's level trees
    np.testing.assert_allclose(rec.cell_values, np.asarray(adata.X)[5:][:, kept])


def test_errors_before_any_computation(snapshot) -> None:
    adata, _ = snapshot
    expr = expression_from_anndata(adata, snapshot=True)
    cases = [
        (SingleCellConfig(root_cell="nope"), "root cell 'nope' not found"),
        (SingleCellConfig(root_group="celltype=stem"), "no obs key 'celltype' for --root-group"),
        (SingleCellConfig(root_group="cell_type=root"), "no cell has cell_type='root'"),
        (SingleCellConfig(root_group="cell_type=stem", lineage_key="lin"), "no obs key 'lin' for --lineage-key"),
        (SingleCellConfig(pseudotime_key="dpt"), "no obs key 'dpt' for --pseudotime-key"),
        (SingleCellConfig(root_group="cell_type=stem", bins=5000), "fewer than --bins 5000"),
    ]
    for opts, problem in cases:
        with pytest.raises(InputError, match=problem):
            prepare_snapshots(expr, None, opts)


def test_small_lineage_error(snapshot) -> None:
    adata, _ = snapshot
    adata = adata.copy()
    lab = np.array(["big"] * adata.n_obs, dtype=object)
    lab[:2] = "tiny"
    adata.obs["lin"] = lab
    expr = expression_from_anndata(adata, snapshot=True)
    with pytest.raises(InputError, match="lineage 'tiny' has 2 cell"):
        prepare_snapshots(expr, None, SingleCellConfig(root_group="cell_type=stem", lineage_key="lin"))


def test_snapshot_reading_ignores_time_columns(snapshot) -> None:
    adata, _ = snapshot
    adata = adata.copy()
    adata.obs["time"] = "day 2"  # not a number: harmless for snapshots
    adata.obs["trajectory"] = np.nan
    expr = expression_from_anndata(adata, snapshot=True)
    assert expr.time is None and set(expr.trajectory) == {"1"}
    with pytest.raises(InputError, match="non-numeric time"):
        expression_from_anndata(adata)


def test_infer_api_on_anndata_snapshots(snapshot) -> None:
    from dashgrn.pipeline import infer

    adata, r = snapshot
    prior = r.priors[0][1]
    cfg = InferConfig.from_dict(dict(root_group="cell_type=stem", bins=10, epochs=2, hidden=4, solver="rk4",
                                     solver_steps=2, prune_start=1, threads=1, device="cpu"))
    result = infer(adata, prior, cfg)
    assert result.singlecell is not None and result.summary["singlecell"]["time_points"] == 10
    assert result.summary["data"]["samples"] == 10 and result.genes == result.singlecell.genes_kept
    with pytest.raises(InputError, match="no time"):
        infer(adata, prior, cfg.replace(root_group=None))


# ---------------------------------------------------------------- counts or normalised values


def test_value_kind() -> None:
    from dashgrn.singlecell.preprocess import value_kind

    counts = np.array([[0.0, 3.0], [12.0, 1.0]])
    assert value_kind(counts) == "counts" and value_kind(sp.csr_matrix(counts)) == "counts"
    assert value_kind(np.log1p(counts)) == "normalised"  # log1p: non-integers, small
    assert value_kind(np.log1p(counts) - 0.02) == "normalised"  # krumsiek11-like: small negatives
    assert value_kind(np.array([[-3.0, 40.0]])) == "normalised"  # scaled: negative integers too
    assert value_kind(counts * 1.37 + 60) == "non-integer"  # estimated counts or CPM


def _log_snapshot(n: int = 60) -> tuple[ad.AnnData, np.ndarray]:
    rng = np.random.default_rng(4)
    t = np.sort(rng.random(n))
    X = np.clip(np.log1p(np.column_stack([t, 1 - t, t ** 2, np.sqrt(t)]) * 1.7) + rng.normal(0, 0.01, (n, 4)),
                -0.02, 1.01)
    adata = ad.AnnData(X=X, obs=pd.DataFrame({"dpt": t}, index=[f"c{i}" for i in range(n)]),
                       var=pd.DataFrame(index=["A", "B", "C", "D"]))
    return adata, X


def _said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The messages the single-cell step logs (INFO and WARNING), as ``LEVEL message``."""
    from dashgrn.singlecell import _prepare

    said: list[str] = []
    for level in ("info", "warning"):
        monkeypatch.setattr(_prepare.log, level, lambda msg, *args, _l=level: said.append(f"{_l} {msg % args}"))
    return said


def test_log_normalised_snapshots_are_used_as_they_are(monkeypatch: pytest.MonkeyPatch) -> None:
    # Once: "the expression has negative values, so it cannot be counts to normalise" (exit 3).
    said = _said(monkeypatch)
    adata, X = _log_snapshot()
    expr = expression_from_anndata(adata, snapshot=True)
    tc, rec = prepare_snapshots(expr, None, SingleCellConfig(pseudotime_key="dpt", bins=0))
    np.testing.assert_allclose(tc.dense(), X)  # sorted by dpt already, every cell a time point
    assert rec.params["normalize"] is False and rec.params["values"] == "normalised"
    assert rec.params["target_sum"] is None
    assert any(m.startswith("info ") and "already normalised" in m and "used as they are" in m for m in said)


def test_counts_and_non_integer_values_are_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    said = _said(monkeypatch)
    adata, X = _log_snapshot()
    counts = adata.copy()
    counts.X = np.round(np.expm1(X.clip(0)) * 20)
    tc, rec = prepare_snapshots(expression_from_anndata(counts, snapshot=True), None,
                                SingleCellConfig(pseudotime_key="dpt", bins=0))
    assert rec.params["normalize"] is True and rec.params["values"] == "counts" and rec.params["target_sum"] > 0
    assert any(m.startswith("info ") and "are counts (non-negative integers)" in m for m in said)
    cpm = adata.copy()
    cpm.X = (X.clip(0) + 0.01) * 1e3
    _, rec = prepare_snapshots(expression_from_anndata(cpm, snapshot=True), None,
                               SingleCellConfig(pseudotime_key="dpt", bins=0))
    assert rec.params["normalize"] is True and rec.params["values"] == "non-integer"
    assert any(m.startswith("warning ") and "may be estimated counts" in m for m in said)
    _, rec = prepare_snapshots(expression_from_anndata(cpm, snapshot=True), None,
                               SingleCellConfig(pseudotime_key="dpt", bins=0, normalize=False))
    assert rec.params["normalize"] is False and rec.params["values"] == "non-integer"


def test_pseudotime_of_few_genes_with_dropouts_follows_true_time() -> None:
    """15 genes with 10% of the counts dropped: without filling the dropouts, DPT ordered these
    cells by how many of their genes were zero (rank correlation with the true time about 0.1,
    the dev sets of benchmarks/bench_accuracy.py: 0.03 to 0.10)."""
    adata, r = _snapshot(seed=3, genes=15, cells=1000)
    expr = expression_from_anndata(adata, snapshot=True)
    prior = PriorNetwork(r.priors[0][1].assign(weight=1.0), source="prior")
    _, rec = prepare_snapshots(expr, prior, SingleCellConfig(root_group="cell_type=stem", bins=20))
    assert rec.params["embedding_dropout_genes"] == rec.params["embedding_genes"]
    assert rec.params["embedding_dropouts_filled"] > 0
    cells = rec.cells.drop_duplicates("cell").set_index("cell")
    true = r.cell_truth.set_index("cell").loc[cells.index, "time"]
    rho = ss.spearmanr(cells["pseudotime"], true).statistic
    assert rho >= 0.6, rho
