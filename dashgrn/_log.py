"""Logger access. Library modules log; only the CLI installs handlers."""

from __future__ import annotations

import logging


def get_logger(name: str) -> logging.Logger:
    """Return the package logger for ``name`` (a module's ``__name__``)."""
    return logging.getLogger(name)
