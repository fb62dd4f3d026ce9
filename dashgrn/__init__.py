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

__all__ = [
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
