"""dashgrn.simulate._write: the written files, their layout, byte-identical reruns, the manifest
and example_data/."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn.simulate import SimulateConfig, run_simulate


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


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
    from dashgrn.simulate import _write

    def boom(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(_write, "write_network", boom)
    with pytest.raises(OSError, match="disk full"):
        run_simulate(SimulateConfig(genes=10, trajectories=2, prior_noise=()), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


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
