"""C7 (Fig. 3's numbers): Var(β̂) 0.0056 (isotropic) vs 0.0801 (anisotropic), a ratio of 14.3, for a logistic probe on
100 points in 2-D with condition number 20 at equal trace.

The paper does not state β or which variance it plots, so the judge sweeps them: for every β on a grid of norms
‖β‖ ∈ [0.1, 5] and angles to the top eigen-axis ∈ [0, π/2], the asymptotic covariance of the maximum-likelihood β̂,
Var(β̂) ≈ I(β)⁻¹/N with I(β) = E[σ'(xᵀβ) x xᵀ], by 60 × 60-node Gauss–Hermite quadrature (exact to rounding for
this smooth integrand). The figure's ratio is reproduced if some β gives a ratio tr Var(aniso) / tr Var(iso) within
RATIO_TOLERANCE of 14.3. Absolute values depend on N and β and are reported (the smallest isotropic variance over
the sweep against the paper's 0.0056). Evidence that finite N does not change the picture: a Monte Carlo of the
finite-sample variance at the sweep's argmax (C7-probe-variance's fits).
"""

from __future__ import annotations

import math

import numpy as np

from core.stats import stratified_bootstrap

from ..registry import Outcome, Tolerance, claim
from ._common import round_sig, with_control
from .c07_probe_variance import PAPER, fits

PAPER_RATIO = PAPER["anisotropic"] / PAPER["isotropic"]
# The paper's values are single estimates at unknown β and label noise; the finite-sample variance differs from the
# asymptotic one by ~5 % at N = 100 here (4.50 Monte Carlo vs 4.71 asymptotic at β = (1, 1)/√2). ±30 % covers that
# and a reading of the figure, while a ratio of 5.5 (what condition number 20 allows) stays far outside.
RATIO_TOLERANCE = 0.3


def _quadrature(nodes: int = 60):
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()
    x1, x2 = np.meshgrid(x, x, indexing="ij")
    return x1, x2, np.outer(w, w)


def asymptotic_trace_variance(eigs: np.ndarray, beta: np.ndarray, n: int, quadrature=None) -> float:
    """tr I(β)⁻¹ / N for x ~ N(0, diag(eigs)) in 2-D and a logistic model with parameter β."""
    g1, g2, w = _quadrature() if quadrature is None else quadrature
    x1, x2 = g1 * math.sqrt(eigs[0]), g2 * math.sqrt(eigs[1])
    p = 1.0 / (1.0 + np.exp(-(x1 * beta[0] + x2 * beta[1])))
    v = p * (1 - p) * w
    info = np.array([[(v * x1 * x1).sum(), (v * x1 * x2).sum()], [(v * x1 * x2).sum(), (v * x2 * x2).sum()]])
    return float(np.trace(np.linalg.inv(info)) / n)


def sweep(condition: float, n: int = 100, norms=None, angles=None) -> dict:
    """Ratio and absolute variances over the β grid; the anisotropic top variance is on the second axis."""
    norms = np.geomspace(0.1, 5.0, 25) if norms is None else norms
    angles = np.linspace(0.0, math.pi / 2, 19) if angles is None else angles
    aniso = np.array([1.0, condition]) * 2.0 / (1.0 + condition)
    quad = _quadrature()
    rows = []
    for b in norms:
        for angle in angles:
            beta = b * np.array([math.sin(angle), math.cos(angle)])  # angle 0: along the top eigen-axis
            va = asymptotic_trace_variance(aniso, beta, n, quad)
            vi = asymptotic_trace_variance(np.ones(2), beta, n, quad)
            rows.append({"norm": float(b), "angle": float(angle), "aniso": va, "iso": vi, "ratio": va / vi})
    best = max(rows, key=lambda r: r["ratio"])
    return {
        "rows": rows,
        "max_ratio": best["ratio"],
        "min_ratio": min(r["ratio"] for r in rows),
        "argmax": {"norm": best["norm"], "angle": best["angle"]},
        "min_iso": min(r["iso"] for r in rows),
        "eigenvalues_aniso": aniso.tolist(),
    }


def core(
    rng: np.random.Generator, condition: float = 20.0, n: int = 100, reps: int = 400, boot_reps: int = 1000
) -> Outcome:
    table = sweep(condition, n)
    band = (PAPER_RATIO * (1 - RATIO_TOLERANCE), PAPER_RATIO * (1 + RATIO_TOLERANCE))
    reachable = table["min_ratio"] <= band[1] and table["max_ratio"] >= band[0]
    # Finite N at the argmax: Monte Carlo fits, bootstrap of the ratio (the same estimator as C7-probe-variance).
    arg = table["argmax"]
    beta = arg["norm"] * np.array([math.sin(arg["angle"]), math.cos(arg["angle"])])
    aniso = np.asarray(table["eigenvalues_aniso"])
    b_aniso, _ = fits(rng, aniso, beta, n, reps)
    b_iso, _ = fits(rng, np.ones(2), beta, n, reps)
    boot = stratified_bootstrap(
        {"aniso": b_aniso, "iso": b_iso},
        lambda d: np.trace(np.cov(d["aniso"], rowvar=False)) / np.trace(np.cov(d["iso"], rowvar=False)),
        rng,
        reps=boot_reps,
    )
    return Outcome(
        verdict="reproduced" if reachable else "not-reproduced",
        estimate=table["max_ratio"],
        interval=(table["min_ratio"], table["max_ratio"]),
        interval_method=f"range (not a confidence interval) of the asymptotic variance ratio over {len(table['rows'])} "
        "β (norm × angle grid), Gauss–Hermite quadrature",
        n=len(table["rows"]),
        tolerance=Tolerance(
            {"paper_ratio": PAPER_RATIO, "relative": RATIO_TOLERANCE},
            "±30 %: single estimates at unknown β (finite-N vs asymptotic ~5 % here) and reading the figure",
        ),
        reason=f"condition {condition:g}, N = {n}, equal trace: the variance ratio ranges over "
        f"[{table['min_ratio']:.3g}, {table['max_ratio']:.3g}] across β (paper {PAPER_RATIO:.3g}, band "
        f"[{band[0]:.3g}, {band[1]:.3g}]); finite-N Monte Carlo at the argmax (‖β‖ = {arg['norm']:.3g}): "
        f"{boot.estimate:.3g} [{boot.low:.3g}, {boot.high:.3g}]; smallest isotropic tr Var {table['min_iso']:.3g} "
        f"vs the paper's {PAPER['isotropic']}",
        detail={
            "sweep_summary": {k: v for k, v in table.items() if k != "rows"},
            "sweep": [{k: round_sig(v) for k, v in r.items()} for r in table["rows"]],
            "finite_n_at_argmax": {"estimate": boot.estimate, "interval": [boot.low, boot.high], "reps": reps},
            "paper": PAPER,
            "paper_ratio": PAPER_RATIO,
        },
    )


@claim(
    id="C7-fig3-values",
    version=1,
    paper="arXiv:2511.08544v3 §3.1, Fig. 3",
    tier="cpu-fast",
    budget_s=20,
    statement="Fig. 3: 100 points, condition number 20, Var(β̂) 0.0056 (isotropic) vs 0.0801 (anisotropic)",
    paper_numbers={"n_points": 100, "condition_number": 20, "var_isotropic": 0.0056, "var_anisotropic": 0.0801},
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    outcome = core(rng)
    control = core(rng, condition=60.0, reps=200, boot_reps=300)
    return with_control(outcome, "the same judge at condition number 60, where a ratio of 14.3 is attainable", control)
