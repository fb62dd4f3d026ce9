"""``dashgrn simulate``'s parameters: :class:`SimulateConfig` and its validation, the
random streams derived from the seed, and the names of the written files."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .._errors import ConfigError
from ._integrate import METHODS, check_times

__all__ = ["FILES", "STREAMS", "SimulateConfig", "prior_filename"]

#: Independent random streams, all derived from ``--seed``: stream ``s`` of seed
#: ``S`` is ``numpy.random.default_rng([S, s, ...])``. Changing one part of a run
#: (e.g. the number of trajectories) leaves the draws of the others unchanged.
STREAMS = {"network": 1, "initial": 2, "noise": 3, "prior": 4, "snapshot": 5, "counts": 6}

#: Role -> name of the files :func:`~dashgrn.simulate.write_simulation` writes (besides the
#: priors); ``--prior-name`` may not clash with them.
FILES = {
    "h5ad": "expression.h5ad",
    "csv": "expression.csv",
    "clean_csv": "expression_clean.csv",
    "truth": "truth.tsv",
    "nodes": "network_nodes.tsv",
    "edges": "network_edges.tsv",
    "cell_times": "cell_times.tsv",
    "manifest": "manifest.json",
}


def _stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    return np.random.default_rng([seed, STREAMS[name], *extra])


def prior_filename(noise: float) -> str:
    """``prior_noise_<noise>.tsv`` with Python's shortest float form (``0.05``, ``0.0``)."""
    return f"prior_noise_{float(noise)!r}.tsv"


