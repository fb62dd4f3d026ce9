"""The compact scored table: one prediction laid over a universe.

The pairs that are listed in the prediction or are true edges are kept one per row;
all the other pairs of the universe form one tied row whose weight is their number.
With scikit-learn's tie handling this gives exactly the same numbers as the full
``n_pairs`` arrays. Every metric (:mod:`dashgrn.evaluate._metrics`) reads a :class:`Rows`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import InputError
from .._log import get_logger
from ..io.prediction import normalize_prediction
from ._universe import Universe

log = get_logger(__name__)

#: How a weight becomes a ranking score (``--rank-by``): ``abs`` = |weight|, ``raw`` = the weight.
RANK_BY: tuple[str, ...] = ("abs", "raw")


@dataclass
class Rows:
    """Universe pairs that matter, one per row, plus one weighted row for all the others."""

    code: np.ndarray  # int64 pair code (-1 for the aggregated row)
    score: np.ndarray  # float ranking score
    label: np.ndarray  # int8 1 = true edge
    tsign: np.ndarray  # int8 truth sign (0 unknown / not an edge)
    psign: np.ndarray  # int8 predicted sign (0 unknown / not listed)
    present: np.ndarray  # bool: listed in the prediction
    weight: np.ndarray  # float64 number of universe pairs the row stands for
    predicted: np.ndarray  # bool: in the predicted edge set
    missing_score: float  # the score of pairs missing from the prediction
    n_outside: int  # distinct predicted pairs outside the universe


def prepare_rows(
    prediction: pd.DataFrame, uni: Universe, *, rank_by: str, top_k: int | None, source: str
) -> Rows:
    """Lay ``prediction`` over ``uni``: scores by ``rank_by``, duplicates and outside pairs handled.

    Pairs missing from the prediction score 0 (``abs``) or below every listed pair
    (``raw``); duplicate pairs keep the largest score; the predicted edge set is every
    listed pair scoring above 0, or the ``top_k`` best of them.
    """
    pred = normalize_prediction(prediction, source=source)
    genes = pd.Index(uni.genes)
    reg = pred["regulator"].to_numpy(dtype=object)
    tgt = pred["target"].to_numpy(dtype=object)
    ri = genes.get_indexer(reg)
    ti = genes.get_indexer(tgt)
    if not ((ri >= 0).any() or (ti >= 0).any()):
        ex_p = ", ".join(sorted(set(reg) | set(tgt))[:4])
        ex_t = ", ".join(uni.genes[:4])
        msg = (
            f"{source}: no gene in common with the truth {uni.truth_source} "
            f"(prediction has e.g. {ex_p}; truth has e.g. {ex_t})"
        )
        raise InputError(msg, hint="both files must use the same gene identifiers (matching is case-sensitive)")
    w = pred["weight"].to_numpy(dtype=np.float64)
    score = np.abs(w) if rank_by == "abs" else w.copy()
    inside = (ri >= 0) & (ti >= 0) & (ri != ti)
    inside[inside] &= uni.regulator_mask[ri[inside]]
    n_genes = len(uni.genes)
    code = np.full(len(pred), -1, dtype=np.int64)
    code[inside] = ri[inside].astype(np.int64) * n_genes + ti[inside]
    if uni.listed:
        inside &= np.isin(code, uni.codes)
    # Outside pairs: count distinct (regulator, target) pairs.
    out_pairs = pred.loc[~inside, ["regulator", "target"]]
    n_outside = int(len(out_pairs.drop_duplicates()))
    if n_outside:
        log.info("%s: %d predicted pair(s) outside the universe ignored", source, n_outside)
    code, score, psign = code[inside], score[inside], pred["sign"].to_numpy(dtype=np.int8)[inside]
    # Duplicates keep the largest score.
    order = np.lexsort((-score, code))
    code, score, psign = code[order], score[order], psign[order]
    first = np.ones(len(code), dtype=bool)
    first[1:] = code[1:] != code[:-1]
    n_dup = int((~first).sum())
    if n_dup:
        log.info("%s: %d duplicate pair(s); the largest score was kept", source, n_dup)
    code, score, psign = code[first], score[first], psign[first]
    if len(code) == 0:
        log.warning("%s: no predicted pair is inside the universe; every pair scores as missing", source)
    all_codes = np.union1d(code, uni.codes)
    n = len(all_codes)
    present = np.zeros(n, dtype=bool)
    pos_p = np.searchsorted(all_codes, code)
    present[pos_p] = True
    if rank_by == "abs":
        missing = 0.0
    else:
        lo = min(float(score.min()) if len(score) else 0.0, 0.0)
        missing = lo - max(1.0, abs(lo))
    s = np.full(n, missing, dtype=np.float64)
    s[pos_p] = score
    ps = np.zeros(n, dtype=np.int8)
    ps[pos_p] = psign
    lab = np.zeros(n, dtype=np.int8)
    ts = np.zeros(n, dtype=np.int8)
    pos_t = np.searchsorted(all_codes, uni.codes)
    lab[pos_t] = uni.labels
    ts[pos_t] = uni.signs
    weight = np.ones(n, dtype=np.float64)
    rest = uni.n_pairs - n
    if rest > 0:
        all_codes = np.append(all_codes, -1)
        s = np.append(s, missing)
        lab = np.append(lab, np.int8(0))
        ts = np.append(ts, np.int8(0))
        ps = np.append(ps, np.int8(0))
        present = np.append(present, False)
        weight = np.append(weight, float(rest))
    predicted = present & (s > 0)
    if top_k is not None and int(predicted.sum()) > top_k:
        cand = np.flatnonzero(predicted)
        # Highest score first; ties broken by regulator, then target name (the code order).
        order = np.lexsort((all_codes[cand], -s[cand]))
        predicted = np.zeros(len(s), dtype=bool)
        predicted[cand[order[:top_k]]] = True
    return Rows(
        code=all_codes, score=s, label=lab, tsign=ts, psign=ps, present=present,
        weight=weight, predicted=predicted, missing_score=missing, n_outside=n_outside,
    )

