"""A single-file checkpoint: weights, masks, gene order, config and versions.

Saved with ``torch.save`` as a dict of tensors and one JSON string, and loaded with
``torch.load(weights_only=True)``, which never unpickles arbitrary objects.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from ._atomic import atomic_path
from ._errors import ConfigError, InputError
from .model import PhoenixODE

FORMAT = "dashgrn-checkpoint/1"


def save_checkpoint(path: str | Path, model: PhoenixODE, genes: list[str], meta: dict[str, Any],
                    members: list[PhoenixODE] | None = None) -> None:
    """Write ``model`` with its gene order and ``meta`` (config, versions...) atomically;
    ``members`` are the other models of an ensemble (stored under ``members``)."""
    payload = {
        "format": FORMAT,
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "members": [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in (members or [])],
        "meta": json.dumps({
            "genes": list(genes), "n_genes": model.n_genes, "hidden": model.hidden, "rate": model.rate_fn, **meta,
        }),
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | Path, *, map_location: str | torch.device = "cpu") -> tuple[PhoenixODE, dict[str, Any]]:
    """Load a checkpoint written by :func:`save_checkpoint`; returns the model (ensemble member 1)
    and its metadata."""
    path = Path(path)
    models, meta = _models(path, _read_payload(path, map_location), everyone=False)
    return models[0], meta


def load_ensemble(path: str | Path, *, map_location: str | torch.device = "cpu") -> tuple[list[PhoenixODE], dict[str, Any]]:
    """Every model of a checkpoint (one, or the members of an ensemble, member 1 first)."""
    path = Path(path)
    return _models(path, _read_payload(path, map_location), everyone=True)


def _read_payload(path: Path, map_location: str | torch.device) -> dict[str, Any]:
    """The checked payload of a checkpoint file (``weights_only=True``)."""
    if not path.is_file():
        msg = f"{path}: checkpoint file not found"
        raise InputError(msg)
    try:
        payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is an input error here
        msg = f"{path}: not a readable dashgrn checkpoint ({type(exc).__name__})"
        raise InputError(msg, hint="give the checkpoint.pt written by 'dashgrn infer'") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        msg = f"{path}: not a dashgrn checkpoint (format {payload.get('format') if isinstance(payload, dict) else None!r})"
        raise InputError(msg, hint="give the checkpoint.pt written by 'dashgrn infer'")
    return payload


def _models(path: Path, payload: dict[str, Any], *, everyone: bool) -> tuple[list[PhoenixODE], dict[str, Any]]:
    meta = json.loads(payload["meta"])
    states = [payload["state"], *(payload.get("members") or [])] if everyone else [payload["state"]]
    models = []
    for state in states:
        model = PhoenixODE(int(meta["n_genes"]), int(meta["hidden"]), dtype=state["W_s"].dtype,
                           rate=meta.get("rate", "relu"))
        try:
            model.load_state_dict(state)
        except RuntimeError as exc:
            msg = f"{path}: checkpoint weights do not match its recorded shape ({exc})"
            raise ConfigError(msg) from None
        models.append(model.eval())
    return models, meta


RESUME_FORMAT = "dashgrn-resume/2"


def save_resume(path: str | Path, state: dict[str, Any]) -> None:
    """Write the state of an interrupted run atomically: ``{"members": [trainer state, ...]}``,
    one :meth:`dashgrn.model.Trainer.state_dict` per ensemble member."""
    members = [{**{k: v for k, v in m.items() if k != "meta"}, "meta": json.dumps(m["meta"])}
               for m in state["members"]]
    with atomic_path(path) as tmp:
        torch.save({"format": RESUME_FORMAT, "members": members}, tmp)


def load_resume(path: str | Path) -> dict[str, Any]:
    """Read a resume file written by :func:`save_resume` (``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: no resume state here (only an interrupted run leaves one)"
        raise InputError(msg, hint="--resume continues a run that was stopped with Ctrl-C or SIGTERM")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001
        msg = f"{path}: unreadable resume state ({type(exc).__name__})"
        raise InputError(msg) from None
    if not isinstance(payload, dict) or payload.get("format") != RESUME_FORMAT:
        msg = f"{path}: not a dashgrn resume state of this version"
        raise InputError(msg, hint="a resume state from another dashgrn version cannot be continued; start a new run")
    for m in payload["members"]:
        m["meta"] = json.loads(m["meta"])
    return payload
