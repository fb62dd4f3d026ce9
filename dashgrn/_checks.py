"""Value checks of settings: each failure is a :class:`~dashgrn._errors.ConfigError` (exit 4)
that names the option (``--flat-name``), the valid values and the value given.

Plain Python, no torch: :mod:`dashgrn.config` runs them in the stage dataclasses'
``__post_init__``, so that ``dashgrn infer`` refuses a bad option before any file is read.
"""

from __future__ import annotations

import difflib
import math
import numbers
import re
from collections.abc import Sequence

from ._errors import ConfigError

#: The seeds every random generator of a run accepts (numpy's and scanpy's 32-bit range).
SEED_RANGE = (0, 2**32 - 1)
#: The device names a run can use; whether CUDA is usable is checked when the run starts.
DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:[0-9]+)?")
DEVICES = "auto, cpu, cuda or cuda:N (N = 0, 1, ...)"


def flag(key: str) -> str:
    """The command-line option of a flat setting name (``min_weight`` -> ``--min-weight``)."""
    return "--" + key.replace("_", "-")


def is_int(value: object) -> bool:
    """An integer, and not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def choice(key: str, value: object, allowed: tuple[str, ...] | list[str]) -> None:
    if value not in allowed:
        msg = f"{flag(key)} must be one of {', '.join(allowed)}, got {value!r}"
        raise ConfigError(msg)


def at_least(key: str, value: float | None, low: float, *, strict: bool = False) -> None:
    """``value >= low`` (``> low`` with ``strict``); ``None`` passes, NaN fails."""
    if value is None:
        return
    bad = not (value > low if strict else value >= low) or (isinstance(value, float) and math.isnan(value))
    if bad:
        msg = f"{flag(key)} must be {'>' if strict else '>='} {low:g}, got {value}"
        raise ConfigError(msg)


def integer(key: str, value: object, low: int, high: int | None = None) -> None:
    """An integer in ``low..high`` (no upper bound when ``high`` is None)."""
    want = f"an integer >= {low}" if high is None else f"an integer in {low}..{high}"
    if not is_int(value) or value < low or (high is not None and value > high):  # type: ignore[operator]
        msg = f"{flag(key)} must be {want}, got {value!r}"
        raise ConfigError(msg)


def seed(key: str, value: object) -> None:
    low, high = SEED_RANGE
    if not is_int(value) or not low <= value <= high:  # type: ignore[operator]
        msg = f"{flag(key)} must be an integer in {low}..{high} (0..2**32-1), got {value!r}"
        raise ConfigError(msg, hint="any seed in that range gives its own reproducible run")


def device(key: str, value: object) -> None:
    """A device name that can be valid (``auto``, ``cpu``, ``cuda``, ``cuda:N``)."""
    if not isinstance(value, str) or not DEVICE_PATTERN.fullmatch(value):
        msg = f"{flag(key)} must be {DEVICES}, got {value!r}"
        raise ConfigError(msg, hint="--device auto uses a GPU when torch sees one, else the CPU")


def close_matches(name: str, names: Sequence[str]) -> str:
    """`` (close matches: A, B)`` for an unknown ``name`` among ``names``, or ``""``."""
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.6)
    if not close:  # the same name in another case, else names it begins
        lower = name.lower()
        close = [g for g in names if g.lower() == lower][:3] or [g for g in names if g.lower().startswith(lower)][:3]
    return f" (close matches: {', '.join(close)})" if close else ""
