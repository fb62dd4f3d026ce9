"""A linear test system dy/dt = A y (the same A for every row), whose Jacobian is A everywhere."""

from __future__ import annotations

import torch
from torch import nn


class LinearODE(nn.Module):
    """dy/dt = A y with ``forward``, ``rhs`` and ``jvp``, but no ``vector_field``: solvers take
    their generic path for it."""

    def __init__(self, A: torch.Tensor) -> None:
        super().__init__()
        self.A = A

    def forward(self, t: torch.Tensor, y: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return self.rhs(y)

    def rhs(self, y: torch.Tensor) -> torch.Tensor:
        return y @ self.A.T

    def jvp(self, y: torch.Tensor, v: torch.Tensor) -> torch.Tensor:  # noqa: ARG002
        return v @ self.A.T
