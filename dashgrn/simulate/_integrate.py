"""Initial states and the ODE integration of many trajectories."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.integrate import solve_ivp

from .._errors import ConfigError, InputError
from ._kinetics import CompiledNetwork
from ._network import Network

__all__ = ["METHODS", "check_times", "initial_states", "integrate"]

#: solve_ivp methods accepted by :func:`integrate`.
METHODS = ("LSODA", "BDF", "Radau", "DOP853", "RK45")

#: Above this many regulated genes LSODA gets a diagonal (banded, width 0) Jacobian
#: instead of a dense one, whose n x n work array it would allocate up front.
DENSE_JACOBIAN_MAX = 4000


def check_times(times: object, option: str = "--times") -> np.ndarray:
    """Validate sampling times: finite, strictly increasing, at least two.

    Raises
    ------
    ConfigError
        Fewer than 2 times, a non-finite time or a time not after the previous one.
    """
    try:
        t = np.asarray(times, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        msg = f"{option}: {times!r} is not a list of numbers"
        raise ConfigError(msg, hint="e.g. --times 0,2,3,7,9") from None
    if t.size < 2:
        msg = f"{option}: {t.size} time point(s); at least 2 are needed"
        raise ConfigError(msg, hint="e.g. --times 0,2,3,7,9")
    if not np.isfinite(t).all():
        msg = f"{option}: non-finite time in {', '.join(f'{v:g}' for v in t)}"
        raise ConfigError(msg, hint="times must be finite numbers")
    step = np.diff(t)
    if (step <= 0).any():
        i = int(np.flatnonzero(step <= 0)[0])
        msg = f"{option}: times are not strictly increasing ({t[i]:g} is followed by {t[i + 1]:g})"
        raise ConfigError(msg, hint="list the times in increasing order without repeats, e.g. 0,2,3,7,9")
    return t


def _truncated_normal(rng: np.random.Generator, mean: np.ndarray, sd: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """N(mean, sd^2) truncated to [0, 1] by resampling (per column mean and sd)."""
    out = rng.normal(mean, sd, size=size)
    bad = (out < 0) | (out > 1)
    while bad.any():
        rows, cols = np.nonzero(bad)
        out[rows, cols] = rng.normal(mean[cols], sd[cols])
        bad = (out < 0) | (out > 1)
    return out


def initial_states(
    network: Network | CompiledNetwork,
    n_trajectories: int,
    rng: np.random.Generator,
    *,
    start_jitter: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw input-gene levels and initial states as SimulatorGRN does.

    Input genes: a per-gene model ``mean ~ Beta(10, 10)``,
    ``sd = max(Beta(15, 15) * min(mean, 1 - mean) / 3, 0.01)``; each trajectory draws
    ``N(mean, sd^2)`` truncated to [0, 1] (by resampling), constant in time.
    Regulated genes start at ``Beta(2, 2) + offset`` clipped to [0, 1], with a per-gene
    ``offset ~ U(-0.25, 0.25)``.

    Parameters
    ----------
    network
        The network (or its compiled form).
    n_trajectories
        Number of trajectories K.
    rng
        Random generator.
    start_jitter
        ``None``: every trajectory draws its own regulated-gene start (SimulatorGRN).
        A number >= 0: all trajectories share one such draw plus ``N(0, start_jitter^2)``
        per value (clipped to [0, 1]), a common "stem" state for snapshot data.

    Returns
    -------
    inputs, y0
        ``(K, n_inputs)`` and ``(K, n_regulated)`` arrays.
    """
    comp = network.compile() if isinstance(network, Network) else network
    k = int(n_trajectories)
    n_in, n_reg = comp.n_inputs, comp.n_regulated
    mean = rng.beta(10.0, 10.0, size=n_in)
    sd = np.maximum(rng.beta(15.0, 15.0, size=n_in) * np.minimum(mean, 1.0 - mean) / 3.0, 0.01)
    inputs = _truncated_normal(rng, mean, sd, (k, n_in))
    offset = rng.uniform(-0.25, 0.25, size=n_reg)
    if start_jitter is None:
        y0 = np.clip(rng.beta(2.0, 2.0, size=(k, n_reg)) + offset, 0.0, 1.0)
    else:
        base = np.clip(rng.beta(2.0, 2.0, size=n_reg) + offset, 0.0, 1.0)
        y0 = np.clip(base + rng.normal(0.0, start_jitter, size=(k, n_reg)), 0.0, 1.0)
    return inputs, y0


