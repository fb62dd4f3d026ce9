"""``dashgrn simulate`` as a library call: configuration, the run, and its files."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import __version__
from .._atomic import staged_output_dir
from .._errors import ConfigError, InputError
from .._log import get_logger
from ._integrate import METHODS, check_times, initial_states, integrate
from ._network import Network, read_network, write_network
from ._priors import PriorCorruption, make_prior
from ._random import random_network
from ._snapshot import cell_types, count_noise, sample_snapshot

__all__ = ["STREAMS", "SimulateConfig", "SimulationResult", "run_simulate", "simulate", "write_simulation"]

log = get_logger(__name__)

#: Independent random streams, all derived from ``--seed``: stream ``s`` of seed
#: ``S`` is ``numpy.random.default_rng([S, s, ...])``. Changing one part of a run
#: (e.g. the number of trajectories) leaves the draws of the others unchanged.
STREAMS = {"network": 1, "initial": 2, "noise": 3, "prior": 4, "snapshot": 5, "counts": 6}

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

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["times"] = list(self.times)
        d["prior_noise"] = list(self.prior_noise)
        return d


@dataclass
class SimulationResult:
    """A finished simulation, in memory.

    Attributes
    ----------
    network
        The simulated network.
    obs
        One row per sample: ``trajectory`` (str, numbered from 1) and ``time`` for time
        courses; ``cell_type`` for snapshots (with ``trajectory`` and ``time`` kept in
        ``cell_truth``).
    clean
        ``(n_samples, n_genes)`` noise-free values (in [0, 1]).
    observed
        ``(n_samples, n_genes)`` values with measurement noise (or counts); ``clean``
        itself when there is no noise.
    priors
        ``[(noise level, prior table, counts), ...]``.
    cell_truth
        Snapshot mode: ``cell, trajectory, time, cell_type``.
    info
        Summary numbers for the manifest.
    """

    config: SimulateConfig
    network: Network
    obs: pd.DataFrame
    clean: np.ndarray
    observed: np.ndarray
    priors: list[tuple[float, pd.DataFrame, PriorCorruption]] = field(default_factory=list)
    cell_truth: pd.DataFrame | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def genes(self) -> list[str]:
        return self.network.genes

    @property
    def has_noise(self) -> bool:
        return self.observed is not self.clean


def _round(values: np.ndarray, digits: int) -> np.ndarray:
    """Round to ``digits`` significant digits exactly as ``%.{digits}g`` prints them."""
    flat = np.asarray(values, dtype=np.float64).ravel().tolist()
    text = map(f"{{:.{digits}g}}".format, flat)
    return np.fromiter(map(float, text), dtype=np.float64, count=len(flat)).reshape(np.shape(values))


def _read_initial(path: str, network: Network) -> np.ndarray:
    """Initial states ``(K, n_genes)`` from a CSV/TSV with gene columns."""
    p = Path(path)
    if not p.exists():
        msg = f"{p}: file not found"
        raise InputError(msg, hint="--initial takes a CSV/TSV with one column per gene")
    sep = "\t" if p.suffix.lower() in {".tsv", ".tab", ".txt"} else ","
    try:
        df = pd.read_csv(p, sep=sep, float_precision="round_trip")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        msg = f"{p}: cannot read ({str(exc).strip().splitlines()[0]})"
        raise InputError(msg, hint="--initial takes a CSV/TSV with one column per gene") from None
    genes = network.genes
    missing = [g for g in genes if g not in df.columns]
    if missing:
        msg = f"{p}: {len(missing)} network gene(s) have no column, e.g. {', '.join(missing[:3])}"
        raise InputError(msg, hint="give one column per gene of the network")
    if "trajectory" in df.columns:
        groups = df.groupby("trajectory", sort=False)
        if "time" in df.columns:
            times = pd.to_numeric(df["time"], errors="coerce")
            df = df.loc[times.groupby(df["trajectory"], sort=False).idxmin().to_numpy()]
        else:
            df = groups.head(1)
    values = df[genes].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    bad = ~np.isfinite(values) | (values < 0) | (values > 1)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        msg = f"{p}: row {r + 1}, gene {genes[c]}: initial value {df[genes[c]].iloc[r]!r} is not in [0, 1]"
        raise InputError(msg, hint="initial states must be finite numbers in [0, 1]")
    if len(values) == 0:
        msg = f"{p}: no rows"
        raise InputError(msg)
    return values


def simulate(config: SimulateConfig) -> SimulationResult:
    """Run a simulation in memory (no files).

    Raises
    ------
    ConfigError
        Bad options.
    InputError
        Bad network tables or initial-state file, or an integrator failure.
    """
    config.validate()
    seed = int(config.seed)
    times = check_times(config.times)
    if config.nodes is not None:
        network = read_network(config.nodes, config.edges)  # type: ignore[arg-type]
    else:
        network = random_network(
            int(config.genes), _stream(seed, "network"),  # type: ignore[arg-type]
            regulator_fraction=config.regulator_fraction, edges_per_gene=config.edges_per_gene,
            activating_fraction=config.activating_fraction,
        )
    comp = network.compile()
    log.info("network: %d genes (%d inputs), %d edges", network.n_genes, comp.n_inputs, network.n_edges)
    rng_init = _stream(seed, "initial")
    if config.initial is not None:
        x0 = _read_initial(config.initial, network)
        inputs, y0 = x0[:, comp.input_idx], x0[:, comp.reg_idx]
    else:
        inputs, y0 = initial_states(comp, config.trajectories, rng_init, start_jitter=config.start_jitter)
    k = y0.shape[0]
    kw = {"method": config.method, "rtol": config.rtol, "atol": config.atol}
    info: dict[str, Any] = {"n_trajectories": k}
    cell_truth = None
    if config.snapshot_cells is None:
        log.info("integrating %d trajectories at %d times", k, times.size)
        sol = integrate(comp, y0, inputs, times, **kw)  # (K, T, n_reg)
        clean = np.empty((k, times.size, network.n_genes), dtype=np.float64)
        clean[:, :, comp.reg_idx] = sol
        clean[:, :, comp.input_idx] = inputs[:, None, :]
        clean = clean.reshape(k * times.size, network.n_genes)
        traj = np.repeat(np.arange(1, k + 1), times.size)
        tcol = np.tile(times, k)
        obs = pd.DataFrame(
            {"trajectory": traj.astype(str), "time": tcol},
            index=[f"traj{a}_t{b:g}" for a, b in zip(traj, tcol)],
        )
    else:
        t_range = (float(times[0]), float(times[-1]))
        log.info("sampling %d cells from %d trajectories", config.snapshot_cells, k)
        snap = sample_snapshot(comp, y0, inputs, t_range, int(config.snapshot_cells), _stream(seed, "snapshot"), **kw)
        clean = snap.values
        width = len(str(int(config.snapshot_cells)))
        names = [f"cell{i:0{width}d}" for i in range(1, clean.shape[0] + 1)]
        ctype = cell_types(snap.time, t_range, config.stem_fraction)
        obs = pd.DataFrame({"cell_type": pd.Categorical(ctype, categories=["stem", "transit", "mature"])},
                           index=names)
        cell_truth = pd.DataFrame({
            "cell": names, "trajectory": (snap.trajectory + 1).astype(np.int64),
            "time": snap.time, "cell_type": ctype,
        })
        info["cell_types"] = {c: int((ctype == c).sum()) for c in ("stem", "transit", "mature")}
    overshoot = float(max(0.0, -clean.min(initial=0.0), clean.max(initial=0.0) - 1.0))
    info["max_excursion_outside_0_1"] = overshoot
    if overshoot > 1e-6:
        log.warning("integrated values leave [0, 1] by up to %.3g; clipped", overshoot)
    clean = np.clip(clean, 0.0, 1.0)
    if not np.isfinite(clean).all():
        msg = "the simulation produced NaN/inf values"
        raise InputError(msg, hint="check the network parameters (EC50 in (0, 1), n > 0, tau > 0)")
    clean = _round(clean, config.digits)
    observed = clean
    if config.noise > 0:
        observed = clean + _stream(seed, "noise").normal(0.0, config.noise, size=clean.shape)
    if config.snapshot_cells is not None and config.count_scale is not None:
        observed = count_noise(observed, _stream(seed, "counts"), scale=config.count_scale, dropout=config.dropout)
    elif config.dropout > 0:
        observed = observed.copy() if observed is clean else observed
        observed[_stream(seed, "counts").random(observed.shape) < config.dropout] = 0.0
    if observed is not clean:
        observed = _round(observed, config.digits)
    priors = []
    truth = network.truth()
    for level in config.prior_noise:
        rng = _stream(seed, "prior", round(level * 1e9), round(config.prior_drop * 1e9), round(config.prior_add * 1e9))
        prior, counts = make_prior(truth, network.genes, rng, noise=level, drop=config.prior_drop, add=config.prior_add)
        priors.append((float(level), prior, counts))
    return SimulationResult(config=config, network=network, obs=obs, clean=clean, observed=observed,
                            priors=priors, cell_truth=cell_truth, info=info)


def _fmt(digits: int) -> str:
    return f"%.{digits}g"


def _write_long_csv(path: Path, obs: pd.DataFrame, values: np.ndarray, genes: list[str], digits: int) -> None:
    if "time" in obs.columns:
        head = pd.DataFrame({
            "trajectory": obs["trajectory"].astype(np.int64).to_numpy(), "time": obs["time"].to_numpy(),
        })
    else:
        head = pd.DataFrame({"cell": obs.index.to_numpy(), "cell_type": obs["cell_type"].astype(str).to_numpy()})
    body = pd.DataFrame(values, columns=genes)
    pd.concat([head, body], axis=1).to_csv(path, index=False, float_format=_fmt(digits), lineterminator="\n")


def _write_h5ad(path: Path, result: SimulationResult) -> None:
    import anndata as ad

    var = pd.DataFrame({"type": result.network.nodes["type"].to_numpy()}, index=pd.Index(result.genes))
    adata = ad.AnnData(X=np.asarray(result.observed, dtype=np.float64), obs=result.obs.copy(), var=var)
    if result.has_noise:
        adata.layers["clean"] = np.asarray(result.clean, dtype=np.float64)
    cfg = result.config
    adata.uns["simulate"] = {
        "dashgrn_version": __version__, "seed": int(cfg.seed), "noise_sd": float(cfg.noise),
        "mode": "snapshot" if cfg.snapshot_cells is not None else "time_course",
        "count_scale": float(cfg.count_scale) if cfg.count_scale is not None else 0.0,
        "dropout": float(cfg.dropout),
    }
    adata.write_h5ad(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    out = {"dashgrn": __version__}
    for pkg in ("numpy", "scipy", "pandas", "anndata", "h5py"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:  # pragma: no cover
            out[pkg] = "absent"
    return out


def write_simulation(result: SimulationResult, out: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
    """Write every output file into ``out`` through a staging folder.

    Files: ``expression.h5ad``, ``expression.csv`` (and ``expression_clean.csv`` with
    noise), ``truth.tsv``, one ``prior_noise_<x>.tsv`` per level, ``network_nodes.tsv``,
    ``network_edges.tsv``, ``cell_times.tsv`` (snapshot mode) and ``manifest.json``.
    Nothing appears at ``out`` unless all of them were written.

    Returns
    -------
    dict
        File role -> final path.
    """
    cfg = result.config
    genes = result.genes
    written: dict[str, str] = {}
    with staged_output_dir(out, overwrite=overwrite, inputs=_input_files(result.config)) as stage:
        _write_h5ad(stage / FILES["h5ad"], result)
        written["h5ad"] = FILES["h5ad"]
        _write_long_csv(stage / FILES["csv"], result.obs, result.observed, genes, cfg.digits)
        written["csv"] = FILES["csv"]
        if result.has_noise:
            _write_long_csv(stage / FILES["clean_csv"], result.obs, result.clean, genes, cfg.digits)
            written["clean_csv"] = FILES["clean_csv"]
        if result.cell_truth is not None:
            result.cell_truth.to_csv(stage / FILES["cell_times"], sep="\t", index=False,
                                     float_format=_fmt(cfg.digits), lineterminator="\n")
            written["cell_times"] = FILES["cell_times"]
        result.network.truth().to_csv(stage / FILES["truth"], sep="\t", index=False, lineterminator="\n")
        written["truth"] = FILES["truth"]
        for level, prior, _ in result.priors:
            name = cfg.prior_name or prior_filename(level)
            prior.to_csv(stage / name, sep="\t", index=False, lineterminator="\n")
            written[f"prior_{level!r}"] = name
        write_network(result.network, stage / FILES["nodes"], stage / FILES["edges"])
        written["nodes"], written["edges"] = FILES["nodes"], FILES["edges"]
        manifest = _manifest(result, {role: stage / name for role, name in written.items()})
        (stage / FILES["manifest"]).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        written["manifest"] = FILES["manifest"]
    out = Path(out)
    return {role: out / name for role, name in written.items()}


def _manifest(result: SimulationResult, files: dict[str, Path]) -> dict[str, Any]:
    cfg = result.config
    net = result.network
    truth = net.truth()
    comp_inputs = int(net.is_input.sum())
    data: dict[str, Any] = {
        "mode": "snapshot" if cfg.snapshot_cells is not None else "time_course",
        "n_samples": int(result.clean.shape[0]),
        "n_genes": net.n_genes,
        "noise_sd": float(cfg.noise),
        "clean_min": float(result.clean.min()),
        "clean_max": float(result.clean.max()),
        **result.info,
    }
    if cfg.snapshot_cells is None:
        data["times"] = [float(t) for t in cfg.times]
    return {
        "tool": "dashgrn simulate",
        "dashgrn_version": __version__,
        "seed": int(cfg.seed),
        "random_streams": {name: f"numpy.random.default_rng([seed, {sid}, ...])" for name, sid in STREAMS.items()},
        "parameters": cfg.to_dict(),
        "model": {
            "equation": "dx/dt = (f(x) * spmax - spdeg * x) / tau; inputs constant",
            "hill": "fAct(x) = B x^n / (B - 1 + x^n), B = (EC50^n - 1) / (2 EC50^n - 1)",
            "logic": "NAME = w*fAct, !NAME = w*(1 - fAct), & = product, | = 1 - prod(1 - a)",
            "integrator": f"scipy.integrate.solve_ivp({cfg.method}, rtol={cfg.rtol:g}, atol={cfg.atol:g}), "
                          "one call per trajectory",
        },
        "network": {
            "source": net.source if cfg.nodes is not None else "random",
            "n_genes": net.n_genes,
            "n_inputs": comp_inputs,
            "n_regulated": net.n_genes - comp_inputs,
            "n_edges": net.n_edges,
            "n_activating": int((truth["sign"] > 0).sum()),
            "n_repressing": int((truth["sign"] < 0).sum()),
            "n_regulators": int(truth["regulator"].nunique()),
            "max_logic_depth": net.max_depth,
        },
        "data": data,
        "priors": [
            {"file": cfg.prior_name or prior_filename(level), **asdict(counts)} for level, _, counts in result.priors
        ],
        "files": {path.name: {"sha256": _sha256(path), "bytes": path.stat().st_size} for path in files.values()},
        "versions": _versions(),
    }


def _input_files(config: SimulateConfig) -> list[str | None]:
    """The files a simulation reads (none may lie inside the output folder)."""
    return [config.nodes, config.edges, config.initial]


def run_simulate(
    config: SimulateConfig, out: str | Path, *, overwrite: bool = False
) -> tuple[SimulationResult, dict[str, Path]]:
    """Check the output folder, simulate, and write every file (see :func:`write_simulation`)."""
    from .._atomic import check_output_dir

    config.validate()
    check_output_dir(out, overwrite=overwrite, inputs=_input_files(config))
    result = simulate(config)
    return result, write_simulation(result, out, overwrite=overwrite)
