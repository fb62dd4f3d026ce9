"""A single-file checkpoint: weights, masks, gene order, config and versions.

Saved with ``torch.save`` as a dict of tensors and one JSON string, and loaded with
``torch.load(weights_only=True)``, which never unpickles arbitrary objects.
"""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from ._atomic import atomic_path, stale_stages
from ._errors import ConfigError, InputError, OutputError
from ._json import jsonable
from ._log import get_logger
from .io.rundir import FILES
from .model import PhoenixODE, Trainer

log = get_logger(__name__)

FORMAT = "dashgrn-checkpoint/1"


def save_checkpoint(path: str | Path, model: PhoenixODE, genes: list[str], meta: dict[str, Any],
                    members: list[PhoenixODE] | None = None, evidence_scores: Any = None) -> None:
    """Write ``model`` with its gene order and ``meta`` (config, versions...) atomically;
    ``members`` are the other models of an ensemble (stored under ``members``);
    ``evidence_scores`` the crowd scores that ranked the pairs (:mod:`dashgrn.evidence`), if any."""
    payload = {
        "format": FORMAT,
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "members": [{k: v.detach().cpu() for k, v in m.state_dict().items()} for m in (members or [])],
        "meta": json.dumps({
            "genes": list(genes), "n_genes": model.n_genes, "hidden": model.hidden, "rate": model.rate_fn, **meta,
        }),
    }
    if evidence_scores is not None:
        payload["evidence_scores"] = torch.as_tensor(evidence_scores, dtype=torch.float64).cpu()
    _save(path, payload)


def _save(path: str | Path, payload: dict[str, Any]) -> None:
    """``torch.save`` into memory, then one atomic file write, so that a full disk is an
    OSError (ENOSPC) and not torch's RuntimeError."""
    buf = io.BytesIO()
    torch.save(payload, buf)
    with atomic_path(path) as tmp:
        tmp.write_bytes(buf.getbuffer())


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


def load_evidence_scores(path: str | Path) -> Any:
    """The crowd scores (regulator x target, a NumPy array) saved with a checkpoint, or None when
    the model's effects ranked the pairs."""
    return _evidence_scores(_read_payload(Path(path), "cpu"))


def load_ensemble_with_evidence(path: str | Path) -> tuple[list[PhoenixODE], dict[str, Any], Any]:
    """:func:`load_ensemble` and :func:`load_evidence_scores` from one read of the file."""
    path = Path(path)
    payload = _read_payload(path, "cpu")
    models, meta = _models(path, payload, everyone=True)
    return models, meta, _evidence_scores(payload)


def _evidence_scores(payload: dict[str, Any]) -> Any:
    scores = payload.get("evidence_scores")
    return None if scores is None else scores.numpy()


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
#: A running ``infer`` writes its resume state after every this many epochs of a member ...
RESUME_EVERY_EPOCHS = 10
#: ... and after an epoch that ends this many seconds after that member's last one.
RESUME_EVERY_SECONDS = 60.0


def save_resume(path: str | Path, state: dict[str, Any], *, inputs: dict[str, Any] | None = None) -> None:
    """Write the state of an interrupted run atomically: ``{"members": [trainer state, ...]}``,
    one :meth:`dashgrn.model.Trainer.state_dict` per ensemble member (``None``: not started),
    and the records of the input files (``inputs``, as in run.json) that ``--resume`` checks."""
    members = [None if m is None else {**{k: v for k, v in m.items() if k != "meta"}, "meta": json.dumps(m["meta"])}
               for m in state["members"]]
    _save(path, {"format": RESUME_FORMAT, "members": members, "inputs": json.dumps(jsonable(inputs))})


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
        if m is not None:
            m["meta"] = json.loads(m["meta"])
    payload["inputs"] = json.loads(payload.get("inputs") or "null")
    return payload


def find_resume(out: str | Path) -> Path:
    """The folder that holds the newest resume state of ``out``: ``out`` itself (a run stopped
    with Ctrl-C or SIGTERM) or the staging folder of a killed run (``.NAME.XXXX.partial``)."""
    out = Path(out)
    name = FILES["resume"]
    found = [f for f in (out, *stale_stages(out)) if (f / name).is_file()]
    if not found:
        msg = f"{out / name}: no resume state here (only an interrupted or killed run leaves one)"
        raise InputError(msg, hint="--resume continues a run that was stopped with Ctrl-C, SIGTERM or a kill")
    return max(found, key=lambda f: (f / name).stat().st_mtime)


def check_same_inputs(folder: Path, inputs: dict[str, Any], resume: dict[str, Any]) -> None:
    """A resumed run must read the very same input files (by checksum) as the run that wrote
    ``resume`` (its records, or those of ``folder``'s run.json for older resume files)."""
    before = resume.get("inputs")
    if before is None:
        try:
            before = json.loads((folder / FILES["run"]).read_text(encoding="utf-8"))["inputs"]
        except (OSError, ValueError, KeyError):
            msg = f"{folder / FILES['run']}: missing or unreadable; cannot check that the inputs are unchanged"
            raise ConfigError(msg) from None
    for key, rec in inputs.items():
        old = before.get(key)
        if key != "truth" and (old is None or old.get("sha256") != rec["sha256"]):
            msg = f"--resume: the {key} file differs from the one the interrupted run used ({rec['path']})"
            raise ConfigError(msg, hint="resume with the same input files, or start a new run")


def restore(trainers: list[Trainer], resume: dict[str, Any]) -> None:
    """Continue every member where an interrupted run stopped (its ``resume_state``)."""
    states = resume.get("members") or []
    if len(states) != len(trainers):
        msg = f"the resume state has {len(states)} ensemble member(s), the configuration {len(trainers)}"
        raise ConfigError(msg, hint="resume with the configuration of the interrupted run")
    for trainer, state in zip(trainers, states):
        if state is not None:  # None: a member that had not started
            trainer.load_state_dict(state)
    log.info("resuming after epoch %s", ", ".join(
        f"{t.epoch} (batch {t.position['start'] // t.batch_size} of epoch {t.epoch + 1})" if t.position else str(t.epoch)
        for t in trainers))


class ResumeSaver:
    """``on_epoch`` of :func:`dashgrn.pipeline.infer`: writes the resume state of a run in
    training to ``path`` (atomically) after every :data:`RESUME_EVERY_EPOCHS` epochs of a
    member, after an epoch that ends :data:`RESUME_EVERY_SECONDS` after that member's last
    save, and when a member has finished; so a killed run loses at most that much.

    ``members`` are the states the members started from (``None``: from scratch). Members
    train side by side: each one's state is taken in its own thread, at its epoch's end.
    A failed write (a full disk) is logged once; training goes on.
    """

    def __init__(self, path: str | Path, members: Sequence[dict[str, Any] | None], *,
                 inputs: dict[str, Any] | None = None) -> None:
        self.path, self.inputs = Path(path), inputs
        self.states = list(members)
        self.last = [time.monotonic()] * len(self.states)
        self.lock = threading.Lock()
        self.failed = False

    def __call__(self, k: int, trainer: Trainer) -> None:
        now = time.monotonic()
        if (trainer.finished is None and trainer.epoch % RESUME_EVERY_EPOCHS
                and now - self.last[k] < RESUME_EVERY_SECONDS):
            return
        state = trainer.state_dict()
        with self.lock:
            self.states[k], self.last[k] = state, now
            try:
                save_resume(self.path, {"members": self.states}, inputs=self.inputs)
            except (OSError, OutputError) as exc:
                if not self.failed:
                    log.warning("%s: could not save the resume state (%s); training goes on", self.path, exc)
                self.failed = True
