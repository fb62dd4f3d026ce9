"""The ``--scheduler`` value of :class:`dashgrn.config.RunConfig`: ``local`` or a Dask scheduler
address, checked and normalised before anything runs (stdlib only)."""

from __future__ import annotations

from ._errors import ConfigError

#: Address schemes of a Dask scheduler (``--scheduler SCHEME://HOST:PORT``).
SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_HINT = ("give --scheduler local (a Dask LocalCluster on this machine) or the address of a running scheduler, "
         "e.g. tcp://10.0.0.5:8786")


def scheduler_address(value: object) -> str | None:
    """``None`` (no scheduler: threads), ``local``, or a scheduler address ``SCHEME://HOST:PORT``
    (``HOST:PORT`` -> ``tcp://HOST:PORT``, ``[::1]:8786`` for IPv6); a :class:`ConfigError` otherwise."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else ""
    if text == "local":
        return text
    scheme, sep, rest = text.rpartition("://") if "://" in text else ("tcp", "://", text)
    host, colon, port = rest.rpartition(":")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if (scheme not in SCHEDULER_SCHEMES or not sep or not colon or not host or not port.isdigit()
            or not 0 < int(port) < 65536 or any(c in host for c in "/ @?#")):
        msg = (f"--scheduler: {value!r} is neither 'local' nor a scheduler address SCHEME://HOST:PORT "
               f"({', '.join(SCHEDULER_SCHEMES)})")
        raise ConfigError(msg, hint=_HINT)
    return f"{scheme}://{rest}"
