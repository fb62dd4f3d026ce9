"""Shared fixtures: the SIM350 benchmark beside the clone, temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
EXAMPLE_DATA = ROOT / "example_data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` (SIM350). Skips only if the folder is absent (CI has it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not beside the clone")
    return SHARED_DATA


@pytest.fixture(scope="session")
def example_data() -> Path:
    return EXAMPLE_DATA


@pytest.fixture()
def tiny(tmp_path: Path) -> tuple[Path, Path]:
    """Expression CSV and prior TSV of a tiny 8-gene time course (tests/tiny_data.py)."""
    from tiny_data import tiny_time_course

    return tiny_time_course(tmp_path)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    try:
        import torch

        has_cuda = torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        has_cuda = False
    if has_cuda:
        return
    skip = pytest.mark.skip(reason="no CUDA device")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
