"""dashgrn.config: each default stated once, the flat view, validation before any file is read."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from dashgrn._errors import ConfigError
from dashgrn.config import (
    FLAT_KEYS,
    STAGES,
    DataConfig,
    ExportConfig,
    InferConfig,
    ModelConfig,
    PruneConfig,
    RunConfig,
    SingleCellConfig,
    SolverConfig,
    TrainConfig,
    flat_defaults,
    load_config,
)


def test_each_stage_of_the_default_config_is_that_stage_s_own_default() -> None:
    cfg = InferConfig()
    for stage, cls in STAGES.items():  # the epochs follow the pruning strategy (resolved by InferConfig)
        assert getattr(cfg, stage) == (cls(epochs=1000) if stage == "train" else cls()), stage
    # and the stages a run builds from it are those very objects
    assert (cfg.data, cfg.model, cfg.train, cfg.solver, cfg.prune, cfg.export, cfg.run, cfg.singlecell) == (
        DataConfig(), ModelConfig(), TrainConfig(epochs=1000), SolverConfig(), PruneConfig(), ExportConfig(),
        RunConfig(), SingleCellConfig(),
    )


def test_the_documented_defaults() -> None:
    d = InferConfig().to_dict()
    assert (d["epochs"], d["solver"], d["solver_steps"], d["pruning"], d["hidden"], d["ensemble"]) == (
        1000, "rk4", 4, "gradual", 120, 2)
    # --epochs follows the pruning strategy unless given (issue 18): the stages of gradual need more
    assert InferConfig.from_dict({"pruning": "none"}).train.epochs == 400
    assert InferConfig.from_dict({"pruning": "dash"}).train.epochs == 400  # its schedule runs to the cap
    assert InferConfig.from_dict({"pruning": "none", "epochs": 50}).train.epochs == 50
    assert InferConfig.from_dict({"epochs": 50}).train.epochs == 50
    assert InferConfig().replace(pruning="none").train.epochs == 1000  # a resolved config keeps its epochs
    assert flat_defaults()["epochs"] is None
    assert (d["lambda_ppi"], d["lambda_motif"]) == (0.9, 0.9)  # resolved from prior_score "path"
    assert InferConfig.from_dict({"prior_score": "spec"}).prune.lambda_ppi == 0.05


def test_flat_names_are_unique_and_round_trip() -> None:
    names = [f.metadata.get("key", f.name) for cls in STAGES.values() for f in dataclasses.fields(cls)]
    assert len(names) == len(set(names)) == len(FLAT_KEYS)
    cfg = InferConfig.from_dict({"epochs": 7, "solver": "dopri5", "prune_start": 5, "export": "support", "seed": 3})
    assert (cfg.train.epochs, cfg.solver.method, cfg.prune.start, cfg.export.rule, cfg.run.seed) == (
        7, "dopri5", 5, "support", 3)
    assert InferConfig.from_dict(cfg.to_dict()) == cfg
    assert cfg.replace(epochs=9).train == dataclasses.replace(cfg.train, epochs=9)


def test_flat_defaults_are_the_stage_defaults() -> None:
    d, built = flat_defaults(), InferConfig().to_dict()
    assert d.keys() == built.keys()
    assert {k: v for k, v in d.items() if v != built[k]} == {"lambda_ppi": None, "lambda_motif": None, "epochs": None}


def test_cli_option_defaults_come_from_the_config() -> None:
    import inspect

    from dashgrn.cli import app

    cmd = next(c for c in app.registered_commands if c.name == "infer").callback
    params = inspect.signature(cmd).parameters
    d = flat_defaults()
    options = [k for k in params if k in d]
    assert len(options) >= 50
    for key in options:
        assert params[key].default == d[key], key


@pytest.mark.parametrize(("settings", "problem"), [
    ({"epochs": 0}, "--epochs must be >= 1"),
    ({"lr": 0.0}, "--lr must be > 0"),
    ({"dtype": "float16"}, "--dtype must be one of float32, float64"),
    ({"val_fraction": 1.0}, "--val-fraction must be in"),
    ({"top_k": 0}, "--top-k must be >= 1"),
    ({"export": "all"}, "--export must be one of calibrated, support"),
    ({"prune_first": 1.0}, "--prune-first must be in"),
    ({"solver_steps": 0}, "--solver-steps must be >= 1"),
    ({"min_weight": float("nan")}, "--min-weight must be >= 0"),
    ({"root_cell": "c1", "pseudotime_key": "dpt"}, "exclude each other"),
    ({"colour": "red"}, "unknown setting"),
])
def test_bad_settings_are_config_errors(settings: dict, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        InferConfig.from_dict(settings)


def test_unknown_solver_and_pruning_name_the_registry_choices() -> None:
    from dashgrn.model import SOLVERS
    from dashgrn.model.pruning import PRUNERS
    from dashgrn.pipeline import check_choices

    with pytest.raises(ConfigError, match="--solver must be one of dopri5, rk4, euler, bosh3, dopri8, got 'rk5'"):
        check_choices(InferConfig.from_dict({"solver": "rk5"}))
    with pytest.raises(ConfigError, match="--pruning must be one of dash, imp, prior, none, gradual, dash-paper"):
        check_choices(InferConfig.from_dict({"pruning": "random"}))
    # the command's help lists every registered choice
    from typer.testing import CliRunner

    from dashgrn.cli import app

    text = " ".join(CliRunner().invoke(app, ["infer", "--help"], terminal_width=400).output.split())
    for name in (*SOLVERS, *PRUNERS):
        assert name in text, name


def test_stage_objects_are_checked() -> None:
    with pytest.raises(ConfigError, match="InferConfig.train must be a TrainConfig"):
        InferConfig(train=SolverConfig())


def test_load_config_reads_settings_and_validates(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"settings": {"epochs": 5}, "command": "x"}), encoding="utf-8")
    assert load_config(path) == {"epochs": 5}
    path.write_text(json.dumps({"epochs": -1}), encoding="utf-8")
    with pytest.raises(ConfigError, match="--epochs must be >= 1"):
        load_config(path)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "missing.json")


@pytest.mark.parametrize(("settings", "problem"), [
    ({"seed": -1}, r"--seed must be an integer in 0\.\.4294967295 \(0\.\.2\*\*32-1\), got -1"),
    ({"seed": 2**32}, r"--seed must be an integer in 0\.\.4294967295"),
    ({"seed": 1.5}, r"--seed must be an integer .* got 1\.5"),
    ({"seed": True}, r"--seed must be an integer .* got True"),
    ({"seed": "3"}, r"--seed must be an integer .* got '3'"),
    ({"threads": 0}, r"--threads must be an integer >= 1, got 0"),
    ({"threads": -4}, r"--threads must be an integer >= 1, got -4"),
    ({"threads": 2.0}, r"--threads must be an integer >= 1, got 2\.0"),
    ({"device": "gpu"}, r"--device must be auto, cpu, cuda or cuda:N \(N = 0, 1, \.\.\.\), got 'gpu'"),
    ({"device": "cuda:x"}, r"--device must be auto, cpu, cuda or cuda:N .* got 'cuda:x'"),
    ({"device": "cuda:"}, r"--device must be .* got 'cuda:'"),
    ({"device": "cuda:-1"}, r"--device must be .* got 'cuda:-1'"),
    ({"device": " cpu"}, r"--device must be .* got ' cpu'"),
    ({"device": "mps"}, r"--device must be .* got 'mps'"),
    ({"min_weight": float("nan")}, r"--min-weight must be >= 0, got nan"),
])
def test_run_settings_are_checked_with_their_valid_range(settings: dict, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem) as info:
        InferConfig.from_dict(settings)
    assert info.value.exit_code == 4


@pytest.mark.parametrize("run", [
    {"seed": 0}, {"seed": 2**32 - 1}, {"threads": None}, {"threads": 1}, {"threads": 64},
    {"device": "auto"}, {"device": "cpu"}, {"device": "cuda"}, {"device": "cuda:0"}, {"device": "cuda:12"},
])
def test_run_settings_at_the_edges_of_their_range_are_accepted(run: dict) -> None:
    """The device name is only checked for form here: whether CUDA is usable is the run's check (exit 6)."""
    assert InferConfig.from_dict(run).run == RunConfig(**run)


def test_numpy_integers_are_integers() -> None:
    import numpy as np

    assert RunConfig(seed=np.int64(7), threads=np.int32(2)).seed == 7
    with pytest.raises(ConfigError, match="--bins must be an integer"):
        SingleCellConfig(bins=True)  # a bool is not a count
