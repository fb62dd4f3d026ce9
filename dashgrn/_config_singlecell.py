"""The settings of single-cell snapshots (:class:`SingleCellConfig`), a stage of
:class:`dashgrn.config.InferConfig` (imported from there). Plain data and value checks, no torch."""

from __future__ import annotations

from dataclasses import dataclass

from . import _checks as check
from ._errors import ConfigError

__all__ = ["SingleCellConfig", "parse_root_group"]


@dataclass(frozen=True)
class SingleCellConfig:
    """How snapshots become a time course (:func:`dashgrn.singlecell.prepare_snapshots`).

    Used when a pseudotime source is given: exactly one of ``root_cell``, ``root_group``
    (``KEY=VALUE``) and ``pseudotime_key``. ``bins`` windows per lineage (0: every cell),
    ``smooth`` the half-width of a moving average over windows, ``normalize``
    normalize_total + log1p, ``n_top_genes`` the highly variable genes to keep (regulators
    always kept), ``n_pcs`` and ``n_neighbors`` for the DPT graph.
    """

    root_cell: str | None = None
    root_group: str | None = None  # KEY=VALUE
    pseudotime_key: str | None = None
    lineage_key: str | None = None
    bins: int = 50
    smooth: int = 0
    normalize: bool = True
    n_top_genes: int | None = None
    n_pcs: int = 10
    n_neighbors: int = 30

    @property
    def enabled(self) -> bool:
        """Single-cell snapshots: a pseudotime is computed (a root) or read (``pseudotime_key``)."""
        return self.root_cell is not None or self.root_group is not None or self.pseudotime_key is not None

    def __post_init__(self) -> None:
        given = [check.flag(n) for n in ("root_cell", "root_group", "pseudotime_key") if getattr(self, n) is not None]
        if len(given) > 1:
            msg = f"{' and '.join(given)} exclude each other"
            raise ConfigError(msg, hint="give one root (--root-cell or --root-group) or a ready pseudotime (--pseudotime-key)")
        if self.root_group is not None:
            parse_root_group(self.root_group)
        checks = (
            ("bins", self.bins, lambda v: v == 0 or v >= 2, "0 (every cell) or >= 2"),
            ("smooth", self.smooth, lambda v: v >= 0, ">= 0"),
            ("n_top_genes", self.n_top_genes, lambda v: v is None or v >= 2, ">= 2"),
            ("n_pcs", self.n_pcs, lambda v: v >= 1, ">= 1"),
            ("n_neighbors", self.n_neighbors, lambda v: v >= 2, ">= 2"),
        )
        for name, value, ok, want in checks:
            if value is not None and not check.is_int(value):
                msg = f"{check.flag(name)} must be an integer, got {value!r}"
                raise ConfigError(msg)
            if not ok(value):
                msg = f"{check.flag(name)} must be {want}, got {value}"
                raise ConfigError(msg)


def parse_root_group(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` -> ``(KEY, VALUE)`` (split at the first ``=``)."""
    key, sep, value = str(text).partition("=")
    if not sep or not key.strip() or not value.strip():
        msg = f"--root-group: {text!r} is not KEY=VALUE"
        raise ConfigError(msg, hint="name an obs column and one of its values, e.g. --root-group cell_type=stem")
    return key.strip(), value.strip()
