"""The settings of an ``infer`` run: one frozen dataclass per stage, composed into :class:`InferConfig`.

Every default is stated here once, in the stage that uses it:

==================  ====================================================  ==========================
stage               what it decides                                       used by
==================  ====================================================  ==========================
:class:`DataConfig`     reading, scaling and splitting the expression     ``dashgrn.io``, ``dashgrn.data``
:class:`ModelConfig`    the PHOENIX model and the ensemble                ``dashgrn.model``
:class:`TrainConfig`    the optimisation                                  ``dashgrn.model.Trainer``
:class:`SolverConfig`   the ODE solves                                    ``dashgrn.model.solve_pairs``
:class:`PruneConfig`    the pruning strategy and schedule                 ``dashgrn.model.pruning``
:class:`ExportConfig`   the ranking and the exported network              ``dashgrn.network``
:class:`SingleCellConfig`  snapshots -> pseudotime time courses           ``dashgrn.singlecell``
:class:`RunConfig`      seed, device, threads, Dask scheduler             ``dashgrn.pipeline``
==================  ====================================================  ==========================

The command line, ``config.json`` and ``dashgrn.infer(..., **options)`` use one flat name
per setting (``epochs``, ``solver``, ``prune_start``...): the field name, or the ``key`` in
the field's metadata where the stage calls it otherwise (``SolverConfig.method`` is
``solver``). :meth:`InferConfig.to_dict` and :meth:`InferConfig.from_dict` convert.

Plain data and value checks (:mod:`dashgrn._checks`), no torch: the choices that name a solver
or a pruning strategy are looked up in their registries (:data:`dashgrn.model.SOLVERS`,
:data:`dashgrn.model.pruning.PRUNERS`) by :func:`dashgrn.pipeline.check_choices`, which
:func:`dashgrn.run` and ``dashgrn infer`` call before any file is read.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _checks as check, _scheduler
from ._config_singlecell import SingleCellConfig, parse_root_group
from ._errors import ConfigError

#: (lambda_ppi, lambda_motif) when not given: DASH's simulation values for the SPEC
#: scores, and a prior-dominated mix for the prior-path scores (benchmarks/ACCURACY).
LAMBDA_DEFAULTS = {"spec": (0.05, 0.01), "path": (0.9, 0.9)}
#: ``--epochs`` when not given: the pruning strategy's, else :data:`EPOCHS_DEFAULT`. ``gradual``'s
#: pruned stages go on improving the held-out fit for 300 to 450 epochs after the dense model has
#: settled (SIM350); early stopping ends the run before the cap. A fixed schedule (``dash``)
#: prunes every ``--prune-every`` epochs up to the last, so its cap is also its final sparsity.
EPOCHS_DEFAULTS = {"gradual": 1000}
EPOCHS_DEFAULT = 400  # SPEC: 200; the unpruned model keeps improving (README)
SCALES = ("auto", "none", "minmax")
DTYPES = ("float32", "float64")
RATES = ("relu", "softplus")
RANKINGS = ("auto", "prior-first", "effect")
EXPORTS = ("calibrated", "support")
#: What ranks the pairs (dashgrn.evidence): decided by held-out fit, the model, or a crowd of models.
EVIDENCE = ("auto", "model", "crowd")


def _key(name: str, **meta: Any) -> dict[str, Any]:
    """Field metadata: the flat (command-line / config.json) name of a stage field."""
    return {"key": name, **meta}


@dataclass(frozen=True)
class DataConfig:
    """Reading, scaling and splitting the expression data."""

    time_key: str = "time"
    trajectory_key: str = "trajectory"
    transpose: bool = False
    layer: str | None = None
    drop_nan: bool = False
    case_insensitive: bool = False
    scale: str = "auto"  # auto | none | minmax
    val_fraction: float = 0.066

    def __post_init__(self) -> None:
        check.choice("scale", self.scale, SCALES)
        if not 0.0 <= self.val_fraction < 1.0:
            msg = f"--val-fraction must be in [0, 1), got {self.val_fraction}"
            raise ConfigError(msg)


@dataclass(frozen=True)
class ModelConfig:
    """The PHOENIX model (SPEC section 1) and the ensemble of independently seeded models."""

    hidden: int = 120  # SPEC: 40; 120 ranks better (benchmarks/ACCURACY.md)
    ensemble: int = 2  # members trained with their own seeds; the ranking averages them
    dtype: str = "float32"
    rate: str = "softplus"
    bootstrap: int = 0  # B >= 2: B members, each on trajectories drawn with replacement (dashgrn._bootstrap)

    @property
    def members(self) -> int:
        """Members trained: ``bootstrap`` when resampling, else ``ensemble``."""
        return self.bootstrap or self.ensemble

    def __post_init__(self) -> None:
        check.choice("dtype", self.dtype, DTYPES)
        check.choice("rate", self.rate, RATES)
        check.at_least("ensemble", self.ensemble, 1)
        check.at_least("hidden", self.hidden, 1)
        if not check.is_int(self.bootstrap) or self.bootstrap < 0 or self.bootstrap == 1:
            msg = f"--bootstrap must be 0 (off) or at least 2, got {self.bootstrap!r}"
            raise ConfigError(msg)
        if self.bootstrap and self.ensemble not in (ModelConfig.ensemble, self.bootstrap):  # the default: no choice
            msg = f"--ensemble {self.ensemble} and --bootstrap {self.bootstrap} disagree: --bootstrap B trains B members"
            raise ConfigError(msg, hint="drop --ensemble (or give it the same number)")


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings (SPEC 2.5 / 2.6; ``epochs`` and ``early_stopping`` from the benchmarks).

    ``batch_size`` counts pairs (one solve each step); with more than ``max_batches`` x ``batch_size``
    training pairs it grows to ceil(pairs / ``max_batches``) and ``lr`` by the square root of that
    growth (:func:`dashgrn.model.batch_plan`; 0: never).
    """

    epochs: int | None = None  # None: the pruning strategy's (EPOCHS_DEFAULTS), set by InferConfig
    lr: float = 1e-3
    batch_size: int = 32
    max_batches: int = 20  # steps per epoch at most (SIM350 has 18: unchanged); benchmarks/results/SPEED.md
    early_stopping: int = 40
    lr_patience: int = 3
    original_lr_reset_bug: bool = False
    multiplier_lr_factor: float = 5.0
    lr_factor: float = 0.9
    lr_threshold: float = 1e-6
    min_lr: float = 4e-5

    def __post_init__(self) -> None:
        check.at_least("epochs", self.epochs, 1)
        if not self.lr > 0:
            msg = f"--lr must be > 0, got {self.lr}"
            raise ConfigError(msg)
        check.at_least("batch_size", self.batch_size, 1)
        check.at_least("max_batches", self.max_batches, 0)


