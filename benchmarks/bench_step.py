"""Issue 16: where a training epoch's time goes on this CPU, written to benchmarks/results/STEP.md.

    python benchmarks/bench_step.py                 # the three bench_speed.py shapes, 1 thread
    python benchmarks/bench_step.py --epochs 8 --threads 1

For each shape (genes N, training pairs, validation pairs) and batch plan, dashgrn's own
:class:`~dashgrn.model.Trainer` (H = 120, rk4 with 4 steps, no pruning, early stopping off) trains
on synthetic pairs in this process, one member on ``--threads`` intra-op threads (the threads
engine gives each of the 2 default members one thread of 2 cores). Reported per epoch: seconds,
the multiply-add work the model's matrix products do (forward and backward of every rk4 stage,
the validation solve, the stiffness tracker's Jacobian products), and the rate that work runs at,
beside the rate of one large single-precision matrix product on the same threads (the machine's
practical peak). When an epoch runs near that peak, it is bound by arithmetic, not by per-step
overhead: fewer, larger steps cannot make it faster, only less arithmetic can.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_accuracy import cpu_model  # noqa: E402 - the shared helpers of the accuracy benchmark
from dashgrn.config import PruneConfig, SolverConfig, TrainConfig  # noqa: E402
from dashgrn.model import Pairs, PhoenixODE, Trainer  # noqa: E402
from dashgrn.model.pruning import make_pruner  # noqa: E402

OUT = ROOT / "benchmarks" / "results"
HIDDEN = 120
#: (name, genes, training pairs, validation pairs): the shapes of bench_speed.py's workloads
SHAPES = (("g19", 19, 1562, 390), ("sim350", 350, 560, 140), ("g2000", 2000, 560, 140))
#: batch plans: (label, batch_size, max_batches); "default" is TrainConfig's
PLANS = (("default (<= 20 steps)", 32, 20), ("full batch", 32, 1), ("batch 32", 32, 0))


def peak_gflops(threads: int, n: int = 1024, reps: int = 20) -> float:
    """GFLOP/s of an n x n single-precision matrix product on ``threads`` threads."""
    torch.set_num_threads(threads)
    a, b = torch.rand(n, n), torch.rand(n, n)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def epoch_flops(n: int, n_train: int, n_val: int, batch: int, evals: int) -> float:
    """Floating-point operations of the matrix products of one epoch.

    One right-hand-side evaluation of B rows does four (B x N) x (N x H)-sized products, 8 B N H
    flops; its backward twice that. A training pair costs ``evals`` evaluations forward and
    backward, a validation pair ``evals`` forward; the tracker does one update per step of two
    Jacobian-vector products on 32 probe rows (five products each).
    """
    nh = n * HIDDEN
    steps = -(-n_train // batch)
    return 24 * nh * evals * n_train + 8 * nh * evals * n_val + steps * 2 * 32 * 10 * nh


def run_shape(n: int, n_train: int, n_val: int, batch_size: int, max_batches: int, epochs: int) -> dict:
    g = torch.Generator().manual_seed(0)
    p = n_train + n_val
    y0 = torch.rand(p, n, generator=g)
    y1 = (y0 + 0.1 * torch.randn(p, n, generator=g)).clamp(0, 1)
    pairs = Pairs(y0, y1, torch.ones(p), torch.arange(n_train), torch.arange(n_train, p))
    cfg = TrainConfig(epochs=epochs + 2, batch_size=batch_size, max_batches=max_batches, early_stopping=0)
    pruner = make_pruner(PruneConfig(strategy="none"))
    pruner.init_state(HIDDEN, n, np.random.default_rng(0))
    model = PhoenixODE(n, HIDDEN, generator=g)
    trainer = Trainer(model, pairs, cfg, pruner, SolverConfig(), generator=g)
    trainer.run()
    secs = [r["seconds"] for r in trainer.history[2:]]  # the first two warm up
    steps = max(int(r.get("solver_steps", 4)) for r in trainer.history)
    flops = epoch_flops(n, n_train, n_val, trainer.batch_size, 4 * steps)
    mean = statistics.mean(secs)
    return {"batch": trainer.batch_size, "steps_per_epoch": -(-n_train // trainer.batch_size),
            "solver_steps": steps, "seconds_per_epoch": mean,
            "sd": statistics.stdev(secs) if len(secs) > 1 else 0.0, "gflops": flops / mean / 1e9,
            "us_per_train_pair": mean / n_train * 1e6}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=6, help="timed epochs per row (after 2 warm-up epochs)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--shapes", default=",".join(s[0] for s in SHAPES))
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    peak = peak_gflops(args.threads)
    rows = []
    for name, n, n_train, n_val in SHAPES:
        if name not in args.shapes.split(","):
            continue
        for label, bs, mb in PLANS:
            if name == "g2000" and label != PLANS[0][0]:
                continue  # g2000's default is already one batch of 32 per 20 steps
            r = run_shape(n, n_train, n_val, bs, mb, args.epochs)
            rows.append({"shape": name, "genes": n, "train_pairs": n_train, "plan": label, **r})
            print(f"{name} {label}: {r['seconds_per_epoch']:.3f} s/epoch, {r['gflops']:.1f} GFLOP/s", flush=True)
    lines = [
        "# One training epoch on this CPU (issue 16)", "",
        f"`python benchmarks/bench_step.py --epochs {args.epochs} --threads {args.threads}` on "
        f"{cpu_model()}, torch {torch.__version__}. One member (H = {HIDDEN}, rk4, "
        "4 steps; no pruning) on synthetic pairs of each workload's shape; seconds per epoch are the mean ± sd "
        f"of {args.epochs} epochs after 2 warm-up epochs. GFLOP/s is the matrix-product work of the epoch "
        "(forward and backward of every rk4 stage, validation, stiffness tracker) over its time.", "",
        f"Practical peak: one 1024 x 1024 single-precision product runs at **{peak:.1f} GFLOP/s** on "
        f"{args.threads} thread(s).", "",
        "| shape | genes | training pairs | batch plan | batch | steps / epoch | s / epoch | µs / training pair "
        "| GFLOP/s | of peak |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['shape']} | {r['genes']} | {r['train_pairs']} | {r['plan']} | {r['batch']} | "
                     f"{r['steps_per_epoch']} | {r['seconds_per_epoch']:.3f} ± {r['sd']:.3f} | "
                     f"{r['us_per_train_pair']:.0f} | {r['gflops']:.1f} | {r['gflops'] / peak:.0%} |")
    lines += ["", "An epoch whose products run near the peak is bound by arithmetic, not by per-step overhead: "
              "fewer, larger steps (the full-batch rows) can make it at most peak / rate times cheaper, and they "
              "also take fewer optimisation steps per epoch. Less arithmetic (epochs, hidden width, members) or "
              "a faster device is what remains (SPEED.md)."]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "STEP.json").write_text(json.dumps({"peak_gflops": peak, "threads": args.threads,
                                                    "rows": rows}, indent=1) + "\n")
    (args.out / "STEP.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out / 'STEP.md'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
