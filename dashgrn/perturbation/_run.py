"""``dashgrn.perturbation``: integrate a trained ensemble from observed states with genes clamped,
and tabulate what changes.

For every perturbation, every ensemble member and every start state, the model is integrated
twice to the end time: once as it is (``baseline``) and once with the perturbed genes held at
their values from t = 0 (``perturbed``). Values are taken to the model's units with the scaling
the run recorded (``run.json``: ``summary.data.scaling``), times with its ``time_scale``, and
the results are taken back to the input's units, so ``delta`` = perturbed - baseline at the end
time is in the units of the input data.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ._spec import Perturbation, perturbations
from ._start import StartStates, read_start, start_states

__all__ = ["COLUMNS", "Trained", "load_trained", "perturb", "perturbation_table", "run_perturbation"]

log = get_logger(__name__)

#: The columns of ``perturbation.tsv`` (and of the DataFrame :func:`perturb` returns).
COLUMNS = ["perturbation", "gene", "baseline", "perturbed", "delta", "delta_sd", "rank"]
#: Rows (start states x perturbations) integrated in one batch.
BATCH_ROWS = 2048


@dataclass
class Trained:
    """A trained ensemble with what a perturbation needs of its run.

    Attributes
    ----------
    members
        Every ensemble member (:class:`~dashgrn.model.PhoenixODE`).
    genes
        The model's gene order.
    scaling
        The run's scaling: ``mode``, ``offset``, ``scale`` (expression) and ``time_scale``.
    edges
        The exported network (``edges.tsv``), or ``None`` when the run folder has none.
    source
        Where the model came from, for messages and the page.
    summary
        The run's summary (``run.json``'s ``summary``), possibly empty.
    """

    members: list[Any]
    genes: list[str]
    scaling: dict[str, Any]
    edges: pd.DataFrame | None
    source: str
    summary: dict[str, Any]

    def to_model(self, x: np.ndarray) -> np.ndarray:
        """Input units -> the model's units."""
        return (np.asarray(x, dtype=np.float64) - float(self.scaling.get("offset", 0.0))) / float(
            self.scaling.get("scale", 1.0))

    def to_input(self, y: np.ndarray) -> np.ndarray:
        """The model's units -> input units."""
        return np.asarray(y, dtype=np.float64) * float(self.scaling.get("scale", 1.0)) + float(
            self.scaling.get("offset", 0.0))


def _scaling(summary: dict[str, Any], where: str) -> dict[str, Any]:
    scaling = ((summary or {}).get("data") or {}).get("scaling")
    if not isinstance(scaling, dict) or not {"offset", "scale"} <= set(scaling):
        msg = f"{where}: the run does not record the scaling of its expression data (summary.data.scaling)"
        raise InputError(msg, hint="give a run folder (or checkpoint.pt) written by 'dashgrn infer'")
    return {"time_scale": 1.0, **scaling}


def load_trained(model: Any) -> Trained:
    """A run folder, its ``checkpoint.pt`` or an :class:`~dashgrn.InferResult` -> :class:`Trained`."""
    if hasattr(model, "members") and hasattr(model, "genes") and hasattr(model, "summary"):
        members = list(model.members) or [model.model]
        return Trained(members, list(model.genes), _scaling(model.summary, "the InferResult"),
                       getattr(model, "edges", None), "InferResult", dict(model.summary))
    if not isinstance(model, (str, os.PathLike)):
        msg = f"the model must be a run folder, a checkpoint.pt or an InferResult, not {type(model).__name__}"
        raise InputError(msg)
    from ..checkpoint import load_ensemble
    from ..io import read_edges
    from ..io.rundir import FILES

    path = Path(model)
    folder, checkpoint = (path, path / FILES["checkpoint"]) if path.is_dir() else (path.parent, path)
    members, meta = load_ensemble(checkpoint)
    summary = meta.get("summary") or {}
    run_json = folder / FILES["run"]
    if not (summary.get("data") or {}).get("scaling") and run_json.is_file():
        import json

        summary = json.loads(run_json.read_text(encoding="utf-8")).get("summary") or {}
    edges_path = folder / FILES["edges"]
    edges = read_edges(edges_path) if edges_path.is_file() else None
    return Trained(members, list(meta["genes"]), _scaling(summary, str(checkpoint)), edges, str(folder), summary)