@dataclass(frozen=True)
class SolverConfig:
    """How to integrate (:data:`dashgrn.model.SOLVERS`).

    Attributes
    ----------
    method
        ``rk4`` (fixed steps, default), ``euler``, or adaptive ``dopri5`` (SPEC), ``bosh3``, ``dopri8``.
    rtol, atol
        Tolerances of adaptive methods (suited to float32).
    steps
        Fixed steps over the rescaled interval [0, 1] (at least; raised while the model is stiff).
    adjoint
        Adjoint gradients (less memory, slower for small models).
    """

    method: str = field(default="rk4", metadata=_key("solver"))  # SPEC: dopri5; rk4 ranks as well, 3-5x faster
    rtol: float = 1e-4
    atol: float = 1e-6
    steps: int = field(default=4, metadata=_key("solver_steps"))
    adjoint: bool = False

    def __post_init__(self) -> None:
        check.at_least("solver_steps", self.steps, 1)


@dataclass(frozen=True)
class PruneConfig:
    """The pruning strategy (:data:`dashgrn.model.pruning.PRUNERS`) and its schedule (SPEC 3)."""

    strategy: str = field(default="gradual", metadata=_key("pruning"))  # benchmarks/ACCURACY.md, issue 18
    start: int = field(default=3, metadata=_key("prune_start"))
    first: float = field(default=0.70, metadata=_key("prune_first"))
    step: float = field(default=0.10, metadata=_key("prune_step"))
    every: int = field(default=10, metadata=_key("prune_every"))
    # ``gradual`` (dashgrn.model.pruning.gradual): events after plateaus, down to ``target`` sparsity
    events: int = field(default=4, metadata=_key("prune_events"))
    target: float = field(default=0.9, metadata=_key("prune_target"))
    settle: int = field(default=10, metadata=_key("prune_settle"))
    lambda_ppi: float | None = None  # resolved from prior_score (LAMBDA_DEFAULTS)
    lambda_motif: float | None = None
    normalized: bool = field(default=False, metadata=_key("normalized_scores"))
    prior_score: str = "path"
    abs_wp: bool = field(default=False, metadata=_key("abs_wp_score"))

    def __post_init__(self) -> None:
        check.choice("prior_score", self.prior_score, tuple(LAMBDA_DEFAULTS))
        lam_ppi, lam_motif = LAMBDA_DEFAULTS[self.prior_score]
        if self.lambda_ppi is None:
            object.__setattr__(self, "lambda_ppi", lam_ppi)
        if self.lambda_motif is None:
            object.__setattr__(self, "lambda_motif", lam_motif)
        if self.start < 1 or self.every < 1:
            msg = f"pruning schedule: start ({self.start}) and every ({self.every}) must be >= 1"
            raise ConfigError(msg)
        if self.events < 1 or self.settle < 1:
            msg = f"pruning schedule: --prune-events ({self.events}) and --prune-settle ({self.settle}) must be >= 1"
            raise ConfigError(msg)
        for name, v in (("first", self.first), ("step", self.step), ("target", self.target)):
            if not 0.0 <= v < 1.0:
                msg = f"pruning schedule: --prune-{name} must be in [0, 1), got {v}"
                raise ConfigError(msg)