@dataclass(frozen=True)
class SimulateConfig:
    """Every parameter of a simulation (the defaults are the CLI's).

    Attributes
    ----------
    nodes, edges
        Node and edge tables of a given network (both or neither).
    genes
        Size of a random network (when no tables are given).
    regulator_fraction, edges_per_gene, activating_fraction
        Random-network shape (see :func:`~dashgrn.simulate.random_network`).
    trajectories
        Number of trajectories K (ignored with ``initial``, which sets K).
    times
        Sampling times, strictly increasing; the first is the start. In snapshot mode
        cells get uniform times between the first and the last.
    noise
        Standard deviation of Gaussian measurement noise (0: none).
    prior_noise
        Prior noise levels; each writes ``prior_noise_<x>.tsv`` moving
        ``floor(2 x n_edges)`` true edges.
    prior_drop, prior_add
        Fractions of the true edges left out of / added falsely to every prior.
    prior_name
        File name for the prior when there is exactly one noise level (instead of
        ``prior_noise_<x>.tsv``), e.g. ``prior.tsv``.
    snapshot_cells
        Snapshot mode: number of cells (``None``: time courses).
    count_scale
        Snapshot mode: ``X = Poisson(count_scale * value)`` counts (``None``: no counts).
    dropout
        Snapshot mode: probability that a value is set to 0.
    stem_fraction
        Snapshot mode: cells in this first fraction of the time range are ``stem``.
    start_jitter
        ``None``: independent starts; a number: one shared start plus N(0, jitter^2).
    initial
        A CSV/TSV of initial states (gene columns; per trajectory the earliest row).
    method, rtol, atol
        Integrator and tolerances.
    knockout
        Genes held at 0 from the start in every trajectory (in-silico knockouts, all at once):
        a regulated gene starts at 0 and its equation is switched off; an input gene's constant
        level is 0. Every random draw is the same as without them, so the run differs from the
        unperturbed one by the knockouts alone.
    seed
        The seed of every random draw.
    digits
        Significant digits of the written values (the .h5ad holds the same rounded values).
    """

    nodes: str | None = None
    edges: str | None = None
    genes: int | None = None
    regulator_fraction: float = 0.25
    edges_per_gene: float = 1.5
    activating_fraction: float = 2 / 3
    trajectories: int = 150
    times: tuple[float, ...] = (0.0, 2.0, 3.0, 7.0, 9.0)
    noise: float = 0.0
    prior_noise: tuple[float, ...] = (0.025, 0.05, 0.1)
    prior_drop: float = 0.0
    prior_add: float = 0.0
    prior_name: str | None = None
    snapshot_cells: int | None = None
    count_scale: float | None = None
    dropout: float = 0.0
    stem_fraction: float = 0.1
    start_jitter: float | None = None
    initial: str | None = None
    method: str = "LSODA"
    rtol: float = 1e-8
    atol: float = 1e-10
    seed: int = 0
    digits: int = 10
    knockout: tuple[str, ...] = ()

    def validate(self) -> None:
        """Check every option; raise :class:`ConfigError` naming the first bad one."""

        def fail(option: str, problem: str, hint: str | None = None) -> None:
            raise ConfigError(f"{option}: {problem}", hint=hint)

        if (self.nodes is None) != (self.edges is None):
            fail("--nodes/--edges", "give both tables of a network, or neither",
                 "e.g. --nodes sim350_ode_nodes.tsv --edges sim350_ode_edges.tsv")
        if self.nodes is not None and self.genes is not None:
            fail("--genes", "cannot be combined with --nodes/--edges", "a given network sets the genes")
        if self.nodes is None and self.genes is None:
            fail("--genes", "no network: give --genes N for a random one, or --nodes and --edges",
                 "e.g. --genes 40")
        if self.genes is not None and (isinstance(self.genes, bool) or int(self.genes) != self.genes
                                       or self.genes < 2):
            fail("--genes", f"{self.genes!r}; a network needs at least 2 genes", "give --genes 2 or more")
        if isinstance(self.trajectories, bool) or int(self.trajectories) != self.trajectories or self.trajectories < 1:
            fail("--trajectories", f"{self.trajectories!r} must be a positive integer")
        check_times(self.times)
        for name, value in (("--noise", self.noise), ("--dropout", self.dropout)):
            if not (math.isfinite(value) and value >= 0):
                fail(name, f"{value!r} must be >= 0", "0 turns it off")
        if self.dropout >= 1:
            fail("--dropout", f"{self.dropout!r} must be < 1")
        if self.start_jitter is not None and not (math.isfinite(self.start_jitter) and self.start_jitter >= 0):
            fail("--start-jitter", f"{self.start_jitter!r} must be >= 0")
        if self.start_jitter is not None and self.initial is not None:
            fail("--start-jitter", "cannot be combined with --initial", "--initial gives the starts itself")
        if self.count_scale is not None and not (math.isfinite(self.count_scale) and self.count_scale > 0):
            fail("--count-scale", f"{self.count_scale!r} must be > 0")
        if self.snapshot_cells is None and (self.count_scale is not None or self.dropout > 0):
            fail("--count-scale/--dropout", "only apply to snapshot data", "add --snapshot-cells N")
        if self.snapshot_cells is not None and (isinstance(self.snapshot_cells, bool)
                                                or int(self.snapshot_cells) != self.snapshot_cells
                                                or self.snapshot_cells < 1):
            fail("--snapshot-cells", f"{self.snapshot_cells!r} must be a positive integer")
        if not (math.isfinite(self.stem_fraction) and 0 < self.stem_fraction < 0.5):
            fail("--stem-fraction", f"{self.stem_fraction!r} must be in (0, 0.5)")
        for level in self.prior_noise:
            if not (math.isfinite(level) and 0 <= level <= 0.5):
                fail("--prior-noise", f"{level!r} is out of range [0, 0.5]",
                     "a noise level x moves a fraction 2x of the true edges")
        if len(set(self.prior_noise)) != len(self.prior_noise):
            fail("--prior-noise", "repeated noise level")
        if self.prior_name is not None:
            if len(self.prior_noise) != 1:
                fail("--prior-name", f"needs exactly one --prior-noise level (got {len(self.prior_noise)})")
            name = self.prior_name
            if not name or "/" in name or "\\" in name or name.startswith(".") or name in FILES.values():
                fail("--prior-name", f"{name!r} is not a plain file name or clashes with another output",
                     "e.g. --prior-name prior.tsv")
        if not (math.isfinite(self.prior_drop) and 0 <= self.prior_drop <= 1):
            fail("--prior-drop", f"{self.prior_drop!r} must be in [0, 1]")
        if not (math.isfinite(self.prior_add) and self.prior_add >= 0):
            fail("--prior-add", f"{self.prior_add!r} must be >= 0")
        if self.method not in METHODS:
            fail("--method", f"unknown integrator {self.method!r}", f"choose one of {', '.join(METHODS)}")
        if not (self.rtol > 0 and self.atol > 0):
            fail("--rtol/--atol", "tolerances must be > 0")
        if isinstance(self.seed, bool) or int(self.seed) != self.seed or self.seed < 0:
            fail("--seed", f"{self.seed!r} must be an integer >= 0")
        if isinstance(self.digits, bool) or int(self.digits) != self.digits or not 1 <= self.digits <= 17:
            fail("--digits", f"{self.digits!r} must be an integer in 1..17")
        if isinstance(self.knockout, str) or any(not isinstance(g, str) or not g for g in self.knockout):
            fail("--knockout", f"{self.knockout!r} must be a list of gene names", "e.g. --knockout GAL4,REB1")
        if len(set(self.knockout)) != len(self.knockout):
            fail("--knockout", "a gene is named twice")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["times"] = list(self.times)
        d["prior_noise"] = list(self.prior_noise)
        # without knockouts the manifest stays as it was before the option existed (byte for byte)
        if self.knockout:
            d["knockout"] = list(self.knockout)
        else:
            del d["knockout"]
        return d
