"""Time ``dashgrn simulate`` at scale: 2,000 genes x 200 trajectories x 5 time points.

Run from the repository root::

    python benchmarks/bench_simulate.py            # the issue's size
    python benchmarks/bench_simulate.py --genes 500 --trajectories 50

Prints the wall time of each stage (network, integration and everything in memory;
writing the files) and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024**2 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=2000)
    parser.add_argument("--trajectories", type=int, default=200)
    parser.add_argument("--times", default="0,2,3,7,9")
    parser.add_argument("--method", default="LSODA")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from dashgrn.simulate import SimulateConfig, simulate, write_simulation

    times = tuple(float(t) for t in args.times.split(","))
    cfg = SimulateConfig(genes=args.genes, trajectories=args.trajectories, times=times, noise=0.025,
                         prior_noise=(0.025, 0.05, 0.1), method=args.method, seed=args.seed)
    rss0 = _peak_rss_mib()
    t0 = time.perf_counter()
    result = simulate(cfg)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_simulation(result, Path(tmp) / "out")
        size = sum(p.stat().st_size for p in (Path(tmp) / "out").iterdir())
    t2 = time.perf_counter()
    assert np.isfinite(result.clean).all()
    print(f"dashgrn simulate benchmark ({platform.python_version()}, {platform.machine()})")
    print(f"  size        {args.genes} genes, {result.network.n_edges} edges, {args.trajectories} trajectories, "
          f"{len(times)} time points ({result.clean.shape[0]} samples), method {args.method}")
    print(f"  simulate    {t1 - t0:7.2f} s   (network, integration, noise, priors; in memory)")
    print(f"  write       {t2 - t1:7.2f} s   ({size / 1024**2:.1f} MiB of files)")
    print(f"  total       {t2 - t0:7.2f} s")
    print(f"  peak RSS    {_peak_rss_mib():7.0f} MiB (process; {rss0:.0f} MiB after imports)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
