"""Adam as :class:`torch.optim.Adam` computes it (no weight decay, no AMSGrad), without its wrapper.

``torch.optim.Adam.step`` imports ``torch._dynamo`` on its first call (about half a second of
every run's start-up here) and updates one parameter at a time. This one updates all parameters
of the model with one ``torch._foreach_*`` call per operation. The arithmetic is torch's own
single-tensor path, operation for operation, so the parameters and the state are the same as
``torch.optim.Adam``'s bit for bit (tests/model/test_adam.py); the state dict has the same
layout, so a resume state saved by either loads into the other.

No file access and no printing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch


class Adam(torch.optim.Optimizer):
    """Adam (Kingma & Ba) with per-group ``lr``, ``betas`` and ``eps``; no weight decay.

    Parameters
    ----------
    params
        Parameters or parameter groups, as for any torch optimiser.
    lr, betas, eps
        As :class:`torch.optim.Adam`.
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        if lr < 0 or eps < 0 or not (0.0 <= betas[0] < 1.0 and 0.0 <= betas[1] < 1.0):
            msg = f"invalid Adam settings: lr {lr}, betas {betas}, eps {eps}"
            raise ValueError(msg)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": 0.0, "amsgrad": False,
                                  "maximize": False})

    @torch.no_grad()
    def step(self, closure: None = None) -> None:  # type: ignore[override]
        """One update of every parameter that has a gradient, all groups at once."""
        if closure is not None:
            msg = "this Adam takes no closure"
            raise ValueError(msg)
        by_betas: dict[tuple[float, float], list[tuple[torch.Tensor, dict, dict]]] = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0, dtype=torch.float32)
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                by_betas.setdefault(tuple(group["betas"]), []).append((p, state, group))
        for (beta1, beta2), items in by_betas.items():
            params = [p for p, _, _ in items]
            grads = [p.grad for p in params]
            avgs = [s["exp_avg"] for _, s, _ in items]
            sqs = [s["exp_avg_sq"] for _, s, _ in items]
            torch._foreach_add_([s["step"] for _, s, _ in items], 1)
            torch._foreach_lerp_(avgs, grads, 1 - beta1)
            torch._foreach_mul_(sqs, beta2)
            torch._foreach_addcmul_(sqs, grads, grads, value=1 - beta2)
            steps = [s["step"].item() for _, s, _ in items]
            denoms = torch._foreach_sqrt(sqs)
            torch._foreach_div_(denoms, [(1 - beta2**k) ** 0.5 for k in steps])
            torch._foreach_add_(denoms, [g["eps"] for _, _, g in items])
            torch._foreach_addcdiv_(params, avgs, denoms, [-(g["lr"] / (1 - beta1**k))
                                                           for (_, _, g), k in zip(items, steps, strict=True)])
