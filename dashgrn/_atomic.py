"""Atomic file and folder output: write to a temporary name, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from ._errors import OutputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left untouched.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        msg = f"{parent}: cannot write here ({exc.strerror})"
        raise OutputError(msg, hint="choose a writable location") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            tmp_path.chmod(0o666 & ~_umask())
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_output_dir(out: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """Check that ``out`` can be created (or replaced with ``overwrite``) before any work starts."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        msg = f"{out}: exists and is not a folder"
        raise OutputError(msg, hint="choose another --out path")
    if out.exists() and any(out.iterdir()) and not overwrite:
        msg = f"{out}: output folder exists and is not empty"
        raise OutputError(msg, hint="use --overwrite to replace it, or choose another --out")
    parent = out.resolve().parent
    if not parent.exists():
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"{parent}: cannot create the output folder's parent ({exc.strerror})"
            raise OutputError(msg, hint="choose a writable location for --out") from None
    if not parent.is_dir():
        msg = f"{out}: output folder cannot be created ({parent} is not a folder)"
        raise OutputError(msg, hint="choose a writable location for --out")
    if not os.access(parent, os.W_OK | os.X_OK):
        msg = f"{out}: output folder cannot be written (no write permission on {parent})"
        raise OutputError(msg, hint="choose a writable location for --out")
    return out


@contextlib.contextmanager
def staged_output_dir(out: str | os.PathLike[str], *, overwrite: bool) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``out`` in one rename.

    Nothing appears at ``out`` unless the block finishes. On an exception the staging
    folder is removed, so a failed run leaves no partial output.
    """
    out = check_output_dir(out, overwrite=overwrite)
    parent = out.resolve().parent
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        msg = f"{out}: output folder cannot be written ({exc.strerror})"
        raise OutputError(msg, hint="choose a writable location for --out") from None
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    stage.chmod(0o777 & ~_umask())
    if out.exists():
        old = parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
        os.replace(stage, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(stage, out)