@dataclass(frozen=True)
class ExportConfig:
    """The ranking of every pair and the exported network (:mod:`dashgrn.network`)."""

    ranking: str = "auto"  # auto | prior-first | effect
    evidence: str = "auto"  # auto | model | crowd (dashgrn.evidence)
    rule: str = field(default="calibrated", metadata=_key("export"))  # calibrated | support
    new_edge_quantile: float = 0.9  # 0.5 before: F1 fell below the prior's on small networks (README)
    degree: float = field(default=2.0, metadata=_key("export_degree"))
    top_k: int | None = None
    min_weight: float = 0.0

    def __post_init__(self) -> None:
        check.choice("ranking", self.ranking, RANKINGS)
        check.choice("evidence", self.evidence, EVIDENCE)
        check.choice("export", self.rule, EXPORTS)
        check.at_least("top_k", self.top_k, 1)
        if not 0.0 <= self.new_edge_quantile <= 1.0:
            msg = f"--new-edge-quantile must be in [0, 1], got {self.new_edge_quantile}"
            raise ConfigError(msg)
        check.at_least("export_degree", self.degree, 0, strict=True)
        check.at_least("min_weight", self.min_weight, 0)


@dataclass(frozen=True)
class RunConfig:
    """Seed, device, CPU threads and engine (``scheduler``: :mod:`dashgrn.engine`) of the run."""

    seed: int = 0  # 0..2**32-1 (_checks.SEED_RANGE)
    device: str = "auto"  # auto | cpu | cuda | cuda:N; whether CUDA is usable is checked at the start
    threads: int | None = None  # None: torch's default
    scheduler: str | None = None  # None: threads here | local: a Dask LocalCluster | tcp://HOST:PORT

    def __post_init__(self) -> None:
        check.seed("seed", self.seed)
        check.device("device", self.device)
        if self.threads is not None:
            check.integer("threads", self.threads, 1)
        object.__setattr__(self, "scheduler", _scheduler.scheduler_address(self.scheduler))  # checked, normalised


#: The stages of :class:`InferConfig`, in the order of ``config.json``.
STAGES: dict[str, type] = {
    "data": DataConfig, "model": ModelConfig, "train": TrainConfig, "solver": SolverConfig,
    "prune": PruneConfig, "export": ExportConfig, "run": RunConfig, "singlecell": SingleCellConfig,
}


