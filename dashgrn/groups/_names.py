"""Group names as folder names: safe on every file system, unique, readable where they can be.

A name keeps its letters, digits and ``. _ - +``; a space becomes ``_``; every other
character (``/``, ``\\``, ``:``, NUL, non-ASCII letters...) becomes ``%XX`` per UTF-8 byte, and
so do leading dots (``.``, ``..`` and hidden names: ``%2E%2E``) and a trailing one. A reserved
device name of Windows (``CON``, ``nul.txt``, ``COM1``...) gets ``~`` after the device name
(``nul~.txt``), the name of a file of the groups folder a trailing ``~``. Names that still
collide, exactly or ignoring case (``T`` and ``t`` are one folder on macOS and Windows), get
``~2``, ``~3``... in the order of the names; ``~`` itself is always escaped, so a suffix never
meets a name. Long names are cut to :data:`MAX_LENGTH` characters plus a hash of the whole name.
"""

from __future__ import annotations

import hashlib
import re

#: Characters kept as they are.
_SAFE = re.compile(r"[A-Za-z0-9._+\-]")
#: Windows device names, reserved with any extension.
_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
MAX_LENGTH = 80


def _quote(name: str) -> str:
    out = []
    for ch in name:
        if _SAFE.fullmatch(ch):
            out.append(ch)
        elif ch == " ":
            out.append("_")
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def escape_component(name: str, *, reserved: frozenset[str] = frozenset()) -> str:
    """``name`` as one safe path component (not yet unique among others: :func:`folder_names`)."""
    text = _quote(str(name))
    if len(text) > MAX_LENGTH:
        text = f"{text[:MAX_LENGTH]}~{hashlib.sha1(str(name).encode('utf-8', 'surrogatepass')).hexdigest()[:10]}"
    lead = len(text) - len(text.lstrip("."))  # hidden (and . / ..): the leading dots escaped
    text = "%2E" * lead + text[lead:]
    if text.endswith("."):  # dropped by Windows
        text = text[:-1] + "%2E"
    stem, dot, ext = text.partition(".")
    if stem.lower() in _DEVICES:  # reserved with any extension: NUL.txt -> NUL~.txt
        text = f"{stem}~{dot}{ext}"
    if not text or text.lower() in {r.lower() for r in reserved}:
        text += "~"
    return text


def folder_names(names: list[str], *, reserved: frozenset[str] = frozenset()) -> dict[str, str]:
    """A unique, safe folder name for every group name (in the order given), unique also
    when case is ignored; ``reserved`` are names already taken in the folder."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in names:
        base = escape_component(name, reserved=reserved)
        folder, n = base, 1
        while folder.casefold() in taken:
            n += 1
            folder = f"{base}~{n}"
        taken.add(folder.casefold())
        out[name] = folder
    return out
