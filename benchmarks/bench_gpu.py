"""Issue 16 GPU benchmark: dashgrn's training on CUDA at 5,000, 10,000 and 20,000 genes, written to
benchmarks/results/GPU.md (and GPU.json).

    python benchmarks/bench_gpu.py                          # on a machine with a CUDA device
    python benchmarks/bench_gpu.py --genes 5000 --epochs 20
    python benchmarks/bench_gpu.py --device cpu --genes 200 --epochs 2 --out /tmp/gpu-smoke   # smoke run

For every size, a network is simulated with `dashgrn simulate` (150 trajectories at t = 0,2,3,7,9,
measurement noise 0.025, prior noise 0.05; cached in benchmarks/runs/gpu/data/g<N>/), and dashgrn's
own stages run in this process on the device, each timed:

- `prepare`: reading the expression and the prior, the pairs (dashgrn.pipeline.prepare_inputs);
- `train`: the default ensemble (2 members, H = 120, rk4) for `--epochs` epochs, early stopping off,
  so that every size trains the same number of epochs; seconds per epoch are reported;
- `effects`: member 1's effect matrix in row blocks (dashgrn.model.effect_matrix);
- `score`: the AP of the top `--top-factor` x N pairs of |E| (the rest tied last) against the
  truth (dashgrn.evaluate.score_network).

Peak GPU memory is torch.cuda.max_memory_allocated over the size's stages; peak RSS is this
process's (it only grows). The CLI's ranking file lists every pair, N^2 rows (400 M at 20,000
genes), so the full `dashgrn infer` run folder is not what this measures.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "benchmarks" / "runs" / "gpu"
DASHGRN = [sys.executable, "-m", "dashgrn"]


def simulate(n: int, seed: int) -> Path:
    out = RUNS / "data" / f"g{n}"
    opts = ["--genes", str(n), "--trajectories", "150", "--times", "0,2,3,7,9", "--noise", "0.025",
            "--prior-noise", "0.05", "--seed", str(seed)]
    stamp = out / "bench_key.json"
    if stamp.is_file() and json.loads(stamp.read_text()).get("simulate") == opts:
        return out
    t0 = time.perf_counter()
    subprocess.run([*DASHGRN, "-q", "simulate", *opts, "--out", str(out), "--overwrite"], check=True,
                   stdout=subprocess.DEVNULL)
    stamp.write_text(json.dumps({"simulate": opts, "seconds": time.perf_counter() - t0}) + "\n")
    return out


def run_size(n: int, device: str, epochs: int, top_factor: int, seed: int) -> dict:
    import numpy as np
    import pandas as pd
    import torch

    from dashgrn import pipeline
    from dashgrn.config import InferConfig
    from dashgrn.evaluate import score_network
    from dashgrn.io import read_truth
    from dashgrn.model import effect_matrix

    data = simulate(n, seed=7000 + n)
    cfg = InferConfig().replace(epochs=epochs, early_stopping=0, device=device, seed=seed, evidence="model")
    dev = torch.device(device)
    cuda = dev.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    row: dict = {"genes": n, "device": device, "epochs": epochs}

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        if cuda:
            torch.cuda.synchronize(dev)
        t0 = time.perf_counter()
        out = fn()
        if cuda:
            torch.cuda.synchronize(dev)
        row[f"{name}_s"] = time.perf_counter() - t0
        return out

    inputs = timed("prepare", lambda: pipeline.prepare_inputs(str(data / "expression.h5ad"),
                                                              str(data / "prior_noise_0.05.tsv"), cfg))
    trainers = pipeline.build_trainers(inputs, cfg, dev)
    results = timed("train", lambda: pipeline.train_ensemble(trainers, cfg, dev))
    row["s_per_epoch"] = row["train_s"] / epochs
    model = trainers[0].model
    model.load_state_dict(results[0].best_state)
    E = timed("effects", lambda: effect_matrix(model))
    row["pairs"] = int(E.nnz)

    def score() -> float:
        k = min(E.nnz, top_factor * n)
        top = np.argpartition(-np.abs(E.data), k - 1)[:k]
        coo = E.tocoo()
        genes = np.asarray(inputs.expr.genes, dtype=object)
        pred = pd.DataFrame({"regulator": genes[coo.row[top]], "target": genes[coo.col[top]],
                             "weight": np.abs(coo.data[top])})
        return float(score_network(pred, read_truth(data / "truth.tsv"), n_permutations=0)
                     .metrics["average_precision"])

    row["ap_top"] = timed("score", score)
    row["peak_gpu_mib"] = torch.cuda.max_memory_allocated(dev) / 2**20 if cuda else None
    row["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if cuda:
        row["gpu"] = torch.cuda.get_device_name(dev)
    return row


def report(rows: list[dict], args: argparse.Namespace) -> str:
    lines = [
        "# dashgrn on a GPU (issue 16)",
        "",
        f"`python benchmarks/bench_gpu.py --epochs {args.epochs}` on {rows[0].get('gpu', rows[0]['device'])}: "
        "the default ensemble (2 members, H = 120, rk4, 4 steps) trained for a fixed number of epochs "
        "(early stopping off), stages timed in one process. AP over the top "
        f"{args.top_factor} x N pairs of member 1's |E| (the rest tied last).",
        "",
        "| genes | pairs of E | prepare s | train s | s / epoch | effects s | score s | AP (top) | peak GPU MiB | "
        "peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        gpu = f"{r['peak_gpu_mib']:.0f}" if r.get("peak_gpu_mib") is not None else "-"
        lines.append(f"| {r['genes']:,} | {r['pairs']:,} | {r['prepare_s']:.1f} | {r['train_s']:.1f} | "
                     f"{r['s_per_epoch']:.2f} | {r['effects_s']:.1f} | {r['score_s']:.1f} | {r['ap_top']:.3f} | "
                     f"{gpu} | {r['peak_rss_mib']:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--genes", default="5000,10000,20000")
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--top-factor", type=int, default=100, help="score the top F x N pairs")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = ap.parse_args(argv)
    if args.device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            print("error: no CUDA device here; run this on a machine with one (or --device cpu for a smoke run)",
                  file=sys.stderr)
            return 6
    rows = []
    for n in (int(g) for g in args.genes.split(",")):
        print(f"[{n} genes] simulating / training on {args.device}", flush=True)
        rows.append(run_size(n, args.device, args.epochs, args.top_factor, args.seed))
        print(json.dumps(rows[-1]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "GPU.json").write_text(json.dumps(rows, indent=1) + "\n")
    (args.out / "GPU.md").write_text(report(rows, args))
    print(f"wrote {args.out / 'GPU.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