def _flat_keys() -> dict[str, tuple[str, str]]:
    """flat name -> (stage, field) for every stage field."""
    out: dict[str, tuple[str, str]] = {}
    for stage, cls in STAGES.items():
        for f in dataclasses.fields(cls):
            key = f.metadata.get("key", f.name)
            assert key not in out, key  # one flat name per setting
            out[key] = (stage, f.name)
    return out


@dataclass(frozen=True)
class InferConfig:
    """Every setting of an inference run, one stage config each (see ``dashgrn infer --help``).

    Build it from stage configs (``InferConfig(train=TrainConfig(epochs=50))``), from flat
    names (``InferConfig.from_dict({"epochs": 50})``) or change a few flat settings of an
    existing one (``cfg.replace(epochs=50, solver="dopri5")``).
    """

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    solver: SolverConfig = field(default_factory=SolverConfig)
    prune: PruneConfig = field(default_factory=PruneConfig)
    export: ExportConfig = field(default_factory=ExportConfig)
    run: RunConfig = field(default_factory=RunConfig)
    singlecell: SingleCellConfig = field(default_factory=SingleCellConfig)

    @property
    def single_cell(self) -> bool:
        """Single-cell snapshots (a pseudotime source is given)."""
        return self.singlecell.enabled

    def __post_init__(self) -> None:
        for stage, cls in STAGES.items():
            if not isinstance(getattr(self, stage), cls):
                msg = f"InferConfig.{stage} must be a {cls.__name__}, got {type(getattr(self, stage)).__name__}"
                raise ConfigError(msg)
        if self.train.epochs is None:  # resolved here: it follows the pruning strategy
            epochs = EPOCHS_DEFAULTS.get(self.prune.strategy, EPOCHS_DEFAULT)
            object.__setattr__(self, "train", dataclasses.replace(self.train, epochs=epochs))
        if self.single_cell and (self.data.time_key != "time" or self.data.trajectory_key != "trajectory"):
            msg = "--time-key / --trajectory-key and a pseudotime (--root-cell, --root-group, --pseudotime-key) exclude each other"
            raise ConfigError(msg, hint="single-cell snapshots are ordered by pseudotime; name lineages with --lineage-key")

    # -- the flat view: command line, config.json, keyword options -------------------
    @staticmethod
    def keys() -> list[str]:
        """Every flat setting name, in ``config.json`` order."""
        return list(FLAT_KEYS)

    def to_dict(self) -> dict[str, Any]:
        """The flat settings (``config.json``'s ``settings``)."""
        return {key: getattr(getattr(self, stage), name) for key, (stage, name) in FLAT_KEYS.items()}

    def replace(self, **changes: Any) -> InferConfig:
        """A copy with some flat settings changed (validated)."""
        return InferConfig.from_dict({**self.to_dict(), **changes}, source="options")

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = "config") -> InferConfig:
        """Build from flat settings; missing ones take their stage's default."""
        unknown = sorted(set(data) - set(FLAT_KEYS))
        if unknown:
            msg = f"{source}: unknown setting(s) {', '.join(unknown)}"
            raise ConfigError(msg, hint=f"valid settings: {', '.join(sorted(FLAT_KEYS))}")
        groups: dict[str, dict[str, Any]] = {stage: {} for stage in STAGES}
        for key, value in data.items():
            stage, name = FLAT_KEYS[key]
            groups[stage][name] = value
        try:
            return cls(**{stage: STAGES[stage](**kw) for stage, kw in groups.items()})
        except TypeError as exc:
            msg = f"{source}: {exc}"
            raise ConfigError(msg) from None


FLAT_KEYS: dict[str, tuple[str, str]] = _flat_keys()


def flat_defaults() -> dict[str, Any]:
    """Every flat setting's default as its stage declares it (``lambda_ppi`` and ``lambda_motif``
    stay ``None``: resolved from ``prior_score``; so does ``epochs``: from the pruning strategy), without
    building a config (no registry lookup)."""
    out: dict[str, Any] = {}
    for key, (stage, name) in FLAT_KEYS.items():
        f = next(f for f in dataclasses.fields(STAGES[stage]) if f.name == name)
        out[key] = f.default
    return out


def load_config(path: str | Path) -> dict[str, Any]:
    """Read the flat ``settings`` of a saved config.json (or a flat JSON object), validated."""
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
