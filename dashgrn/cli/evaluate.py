"""`dashgrn evaluate`: score predicted networks against a gold standard.

A thin layer over :func:`dashgrn.evaluate.score_networks`: read the files, score,
print (rich table, JSON or TSV on stdout) and optionally write an output folder.
"""

from __future__ import annotations

import enum
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..evaluate import RANK_BY, UNIVERSES
from ._common import handle_errors, stdout

if TYPE_CHECKING:
    from ..evaluate import Evaluation


class OutputFormat(str, enum.Enum):
    table = "table"
    json = "json"
    tsv = "tsv"


# The --universe and --rank-by choices come from the evaluate package: a new one needs no edit here.
UniverseChoice = enum.Enum("UniverseChoice", {k: k for k in UNIVERSES}, type=str, module=__name__)
RankBy = enum.Enum("RankBy", {k: k for k in RANK_BY}, type=str, module=__name__)


def _strip_ext(name: str) -> str:
    for ext in (".gz", ".tsv", ".csv", ".txt"):
        if name.endswith(ext) and len(name) > len(ext):
            name = name[: -len(ext)]
    return name


def _method_names(paths: list[Path]) -> list[str]:
    """File names without extension, made unique with their parent folders when they clash."""
    names = [_strip_ext(p.name) for p in paths]
    for depth in (2, 3):
        if len(set(names)) == len(names):
            break
        names = ["/".join(p.parts[-depth:]) for p in paths]
    if len(set(names)) != len(names):
        names = [str(p) for p in paths]
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


def _fmt(metric: str, value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NA"
    if metric in ("n_edges", "n_outside_universe"):
        return f"{int(value):,}"
    if metric.endswith("_pvalue"):
        return f"{value:.3g}"
    v = float(value)
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.4f}"


def _fmt_ci(lo: float, hi: float) -> str:
    if max(abs(lo), abs(hi)) >= 100:
        return f"{lo:.0f}-{hi:.0f}"
    return f"{lo:.3f}-{hi:.3f}"


def _tsv(ev: Evaluation) -> str:
    table = ev.table.assign(universe=ev.universe.description)
    return table.to_csv(sep="\t", index=False, na_rep="NA", lineterminator="\n")


def _json(ev: Evaluation, truth: Path) -> str:
    from .. import __version__

    doc = {"dashgrn_version": __version__, "truth": str(truth), **ev.to_dict()}
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _print_table(ev: Evaluation, truth: Path) -> None:
    from rich.table import Table

    from ..evaluate import CI_METRICS, METRICS, PVALUES

    methods = ev.table["method"].tolist()
    t = Table(
        title=f"dashgrn evaluate: {truth}",
        caption=f"universe {ev.universe.description}",
        caption_justify="left",
    )
    t.add_column("metric", no_wrap=True)
    for m in methods:
        t.add_column(m, justify="right", overflow="fold")
    records = ev.table.to_dict(orient="records")
    has_ci = any(f"{k}_ci_low" in ev.table for k in CI_METRICS)
    for metric in (*METRICS, *PVALUES, "n_outside_universe"):
        t.add_row(metric, *[_fmt(metric, r[metric]) for r in records])
        if has_ci and metric in CI_METRICS:
            cells = []
            for r in records:
                lo, hi = r[f"{metric}_ci_low"], r[f"{metric}_ci_high"]
                cells.append("" if (lo != lo or hi != hi) else _fmt_ci(lo, hi))
            t.add_row("  95% CI", *cells)
    stdout.print(t)


def _inputs(prediction: Path, compare: list[Path] | None, *others: Path | None) -> list[Path | None]:
    """Every input file of the command (none may lie inside --out)."""
    return [prediction, *(compare or []), *others]


def _write_outputs(ev: Evaluation, out: Path, truth: Path, *, overwrite: bool, inputs: list[Path | None]) -> None:
    from .._atomic import staged_output_dir
    from .._errors import OutputError
    from ..report.figures import plot_pr_curves, plot_roc_curves

    summary_ap = dict(zip(ev.table["method"], ev.table["average_precision"]))
    summary_auc = dict(zip(ev.table["method"], ev.table["auroc"]))
    pr = ev.pr_curves()
    roc = ev.roc_curves()
    with staged_output_dir(out, overwrite=overwrite, inputs=inputs) as stage:
        try:
            (stage / "metrics.tsv").write_text(_tsv(ev), encoding="utf-8")
            (stage / "metrics.json").write_text(_json(ev, truth), encoding="utf-8")
            pr.to_csv(stage / "pr_curves.csv", index=False, na_rep="NA", lineterminator="\n")
            roc.to_csv(stage / "roc_curves.csv", index=False, na_rep="NA", lineterminator="\n")
            plot_pr_curves(pr, stage / "pr_curves.png", summary=summary_ap)
            plot_roc_curves(roc, stage / "roc_curves.png", summary=summary_auc)
        except OSError as exc:
            msg = f"{out}: cannot write the results ({exc.strerror or exc})"
            raise OutputError(msg, hint="check the free space and permissions of the --out location") from None


