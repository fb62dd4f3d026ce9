"""`dashgrn export`: re-extract the network from a checkpoint without retraining."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from ._common import handle_errors, stdout


def register(app: typer.Typer) -> None:
    @app.command("export")
    @handle_errors
    def export(
        checkpoint: Annotated[Path, typer.Argument(help="checkpoint.pt written by 'dashgrn infer'.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for edges.tsv, network.graphml and ranking.tsv.gz.")],
        prior: Annotated[Optional[Path], typer.Option("--prior", help="Prior of the ranking and calibrated export [default: prior_used.tsv beside the checkpoint, if any].")] = None,
        no_prior: Annotated[bool, typer.Option("--no-prior", help="Rank and export without a prior (ignore prior_used.tsv).")] = False,
        evidence: Annotated[Optional[str], typer.Option("--evidence", help="model (rank by the model's effects) | crowd (the crowd scores saved with the checkpoint) [default: the run's].")] = None,
        ranking: Annotated[Optional[str], typer.Option("--ranking", help="auto | prior-first | effect [default: the run's].")] = None,
        export_rule: Annotated[Optional[str], typer.Option("--export", help="calibrated | support [default: the run's].")] = None,
        new_edge_quantile: Annotated[Optional[float], typer.Option("--new-edge-quantile", help="Calibrated export: quantile of the prior edges' standardised effect a new edge must reach [default: the run's].")] = None,
        export_degree: Annotated[Optional[float], typer.Option("--export-degree", help="Calibrated export without a prior: edges per gene [default: the run's].")] = None,
        top_k: Annotated[Optional[int], typer.Option("--top-k", help="Export at most the k best-ranked edges.")] = None,
        min_weight: Annotated[float, typer.Option("--min-weight", help="Keep only edges with |E| >= this.")] = 0.0,
        with_ranking: Annotated[bool, typer.Option("--ranking-file/--no-ranking-file", help="Also write ranking.tsv.gz (every pair, ranked).")] = True,
        overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace an existing output folder.")] = False,
    ) -> None:
        """Re-extract edges.tsv, network.graphml and ranking.tsv.gz from a checkpoint with other
        ranking or export settings, or another prior (without retraining)."""
        from .._atomic import check_output_dir, staged_output_dir
        from .._errors import ConfigError
        from ..checkpoint import load_ensemble_with_evidence
        from ..config import ExportConfig
        from ..io import read_prior, write_edges, write_graphml, write_ranking
        from ..io.rundir import FILES
        from ..model import effect_matrix
        from ..network import network_from_effects, resolve_ranking

        if evidence not in (None, "model", "crowd"):
            msg = f"--evidence must be model or crowd, got {evidence!r}"
            raise ConfigError(msg, hint="the crowd's scores are those the run saved")
        in_files = (checkpoint, prior)
        check_output_dir(out, overwrite=overwrite, inputs=in_files)
        models, meta, scores = load_ensemble_with_evidence(checkpoint)
        saved = (meta.get("config") or {}) if isinstance(meta.get("config"), dict) else {}
        given = {"ranking": ranking, "export": export_rule, "new_edge_quantile": new_edge_quantile,
                 "export_degree": export_degree}
        # the run's own choices (its flat settings), unless given here; the defaults otherwise
        keys = {"ranking": "ranking", "export": "rule", "new_edge_quantile": "new_edge_quantile",
                "export_degree": "degree"}
        opts = {keys[k]: v if v is not None else saved[k] for k, v in given.items() if v is not None or k in saved}
        cfg = ExportConfig(**opts, top_k=top_k, min_weight=min_weight)  # validates the values
        if prior is not None and no_prior:
            msg = "--prior and --no-prior exclude each other"
            raise ConfigError(msg, hint="give one of them")
        if prior is None and not no_prior and (checkpoint.parent / FILES["prior_used"]).is_file():
            prior = checkpoint.parent / FILES["prior_used"]
        resolve_ranking(cfg.ranking, prior is not None)  # prior-first needs a prior
        if evidence == "crowd" and scores is None:
            msg = f"{checkpoint}: the run ranked by the model's effects and saved no crowd scores"
            raise ConfigError(msg, hint="run 'dashgrn infer --evidence crowd' to rank by a crowd of models")
        if evidence == "model":
            scores = None
        ci = bool(saved.get("case_insensitive", False))
        matrix = read_prior(prior).align(meta["genes"], case_insensitive=ci).matrix if prior is not None else None
        ranking_table, edges = network_from_effects([effect_matrix(m) for m in models], meta["genes"], matrix, cfg,
                                                   scores=scores)
        with staged_output_dir(out, overwrite=overwrite, inputs=(checkpoint, prior)) as stage:
            write_edges(edges, stage / FILES["edges"])
            write_graphml(edges, stage / FILES["graphml"])
            if with_ranking:
                write_ranking(stage / FILES["ranking"], ranking_table, meta["genes"])
        stdout.print(f"{len(edges)} edges")
        stdout.print(f"results: {out}")
