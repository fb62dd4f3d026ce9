"""dashgrn: gene regulatory network inference with DASH-pruned PHOENIX neural ODEs."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dashgrn")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

from ._errors import (
    ConfigError,
    DashgrnError,
    DeviceError,
    InputError,
    OutputError,
    TrainingError,
)
from .tables import AlignedPrior, ExpressionData, PriorNetwork

# Heavy parts (torch, scikit-learn) load on first use, so `import dashgrn` stays light.
_LAZY = {
    "read_expression": "dashgrn.io",
    "read_prior": "dashgrn.io",
    "read_truth": "dashgrn.io.networks",
    "read_prediction": "dashgrn.io.networks",
    "write_edges": "dashgrn.export",
    "write_graphml": "dashgrn.export",
    "score_network": "dashgrn.evaluate",
    "score_networks": "dashgrn.evaluate",
    "infer": "dashgrn.pipeline",
    "InferResult": "dashgrn.pipeline",
    "InferConfig": "dashgrn.config",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    msg = f"module 'dashgrn' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    *_LAZY,
    "AlignedPrior",
    "ConfigError",
    "DashgrnError",
    "DeviceError",
    "ExpressionData",
    "InputError",
    "OutputError",
    "PriorNetwork",
    "TrainingError",
    "__version__",
]
