"""Versions, checksums and platform facts saved with every result (no torch import)."""

from __future__ import annotations

import hashlib
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = ("dashgrn", "torch", "torchdiffeq", "numpy", "scipy", "pandas", "anndata", "networkx", "scikit-learn")


def versions() -> dict[str, str]:
    """Python and package versions."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for p in PACKAGES:
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
