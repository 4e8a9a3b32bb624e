"""Slice directions: the one way the suite draws them (the published sources' own ways live in `reference`)."""

from __future__ import annotations

import torch


def unit_directions(k: int, m: int, g: torch.Generator, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(K, M) directions uniform on the sphere: Gaussian columns divided by their norms (as R1 draws them)."""
    a = torch.randn(k, m, generator=g, dtype=dtype)
    return a / a.norm(dim=0)
