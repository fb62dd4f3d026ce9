"""The resolved settings of an ``infer`` run: one flat, JSON-serialisable dataclass.

Defaults are defined here once. ``dashgrn infer --config run/config.json`` re-runs a
saved configuration; flags given on the command line override the file.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from ._errors import ConfigError
from .ranking import EXPORTS, RANKINGS


#: (lambda_ppi, lambda_motif) when not given: DASH's simulation values for the SPEC
#: scores, and a prior-dominated mix for the prior-path scores (benchmarks/ACCURACY).
LAMBDA_DEFAULTS = {"spec": (0.05, 0.01), "path": (0.9, 0.9)}


@dataclass(frozen=True)
class InferConfig:
    """Every setting of an inference run (see ``dashgrn infer --help``)."""

    # data
    time_key: str = "time"
    trajectory_key: str = "trajectory"
    transpose: bool = False
    layer: str | None = None
    drop_nan: bool = False
    case_insensitive: bool = False
    scale: str = "auto"  # auto | none | minmax
    val_fraction: float = 0.066
    # model
    hidden: int = 120  # SPEC: 40; 120 ranks better (benchmarks/ACCURACY.md)
    ensemble: int = 2  # members trained with their own seeds; the ranking averages them
    dtype: str = "float32"
    rate: str = "softplus"
    # training
    epochs: int = 400  # SPEC: 200; the unpruned model keeps improving (README)
    lr: float = 1e-3
    batch_size: int = 32
    early_stopping: int = 40
    lr_patience: int = 3
    original_lr_reset_bug: bool = False
    # solver
    solver: str = "rk4"  # SPEC: dopri5; rk4 with 4 steps ranks as well, 3-5x faster (README)
    rtol: float = 1e-4
    atol: float = 1e-6
    solver_steps: int = 4  # at least; raised while the model is stiff (dashgrn.stiffness)
    adjoint: bool = False
    # pruning
    pruning: str = "none"  # none | dash | imp | prior (benchmarks/ACCURACY.md)
    prune_start: int = 3
    prune_first: float = 0.70
    prune_step: float = 0.10
    prune_every: int = 10
    lambda_ppi: float | None = None  # resolved from prior_score (LAMBDA_DEFAULTS)
    lambda_motif: float | None = None
    normalized_scores: bool = False
    prior_score: str = "path"
    abs_wp_score: bool = False
    # ranking and export (dashgrn.ranking)
    ranking: str = "auto"  # auto | prior-first | effect
    export: str = "calibrated"  # calibrated | support
    new_edge_quantile: float = 0.5
    export_degree: float = 2.0
    top_k: int | None = None
    min_weight: float = 0.0
    # run
    seed: int = 0
    device: str = "auto"
    threads: int | None = None
    # single-cell snapshots (dashgrn.singlecell): used when a pseudotime source is given
    root_cell: str | None = None
    root_group: str | None = None  # KEY=VALUE
    pseudotime_key: str | None = None
    lineage_key: str | None = None
    bins: int = 50
    smooth: int = 0
    normalize: bool = True
    n_top_genes: int | None = None
    n_pcs: int = 10
    n_neighbors: int = 30

    @property
    def single_cell(self) -> bool:
        """Single-cell snapshots: a pseudotime is computed (a root) or read (``pseudotime_key``)."""
        return self.root_cell is not None or self.root_group is not None or self.pseudotime_key is not None

    def __post_init__(self) -> None:
        from .singlecell import validate_options

        validate_options(self)
        if self.single_cell and (self.time_key != "time" or self.trajectory_key != "trajectory"):
            msg = "--time-key / --trajectory-key and a pseudotime (--root-cell, --root-group, --pseudotime-key) exclude each other"
            raise ConfigError(msg, hint="single-cell snapshots are ordered by pseudotime; name lineages with --lineage-key")
        if self.prior_score not in LAMBDA_DEFAULTS:
            msg = f"--prior-score must be one of {', '.join(LAMBDA_DEFAULTS)}, got {self.prior_score!r}"
            raise ConfigError(msg)
        lam_ppi, lam_motif = LAMBDA_DEFAULTS[self.prior_score]
        if self.lambda_ppi is None:
            object.__setattr__(self, "lambda_ppi", lam_ppi)
        if self.lambda_motif is None:
            object.__setattr__(self, "lambda_motif", lam_motif)
        choices = {"scale": ("auto", "none", "minmax"), "dtype": ("float32", "float64"), "rate": ("relu", "softplus"),
                   "ranking": RANKINGS, "export": EXPORTS}
        for key, allowed in choices.items():
            if getattr(self, key) not in allowed:
                msg = f"--{key.replace('_', '-')} must be one of {', '.join(allowed)}, got {getattr(self, key)!r}"
                raise ConfigError(msg)
        if self.ensemble < 1:
            msg = f"--ensemble must be >= 1, got {self.ensemble}"
            raise ConfigError(msg)
        if self.hidden < 1:
            msg = f"--hidden must be >= 1, got {self.hidden}"
            raise ConfigError(msg)
        if self.top_k is not None and self.top_k < 1:
            msg = f"--top-k must be >= 1, got {self.top_k}"
            raise ConfigError(msg)
        if not 0.0 <= self.new_edge_quantile <= 1.0:
            msg = f"--new-edge-quantile must be in [0, 1], got {self.new_edge_quantile}"
            raise ConfigError(msg)
        if self.export_degree <= 0:
            msg = f"--export-degree must be > 0, got {self.export_degree}"
            raise ConfigError(msg)
        if self.min_weight < 0:
            msg = f"--min-weight must be >= 0, got {self.min_weight}"
            raise ConfigError(msg)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def replace(self, **changes: Any) -> InferConfig:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> InferConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            msg = f"{source}: unknown setting(s) {', '.join(unknown)}"
            raise ConfigError(msg, hint=f"valid settings: {', '.join(sorted(known))}")
        try:
            return cls(**data)
        except TypeError as exc:
            msg = f"{source}: {exc}"
            raise ConfigError(msg) from None


def load_config(path: str | Path) -> dict[str, Any]:
    """Read the ``settings`` of a saved config.json (or a flat JSON object)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: config file not found"
        raise ConfigError(msg) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: not a readable JSON config ({exc})"
        raise ConfigError(msg) from None
    if isinstance(data, dict) and "settings" in data and isinstance(data["settings"], dict):
        data = data["settings"]
    if not isinstance(data, dict):
        msg = f"{path}: a config must be a JSON object"
        raise ConfigError(msg)
    InferConfig.from_dict(data, source=str(path))  # validate
    return data
