"""``report.md``: the report as Markdown, for terminals and notebooks.

Gene names and paths are written as code spans, so that ``<``, ``>``, ``&``, ``*`` or
``_`` in a name are shown as text by any Markdown renderer (and no HTML in a name is
ever interpreted); ``|`` is escaped inside tables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from ._format import TRUTH_ROWS, fmt_int, fmt_num, fmt_pct, fmt_seconds, fmt_sign

if TYPE_CHECKING:
    from .build import Report

#: Rows of each table in the Markdown report.
MD_TOP = 10
_HEADERS = {"abs_effect": "\\|E\\|", "weight": "ranking weight", "prior_weight": "prior weight",
            "prior_sign": "prior sign", "sign_agrees": "agrees"}
_NUMERIC = ("rank", "weight", "abs_effect", "prior_weight")


def code(text: Any, *, in_table: bool = False) -> str:
    """``text`` as a Markdown code span that any renderer shows verbatim."""
    s = str(text).replace("\r", " ").replace("\n", " ")
    run = longest = 0
    for ch in s:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if (s.startswith("`") or s.endswith("`") or (s.startswith(" ") and s.endswith(" ") and s.strip())) else ""
    out = f"{fence}{pad}{s}{pad}{fence}" if s else "` `"
    return out.replace("|", "\\|") if in_table else out


def _table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> list[str]:
    align = align or ["l"] * len(header)
    sep = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _kv(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"- **{k}**: {v}" for k, v in pairs]


def _edge_rows(df: pd.DataFrame, cols: list[str]) -> list[list[str]]:
    rows = []
    for r in df.head(MD_TOP).to_dict(orient="records"):
        cells = []
        for c in cols:
            v = r[c]
            if c in ("regulator", "target"):
                cells.append(code(v, in_table=True))
            elif c in ("sign", "prior_sign"):
                cells.append(fmt_sign(v))
            elif c == "rank":
                cells.append(fmt_int(v))
            elif c == "sign_agrees":
                cells.append("NA" if v is None or v is pd.NA or v != v else ("yes" if int(v) == 1 else "**no**"))
            else:
                cells.append(fmt_num(v, 3))
        rows.append(cells)
    return rows


def _singlecell_md(report: Report) -> list[str]:
    """The single-cell section (pseudotime, cells, lineages, windows, genes); empty for other runs."""
    sc = report.singlecell
    if sc is None:
        return []
    s = sc["summary"]
    if s.get("pseudotime") == "dpt":
        how = (f"diffusion pseudotime (scanpy; {fmt_int(s.get('n_pcs'))} PCs, {fmt_int(s.get('n_neighbors'))} "
               f"neighbours) from root cell {code(s.get('root_cell') or 'NA')}"
               + (f" (group {code(s['root_group'])})" if s.get("root_group") else ""))
    else:
        how = f"obs key {code(s.get('pseudotime_key') or 'NA')}"
    windows = f"{fmt_int(s.get('bins'))} per lineage" if s.get("bins") else "every cell (--bins 0)"
    norm = (f"normalize_total to {fmt_num(s.get('target_sum'))} + log1p" if s.get("normalize")
            else _as_given(s))
    out = ["## Single cells and pseudotime", ""]
    out += _kv([
        ("pseudotime", how),
        ("cells used", f"{fmt_int(s.get('cells_used'))} of {fmt_int(s.get('cells_in'))}"),
        ("lineages", fmt_int(s.get("lineages")) + (f" (obs key {code(s['lineage_key'])})" if s.get("lineage_key") else "")),
        ("windows", f"{windows}; {fmt_int(s.get('time_points'))} time points"
                    + (f"; smoothed over {fmt_int(s.get('smooth'))} on each side" if s.get("smooth") else "")),
        ("matrix", f"{code(s.get('matrix') or 'NA')}, {norm}"),
        ("genes kept", f"{fmt_int(s.get('genes_kept'))} of {fmt_int(s.get('genes_in_data'))} "
                       f"({fmt_int(s.get('genes_expressed'))} expressed, {fmt_int(s.get('genes_expressed_in_prior'))} "
                       "of them in the prior), `singlecell_genes.tsv`"),
    ])
    if sc.get("lineages"):
        rows = [[code(x.get("name"), in_table=True), fmt_int(x.get("cells")), fmt_int(x.get("time_points"))]
                for x in sc["lineages"][:MD_TOP]]
        out += ["", *_table(["lineage", "cells", "time points"], rows, ["l", "r", "r"])]
    return [*out, ""]


def render_markdown(report: Report) -> str:
    """Render ``report.md``.

    Parameters
    ----------
    report
        From :func:`~dashgrn.report.build_report`.

    Returns
    -------
    str
        GitHub-flavoured Markdown (tables), ending with a newline.
    """
    v = report.values
    pruning = report.run["pruning"]
    pruned = (f"{fmt_pct(v['training_weight_sparsity'])} of the weights pruned" if pruning["pruned"]
              else "the model was not pruned")
    out: list[str] = [f"# dashgrn run report: {code(report.name)}", ""]
    out += [
        f"{fmt_int(v['network_edges'])} edges ({fmt_int(v['network_activating'])} activating, "
        f"{fmt_int(v['network_repressing'])} repressing) among {fmt_int(v['network_genes'])} genes "
        f"(density {fmt_pct(v['network_density'], 2)}); best epoch {fmt_int(v['training_best_epoch'])} of "
        f"{fmt_int(v['training_epochs_run'])}; {pruned}.",
        "",
    ]
    for n in report.notes:
        out += [f"> **Note**: {n}", ""]

    out += ["## Run", "", "```", str(v.get("run_command") or "NA"), "```", ""]
    out += _kv([
        ("device", str(v.get("run_device") or "NA")),
        ("seed", str(v.get("run_seed") if v.get("run_seed") is not None else "NA")),
        ("runtime", f"{fmt_seconds(v.get('run_seconds'))} (training {fmt_seconds(v.get('training_seconds'))})"),
        ("stopped", str(v.get("run_stopped") or "NA")),
        ("versions", ", ".join(f"{k} {ver}" for k, ver in report.run["versions"] if k != "platform") or "NA"),
    ])
    out += [""]
    if report.run["inputs"]:
        rows = [[f["name"], code(f["path"], in_table=True), f["shape"], fmt_int(f["bytes"]),
                 code(f["sha256"] or "NA", in_table=True)] for f in report.run["inputs"]]
        out += _table(["input", "path", "shape", "bytes", "SHA-256"], rows, ["l", "l", "l", "r", "l"]) + [""]

    out += ["## Data", ""]
    out += _kv([
        ("genes", fmt_int(v.get("data_genes"))),
        ("samples", fmt_int(v.get("data_samples"))),
        ("trajectories", fmt_int(v.get("data_trajectories"))),
        *([("time points", fmt_int(v["data_time_points"]))] if v.get("data_time_points") is not None else []),
        ("time-point pairs (train / validation)",
         f"{fmt_int(v.get('data_pairs'))} ({fmt_int(v.get('data_train_pairs'))} / "
         f"{fmt_int(v.get('data_validation_pairs'))})"),
        ("scaling", str(v.get("data_scaling") or "NA")),
        ("time unit", "NA (not recorded)" if v.get("data_time_scale") is None else "the times as given"
         if v["data_time_scale"] == 1 else f"intervals divided by {fmt_num(v['data_time_scale'])} (their median): "
         f"the model's rates are per {fmt_num(v['data_time_scale'])} time units"),
        ("prior genes dropped in alignment", fmt_int(v.get("data_prior_genes_not_in_expression"))),
    ])
    out += [""]

    out += _singlecell_md(report)

    out += ["## Prior", ""]
    if v.get("prior_given"):
        use = pruning["prior_use"] + {"prior-first": " The ranking puts its edges first (prior-first).",
                                      "effect": " The ranking does not use it (--ranking effect)."}.get(
            str(v.get("network_ranking")), "")
        out += [use.strip(), ""] if use.strip() else []
        out += _kv([
            ("file", code(v.get("prior_path") or "NA")),
            ("edges in file / used / dropped",
             f"{fmt_int(v.get('prior_edges_in_file'))} / {fmt_int(v.get('prior_edges_used'))} / "
             f"{fmt_int(v.get('prior_edges_dropped'))}"),
            ("regulators / targets", f"{fmt_int(v.get('prior_regulators'))} / {fmt_int(v.get('prior_targets'))}"),
            ("overlap with expression genes",
             f"{fmt_int(v.get('prior_genes_in_expression'))} genes "
             f"({fmt_pct(v.get('prior_expression_genes_covered_fraction'))} of the expression genes)"),
        ])
    else:
        out += ["No prior network was given."]
    out += [""]

    out += ["## Training", ""]
    if (v.get("training_ensemble") or 1) > 1:
        out += [f"An ensemble of {fmt_int(v.get('training_ensemble'))} models; the numbers and figures below are "
                "model 1's (every model's epochs are in history.tsv).", ""]
    out += _kv([
        ("epochs run", f"{fmt_int(v.get('training_epochs_run'))} ({v.get('training_stopped') or 'NA'})"),
        ("best epoch", f"{fmt_int(v.get('training_best_epoch'))}: train loss {fmt_num(v.get('training_best_train_loss'))}, "
                       f"validation loss {fmt_num(v.get('training_best_val_loss'))}"),
        ("final epoch", f"train loss {fmt_num(v.get('training_final_train_loss'))}, "
                        f"validation loss {fmt_num(v.get('training_final_val_loss'))}"),
        *([("pruning events", f"{fmt_int(v.get('training_prune_events'))}"
            + (f" (epochs {', '.join(map(str, report.prune_epochs))})" if report.prune_epochs else "")),
           ("weights pruned", fmt_pct(v.get("training_weight_sparsity")))]
          if pruning["pruned"] else [("pruning", "none: the model was not pruned")]),
    ])
    out += [""]

    out += ["## Network", "", report.run["ranking"], ""]
    out += _kv([
        ("edges", f"{fmt_int(v['network_edges'])} ({fmt_int(v['network_activating'])} activating, "
                  f"{fmt_int(v['network_repressing'])} repressing)"),
        ("density", fmt_pct(v.get("network_density"), 2)),
        ("regulators / targets with an edge",
         f"{fmt_int(v.get('network_regulators'))} / {fmt_int(v.get('network_targets'))}"),
        ("|E| (min / median / max)", " / ".join(fmt_num(v.get(f"network_abs_effect_{k}"), 3)
                                                for k in ("min", "median", "max"))),
        ("ranking weight (min / median / max)", " / ".join(fmt_num(v.get(f"network_weight_{k}"), 3)
                                                        for k in ("min", "median", "max"))),
        ("confidence", report.run["confidence"]),
    ])
    out += ["", "Top regulators by out-degree:", ""]
    regs = report.regulators.sort_values(["out_degree", "out_strength", "regulator"], ascending=[False, False, True],
                                         kind="mergesort").head(MD_TOP)
    rows = [[code(r.regulator, in_table=True), fmt_int(r.out_degree), fmt_num(r.out_strength, 3),
             fmt_int(r.activating), fmt_int(r.repressing)] for r in regs.itertuples()]
    out += _table(["regulator", "targets", "out-strength (sum of \\|E\\|)", "activating", "repressing"], rows,
                  ["l", "r", "r", "r", "r"]) + [""]

    out += ["## Agreement with the prior", ""]
    if v.get("prior_given"):
        out += _kv([
            ("prior edges kept", f"{fmt_int(v.get('prior_edges_kept'))} of {fmt_int(v.get('prior_edges_used'))} "
                                 f"({fmt_pct(v.get('prior_edges_kept_fraction'))}), `prior_kept.tsv`"),
            ("prior edges removed", f"{fmt_int(v.get('prior_edges_removed'))}, `prior_removed.tsv`"),
            ("new edges", f"{fmt_int(v.get('network_edges_new'))} ({fmt_pct(v.get('network_edges_new_fraction'))} "
                          "of the network), `new_edges.tsv`"),
            ("sign agrees with the prior", f"{fmt_pct(v.get('prior_kept_sign_agreement'))} of the "
                                           f"{fmt_int(v.get('prior_kept_sign_known'))} kept edges whose sign is known"),
            ("sign disagrees with the prior", f"{fmt_int(v.get('prior_kept_sign_disagree'))} of them"
                                              + (" (listed below)" if v.get("prior_kept_sign_disagree") else "")),
        ])
        tables = [
            ("Kept", report.kept, ["regulator", "target", "rank", "abs_effect", "sign", "prior_sign", "sign_agrees"]),
            ("Removed", report.removed, ["regulator", "target", "prior_weight", "prior_sign", "abs_effect"]),
            ("New", report.new, ["regulator", "target", "rank", "abs_effect", "sign"]),
        ]
        if len(report.disagree):
            tables.append(("Sign disagrees with the prior", report.disagree,
                           ["regulator", "target", "rank", "abs_effect", "sign", "prior_sign"]))
        for title, df, cols in tables:
            out += ["", f"{title} (top {MD_TOP}):", ""]
            right = ["r" if c in _NUMERIC else "l" for c in cols]
            out += _table([_HEADERS.get(c, c) for c in cols],
                          _edge_rows(df, cols), right) if len(df) else ["none"]
    else:
        out += ["No prior was given: every edge is new (`new_edges.tsv`)."]
    out += [""]

    t = report.truth
    if t is not None:
        out += ["## Evaluation against the truth", "", f"Truth: {code(t['path'])}", ""]
        if t.get("universe"):
            out += [f"Scored pairs: {t['universe']}.", ""]
        if t.get("note"):
            out += [f"> {t['note']}", ""]
        table = t.get("table")
        if table is not None:
            methods = [str(m) for m in table["method"]]
            rows = [[m, *[fmt_num(x, 3 if m.endswith("_pvalue") else 4) for x in table[m]]]
                    for m in TRUTH_ROWS if m in table]
            out += _table(["metric", *methods], rows, ["l", *["r"] * len(methods)]) + [""]
    out += ["---", "", f"Generated by dashgrn {v.get('report_dashgrn_version')}; plots are in `report.html`, "
            "all numbers in `report.json`.", ""]
    return "\n".join(out)


def _as_given(s: dict) -> str:
    """How values that were not normalised are described: by --no-normalize, or detected as normalised."""
    if s.get("values") == "normalised":
        return "as given (detected as already normalised: non-integer or negative values)"
    return "as given (--no-normalize)"
