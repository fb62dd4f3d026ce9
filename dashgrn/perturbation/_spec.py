"""What is perturbed: knockouts and overexpression, checked against the model's genes. No torch."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .._checks import close_matches
from .._errors import ConfigError, InputError

__all__ = ["Perturbation", "close_matches", "parse_overexpress", "perturbations"]


@dataclass(frozen=True)
class Perturbation:
    """One perturbation: genes held at values (in the input's units) from t = 0.

    Attributes
    ----------
    label
        Its name in the table's ``perturbation`` column: ``knockout:G``, ``overexpress:G=2.5``,
        joined by ``+`` for a combined perturbation.
    clamp
        ``((gene, value), ...)`` in the input's units (a knockout is value 0).
    """

    label: str
    clamp: tuple[tuple[str, float], ...]

    @property
    def genes(self) -> list[str]:
        return [g for g, _ in self.clamp]


def parse_overexpress(items: Iterable[str]) -> dict[str, float]:
    """``["G=2.5", ...]`` (each item may hold comma-separated ``G=VALUE``) -> ``{G: 2.5}``.

    Raises
    ------
    ConfigError
        An item without ``=``, a value that is not a finite number, a gene named twice.
    """
    out: dict[str, float] = {}
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            if not part:
                continue
            gene, sep, value = part.rpartition("=")
            gene = gene.strip()
            try:
                number = float(value)
            except ValueError:
                number = math.nan
            if not sep or not gene or not math.isfinite(number):
                msg = f"--overexpress: {part!r} is not GENE=VALUE with a finite number"
                raise ConfigError(msg, hint="e.g. --overexpress GAL4=0.9 (VALUE in the units of --from)")
            if gene in out:
                msg = f"--overexpress: {gene!r} is given twice"
                raise ConfigError(msg)
            out[gene] = number
    return out


def _label(kind: str, gene: str, value: float) -> str:
    return f"knockout:{gene}" if kind == "knockout" else f"overexpress:{gene}={value:g}"


def perturbations(genes: Sequence[str], knockout: Iterable[str] = (), overexpress: Mapping[str, float] | None = None,
                  *, combine: bool = False) -> list[Perturbation]:
    """The perturbations to run, every gene checked against the model's ``genes``.

    Each knocked-out gene (value 0) and each overexpressed gene (its value) is a perturbation
    of its own, knockouts first, in the order given; with ``combine`` they are all one.

    Raises
    ------
    InputError
        A gene that is not a gene of the model (the message lists close matches).
    ConfigError
        No perturbation, or a gene named twice.
    """
    known = set(genes)
    items = [("knockout", str(g), 0.0) for g in knockout]
    items += [("overexpress", str(g), float(v)) for g, v in (overexpress or {}).items()]
    if not items:
        msg = "nothing to perturb: give --knockout and/or --overexpress"
        raise ConfigError(msg, hint="e.g. --knockout GAL4")
    seen: set[str] = set()
    for kind, gene, _ in items:
        if gene not in known:
            option = "--knockout" if kind == "knockout" else "--overexpress"
            msg = f"{option}: {gene!r} is not a gene of the checkpoint{close_matches(gene, genes)}"
            raise InputError(msg)  # one line: the close matches are the hint
        if gene in seen:
            msg = f"{gene!r} is perturbed twice"
            raise ConfigError(msg, hint="name each gene once in --knockout and --overexpress")
        seen.add(gene)
    singles = [Perturbation(_label(k, g, v), ((g, v),)) for k, g, v in items]
    if combine:
        return [Perturbation("+".join(p.label for p in singles), tuple(c for p in singles for c in p.clamp))]
    return singles
