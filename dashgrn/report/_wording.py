"""The sentences of the report that depend on how the run was made: the ranking that ordered
the edges, and whether (and how) the model was pruned. Shared by the HTML and Markdown
renderers so that both say the same thing."""

from __future__ import annotations

from typing import Any

from ..io.rundir import RunFolder

#: What each pruning strategy does with the prior.
_PRIOR_USE = {
    "dash": "DASH pruning used it, with the weights' magnitudes, to decide which weights to prune.",
    "prior": "Prior pruning used it alone to decide which weights to prune.",
    "imp": "Magnitude pruning (imp) did not use it.",
    "none": "The model was not pruned (--pruning none), so the prior did not shape the weights.",
}


def ranking_mode(rf: RunFolder) -> str | None:
    """The ranking that ordered the edges: ``prior-first`` or ``effect`` (run.json's
    ``summary.network.ranking``, else the settings' ``ranking``); ``None`` when unknown."""
    mode = (rf.summary.get("network") or {}).get("ranking") or rf.settings.get("ranking")
    if mode == "auto":
        mode = "prior-first" if rf.prior is not None else "effect"
    return mode if mode in ("prior-first", "effect") else None


def ranking_text(mode: str | None, evidence: dict[str, Any] | None = None) -> str:
    """One paragraph on how the edges of ``edges.tsv`` are ordered and what its ``weight`` is
    (``evidence``: run.json's ``summary.evidence``, see :mod:`dashgrn.evidence`)."""
    if evidence and evidence.get("mode") == "crowd":
        skills = ", ".join(f"{k} {v:.3f}" for k, v in (evidence.get("skills") or {}).items() if v is not None)
        order = ("the prior's edges first, then the others, each group ordered by" if mode == "prior-first"
                 else "every pair by")
        return (f"The edges are ranked by a crowd of models (--evidence {evidence.get('mode')}), not by the neural "
                f"model alone, because {evidence.get('reason')}: {order} the mean rank score of "
                f"{', '.join(evidence.get('sources') or [])}. Held-out skill (1 - MSE / MSE of no change): "
                f"{skills}. The sign is that of the genes' Spearman correlation; |E| (the model's) is still "
                "edges.tsv's effect column. With a prior, the exported network is the prior's edges.")
    z = ("z, the edge's |E| standardised over all regulators of its target (the mean and standard deviation "
         "of |E| into that target)")
    if mode == "prior-first":
        return (f"The edges are ranked prior-first (--ranking prior-first): the prior's edges come first, then "
                f"the others, each group ordered by {z}. The ranking weight (edges.tsv's weight column) is "
                "1 + s/2 for prior edges and s/2 for the others, with s = z scaled to [0.01, 1]; rank 1 is the "
                "first edge. |E| itself is edges.tsv's effect column.")
    if mode == "effect":
        return (f"The edges are ranked by effect (--ranking effect): every pair by {z}, the prior left aside. "
                "The ranking weight (edges.tsv's weight column) is z scaled to [0.01, 1]; rank 1 is the first "
                "edge. |E| itself is edges.tsv's effect column.")
    return "The edges are ordered by edges.tsv's weight column (rank 1 first); the run does not record its ranking."


def pruning_facts(values: dict[str, Any]) -> dict[str, Any]:
    """``pruned`` (bool), ``strategy`` and the sentence on the prior's use, for the templates."""
    strategy = values.get("run_pruning")
    if strategy:
        pruned = strategy != "none"
    else:  # not recorded: pruned if weights were
        pruned = bool(values.get("training_prune_events")) or bool(values.get("training_weight_sparsity"))
    prior_use = _PRIOR_USE.get(str(strategy), "") if strategy else ""
    return {"pruned": pruned, "strategy": strategy or ("pruned" if pruned else "none"), "prior_use": prior_use}
