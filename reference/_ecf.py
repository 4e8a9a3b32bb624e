"""Primitives shared by the cos/sin ("fast") Epps–Pulley references: the folded trapezoid grid and the
statistic N·Σ_k w_k φ(t_k)·[(mean cos(t_k y) − φ(t_k))² + (mean sin(t_k y))²]."""

from __future__ import annotations

import torch


def folded_trapezoid(
    t_max: float, n_points: int, dtype: torch.dtype = torch.float32
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Knots t on [0, t_max], window φ(t) = exp(−t²/2), and weights·φ (float32, as every source builds them;
    float64 only for convergence studies).

    The integrand is even in t, so the trapezoid rule on [−t_max, t_max] equals weights dt at both ends of
    [0, t_max] and 2·dt inside (t = 0 is counted twice, which is what the folded rule does)."""
    t = torch.linspace(0, t_max, n_points, dtype=dtype)
    dt = t_max / (n_points - 1)
    weights = torch.full((n_points,), 2 * dt, dtype=dtype)
    weights[0] = dt
    weights[-1] = dt
    phi = torch.exp(-0.5 * t.square())
    return t, phi, weights * phi


def cos_sin_error(proj: torch.Tensor, t: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Squared ECF error at each knot: (*, N, M) -> (*, M, T), means taken over the sample axis N."""
    angles = proj.unsqueeze(-1) * t.to(proj.device)  # (*, N, M, T)
    cos_mean = angles.cos().mean(dim=-3)
    sin_mean = angles.sin().mean(dim=-3)
    return (cos_mean - phi.to(proj.device)).square() + sin_mean.square()
