"""The torch device a run uses."""

from __future__ import annotations

import torch

from .._errors import DeviceError

__all__ = ["resolve_device"]


def resolve_device(name: str) -> torch.device:
    """``auto`` picks CUDA when usable, else the CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(name)
    except RuntimeError:
        msg = f"unknown device {name!r}"
        raise DeviceError(msg, hint="use auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            msg = f"device {name!r} requested but CUDA is not available"
            raise DeviceError(msg, hint="use --device cpu, or install a CUDA build of torch")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            msg = f"device {name!r} requested but only {torch.cuda.device_count()} CUDA device(s) exist"
            raise DeviceError(msg)
    elif dev.type != "cpu":
        msg = f"device {name!r} is not supported"
        raise DeviceError(msg, hint="use auto, cpu, cuda or cuda:N")
    return dev
