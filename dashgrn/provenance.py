"""Versions, checksums and platform facts saved with every result (no torch import)."""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

PACKAGES = ("dashgrn", "torch", "torchdiffeq", "numpy", "scipy", "pandas", "anndata", "networkx", "scikit-learn")


def versions(*, packages: Iterable[str] = PACKAGES, interpreter: bool = True) -> dict[str, str]:
    """Python and package versions.

    ``packages`` are the packages listed, in this order (default :data:`PACKAGES`);
    ``interpreter=False`` leaves out the Python version and the platform.
    """
    out = {"python": sys.version.split()[0], "platform": platform.platform()} if interpreter else {}
    for p in packages:
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            out[p] = "not installed"
    return out


def sha256(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def file_record(path: str | Path, **extra: object) -> dict[str, object]:
    """Path, size and checksum of an input file, plus ``extra`` facts (shape...)."""
    p = Path(path)
    return {"path": str(p), "bytes": p.stat().st_size, "sha256": sha256(p), **extra}


#: The package files and folders that decide what a checkpoint holds (not the ranking, export or
#: report): the trained models, the single-cell pairs they trained on, the bootstrap draws, and the
#: crowd scores saved beside them (``evidence``). A cache of trained models stays valid while they are
#: unchanged (benchmarks/bench_accuracy.py).
TRAINING_CODE = ("config.py", "_config_singlecell.py", "_bootstrap.py", "data.py", "tables.py", "pipeline.py",
                 "model", "io", "singlecell", "evidence")


def training_code_files() -> list[Path]:
    """The files of :data:`TRAINING_CODE`, sorted."""
    pkg = Path(__file__).resolve().parent
    files: list[Path] = []
    for name in TRAINING_CODE:
        path = pkg / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files
