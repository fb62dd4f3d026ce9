"""`dashgrn infer`."""

from __future__ import annotations

import typer

from ._common import handle_errors, not_available


def register(app: typer.Typer) -> None:
    @app.command("infer", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
    @handle_errors
    def infer() -> None:
        """Not available yet in this version."""
        not_available("infer", 5)
