"""Single-cell snapshots -> pseudotime time courses (scanpy; no torch).

:func:`prepare_snapshots` is the whole step: normalisation and gene selection
(:mod:`~dashgrn.singlecell.preprocess`), diffusion pseudotime or an obs pseudotime
(:mod:`~dashgrn.singlecell.pseudotime`), lineages and pseudotime windows
(:mod:`~dashgrn.singlecell.binning`). It returns a time course that
:func:`dashgrn.infer` trains on, and a :class:`SingleCellRecord` for the run's
files and report.
"""

from __future__ import annotations

from ..config import SingleCellConfig
from ._prepare import DEFAULT_BINS, FILES, SingleCellRecord, prepare_snapshots

__all__ = ["DEFAULT_BINS", "FILES", "SingleCellConfig", "SingleCellRecord", "prepare_snapshots"]
