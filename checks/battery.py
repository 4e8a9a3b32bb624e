"""Seeded input laws the audit's battery (checks/audit/battery.py, which names them) builds on.

Every generator takes an explicit torch.Generator; nothing touches the global RNG."""

from __future__ import annotations

import math

import torch


def gaussian(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """N(0, I_K): the null hypothesis."""
    return torch.randn(n, k, generator=g)


def uniform(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Product of unit-variance uniforms U(−√3, √3): right mean and covariance, wrong shape."""
    return (torch.rand(n, k, generator=g) * 2 - 1) * math.sqrt(3)


def rank1(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Rank-1 collapse: every column is the same N(0, 1) variable, so every marginal is exactly N(0, 1)."""
    return torch.randn(n, 1, generator=g).expand(n, k).contiguous()


def equicorrelated(n: int, k: int, g: torch.Generator, rho: float = 0.5) -> torch.Tensor:
    """Unit marginals with correlation ρ between every pair of coordinates."""
    shared = torch.randn(n, 1, generator=g)
    return math.sqrt(rho) * shared + math.sqrt(1 - rho) * torch.randn(n, k, generator=g)


def anisotropic(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Gaussian with log-spaced standard deviations 0.25 … 4 along the axes."""
    std = torch.logspace(math.log10(0.25), math.log10(4.0), k)
    return torch.randn(n, k, generator=g) * std


def zeros(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Complete collapse to a point (a stationary point of EP, D11)."""
    return torch.zeros(n, k)
