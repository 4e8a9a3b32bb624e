"""Local-averaging probes (kNN ball average, Gaussian-kernel Nadaraya–Watson) and their bias, by quadrature.

In 2-D: the bias of a smoother at a query q, in the population limit, is
    kNN:    E[η(X) | X ∈ B(q, r)] − η(q)             (a ball of radius r around q; points X ~ p)
    kernel: E[K_h(X − q) η(X)] / E[K_h(X − q)] − η(q) (Gaussian kernel, bandwidth h)
computed with fixed quadrature rules (polar Gauss–Legendre × uniform angles on the disk; Gauss–Hermite for the
kernel), so the only randomness left is which queries are drawn. Laws have mean 0 and covariance of trace 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special


@dataclass(frozen=True)
class Law:
    """A 2-D law: log-density (vectorised over (..., 2)), sampler, and trace of its Fisher information J."""

    name: str
    log_density: Callable[[np.ndarray], np.ndarray]
    sample: Callable[[np.random.Generator, int], np.ndarray]
    fisher_trace: float


def _product(name: str, log1: Callable, draw1: Callable, fisher1: float, scales=(1.0, 1.0)) -> Law:
    s = np.asarray(scales, dtype=float)

    def log_density(x: np.ndarray) -> np.ndarray:
        return (log1(x / s) - np.log(s)).sum(-1)

    def sample(rng: np.random.Generator, n: int) -> np.ndarray:
        return draw1(rng, (n, 2)) * s

    return Law(name, log_density, sample, float(fisher1 * np.sum(1.0 / s**2)))


def _log_normal(x):
    return -0.5 * x * x - 0.5 * math.log(2 * math.pi)


def _log_laplace(x):  # scale b = 1/√2: variance 1, score ±√2, Fisher information 2
    b = 1.0 / math.sqrt(2.0)
    return -np.abs(x) / b - math.log(2 * b)


def _log_t5(x):  # t5 scaled to variance 1: x = c·T, c = √(3/5)
    nu, c = 5.0, math.sqrt(3.0 / 5.0)
    t = x / c
    const = special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * math.log(nu * math.pi) - math.log(c)
    return const - (nu + 1) / 2 * np.log1p(t * t / nu)


def _log_logistic(x):  # logistic with scale √3/π: variance 1, Fisher information 1/(3 s²) = π²/9
    s = math.sqrt(3.0) / math.pi
    z = -np.abs(x) / s
    return z - 2 * np.log1p(np.exp(z)) - math.log(s)


def _log_bimodal(x):  # ½N(−a, 1−a²) + ½N(a, 1−a²) with a = 0.7: variance 1
    a, v = 0.7, 1 - 0.49
    both = np.logaddexp(-((x - a) ** 2) / (2 * v), -((x + a) ** 2) / (2 * v))
    return both - math.log(2) - 0.5 * math.log(2 * math.pi * v)


def _fisher_bimodal() -> float:
    x = np.linspace(-12, 12, 200001)
    lp = _log_bimodal(x)
    score = np.gradient(lp, x)
    return float(np.trapezoid(score**2 * np.exp(lp), x))


def laws(condition: float = 20.0) -> dict[str, Law]:
    """Isotropic Gaussian and alternatives with the same trace (2): unit-variance coordinates or, for the
    anisotropic Gaussian, variances 2/(1+c) and 2c/(1+c)."""
    lo, hi = math.sqrt(2 / (1 + condition)), math.sqrt(2 * condition / (1 + condition))
    nu = 5.0
    return {
        "gaussian-isotropic": _product("gaussian-isotropic", _log_normal, lambda r, s: r.standard_normal(s), 1.0),
        "gaussian-anisotropic": _product(
            "gaussian-anisotropic", _log_normal, lambda r, s: r.standard_normal(s), 1.0, (lo, hi)
        ),
        "laplace": _product("laplace", _log_laplace, lambda r, s: r.laplace(0, 1 / math.sqrt(2), s), 2.0),
        "t5": _product(
            "t5",
            _log_t5,
            lambda r, s: r.standard_t(nu, s) * math.sqrt((nu - 2) / nu),
            nu * (nu + 1) / ((nu - 2) * (nu + 3)),
        ),
        "logistic": _product(
            "logistic", _log_logistic, lambda r, s: r.logistic(0, math.sqrt(3) / math.pi, s), math.pi**2 / 9
        ),
        "bimodal-0.7": _product(
            "bimodal-0.7",
            _log_bimodal,
            lambda r, s: 0.7 * r.choice([-1.0, 1.0], size=s) + math.sqrt(0.51) * r.standard_normal(s),
            _fisher_bimodal(),
        ),
    }


def scaled(law: Law, factor: float) -> Law:
    """The law of factor·X (trace × factor², Fisher information / factor²): for planted violations."""
    return Law(
        f"{law.name}x{factor:g}",
        lambda x: law.log_density(x / factor) - 2 * math.log(factor),
        lambda rng, n: factor * law.sample(rng, n),
        law.fisher_trace / factor**2,
    )


def disk_rule(radial: int = 12, angular: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (G, 2) and weights (G,) integrating over the unit disk, normalised to sum 1 (a uniform average).

    Gauss–Legendre in ρ² (so the area element ρdρ is exact) times the trapezoid rule in angle (exact for
    trigonometric polynomials of degree < angular)."""
    u, wu = np.polynomial.legendre.leggauss(radial)
    rho = np.sqrt((u + 1) / 2)
    theta = 2 * math.pi * np.arange(angular) / angular
    nodes = np.stack([np.outer(rho, np.cos(theta)).ravel(), np.outer(rho, np.sin(theta)).ravel()], axis=-1)
    weights = np.repeat(wu / wu.sum(), angular) / angular
    return nodes, weights


