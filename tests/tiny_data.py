"""A tiny time course made here (8 genes, 12 trajectories) and fast options, for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

GENES = [f"G{i}" for i in range(8)]
# 6 epochs learn little: `--evidence auto` would rank by the crowd (tests/cli/test_evidence_cli.py tests that)
FAST = ["--epochs", "6", "--pruning", "dash", "--prune-start", "2", "--prune-every", "2", "--hidden", "6", "--solver", "rk4",
        "--solver-steps", "4", "--batch-size", "16", "--evidence", "model", "--threads", "1"]


def tiny_time_course(tmp: Path) -> tuple[Path, Path]:
    """8 genes, 12 trajectories of a small regulatory ODE, times 0,1,2,4; prior of 6 edges."""
    rng = np.random.default_rng(0)
    A = np.zeros((8, 8))
    edges = [(0, 2, 1), (0, 3, 1), (1, 4, -1), (2, 5, 1), (3, 6, 1), (1, 7, 1)]
    for i, j, s in edges:
        A[i, j] = s
    rows = []
    for k in range(12):
        y = rng.random(8)
        t_prev = 0.0
        for t in (0.0, 1.0, 2.0, 4.0):
            for _ in range(int((t - t_prev) * 50)):  # Euler with dt 0.02
                drive = 1 / (1 + np.exp(-4 * (y @ A - 0.25 * (A != 0).sum(0))))
                drive[[0, 1]] = y[[0, 1]]
                y = y + 0.02 * (drive - y)
            t_prev = t
            rows.append([k + 1, t, *y])
    df = pd.DataFrame(rows, columns=["trajectory", "time", *GENES])
    expr = tmp / "expr.csv"
    df.to_csv(expr, index=False)
    prior = tmp / "prior.tsv"
    pd.DataFrame([(GENES[i], GENES[j], s) for i, j, s in edges], columns=["regulator", "target", "sign"]).to_csv(
        prior, sep="\t", index=False
    )
    return expr, prior
