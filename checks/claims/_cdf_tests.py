"""Differentiable (where differentiable) one-sample goodness-of-fit statistics against N(0, 1), in torch float64.

CDF-based statistics sort the sample (order statistics y_(1) <= … <= y_(N), F_i = Φ(y_(i))):
    Cramér–von Mises  W² = 1/(12N) + Σ_i (F_i − (2i−1)/(2N))²
    Anderson–Darling  A² = −N − (1/N) Σ_i (2i−1)[log F_i + log(1 − F_{N+1−i})]
    Watson            U² = W² − N(F̄ − ½)²
    Kolmogorov–Smirnov D = max_i max(i/N − F_i, F_i − (i−1)/N)
and the ECF-based EP (official grid, means of cos and sin: no sorting).
"""

from __future__ import annotations

import math

import torch

from reference import oracle


def _sorted_cdf(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    ys, _ = torch.sort(y)
    f = 0.5 * (1.0 + torch.erf(ys / math.sqrt(2.0)))
    i = torch.arange(1, y.numel() + 1, dtype=y.dtype)
    return f, i


def cramer_von_mises(y: torch.Tensor) -> torch.Tensor:
    f, i = _sorted_cdf(y)
    n = y.numel()
    return 1.0 / (12 * n) + ((f - (2 * i - 1) / (2 * n)) ** 2).sum()


def anderson_darling(y: torch.Tensor) -> torch.Tensor:
    f, i = _sorted_cdf(y)
    n = y.numel()
    return -n - ((2 * i - 1) * (torch.log(f) + torch.log1p(-f.flip(0)))).sum() / n


def watson(y: torch.Tensor) -> torch.Tensor:
    f, _ = _sorted_cdf(y)
    return cramer_von_mises(y) - y.numel() * (f.mean() - 0.5) ** 2


def kolmogorov_smirnov(y: torch.Tensor) -> torch.Tensor:
    f, i = _sorted_cdf(y)
    n = y.numel()
    return torch.maximum((i / n - f).max(), (f - (i - 1) / n).max())


def ep_official(y: torch.Tensor) -> torch.Tensor:
    return oracle.grid_ep(y, *oracle.OFFICIAL_GRID)


def ep_exact(y: torch.Tensor) -> torch.Tensor:
    return oracle.ep(y)


CDF_STATISTICS = {"cramer-von-mises": cramer_von_mises, "anderson-darling": anderson_darling, "watson": watson}
ECF_STATISTICS = {"EP (official grid)": ep_official, "EP (exact)": ep_exact}


def gradient(statistic, y: torch.Tensor) -> torch.Tensor:
    y = y.detach().clone().requires_grad_(True)
    statistic(y).backward()
    return y.grad


def crossing_jump(statistic, y: torch.Tensor, eps: float) -> float:
    """Relative change of the gradient when the smallest sample is moved from just below to just above its
    neighbour (an order-statistics crossing): ‖g(b + ε) − g(b − ε)‖ / ‖g(b − ε)‖."""
    ys, _ = torch.sort(y)
    before, after = ys.clone(), ys.clone()
    before[0] = ys[1] - eps
    after[0] = ys[1] + eps
    g0, g1 = gradient(statistic, before), gradient(statistic, after)
    return float((g1 - g0).norm() / g0.norm())


def smoothness(statistic, y: torch.Tensor, coarse: float = 1e-4, fine: float = 1e-6) -> dict:
    """Jump at ε = coarse and ε = fine. A C¹ statistic's jump shrinks ∝ ε (ratio ≈ fine/coarse = 0.01); a
    statistic whose gradient depends on ranks keeps a finite jump (ratio ≈ 1)."""
    j_coarse, j_fine = crossing_jump(statistic, y, coarse), crossing_jump(statistic, y, fine)
    return {"jump_coarse": j_coarse, "jump_fine": j_fine, "ratio": j_fine / j_coarse if j_coarse > 0 else 0.0}
