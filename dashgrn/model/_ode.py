"""The PHOENIX gene-regulatory ODE (SPEC section 1), with pruning masks, and the protocols the
solvers and the stiffness tracker rely on.

No file access and no printing here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol, runtime_checkable

import torch
from torch import nn

from ..config import RATES

PRUNABLE = ("W_p", "W_s", "C_s", "C_p")


@runtime_checkable
class VectorField(Protocol):
    """A right-hand side that can form its parameters once for many evaluations (one solve).

    :func:`dashgrn.model.fixed_step` uses :meth:`vector_field` when a module has it, and
    calls ``module(t, y)`` otherwise.
    """

    def vector_field(self, scale: torch.Tensor | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        """``y -> scale * f(y)``."""
        ...


@runtime_checkable
class HasJacobian(Protocol):
    """A right-hand side with Jacobian-vector products, as the stiffness tracker needs."""

    def jvp(self, y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """(d f / dy)(y_b) v_b for every row b."""
        ...


def shifted_softsign(y: torch.Tensor) -> torch.Tensor:
    """ssm(y) = (y - 0.5) / (1 + |y - 0.5|)."""
    z = y - 0.5
    return z / (1.0 + z.abs())


class PhoenixODE(nn.Module):
    """Right-hand side dy/dt = relu(m) * (C_s sums + C_p prods - y) of PHOENIX/DASH.

    ``sums = W_s ssm(y) + b_s`` and ``prods = exp(W_p log(1 + ssm(y)) + b_p)``.

    Parameters
    ----------
    n_genes
        N, the number of genes.
    hidden
        H, the width of each branch.
    generator
        Source of randomness for the initialisation (SPEC 1.4).

    Attributes
    ----------
    W_s, W_p : (H, N) input weights of the sums and prods branches.
    b_s, b_p : (H,) their biases.
    C_s, C_p : (N, H) output (combine) weights, no bias.
    m : (N,) gene multipliers; relu(m) is each gene's rate (SPEC), or softplus(m) with
        ``rate="softplus"``, which cannot die: a relu multiplier that crosses zero early in
        training gets no gradient again and freezes its gene for good.
    mask_W_s, mask_W_p, mask_C_s, mask_C_p : float buffers of 0/1, the pruning masks.
    """

    def __init__(self, n_genes: int, hidden: int, *, generator: torch.Generator | None = None,
                 dtype: torch.dtype = torch.float32, rate: str = "relu") -> None:
        super().__init__()
        if rate not in RATES:
            msg = f"unknown rate function {rate!r}; choose one of {', '.join(RATES)}"
            raise ValueError(msg)
        self.rate_fn = rate
        n, h = n_genes, hidden
        self.n_genes, self.hidden = n, h
        self.W_s = nn.Parameter(torch.empty(h, n, dtype=dtype))
        self.b_s = nn.Parameter(torch.empty(h, dtype=dtype))
        self.W_p = nn.Parameter(torch.empty(h, n, dtype=dtype))
        self.b_p = nn.Parameter(torch.empty(h, dtype=dtype))
        self.C_s = nn.Parameter(torch.empty(n, h, dtype=dtype))
        self.C_p = nn.Parameter(torch.empty(n, h, dtype=dtype))
        self.m = nn.Parameter(torch.empty(n, dtype=dtype))
        for name in PRUNABLE:
            self.register_buffer(f"mask_{name}", torch.ones_like(getattr(self, name)))
        self.reset_parameters(generator)

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise as SPEC 1.4: sparse(0.95, std 0.05) inputs, default-Linear biases,
        orthogonal outputs, U(0, 1) multipliers."""
        g = generator
        n, h = self.n_genes, self.hidden
        for W in (self.W_s, self.W_p):
            _sparse_init_(W, sparsity=0.95, std=0.05, generator=g)
        bound = 1.0 / math.sqrt(n)
        for b in (self.b_s, self.b_p):
            b.copy_(torch.rand(h, generator=g, dtype=b.dtype) * 2 * bound - bound)
        for C in (self.C_s, self.C_p):
            _orthogonal_init_(C, generator=g)
        self.m.copy_(torch.rand(n, generator=g, dtype=self.m.dtype))

    def weight(self, name: str) -> torch.Tensor:
        """The masked weight matrix ``name`` (one of W_p, W_s, C_s, C_p)."""
        return getattr(self, name) * getattr(self, f"mask_{name}")

    def joint(self, y: torch.Tensor) -> torch.Tensor:
        """The production term C_s sums + C_p prods for states ``y`` of shape (B, N)."""
        return self._joint_fn()(y)

    def _joint_fn(self) -> Callable[[torch.Tensor], torch.Tensor]:
        WsT, WpT, CsT, CpT = (self.weight(k).T for k in ("W_s", "W_p", "C_s", "C_p"))
        b_s, b_p = self.b_s, self.b_p

        def joint(y: torch.Tensor) -> torch.Tensor:
            s = shifted_softsign(y)
            sums = torch.addmm(b_s, s, WsT)
            prods = torch.exp(torch.addmm(b_p, torch.log1p(s), WpT))
            return sums @ CsT + prods @ CpT

        return joint

    def vector_field(self, scale: torch.Tensor | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
        """``y -> scale * rhs(y)`` with the masked weights and rates formed once, for solvers that
        evaluate the right-hand side many times with the same parameters (one solve).

        ``scale`` broadcasts against (B, N), e.g. per-row step lengths of shape (B, 1).
        """
        joint = self._joint_fn()
        rate = self.rate() if scale is None else scale * self.rate()
        return lambda y: rate * (joint(y) - y)

    def rate(self) -> torch.Tensor:
        """Each gene's rate constant, relu(m) (or softplus(m)), shape (N,)."""
        if self.rate_fn == "softplus":
            return torch.nn.functional.softplus(self.m)
        return torch.relu(self.m)

    def rhs(self, y: torch.Tensor) -> torch.Tensor:
        """dy/dt for states ``y`` of shape (B, N)."""
        return self.vector_field()(y)

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # noqa: ARG002 - autonomous
        return self.rhs(y)

    def jvp(self, y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        """Jacobian-vector products (d rhs / dy)(y_b) v_b for every row b of ``y`` and ``v`` (B, N).

        Written out by hand (about two right-hand-side evaluations): with z = y - 0.5,
        ssm'(y) = 1 / (1 + |z|)^2, so d sums = W_s (ssm' v) and
        d prods = prods * (W_p (ssm' / (1 + ssm) v)).
        """
        s = shifted_softsign(y)
        ds = 1.0 / (1.0 + (y - 0.5).abs()) ** 2
        prods = torch.exp(torch.addmm(self.b_p, torch.log1p(s), self.weight("W_p").T))
        d_sums = (ds * v) @ self.weight("W_s").T
        d_prods = prods * ((ds / (1.0 + s) * v) @ self.weight("W_p").T)
        return self.rate() * (d_sums @ self.weight("C_s").T + d_prods @ self.weight("C_p").T - v)

    @torch.no_grad()
    def effect_matrix(self, rows: slice | None = None) -> torch.Tensor:
        """E = (W_s^T C_s^T + W_p^T C_p^T) * rate(m) per target column (SPEC 1.5), float64.

        Row i is the regulator, column j the target; ``rows`` selects regulators, so the
        result has shape (len(rows), N) (all N rows by default).
        """
        rows = rows if rows is not None else slice(None)
        Ws, Wp, Cs, Cp = (self.weight(k).double() for k in ("W_s", "W_p", "C_s", "C_p"))
        rate = self.rate().double()
        return (Ws[:, rows].T @ Cs.T + Wp[:, rows].T @ Cp.T) * rate[None, :]

    def n_prunable(self) -> int:
        return 4 * self.n_genes * self.hidden

    @torch.no_grad()
    def apply_masks_(self) -> None:
        """Zero the pruned entries of the stored weights."""
        for name in PRUNABLE:
            getattr(self, name).mul_(getattr(self, f"mask_{name}"))


def _sparse_init_(W: torch.Tensor, *, sparsity: float, std: float, generator: torch.Generator | None) -> None:
    """As torch.nn.init.sparse_, with an explicit generator: in every column,
    ceil(sparsity * rows) entries are zero and the rest N(0, std^2)."""
    rows, cols = W.shape
    n_zeros = math.ceil(sparsity * rows)
    W.copy_(torch.randn(rows, cols, generator=generator, dtype=W.dtype) * std)
    for c in range(cols):
        idx = torch.randperm(rows, generator=generator)[:n_zeros]
        W[idx, c] = 0.0


def _orthogonal_init_(W: torch.Tensor, *, generator: torch.Generator | None) -> None:
    """As torch.nn.init.orthogonal_ (gain 1) with an explicit generator."""
    rows, cols = W.shape
    flat = torch.randn(rows, cols, generator=generator, dtype=torch.float64)
    if rows < cols:
        flat = flat.T
    q, r = torch.linalg.qr(flat)
    q = q * torch.sign(torch.diagonal(r))
    if rows < cols:
        q = q.T
    W.copy_(q.to(W.dtype))
