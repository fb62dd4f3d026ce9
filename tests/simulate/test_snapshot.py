"""dashgrn.simulate._snapshot: snapshot mode (cells at hidden times, counts, dropout, cell types)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from dashgrn.simulate import SimulateConfig, initial_states, integrate, run_simulate


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
    from dashgrn.simulate._config import _stream

    inputs, y0 = initial_states(comp, 5, _stream(2, "initial"), start_jitter=0.02)
    t = truth["time"].iloc[i]
    sol = integrate(comp, y0[traj:traj + 1], inputs[traj:traj + 1], np.array([0.0, t]))
    assert np.abs(adata.layers["clean"][i, comp.reg_idx] - sol[0, -1]).max() < 1e-6
