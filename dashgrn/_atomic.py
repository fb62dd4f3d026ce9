"""Atomic file and folder output: write to a temporary name, then rename."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
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


#: Written into every folder that dashgrn creates; only such a folder may be replaced.
MARKER = ".dashgrn-output"
_MARKER_TEXT = "This folder was written by dashgrn; `--overwrite` may replace it.\n"


def _is_legacy_output(folder: Path) -> bool:
    """A folder from a version before the marker: its run.json or manifest.json names dashgrn."""
    import json

    for name in ("run.json", "manifest.json"):
        try:
            data = json.loads((folder / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and isinstance(data.get("versions"), dict) and "dashgrn" in data["versions"]:
            return True
    return False


def is_dashgrn_output(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` is an output folder that dashgrn wrote (and so may replace)."""
    folder = Path(folder)
    return (folder / MARKER).is_file() or _is_legacy_output(folder)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_dir(
    out: str | os.PathLike[str],
    *,
    overwrite: bool,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Path:
    """Check that ``out`` can be created (or replaced with ``overwrite``) before any work starts.

    ``--overwrite`` replaces only a folder that dashgrn wrote (it holds :data:`MARKER`, or
    an older run's run.json), never one that holds one of ``inputs`` or the current folder.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        msg = f"{out}: exists and is not a folder"
        raise OutputError(msg, hint="choose another --out path")
    if out.exists() and any(out.iterdir()):
        ours = is_dashgrn_output(out)
        if not overwrite:
            msg = f"{out}: output folder exists and is not empty"
            hint = ("use --overwrite to replace it, or choose another --out" if ours
                    else "choose another --out (this folder was not written by dashgrn, so --overwrite will not replace it)")
            raise OutputError(msg, hint=hint)
        real = out.resolve()
        for item in inputs:
            if item is not None and _inside(Path(item).resolve(), real):
                msg = f"{out}: holds the input {item}; --overwrite would delete it"
                raise OutputError(msg, hint="choose an --out folder that holds none of the inputs")
        if _inside(Path.cwd().resolve(), real):
            msg = f"{out}: is the current folder (or holds it); --overwrite cannot replace it"
            raise OutputError(msg, hint="choose another --out, e.g. a new subfolder")
        if not ours:
            msg = f"{out}: output folder exists and was not written by dashgrn; --overwrite replaces only dashgrn output folders"
            raise OutputError(msg, hint="choose another --out, or empty or remove this folder yourself")
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
def staged_output_dir(
    out: str | os.PathLike[str],
    *,
    overwrite: bool,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> Iterator[Path]:
    """Yield a staging folder; on success it replaces ``out`` in one rename.

    Nothing appears at ``out`` unless the block finishes. On an exception the staging
    folder is removed, so a failed run leaves no partial output. The folder gets
    :data:`MARKER`, so that a later ``--overwrite`` knows it may replace it.
    """
    out = check_output_dir(out, overwrite=overwrite, inputs=inputs)
    parent = out.resolve().parent
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        msg = f"{out}: output folder cannot be written ({exc.strerror})"
        raise OutputError(msg, hint="choose a writable location for --out") from None
    try:
        (stage / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
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
