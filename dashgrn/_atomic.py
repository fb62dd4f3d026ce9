"""Atomic file and folder output: write to a temporary name, then rename."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import socket
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from ._errors import OutputError
from ._log import get_logger

log = get_logger(__name__)


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


#: Errors of a full, read-only or forbidden output location; :func:`output_errors` maps them.
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
_OUTPUT_ERRNOS = _FULL | {errno.EROFS, errno.EACCES, errno.EPERM}
#: A staging folder's owner (``pid host``), removed just before the folder becomes the output.
OWNER = ".dashgrn-staging"
#: A file a killed run's staging folder may hold; such a folder is kept (``--resume`` continues it).
KEEP_IF = "resume.pt"


@contextlib.contextmanager
def output_errors(out: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError of a full disk, a quota, a read-only or forbidden location inside the
    block into one :class:`OutputError` that names ``out``."""
    out = Path(out)
    if (out / OWNER).is_file():  # a staging folder .NAME.XXXX.partial: name NAME
        out = out.parent / out.name[1:].rsplit(".", 2)[0]
    try:
        yield
    except OSError as exc:
        if exc.errno not in _OUTPUT_ERRNOS:
            raise
        msg = f"{out}: the output folder could not be written ({exc.strerror or exc}); nothing was written"
        hint = "free some disk space, or choose another --out" if exc.errno in _FULL else "choose a writable location for --out"
        raise OutputError(msg, hint=hint) from None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _owner_alive(folder: Path) -> bool:
    """Whether the process that created the staging (or replaced) ``folder`` may still run."""
    if ".old-" in folder.name:  # .NAME.old-PID: the previous output during the final rename
        pid = folder.name.rpartition(".old-")[2]
        return pid.isdigit() and _pid_alive(int(pid))
    try:
        pid_text, host = (folder / OWNER).read_text(encoding="utf-8").split()
        pid = int(pid_text)
    except (OSError, ValueError):
        # no owner file: a folder of an older version, or one that is being created right now
        try:
            return time.time() - folder.stat().st_mtime < 60
        except OSError:
            return False
    if host != socket.gethostname():
        return True  # another machine's process: cannot tell
    return _pid_alive(pid)


def stale_stages(out: str | os.PathLike[str]) -> list[Path]:
    """The staging (``.NAME.*.partial``) and replaced (``.NAME.old-PID``) folders of ``out``
    whose run was killed, newest first."""
    out = Path(out)
    parent = out.resolve().parent
    found = [p for pattern in (f".{out.name}.*.partial", f".{out.name}.old-*") for p in parent.glob(pattern)
             if p.is_dir() and not p.is_symlink() and not _owner_alive(p)]
    def mtime(p: Path) -> float:
        try:
            return p.stat().st_mtime
        except OSError:
            return 0.0

    return sorted(found, key=mtime, reverse=True)


def tidy_stale_stages(out: str | os.PathLike[str], *, keep: Path | None = None) -> list[str]:
    """Remove the folders of killed runs of ``out`` (:func:`stale_stages`), except those that
    hold :data:`KEEP_IF` (a resume state) and ``keep``; one message per folder, for the log."""
    messages = []
    for stage in stale_stages(out):
        if keep is not None and stage.resolve() == Path(keep).resolve():
            continue
        if (stage / KEEP_IF).is_file():
            messages.append(f"{stage}: a killed run of {out} left its resume state here; "
                            f"--resume continues it (or delete the folder)")
            continue
        shutil.rmtree(stage, ignore_errors=True)
        messages.append(f"removed {stage}, left behind by a run of {out} that was killed")
    return messages


@contextlib.contextmanager
def staged_output_dir(
    out: str | os.PathLike[str],
    *,
    overwrite: bool,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
    keep: Path | None = None,
) -> Iterator[Path]:
    """Yield a staging folder ``.NAME.XXXX.partial`` beside ``out``; on success it replaces
    ``out`` in one rename.

    Nothing appears at ``out`` unless the block finishes. On an exception the staging
    folder is removed, so a failed run leaves no partial output; after a second Ctrl-C
    (KeyboardInterrupt) a folder that holds a resume state is kept for ``--resume``. The
    folders of killed runs of ``out`` are removed first, or named in the log when they hold a
    resume state (:func:`tidy_stale_stages`; ``keep`` is left alone). A full disk or a
    read-only location is an :class:`OutputError`. The folder gets :data:`MARKER`, so that a
    later ``--overwrite`` knows it may replace it.
    """
    out = check_output_dir(out, overwrite=overwrite, inputs=inputs)
    for message in tidy_stale_stages(out, keep=keep):
        log.warning("%s", message)
    parent = out.resolve().parent
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=parent))
    except OSError as exc:
        msg = f"{out}: output folder cannot be written ({exc.strerror})"
        raise OutputError(msg, hint="choose a writable location for --out") from None
    try:
        with output_errors(out):
            (stage / OWNER).write_text(f"{os.getpid()} {socket.gethostname()}\n", encoding="utf-8")
            (stage / MARKER).write_text(_MARKER_TEXT, encoding="utf-8")
            yield stage
            stage.chmod(0o777 & ~_umask())
            (stage / OWNER).unlink()
            if out.exists():
                old = parent / f".{out.name}.old-{os.getpid()}"
                os.replace(out, old)
                os.replace(stage, out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(stage, out)
    except KeyboardInterrupt:
        if not (stage / KEEP_IF).is_file():
            shutil.rmtree(stage, ignore_errors=True)
        else:
            log.warning("aborted; the last resume state is kept in %s: --resume continues the run", stage)
        raise
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
