"""Error classes with documented exit codes.

Library code raises these; only the CLI turns them into messages and exit codes.

=====  ==================  ==========================================================
code   class               raised for
=====  ==================  ==========================================================
1      (none)              an unexpected internal error (a bug): traceback in a log
2      (typer)             command-line usage errors (unknown option, bad value type)
3      InputError          unreadable or malformed input files, missing columns,
                           no gene overlap, bad values in the data
4      ConfigError         conflicting or invalid options, bad config files,
                           a checkpoint that does not match the data
5      TrainingError       the loss became NaN/inf or training diverged
6      DeviceError         the requested device (e.g. CUDA) is not usable
7      OutputError         the output folder exists (without --overwrite) or
                           cannot be written
8      (none)              the command is not available in this version
130    (interrupt)         stopped by Ctrl-C / SIGTERM (finished work is kept)
=====  ==================  ==========================================================
"""

from __future__ import annotations

EXIT_CODES: dict[str, int] = {
    "internal": 1,
    "usage": 2,
    "input": 3,
    "config": 4,
    "training": 5,
    "device": 6,
    "output": 7,
    "unavailable": 8,
    "interrupted": 130,
}


class DashgrnError(Exception):
    """Base class of the errors a user can fix; carries a message, a hint and an exit code."""

    exit_code: int = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InputError(DashgrnError):
    """Unreadable or malformed input file, or data that cannot be used."""

    exit_code = EXIT_CODES["input"]


class ConfigError(DashgrnError):
    """Invalid or conflicting options."""

    exit_code = EXIT_CODES["config"]


class TrainingError(DashgrnError):
    """Training failed numerically."""

    exit_code = EXIT_CODES["training"]


class DeviceError(DashgrnError):
    """The requested compute device is not usable."""

    exit_code = EXIT_CODES["device"]


class OutputError(DashgrnError):
    """The output location exists or cannot be written."""

    exit_code = EXIT_CODES["output"]


class Interrupted(DashgrnError):
    """The run was stopped by the user; finished work was kept."""

    exit_code = EXIT_CODES["interrupted"]
