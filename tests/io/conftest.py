"""Fixtures of the reader tests."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture):
    """Capture dashgrn's log records even after the CLI turned propagation off."""
    logger = logging.getLogger("dashgrn")
    logger.addHandler(caplog.handler)
    old = logger.level
    logger.setLevel(logging.DEBUG)
    yield caplog
    logger.removeHandler(caplog.handler)
    logger.setLevel(old)