def _clamps(trained: Trained, perts: Sequence[Perturbation]) -> tuple[np.ndarray, np.ndarray]:
    """``(P, N)`` bool masks and model-unit values of every perturbation."""
    pos = {g: i for i, g in enumerate(trained.genes)}
    mask = np.zeros((len(perts), len(trained.genes)), dtype=bool)
    values = np.zeros(mask.shape)
    for k, p in enumerate(perts):
        for gene, value in p.clamp:
            mask[k, pos[gene]] = True
            values[k, pos[gene]] = trained.to_model(value)
    return mask, values


def simulate_members(trained: Trained, states: StartStates, perts: Sequence[Perturbation]) -> tuple[np.ndarray, np.ndarray]:
    """End states in input units: baseline ``(M, S, N)`` and perturbed ``(M, P, S, N)``."""
    import torch

    from ..model._perturb import integrate_clamped

    y0 = torch.from_numpy(trained.to_model(states.values))
    horizon = torch.from_numpy(states.horizon / float(trained.scaling.get("time_scale", 1.0) or 1.0))
    mask_np, values_np = _clamps(trained, perts)
    n_s, n_p = y0.shape[0], len(perts)
    base, pert = [], []
    for member in trained.members:
        m = copy.deepcopy(member).double().eval()
        base.append(integrate_clamped(m, y0, horizon).numpy())
        out = np.empty((n_p, n_s, y0.shape[1]))
        step = max(1, BATCH_ROWS // n_s)
        for lo in range(0, n_p, step):
            ps = range(lo, min(n_p, lo + step))
            mask = torch.from_numpy(np.repeat(mask_np[ps.start:ps.stop], n_s, axis=0))
            vals = torch.from_numpy(np.repeat(values_np[ps.start:ps.stop], n_s, axis=0))
            rows = integrate_clamped(m, y0.repeat(len(ps), 1), horizon.repeat(len(ps)), clamp=mask, values=vals)
            out[ps.start:ps.stop] = rows.numpy().reshape(len(ps), n_s, -1)
        pert.append(out)
    return trained.to_input(np.stack(base)), trained.to_input(np.stack(pert))


def perturbation_table(genes: Sequence[str], perts: Sequence[Perturbation], base: np.ndarray,
                       pert: np.ndarray) -> pd.DataFrame:
    """The table of :func:`perturb` from end states in input units: ``base`` ``(M, S, N)``,
    ``pert`` ``(M, P, S, N)``.

    ``delta`` is the mean over members and start states of perturbed - baseline, ``delta_sd`` the
    standard deviation over members of each member's mean delta (NaN for a single member).
    ``rank`` orders the genes of each perturbation by |delta|, 1 = most affected (ties by gene
    name); the perturbed genes themselves come first with rank 0.
    """
    genes = list(genes)
    member_delta = (pert - base[:, None]).mean(axis=2)  # (M, P, N)
    delta = member_delta.mean(axis=0)
    sd = member_delta.std(axis=0, ddof=1) if member_delta.shape[0] > 1 else np.full(delta.shape, np.nan)
    baseline = base.mean(axis=(0, 1))
    perturbed = pert.mean(axis=(0, 2))
    frames = []
    for k, p in enumerate(perts):
        clamped = set(p.genes)
        df = pd.DataFrame({"perturbation": p.label, "gene": genes, "baseline": baseline,
                           "perturbed": perturbed[k], "delta": delta[k], "delta_sd": sd[k]})
        df["_clamped"] = df["gene"].isin(clamped)
        df["_abs"] = -df["delta"].abs()
        df = df.sort_values(["_clamped", "_abs", "gene"], ascending=[False, True, True], kind="mergesort")
        n_c = int(df["_clamped"].sum())
        df["rank"] = np.r_[np.zeros(n_c, dtype=np.int64), np.arange(1, len(df) - n_c + 1)]
        frames.append(df[COLUMNS])
    return pd.concat(frames, ignore_index=True)


def perturb(model: Any, knockout: Iterable[str] = (), overexpress: Mapping[str, float] | None = None, *,
            start: Any, cells: str | None = None, t_end: float | None = None, combine: bool = False,
            time_key: str = "time", trajectory_key: str = "trajectory", layer: str | None = None) -> pd.DataFrame:
    """Predict in-silico knockouts and overexpression with a trained ensemble.

    Parameters
    ----------
    model
        A run folder of ``dashgrn infer``, its ``checkpoint.pt``, or an :class:`~dashgrn.InferResult`.
    knockout
        Genes to knock out, each a perturbation of its own: held at 0 (input units) from t = 0.
    overexpress
        ``{gene: value}``: genes held at ``value`` (input units) from t = 0, one perturbation each.
    start
        Expression data to start from (a path, an AnnData, a DataFrame, ``ExpressionData``), with
        the model's genes: the first time point of every trajectory, or the samples of ``cells``.
    cells
        ``"KEY=VALUE"``: start from every sample of this group (an obs column, or ``trajectory``).
    t_end
        End time on the data's clock (default: the last observed time).
    combine
        All knockouts and overexpressions together as one perturbation.
    time_key, trajectory_key, layer
        As for ``dashgrn infer``.

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`, one row per perturbation and gene (see :func:`perturbation_table`);
        ``attrs`` holds the end time, the number of start states and members, and the sources.

    Raises
    ------
    InputError
        An unknown gene (with close matches), start data without the model's genes, a model
        without recorded scaling.
    ConfigError
        Nothing to perturb, a gene perturbed twice, a bad ``cells`` or ``t_end``.
    """
    return run_perturbation(model, knockout, overexpress, start=start, cells=cells, t_end=t_end, combine=combine,
                            time_key=time_key, trajectory_key=trajectory_key, layer=layer)[0]


def run_perturbation(model: Any, knockout: Iterable[str] = (), overexpress: Mapping[str, float] | None = None, *,
                     start: Any, cells: str | None = None, t_end: float | None = None, combine: bool = False,
                     time_key: str = "time", trajectory_key: str = "trajectory",
                     layer: str | None = None) -> tuple[pd.DataFrame, Trained]:
    """:func:`perturb`, also returning the :class:`Trained` model (its network draws the page)."""
    trained = load_trained(model)
    perts = perturbations(trained.genes, knockout, overexpress, combine=combine)
    expr = read_start(start, cells=cells, time_key=time_key, trajectory_key=trajectory_key, layer=layer)
    states = start_states(expr, trained.genes, cells=cells, t_end=t_end)
    if ((trained.summary.get("singlecell") or {}).get("normalize")):
        log.warning("the run normalised its single-cell counts (normalize_total, log1p) before scaling; the start "
                    "states and --overexpress values are taken as they are, so give them normalised the same way")
    log.info("perturb: %d perturbation(s) x %d start state(s) x %d member(s), to t = %g",
             len(perts), len(states.labels), len(trained.members), states.end)
    base, pert = simulate_members(trained, states, perts)
    table = perturbation_table(trained.genes, perts, base, pert)
    table.attrs.update({
        "end_time": states.end, "start_states": len(states.labels), "start_source": states.source,
        "members": len(trained.members), "model": trained.source, "scaling": dict(trained.scaling),
        "perturbations": [p.label for p in perts], "clamped": {p.label: p.genes for p in perts},
    })
    return table, trained
