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

# Results and paths go to stdout; logs, progress and errors to stderr. Never wrapped, and
# text is printed as it is (no markup, no :emoji: codes: gene names and paths stay intact).
stdout = Console(soft_wrap=True, highlight=False, emoji=False)
stderr = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)

_state: dict[str, Any] = {"log_file": None, "quiet": False, "verbose": 0}


class OneLineFormatter(logging.Formatter):
    """One line per message: line breaks inside a message (or a traceback) become `` | ``."""

    def format(self, record: logging.LogRecord) -> str:
        return " | ".join(super().format(record).splitlines())


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is when a message is logged (test runners swap it)."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def setup_logging(*, verbose: int, quiet: bool, log_file: Path | None) -> None:
    """Install the handlers: on stderr Rich on a terminal, else plain ``LEVEL message`` lines
    (never wrapped, for pipelines and files); and a full DEBUG log in ``log_file``, always plain."""
    global stderr
    stderr = Console(stderr=True, soft_wrap=True, highlight=False, emoji=False)
    handler: logging.Handler
    if stderr.is_terminal:  # the same test as the progress bar (cli/infer.py)
        handler = RichHandler(console=stderr, show_path=False, show_time=False, markup=False, rich_tracebacks=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        handler = _StderrHandler()
        handler.setFormatter(OneLineFormatter("%(levelname)s %(message)s"))
    handler.setLevel(logging.WARNING if quiet else (logging.DEBUG if verbose else logging.INFO))
    handlers = [handler]
    if log_file is not None:
        fh = logging.FileHandler(log_file, mode="a", encoding="utf-8")
        fh.setLevel(logging.DEBUG)
        fh.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handlers.append(fh)
    # the package's messages, and the libraries' warnings once main() captures them
    for name in ("dashgrn", "py.warnings"):
        logger = logging.getLogger(name)
        for h in list(logger.handlers):
            logger.removeHandler(h)
            h.close()
        for h in handlers:
            logger.addHandler(h)
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
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