def register(app: typer.Typer) -> None:
    @app.command("evaluate")
    @handle_errors
    def evaluate(
        prediction: Annotated[
            Path,
            typer.Argument(
                help="Predicted network: dashgrn edges.tsv, arboreto/pySCENIC adjacencies, BEELINE "
                "rankedEdges.csv, PANDA output, a headerless 'regulator target weight' file or a "
                "labelled matrix (rows = regulators).",
                show_default=False,
            ),
        ],
        truth: Annotated[
            Path,
            typer.Option(
                "--truth", "-t",
                help="Gold standard: BEELINE refNetwork.csv, a TSV 'regulator target (sign)', or DREAM 'G1 G2 1|0'.",
                show_default=False,
            ),
        ],
        prior: Annotated[
            Optional[Path], typer.Option("--prior", "-p", help="Prior network: adds a prior-only baseline row.")
        ] = None,
        compare: Annotated[
            Optional[list[Path]],
            typer.Option("--compare", "-c", metavar="<path>", help="Another prediction to score side by side (repeatable)."),
        ] = None,
        controls: Annotated[
            Optional[Path],
            typer.Option(
                "--controls",
                help="Expression file: adds the control rows spearman and linear-ode (and prior+spearman, "
                "prior+linear-ode with --prior), computed from these data.",
            ),
        ] = None,
        time_key: Annotated[str, typer.Option("--time-key", help="Time column / obs key of --controls.")] = "time",
        trajectory_key: Annotated[
            str, typer.Option("--trajectory-key", help="Trajectory column / obs key of --controls.")
        ] = "trajectory",
        out: Annotated[
            Optional[Path],
            typer.Option(
                "--out", "-o",
                help="Also write metrics.tsv, metrics.json, PR/ROC curves (.csv, .png) to this folder.",
            ),
        ] = None,
        fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="What to print on stdout.")] = OutputFormat.table,
        universe: Annotated[
            Optional[UniverseChoice],
            typer.Option(
                "--universe",
                help="Pairs to score: beeline = pairs of distinct truth genes; tf = truth regulators x truth "
                "genes; genes = pairs of the --genes list. Default: beeline, or genes when --genes is given.",
                show_default=False,
            ),
        ] = None,
        genes: Annotated[
            Optional[Path], typer.Option("--genes", help="Gene list for --universe genes (one per line, or a 'gene' column).")
        ] = None,
        rank_by: Annotated[
            RankBy, typer.Option("--rank-by", help="Rank by |weight| (abs) or by the weight itself (raw, e.g. PANDA force).")
        ] = RankBy.abs,
        top_k: Annotated[
            Optional[int],
            typer.Option("--top-k", min=1, help="Predicted edge set = the K best pairs (default: every non-zero weight)."),
        ] = None,
        bootstrap: Annotated[int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for 95% intervals (0 = none).")] = 0,
        permutations: Annotated[
            int, typer.Option("--permutations", min=0, help="Permutations for the average-precision p-value (0 = skip).")
        ] = 1000,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the permutation test and the bootstrap.")] = 0,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing --out folder.")] = False,
    ) -> None:
        """Score a predicted network against a gold standard (AUROC, AUPRC, EPR, ...), with baselines.

        Exit codes: 0 ok; 2 usage; 3 unreadable or malformed file; 4 conflicting options;
        7 the output folder exists or cannot be written.
        """
        from .._log import get_logger
        from ..evaluate import check_universe, score_networks
        from ..io import read_prediction, read_truth

        log = get_logger("dashgrn.cli.evaluate")
        if out is not None:
            from .._atomic import check_output_dir

            check_output_dir(out, overwrite=overwrite, inputs=_inputs(prediction, compare, truth, prior, genes, controls))
        kind = universe.value if universe is not None else ("genes" if genes is not None else "beeline")
        check_universe(kind, has_genes=genes is not None)
        gold = read_truth(truth)
        gene_list = None
        if genes is not None:
            from ..io import read_gene_list

            gene_list = read_gene_list(genes)
        paths = [prediction, *(compare or [])]
        names = _method_names(paths)
        predictions = {name: read_prediction(path) for name, path in zip(names, paths)}
        if rank_by is RankBy.abs:
            for path, pred in zip(paths, predictions.values()):
                if pred.attrs.get("format") == "panda":
                    log.warning(
                        "%s: PANDA force, where negative means unlikely, is ranked by |force|; "
                        "use --rank-by raw to rank by the force itself", path,
                    )
        prior_net = None
        if prior is not None:
            from ..io import read_prior

            prior_net = read_prior(prior)
        if controls is not None:
            from ..evaluate import control_predictions
            from ..io import check_trajectories, read_expression

            expr = read_expression(controls, time_key=time_key, trajectory_key=trajectory_key)
            check_trajectories(expr)
            for name, table in control_predictions(expr, prior_net).items():
                predictions.setdefault(name, table)
        ev = score_networks(
            predictions, gold, prior=prior_net, universe=kind, genes=gene_list, rank_by=rank_by.value,
            top_k=top_k, bootstrap=bootstrap, seed=seed, n_permutations=permutations,
        )
        if fmt is not OutputFormat.table:
            log.info("universe %s", ev.universe.description)
        if out is not None:
            _write_outputs(ev, out, truth, overwrite=overwrite,
                           inputs=_inputs(prediction, compare, truth, prior, genes, controls))
            log.info("wrote %s", out)
        if fmt is OutputFormat.json:
            sys.stdout.write(_json(ev, truth))
        elif fmt is OutputFormat.tsv:
            sys.stdout.write(_tsv(ev))
        else:
            _print_table(ev, truth)
        sys.stdout.flush()
