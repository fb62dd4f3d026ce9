"""dashgrn.simulate._run: the simulation in memory (random streams, initial-state files) and the
package's imports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashgrn import InputError
from dashgrn.simulate import SimulateConfig, simulate


def test_streams_are_independent() -> None:
    a = simulate(SimulateConfig(genes=30, trajectories=3, noise=0.01, prior_noise=(0.05,), seed=3))
    b = simulate(SimulateConfig(genes=30, trajectories=6, noise=0.01, prior_noise=(0.05,), seed=3))
    pd.testing.assert_frame_equal(a.network.edges, b.network.edges)
    pd.testing.assert_frame_equal(a.priors[0][1], b.priors[0][1])


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


def test_simulator_does_not_import_torch() -> None:
    code = "import sys, dashgrn.simulate, dashgrn.cli.simulate; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