def hermite_rule(points: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """Nodes (G, 2) and weights (G,) for expectations under N(0, I_2) (tensor Gauss–Hermite)."""
    x, w = np.polynomial.hermite_e.hermegauss(points)
    w = w / w.sum()
    nodes = np.stack(np.meshgrid(x, x, indexing="ij"), axis=-1).reshape(-1, 2)
    return nodes, np.outer(w, w).ravel()


def local_bias(
    law: Law, queries: np.ndarray, eta: Callable[[np.ndarray], np.ndarray], scale: float, kind: str
) -> np.ndarray:
    """Bias of the smoother at each query (Q,): kind 'knn' (ball radius `scale`) or 'kernel' (bandwidth)."""
    nodes, weights = disk_rule() if kind == "knn" else hermite_rule()
    points = queries[:, None, :] + scale * nodes[None, :, :]  # (Q, G, 2)
    logp = law.log_density(points)
    wts = weights[None, :] * np.exp(logp - logp.max(axis=1, keepdims=True))
    return (wts * eta(points)).sum(1) / wts.sum(1) - eta(queries)


def integrated_squared_bias(
    law: Law, scale: float, kind: str, step: float = 0.125, half_width: float = 8.0, block: int = 2048
) -> float:
    """ISB = ∫ p(q) Σ_{i=1,2} bias_i(q)² dq for the linear tasks η = x₁, x₂ (E[∇η∇ηᵀ] = I), by the trapezoid
    rule on a square grid of the given step (the integrand is smooth and negligible beyond |q| = 8 for the
    laws here: the heaviest tail, t5, leaves < 1e−4 of the total outside)."""
    axis = np.arange(-half_width, half_width + step / 2, step)
    grid = np.stack(np.meshgrid(axis, axis, indexing="ij"), axis=-1).reshape(-1, 2)
    weights = np.exp(law.log_density(grid)) * step * step
    total = 0.0
    for start in range(0, grid.shape[0], block):
        q = grid[start : start + block]
        b1 = local_bias(law, q, lambda x: x[..., 0], scale, kind)
        b2 = local_bias(law, q, lambda x: x[..., 1], scale, kind)
        total += float(weights[start : start + block] @ (b1 * b1 + b2 * b2))
    return total
