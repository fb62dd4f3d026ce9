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

# The public API, curated (like anndata's io): `dashgrn.infer` trains on data in memory,
# `dashgrn.run` does everything `dashgrn infer` does (files in, a run folder out).
# Heavy parts (torch, scikit-learn) load on first use, so `import dashgrn` stays light.
_LAZY = {
    "read_expression": "dashgrn.io",
    "read_prior": "dashgrn.io",
    "read_truth": "dashgrn.io",
    "read_prediction": "dashgrn.io",
    "write_edges": "dashgrn.io",
    "write_graphml": "dashgrn.io",
    "score_network": "dashgrn.evaluate",
    "score_networks": "dashgrn.evaluate",
    "infer": "dashgrn.pipeline",
    "run": "dashgrn.pipeline",
    "InferResult": "dashgrn.result",
    "InferConfig": "dashgrn.config",
    "DataConfig": "dashgrn.config",
    "ModelConfig": "dashgrn.config",
    "TrainConfig": "dashgrn.config",
    "SolverConfig": "dashgrn.config",
    "PruneConfig": "dashgrn.config",
    "ExportConfig": "dashgrn.config",
    "SingleCellConfig": "dashgrn.config",
    "RunConfig": "dashgrn.config",
    "load_checkpoint": "dashgrn.checkpoint",
    "load_ensemble": "dashgrn.checkpoint",
    "perturb": "dashgrn.perturbation",
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
