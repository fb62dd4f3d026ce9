"""dashgrn.simulate._config: SimulateConfig validation."""

from __future__ import annotations

import pytest

from dashgrn import ConfigError
from dashgrn.simulate import SimulateConfig


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"noise": -0.1}, "--noise"),
        ({"genes": 1}, "--genes"),
        ({"times": (0.0, 3.0, 2.0)}, "--times"),
        ({"trajectories": 0}, "--trajectories"),
        ({"prior_noise": (0.7,)}, "--prior-noise"),
        ({"method": "euler"}, "--method"),
        ({"seed": -1}, "--seed"),
        ({"count_scale": 10.0}, "only apply to snapshot"),
        ({"nodes": "a.tsv"}, "--nodes/--edges"),
        ({"prior_noise": (0.05, 0.1), "prior_name": "prior.tsv"}, "--prior-name"),
        ({"prior_noise": (0.05,), "prior_name": "truth.tsv"}, "clashes"),
        ({"start_jitter": 0.1, "initial": "x.csv"}, "--start-jitter"),
    ],
)
def test_config_validation(kwargs: dict, needle: str) -> None:
    base = {"genes": 10}
    base.update(kwargs)
    with pytest.raises(ConfigError, match=needle):
        SimulateConfig(**base).validate()
