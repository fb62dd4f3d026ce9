"""Simulated expression dynamics with a known network: SimulatorGRN-style Hill ODEs.

The pieces, usable on their own:

* :class:`Network`, :func:`read_network`, :func:`write_network`: node and edge tables
  (the format of ``sim350_ode_nodes.tsv`` / ``sim350_ode_edges.tsv``) and their
  per-gene logic formulas (:func:`parse_logic`).
* :func:`random_network`: a random network of any size.
* :func:`initial_states`, :func:`integrate`: trajectories (vectorised right-hand side,
  analytic sparse Jacobian, scipy's LSODA by default).
* :func:`make_prior`: priors with moved, missing and extra edges.
* :func:`simulate`, :func:`write_simulation`, :func:`run_simulate` with
  :class:`SimulateConfig`: what ``dashgrn simulate`` runs.

Modules, from the bottom up: ``_logic`` (formulas), ``_kinetics`` (the compiled Hill
right-hand side and Jacobian), ``_network`` (the tables and their validation),
``_network_io`` (reading and writing them), ``_random``, ``_integrate``, ``_snapshot``,
``_priors``, ``_config`` (:class:`SimulateConfig`), ``_write`` (the files and
``manifest.json``) and ``_run`` (:func:`simulate`, :func:`run_simulate`).

This package uses numpy, scipy, pandas and anndata only (no torch).
"""

from __future__ import annotations

from ._config import STREAMS, SimulateConfig, prior_filename
from ._integrate import METHODS, check_times, initial_states, integrate
from ._kinetics import CompiledNetwork
from ._logic import LogicError, format_logic, parse_logic
from ._network import Network
from ._network_io import read_network, write_network
from ._priors import PriorCorruption, count_of, make_prior
from ._random import random_network
from ._run import SimulationResult, run_simulate, simulate
from ._snapshot import cell_types, count_noise, sample_snapshot
from ._write import write_simulation

__all__ = [
    "METHODS",
    "STREAMS",
    "CompiledNetwork",
    "LogicError",
    "Network",
    "PriorCorruption",
    "SimulateConfig",
    "SimulationResult",
    "cell_types",
    "check_times",
    "count_noise",
    "count_of",
    "format_logic",
    "initial_states",
    "integrate",
    "make_prior",
    "parse_logic",
    "prior_filename",
    "random_network",
    "read_network",
    "run_simulate",
    "sample_snapshot",
    "simulate",
    "write_network",
    "write_simulation",
]
