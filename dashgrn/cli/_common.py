"""Shared CLI plumbing: logging set-up, error mapping, stdout/stderr consoles."""

from __future__ import annotations

import functools
import logging
import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.logging import RichHandler

from .._errors import EXIT_CODES, DashgrnError

F = TypeVar("F", bound=Callable[..., Any])

# Results and paths go to stdout; logs, progress and errors to stderr.
stdout = Console(soft_wrap=True, highlight=False)
stderr = Console(stderr=True, soft_wrap=True, highlight=False)

_state: dict[str, Any] = {"log_file": None, "quiet": False, "verbose": 0}


def setup_logging(*, verbose: int, quiet: bool, log_file: Path | None) -> None:
    """Install the handlers: Rich on stderr, and a full DEBUG log in ``log_file``."""
    global stderr
    stderr = Console(stderr=True, soft_wrap=True, highlight=False)
    root = logging.getLogger("dashgrn")
    for h in list(root.handlers):
        root.removeHandler(h)
        h.close()
    level = logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO)
    handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False, rich_tracebacks=False)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    root.propagate = False
    if log_file is not None:
        fh = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(fh)
    _state.update(log_file=log_file, quiet=quiet, verbose=verbose)


def is_quiet() -> bool:
    return bool(_state["quiet"])


def _write_crash_log(exc: BaseException) -> Path:
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log_file = _state.get("log_file")
    if log_file is not None:
        with open(log_file, "a", encoding="utf-8") as fh:
            fh.write(text)
        return Path(log_file)
    fd, path = tempfile.mkstemp(prefix="dashgrn-crash-", suffix=".log")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(" ".join(sys.argv) + "\n" + text)
    return Path(path)


def report_error(exc: DashgrnError) -> None:
    """Print an expected error as one ``error:`` line (plus a ``hint:`` line)."""
    stderr.print(f"error: {exc.message}", markup=False)
    if exc.hint:
        stderr.print(f"hint: {exc.hint}", markup=False)


def handle_errors(func: F) -> F:
    """Wrap a command: expected errors become one line and their exit code, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except typer.Exit:
            raise
        except DashgrnError as exc:
            report_error(exc)
            raise typer.Exit(code=exc.exit_code) from None
        except KeyboardInterrupt:
            stderr.print("error: interrupted", markup=False)
            raise typer.Exit(code=EXIT_CODES["interrupted"]) from None
        except Exception as exc:  # noqa: BLE001 - last-resort handler of the CLI
            path = _write_crash_log(exc)
            stderr.print(
                f"internal error: {type(exc).__name__}: {exc} (this is a bug; traceback written to {path})",
                markup=False,
            )
            raise typer.Exit(code=EXIT_CODES["internal"]) from None

    return wrapper  # type: ignore[return-value]


def not_available(command: str, issue: int) -> None:
    """Exit for a command whose implementation has not landed yet."""
    stderr.print(f"error: 'dashgrn {command}' is not available yet in this version (tracked as issue {issue})", markup=False)
    raise typer.Exit(code=EXIT_CODES["unavailable"])
