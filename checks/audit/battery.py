"""The audit's input battery: named, seeded laws of embeddings (2-D (N, K) and multi-view (V, N, K)).

Built on the laws of `checks.battery` (N(0, I), uniform, rank-1, equicorrelated, anisotropic, zeros) and
extended with the cases of docs/discrepancies.md and docs/oracle.md (#o3, #o6): rank-r collapse with unit marginals,
the "X" law and the sign-flip model (N(0, 1) marginals, identity covariance, dependent coordinates), heavy
tails, far outliers, mean shifts (one of them by the paper grid's aliasing period), a wide Gaussian,
near-collapse, and two multi-view cases. Every law takes an explicit torch.Generator.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from checks import battery as base

#: Aliasing period of the paper listing's grid linspace(−5, 5, 17): 2π/0.625 (docs/oracle.md#o6). A mean shift by it
#: is invisible to any statistic on that grid, since every knot is a multiple of the step.
PAPER_PERIOD = 2 * math.pi / 0.625
#: Rank of the "rank-r with unit marginals" law (docs/variants.md#peers uses rank 8).
RANK_R = 8
#: Views of the multi-view laws (docs/variants.md#peers: V = 4, N per view = N/4).
VIEWS = 4


@dataclass(frozen=True)
class Law:
    name: str
    make: Callable[[int, int, torch.Generator], torch.Tensor]
    description: str
    #: "null" (N(0, I) in every view), "collapse" (dimensional collapse with N(0,1) or unit marginals),
    #: "shape" (non-Gaussian shape), "scale" (location/scale), "robustness" (degenerate or extreme input).
    kind: str
    multiview: bool = False


def rank_r(n: int, k: int, g: torch.Generator, r: int = RANK_R) -> torch.Tensor:
    """Rank min(r, K) with unit marginals: z = G·Q, G (N, r) iid N(0, 1), Q (r, K) with unit-norm columns."""
    r = min(r, k)
    q = torch.randn(r, k, generator=g)
    q = q / q.norm(dim=0)
    return torch.randn(n, r, generator=g) @ q


def x_law(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """The "X" law in coordinate pairs: (w, ε·w) with w ~ N(0, 1), ε = ±1; N(0, 1) marginals, identity
    covariance, support on the two diagonals of each pair (paper Fig. 5/16). An odd last coordinate is N(0, 1)."""
    pairs = k // 2
    w = torch.randn(n, pairs, generator=g)
    sign = torch.randint(0, 2, (n, pairs), generator=g).float() * 2 - 1
    z = torch.stack([w, sign * w], dim=-1).reshape(n, 2 * pairs)
    if k % 2:
        z = torch.cat([z, torch.randn(n, 1, generator=g)], dim=1)
    return z


def sign_flip(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """z_n = w_n·S_n, w ~ N(0, 1), S uniform on {±1}^K: N(0, 1) marginals, Cov = I, but |z_n1| = … = |z_nK|
    (uncorrelated and dependent, docs/oracle.md#o3)."""
    w = torch.randn(n, 1, generator=g)
    signs = torch.randint(0, 2, (n, k), generator=g).float() * 2 - 1
    return w * signs


def laplace(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Unit-variance Laplace (scale 1/√2) in every coordinate, independent: heavier tails, right covariance."""
    u = torch.rand(n, k, generator=g) - 0.5
    return -torch.sign(u) * torch.log1p(-2 * u.abs()) / math.sqrt(2)


def student_t3(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Student t with 3 degrees of freedom scaled to unit variance (t₃/√3), independent coordinates."""
    z = torch.randn(n, k, generator=g)
    chi2 = torch.randn(n, k, 3, generator=g).square().sum(-1)
    return z / torch.sqrt(chi2 / 3) / math.sqrt(3)


def outliers(scale: float) -> Callable[[int, int, torch.Generator], torch.Tensor]:
    def make(n: int, k: int, g: torch.Generator) -> torch.Tensor:
        z = torch.randn(n, k, generator=g)
        z[0] = scale  # two whole rows at ±scale, the rest N(0, I)
        z[1] = -scale
        return z

    make.__doc__ = f"N(0, I) with rows 0 and 1 set to +{scale:g} and −{scale:g}."
    return make


def shifted(mu: float) -> Callable[[int, int, torch.Generator], torch.Tensor]:
    def make(n: int, k: int, g: torch.Generator) -> torch.Tensor:
        return torch.randn(n, k, generator=g) + mu

    make.__doc__ = f"N(μ, 1) in every coordinate, μ = {mu:.6g}."
    return make


def wide(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """N(0, 10²·I): spread beyond the paper grid's period (under-measured by about 27 %, docs/oracle.md#o6)."""
    return 10.0 * torch.randn(n, k, generator=g)


def near_zero(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """N(0, (1e-3)²·I): near-complete collapse to the origin."""
    return 1e-3 * torch.randn(n, k, generator=g)


def views_independent(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """V = 4 independent N(0, I) views of N/4 samples each: the multi-view null (V, N/4, K)."""
    return torch.randn(VIEWS, max(2, n // VIEWS), k, generator=g)


def views_near_identical(n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """V = 4 views x + 0.01·noise_v of one N(0, I) batch x of N/4 samples (docs/variants.md#peers)."""
    per_view = max(2, n // VIEWS)
    x = torch.randn(per_view, k, generator=g)
    return x + 0.01 * torch.randn(VIEWS, per_view, k, generator=g)


LAWS: dict[str, Law] = {
    law.name: law
    for law in (
        Law("gaussian", base.gaussian, "N(0, I): the null hypothesis", "null"),
        Law("anisotropic", base.anisotropic, "N(0, diag σ²), σ log-spaced 0.25 … 4", "scale"),
        Law("rank1", base.rank1, "rank-1 collapse: every column the same N(0, 1) variable", "collapse"),
        Law(f"rank{RANK_R}-unit", rank_r, f"rank-{RANK_R} collapse with unit marginals (rank K if K < 8)", "collapse"),
        Law(
            "equicorr-0.2", lambda n, k, g: base.equicorrelated(n, k, g, rho=0.2), "unit marginals, ρ = 0.2", "collapse"
        ),
        Law(
            "equicorr-0.5", lambda n, k, g: base.equicorrelated(n, k, g, rho=0.5), "unit marginals, ρ = 0.5", "collapse"
        ),
        Law("x-law", x_law, "the X law: N(0,1) marginals, identity covariance (pairs on two diagonals)", "collapse"),
        Law("sign-flip", sign_flip, "w·S, S uniform on {±1}^K: uncorrelated, dependent, N(0,1) marginals", "collapse"),
        Law("uniform", base.uniform, "product of unit-variance uniforms", "shape"),
        Law("laplace", laplace, "product of unit-variance Laplace", "shape"),
        Law("t3", student_t3, "product of unit-variance Student t₃", "shape"),
        Law("outliers-1e3", outliers(1e3), "N(0, I) with two rows at ±1e3", "robustness"),
        Law("outliers-1e6", outliers(1e6), "N(0, I) with two rows at ±1e6", "robustness"),
        Law("shift-1", shifted(1.0), "N(1, 1) in every coordinate", "scale"),
        Law(
            "shift-P", shifted(PAPER_PERIOD), f"N(μ, 1), μ = 2π/0.625 = {PAPER_PERIOD:.4f} (paper grid period)", "scale"
        ),
        Law("wide", wide, "N(0, 10²·I)", "scale"),
        Law("zeros", base.zeros, "all-zero embeddings (complete collapse, PR1)", "robustness"),
        Law("near-zero", near_zero, "N(0, (1e-3)²·I)", "robustness"),
        Law("views-indep", views_independent, "V = 4 independent N(0, I) views (multi-view null)", "null", True),
        Law("views-near", views_near_identical, "V = 4 near-identical views x + 0.01·noise", "collapse", True),
    )
}

#: Laws of the size sweeps (one axis at a time around the main configuration): the null, the collapse laws a
#: per-coordinate statistic cannot see, and the shape law only a per-coordinate statistic sees at large K.
SWEEP_LAWS = ("gaussian", "rank1", "equicorr-0.2", "sign-flip", "x-law", "uniform")


def get(name: str) -> Law:
    try:
        return LAWS[name]
    except KeyError:
        raise ValueError(f"unknown law {name!r}; known: {', '.join(LAWS)}") from None


def sample(name: str, n: int, k: int, g: torch.Generator) -> torch.Tensor:
    """Draw one batch of law `name` (float32): (N, K), or (V, N/V, K) for a multi-view law."""
    return get(name).make(n, k, g).float().contiguous()
