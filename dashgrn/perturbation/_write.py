"""The output folder of ``dashgrn perturb``: ``perturbation.tsv``, ``perturbation.html`` and
``perturbation.json``, written through a staging folder (nothing appears unless all are written).
No torch."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from .._atomic import staged_output_dir
from .._json import jsonable
from ._html import render_page

__all__ = ["FILES", "write_perturbation"]

FILES = {"table": "perturbation.tsv", "html": "perturbation.html", "json": "perturbation.json"}


def write_perturbation(table: pd.DataFrame, out: str | os.PathLike[str], *, edges: pd.DataFrame | None = None,
                       overwrite: bool = False, inputs: Iterable[str | os.PathLike[str] | None] = (),
                       command: str | None = None) -> dict[str, Path]:
    """Write the table of :func:`~dashgrn.perturbation.perturb` (NaN as ``NA``), its page and its
    settings (the table's ``attrs``) into ``out``; returns the final paths by role."""
    info = dict(table.attrs)
    with staged_output_dir(out, overwrite=overwrite, inputs=inputs) as stage:
        table.to_csv(stage / FILES["table"], sep="\t", index=False, float_format="%.9g", na_rep="NA",
                     lineterminator="\n")
        (stage / FILES["html"]).write_text(render_page(table, edges, info), encoding="utf-8")
        record = {"tool": "dashgrn perturb", "command": command, **info}
        (stage / FILES["json"]).write_text(json.dumps(jsonable(record), indent=1) + "\n", encoding="utf-8")
    return {role: Path(out) / name for role, name in FILES.items()}
