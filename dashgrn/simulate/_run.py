"""``dashgrn simulate`` as a library call: the simulation in memory (:func:`simulate`)
and the whole run with its files (:func:`run_simulate`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ._config import SimulateConfig, _stream
from ._integrate import check_times, initial_states, integrate
from ._network import Network
from ._network_io import read_network
from ._priors import PriorCorruption, make_prior
from ._random import random_network
from ._snapshot import cell_types, count_noise, sample_snapshot
from ._write import _input_files, write_simulation

__all__ = ["SimulationResult", "run_simulate", "simulate"]

log = get_logger(__name__)


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


def _knock_out(network: Network, comp: Any, inputs: np.ndarray, y0: np.ndarray,
               genes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs and start states with ``genes`` at 0, and the positions of the regulated ones
    among the regulated genes (to hold them there)."""
    from .._checks import close_matches

    pos = {g: i for i, g in enumerate(network.genes)}
    for g in genes:
        if g not in pos:
            msg = f"--knockout: {g!r} is not a gene of the network{close_matches(g, network.genes)}"
            raise InputError(msg)  # one line: the close matches are the hint
    in_pos = {int(g): j for j, g in enumerate(comp.input_idx)}
    reg_pos = {int(g): j for j, g in enumerate(comp.reg_idx)}
    inputs, y0 = inputs.copy(), y0.copy()
    idx = [pos[g] for g in genes]
    inputs[:, [in_pos[i] for i in idx if i in in_pos]] = 0.0
    clamp = np.asarray([reg_pos[i] for i in idx if i in reg_pos], dtype=np.int64)
    y0[:, clamp] = 0.0
    log.info("knockout: %s held at 0", ", ".join(genes))
    return inputs, y0, clamp


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
    kw: dict[str, Any] = {"method": config.method, "rtol": config.rtol, "atol": config.atol}
    if config.knockout:
        inputs, y0, kw["clamp"] = _knock_out(network, comp, inputs, y0, config.knockout)
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


def run_simulate(
    config: SimulateConfig, out: str | Path, *, overwrite: bool = False
) -> tuple[SimulationResult, dict[str, Path]]:
    """Check the output folder, simulate, and write every file (see :func:`write_simulation`)."""
    from .._atomic import check_output_dir

    config.validate()
    check_output_dir(out, overwrite=overwrite, inputs=_input_files(config))
    result = simulate(config)
    return result, write_simulation(result, out, overwrite=overwrite)
