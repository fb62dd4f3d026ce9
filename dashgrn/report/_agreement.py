"""The agreement of the network with the prior: the prior edges kept and removed, the new
edges (the TSV files beside the report), and the kept edges whose sign disagrees with the prior.

Columns of the tables: ``weight`` is the ranking weight of ``edges.tsv`` (what orders the
edges; see :mod:`dashgrn.network._ranking`), ``abs_effect`` is |E|, the magnitude of the
signed effect (``edges.tsv``'s ``effect`` column), ``sign`` the sign of E.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..io.rundir import RunFolder
from ._values import abs_effect, json_value, ratio

#: Columns of the agreement tables written beside the report.
KEPT_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "weight", "abs_effect", "sign", "rank",
                "sign_agrees"]
REMOVED_COLUMNS = ["regulator", "target", "prior_sign", "prior_weight", "abs_effect", "sign"]
NEW_COLUMNS = ["regulator", "target", "weight", "abs_effect", "sign", "rank"]


def _pair_index(df: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([df["regulator"].to_numpy(), df["target"].to_numpy()])


def prior_agreement(rf: RunFolder, values: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The prior edges kept and removed, and the new edges (the TSVs beside the report), with their values.

    Adds ``prior_edges_kept``, ``prior_edges_removed``, ``prior_kept_sign_known``,
    ``prior_kept_sign_agreement``, ``prior_kept_sign_disagree`` (kept edges whose known sign
    is the opposite of the prior's), ``network_edges_new`` and their fractions to ``values``.
    """
    e = rf.edges.assign(abs_effect=abs_effect(rf.edges))
    if rf.prior is None:
        kept = pd.DataFrame(columns=KEPT_COLUMNS)
        removed = pd.DataFrame(columns=REMOVED_COLUMNS)
        new = e[NEW_COLUMNS].copy()
        values.update(network_edges_new=len(new), network_edges_new_fraction=json_value(ratio(len(new), len(e))))
        return kept, removed, new
    prior = rf.prior.rename(columns={"sign": "prior_sign", "weight": "prior_weight"})
    pi, ei = _pair_index(prior), _pair_index(e)
    in_net = pi.isin(ei)
    in_prior = ei.isin(pi)
    kept = prior[in_net].merge(e, on=["regulator", "target"], how="left", validate="one_to_one")
    known = (kept["prior_sign"] != 0) & (kept["sign"] != 0)
    agrees = pd.Series(pd.NA, index=kept.index, dtype="Int8")
    agrees[known] = (kept.loc[known, "prior_sign"] == kept.loc[known, "sign"]).astype(np.int8)
    kept["sign_agrees"] = agrees
    kept = kept.sort_values("rank", kind="mergesort")[KEPT_COLUMNS].reset_index(drop=True)
    removed = prior[~in_net].copy()
    eff = rf.effects[["regulator", "target", "weight", "sign"]].rename(columns={"weight": "abs_effect"})
    removed = removed.merge(eff, on=["regulator", "target"], how="left")
    removed["abs_effect"] = removed["abs_effect"].fillna(0.0)
    removed["sign"] = removed["sign"].fillna(0).astype(np.int8)
    removed = removed.sort_values(
        ["prior_weight", "abs_effect", "regulator", "target"], ascending=[False, False, True, True], kind="mergesort"
    )[REMOVED_COLUMNS].reset_index(drop=True)
    new = e[~in_prior][NEW_COLUMNS].reset_index(drop=True)
    n_known = int(known.sum())
    values.update(
        prior_edges_kept=len(kept),
        prior_edges_removed=len(removed),
        prior_edges_kept_fraction=json_value(ratio(len(kept), len(prior))),
        prior_kept_sign_known=n_known,
        prior_kept_sign_agreement=json_value(ratio(int((kept["sign_agrees"] == 1).sum()), n_known)),
        prior_kept_sign_disagree=int((kept["sign_agrees"] == 0).sum()),
        network_edges_new=len(new),
        network_edges_new_fraction=json_value(ratio(len(new), len(e))),
        network_edges_in_prior_fraction=json_value(ratio(len(kept), len(e))),
    )
    return kept, removed, new


def sign_disagreements(kept: pd.DataFrame) -> pd.DataFrame:
    """The kept prior edges whose sign in the model is the opposite of the prior's, by rank."""
    if len(kept) == 0:
        return kept.copy()
    return kept[kept["sign_agrees"] == 0].reset_index(drop=True)
