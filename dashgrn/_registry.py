"""A named registry of choices that validates and lists them (like torchdiffeq's ``SOLVERS``).

Solvers (:data:`dashgrn.model.SOLVERS`) and pruning strategies
(:data:`dashgrn.model.pruning.PRUNERS`) are registries: adding a choice means one module,
one :meth:`Registry.add` line and one test; the command line and the config checks read
the names from here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from ._errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries by name, in the order they were added.

    Parameters
    ----------
    what
        What the entries are, for messages (``"solver"``).
    option
        The command-line option that names one (``"--solver"``).
    """

    def __init__(self, what: str, option: str) -> None:
        self.what, self.option = what, option
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register ``entry`` under ``name`` (a name is registered once)."""
        if name in self._entries:
            msg = f"{self.what} {name!r} is registered twice"
            raise ValueError(msg)
        self._entries[name] = entry
        return entry

    def get(self, name: str) -> T:
        """The entry called ``name``; a :class:`ConfigError` listing the choices otherwise."""
        try:
            return self._entries[name]
        except (KeyError, TypeError):
            msg = f"{self.option} must be one of {', '.join(self._entries)}, got {name!r}"
            raise ConfigError(msg, hint=f"unknown {self.what}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.what}: {', '.join(self._entries)})"
