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
        from ..checkpoint import load_ensemble
        from ..config import InferConfig
        from ..export import write_edges, write_graphml
        from ..io import read_prior
        from ..network import effect_matrix, network_from_effects
        from ..outputs import write_ranking
        from ..ranking import resolve_ranking

        in_files = (checkpoint, prior)
        check_output_dir(out, overwrite=overwrite, inputs=in_files)
        models, meta = load_ensemble(checkpoint)
        saved = (meta.get("config") or {}) if isinstance(meta.get("config"), dict) else {}
        base = InferConfig().to_dict()
        keys = ("ranking", "export", "new_edge_quantile", "export_degree")
        given = dict(zip(keys, (ranking, export_rule, new_edge_quantile, export_degree)))
        opts = {k: given[k] if given[k] is not None else saved.get(k, base[k]) for k in keys}
        cfg = InferConfig().replace(**opts, top_k=top_k, min_weight=min_weight)  # validates the values
        if prior is not None and no_prior:
            msg = "--prior and --no-prior exclude each other"
            raise ConfigError(msg, hint="give one of them")
        if prior is None and not no_prior and (checkpoint.parent / "prior_used.tsv").is_file():
            prior = checkpoint.parent / "prior_used.tsv"
        resolve_ranking(cfg.ranking, prior is not None)  # prior-first needs a prior
        ci = bool(saved.get("case_insensitive", False))
        matrix = read_prior(prior).align(meta["genes"], case_insensitive=ci).matrix if prior is not None else None
        ranking_table, edges = network_from_effects(
            [effect_matrix(m) for m in models], meta["genes"], matrix, ranking=cfg.ranking, export=cfg.export,
            new_edge_quantile=cfg.new_edge_quantile, export_degree=cfg.export_degree, top_k=cfg.top_k,
            min_weight=cfg.min_weight,
        )
        with staged_output_dir(out, overwrite=overwrite, inputs=(checkpoint, prior)) as stage:
            write_edges(edges, stage / "edges.tsv")
            write_graphml(edges, stage / "network.graphml")
            if with_ranking:
                write_ranking(stage / "ranking.tsv.gz", ranking_table, meta["genes"])
        stdout.print(f"{len(edges)} edges")
        stdout.print(f"results: {out}")