def integrate(
    network: Network | CompiledNetwork,
    y0: np.ndarray,
    inputs: np.ndarray,
    times: np.ndarray | list[np.ndarray],
    *,
    method: str = "LSODA",
    rtol: float = 1e-8,
    atol: float = 1e-10,
    clamp: np.ndarray | None = None,
) -> np.ndarray | list[np.ndarray]:
    """Integrate every trajectory and return the regulated genes at the requested times.

    Each trajectory is its own ``solve_ivp`` call (so that the error control of one
    trajectory is not averaged over the others); the right-hand side is fully
    vectorised over genes, and the stiff methods get the analytic sparse Jacobian
    (LSODA a dense one, or its diagonal above :data:`DENSE_JACOBIAN_MAX` genes).

    Parameters
    ----------
    network
        The network (or its compiled form).
    y0
        ``(K, n_regulated)`` initial states at ``times[0]``.
    inputs
        ``(K, n_inputs)`` constant input-gene levels.
    times
        ``(T,)`` increasing times shared by all trajectories (the first is the start),
        or a list of K such arrays (one per trajectory; each starts at its own first time).
    method
        One of :data:`METHODS`.
    rtol, atol
        Solver tolerances.
    clamp
        Positions (into the regulated genes) of genes held at their value in ``y0``: their
        derivative (and their row of the Jacobian) is 0, a knockout when ``y0`` holds 0 there
        (``dashgrn simulate --knockout``). ``None``: every regulated gene follows its equation.

    Returns
    -------
    numpy.ndarray or list of numpy.ndarray
        ``(K, T, n_regulated)`` for shared times, else a list of ``(T_k, n_regulated)``.

    Raises
    ------
    ConfigError
        Unknown method or bad tolerances.
    InputError
        The solver failed (the message names the trajectory).
    """
    if method not in METHODS:
        msg = f"--method: unknown integrator {method!r}"
        raise ConfigError(msg, hint=f"choose one of {', '.join(METHODS)}")
    if not (rtol > 0 and atol > 0):
        msg = f"--rtol/--atol: tolerances must be > 0 (got {rtol!r}, {atol!r})"
        raise ConfigError(msg)
    comp = network.compile() if isinstance(network, Network) else network
    y0 = np.atleast_2d(np.asarray(y0, dtype=np.float64))
    inputs = np.atleast_2d(np.asarray(inputs, dtype=np.float64))
    k = y0.shape[0]
    shared = not isinstance(times, list)
    per_traj = [np.asarray(times, dtype=np.float64)] * k if shared else [np.asarray(t, np.float64) for t in times]
    n = comp.n_regulated
    rhs, jac_dense, jac_sparse = comp.rhs, comp.jacobian_dense, comp.jacobian
    if clamp is not None and np.size(clamp):
        rhs, jac_dense, jac_sparse = _clamped(comp, np.asarray(clamp, dtype=np.int64))
    out: list[np.ndarray] = []
    for i in range(k):
        t = per_traj[i]
        inp = inputs[i]
        if n == 0 or t.size == 1:
            out.append(np.repeat(y0[i][None, :], t.size, axis=0))
            continue
        kwargs: dict[str, object] = {}
        if method == "LSODA":
            if n <= DENSE_JACOBIAN_MAX:
                kwargs["jac"] = lambda _t, y, inp=inp: jac_dense(y, inp)
            else:
                kwargs["lband"] = kwargs["uband"] = 0
        elif method in ("BDF", "Radau"):
            kwargs["jac"] = lambda _t, y, inp=inp: jac_sparse(y, inp)
        sol = solve_ivp(
            lambda _t, y, inp=inp: rhs(y, inp), (t[0], t[-1]), y0[i],
            method=method, t_eval=t, rtol=rtol, atol=atol, **kwargs,
        )
        if sol.status != 0 or sol.y.shape[1] != t.size:
            msg = f"trajectory {i + 1}: the {method} integrator failed ({sol.message})"
            raise InputError(msg, hint="try --method Radau or looser --rtol/--atol; check tau > 0 in the node table")
        out.append(sol.y.T.copy())
    return np.stack(out) if shared else out


def _clamped(comp: CompiledNetwork, clamp: np.ndarray):  # noqa: ANN202 - three callables
    """The right-hand side and Jacobians of ``comp`` with the genes at ``clamp`` held constant."""
    free = np.ones(comp.n_regulated)
    free[clamp] = 0.0

    def rhs(y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return comp.rhs(y, inputs) * free

    def jac_dense(y: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return comp.jacobian_dense(y, inputs) * free[:, None]

    def jac_sparse(y: np.ndarray, inputs: np.ndarray) -> sp.csc_matrix:
        return sp.csc_matrix(sp.diags(free) @ comp.jacobian(y, inputs))

    return rhs, jac_dense, jac_sparse
