"""The files of a simulation: expression tables and ``.h5ad``, truth, priors, network
tables and ``manifest.json``, written through a staging folder."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import __version__
from .._atomic import staged_output_dir
from ..provenance import sha256, versions
from ._config import FILES, STREAMS, prior_filename
from ._network_io import write_network

if TYPE_CHECKING:
    from ._config import SimulateConfig
    from ._run import SimulationResult

__all__ = ["write_simulation"]

#: Packages whose versions the manifest lists (without Python and the platform).
MANIFEST_PACKAGES = ("dashgrn", "numpy", "scipy", "pandas", "anndata", "h5py")


def _fmt(digits: int) -> str:
    return f"%.{digits}g"


def _write_long_csv(path: Path, obs: pd.DataFrame, values: np.ndarray, genes: list[str], digits: int) -> None:
    if "time" in obs.columns:
        head = pd.DataFrame({
            "trajectory": obs["trajectory"].astype(np.int64).to_numpy(), "time": obs["time"].to_numpy(),
        })
    else:
        head = pd.DataFrame({"cell": obs.index.to_numpy(), "cell_type": obs["cell_type"].astype(str).to_numpy()})
    body = pd.DataFrame(values, columns=genes)
    pd.concat([head, body], axis=1).to_csv(path, index=False, float_format=_fmt(digits), lineterminator="\n")


def _write_h5ad(path: Path, result: SimulationResult) -> None:
    import anndata as ad

    var = pd.DataFrame({"type": result.network.nodes["type"].to_numpy()}, index=pd.Index(result.genes))
    adata = ad.AnnData(X=np.asarray(result.observed, dtype=np.float64), obs=result.obs.copy(), var=var)
    if result.has_noise:
        adata.layers["clean"] = np.asarray(result.clean, dtype=np.float64)
    cfg = result.config
    adata.uns["simulate"] = {
        "dashgrn_version": __version__, "seed": int(cfg.seed), "noise_sd": float(cfg.noise),
        "mode": "snapshot" if cfg.snapshot_cells is not None else "time_course",
        "count_scale": float(cfg.count_scale) if cfg.count_scale is not None else 0.0,
        "dropout": float(cfg.dropout),
    }
    adata.write_h5ad(path)


def write_simulation(result: SimulationResult, out: str | Path, *, overwrite: bool = False) -> dict[str, Path]:
    """Write every output file into ``out`` through a staging folder.

    Files: ``expression.h5ad``, ``expression.csv`` (and ``expression_clean.csv`` with
    noise), ``truth.tsv``, one ``prior_noise_<x>.tsv`` per level, ``network_nodes.tsv``,
    ``network_edges.tsv``, ``cell_times.tsv`` (snapshot mode) and ``manifest.json``.
    Nothing appears at ``out`` unless all of them were written.

    Returns
    -------
    dict
        File role -> final path.
    """
    cfg = result.config
    genes = result.genes
    written: dict[str, str] = {}
    with staged_output_dir(out, overwrite=overwrite, inputs=_input_files(result.config)) as stage:
        _write_h5ad(stage / FILES["h5ad"], result)
        written["h5ad"] = FILES["h5ad"]
        _write_long_csv(stage / FILES["csv"], result.obs, result.observed, genes, cfg.digits)
        written["csv"] = FILES["csv"]
        if result.has_noise:
            _write_long_csv(stage / FILES["clean_csv"], result.obs, result.clean, genes, cfg.digits)
            written["clean_csv"] = FILES["clean_csv"]
        if result.cell_truth is not None:
            result.cell_truth.to_csv(stage / FILES["cell_times"], sep="\t", index=False,
                                     float_format=_fmt(cfg.digits), lineterminator="\n")
            written["cell_times"] = FILES["cell_times"]
        result.network.truth().to_csv(stage / FILES["truth"], sep="\t", index=False, lineterminator="\n")
        written["truth"] = FILES["truth"]
        for level, prior, _ in result.priors:
            name = cfg.prior_name or prior_filename(level)
            prior.to_csv(stage / name, sep="\t", index=False, lineterminator="\n")
            written[f"prior_{level!r}"] = name
        write_network(result.network, stage / FILES["nodes"], stage / FILES["edges"])
        written["nodes"], written["edges"] = FILES["nodes"], FILES["edges"]
        manifest = _manifest(result, {role: stage / name for role, name in written.items()})
        (stage / FILES["manifest"]).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        written["manifest"] = FILES["manifest"]
    out = Path(out)
    return {role: out / name for role, name in written.items()}


def _manifest(result: SimulationResult, files: dict[str, Path]) -> dict[str, Any]:
    cfg = result.config
    net = result.network
    truth = net.truth()
    comp_inputs = int(net.is_input.sum())
    data: dict[str, Any] = {
        "mode": "snapshot" if cfg.snapshot_cells is not None else "time_course",
        "n_samples": int(result.clean.shape[0]),
        "n_genes": net.n_genes,
        "noise_sd": float(cfg.noise),
        "clean_min": float(result.clean.min()),
        "clean_max": float(result.clean.max()),
        **result.info,
    }
    if cfg.snapshot_cells is None:
        data["times"] = [float(t) for t in cfg.times]
    return {
        "tool": "dashgrn simulate",
        "dashgrn_version": __version__,
        "seed": int(cfg.seed),
        "random_streams": {name: f"numpy.random.default_rng([seed, {sid}, ...])" for name, sid in STREAMS.items()},
        "parameters": cfg.to_dict(),
        "model": {
            "equation": "dx/dt = (f(x) * spmax - spdeg * x) / tau; inputs constant",
            "hill": "fAct(x) = B x^n / (B - 1 + x^n), B = (EC50^n - 1) / (2 EC50^n - 1)",
            "logic": "NAME = w*fAct, !NAME = w*(1 - fAct), & = product, | = 1 - prod(1 - a)",
            "integrator": f"scipy.integrate.solve_ivp({cfg.method}, rtol={cfg.rtol:g}, atol={cfg.atol:g}), "
                          "one call per trajectory",
        },
        "network": {
            "source": net.source if cfg.nodes is not None else "random",
            "n_genes": net.n_genes,
            "n_inputs": comp_inputs,
            "n_regulated": net.n_genes - comp_inputs,
            "n_edges": net.n_edges,
            "n_activating": int((truth["sign"] > 0).sum()),
            "n_repressing": int((truth["sign"] < 0).sum()),
            "n_regulators": int(truth["regulator"].nunique()),
            "max_logic_depth": net.max_depth,
        },
        "data": data,
        "priors": [
            {"file": cfg.prior_name or prior_filename(level), **asdict(counts)} for level, _, counts in result.priors
        ],
        "files": {path.name: {"sha256": sha256(path), "bytes": path.stat().st_size} for path in files.values()},
        "versions": versions(packages=MANIFEST_PACKAGES, interpreter=False),
    }


def _input_files(config: SimulateConfig) -> list[str | None]:
    """The files a simulation reads (none may lie inside the output folder)."""
    return [config.nodes, config.edges, config.initial]

