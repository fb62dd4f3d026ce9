"""The ``dashgrn`` command line. Only this package talks to the terminal.

Each subcommand lives in its own module and imports the heavy parts of the library
lazily, so that ``dashgrn --help`` stays fast.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import __version__
from ._common import setup_logging, stdout

app = typer.Typer(
    name="dashgrn",
    help="Gene regulatory network inference with DASH-pruned PHOENIX neural ODEs.",
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        stdout.print(f"dashgrn {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, help="More log detail on stderr.")] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors on stderr.")] = False,
    log_file: Annotated[
        Optional[Path], typer.Option("--log-file", help="Also write a full DEBUG log (and any traceback) here.")
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Gene regulatory network inference with DASH-pruned PHOENIX neural ODEs."""
    setup_logging(verbose=verbose, quiet=quiet, log_file=log_file)


def _register() -> None:
    from . import evaluate, export, infer, perturb, report, simulate

    for mod in (infer, evaluate, simulate, export, report, perturb):
        mod.register(app)


_register()


def main() -> None:
    """Console-script entry point."""
    logging.captureWarnings(True)  # a library's warning is a log line too (py.warnings, see setup_logging)
    app()
