"""C15 (with D6): Theorem 4's bounded gradient and curvature of the Epps–Pulley statistic.

The paper states |∂EP/∂z_i| <= 4σ²/N and |∂²EP/∂z_i²| <= C√π σ³/(2N) for EP *with* the factor N. Its proof
(App. B.12) bounds D̂ = EP/N with window e^{−s²t²}, giving 4/(N s²); for the implemented window e^{−t²/2}
(s² = ½, so σ² = 1/s² = 2) that is 8/N: oracle.theorem4_gradient_bound, the one constant D6 uses too. With the
factor N the exact supremum over all data is √(2π)e^{−1/2}(3 − 2/N) → 4.5610 (O4), N-independent: bounded, but
not by 4σ²/N. We evaluate the exact gradient (oracle O4) at the extremal configuration and on random data, and
the exact diagonal curvature.
"""

from __future__ import annotations

import math

import numpy as np

from reference import oracle

from ..registry import Outcome, Tolerance, claim, combine_verdicts
from ._common import round_sig

SQRT_2PI = math.sqrt(2 * math.pi)


def extremal_configuration(n: int) -> np.ndarray:
    """y_0 = −√2, every other sample at −√2 − 1: each term of ∂EP/∂y_0 at its maximum with aligned signs."""
    y = np.full(n, -math.sqrt(2.0) - 1.0)
    y[0] = -math.sqrt(2.0)
    return y


def curvature_diag(y: np.ndarray) -> np.ndarray:
    """Exact ∂²EP/∂y_n² = −(2√(2π)/N) Σ_k (1 − d²) e^{−d²/2} + √π (1 − y_n²/2) e^{−y_n²/4}, d = y_n − y_k.

    (The k = n term is excluded: its difference is identically 0, docs/oracle.md#o4)"""
    n = y.size
    d = y[:, None] - y[None, :]
    pair = ((1.0 - d * d) * np.exp(-0.5 * d * d)).sum(1) - 1.0
    return -(2 * SQRT_2PI / n) * pair + math.sqrt(math.pi) * (1.0 - 0.5 * y * y) * np.exp(-0.25 * y * y)


def curvature_sup(n: int) -> float:
    """sup over all data of |∂²EP/∂y_n²| = 2√(2π)(N−1)/N + 2√π e^{−3/2} (all samples at √6)."""
    return 2 * SQRT_2PI * (n - 1) / n + 2 * math.sqrt(math.pi) * math.exp(-1.5)


def core(
    rng: np.random.Generator,
    n_values: tuple[int, ...] = (16, 64, 256, 1024),
    per_sample: bool = False,
    sigma2: float = oracle.WINDOW_SIGMA2,
    random_batches: int = 8,
) -> Outcome:
    """Compare the largest |∂EP/∂y_n| found with the paper's bound 4σ²/N at each N.

    per_sample=False is the statistic as implemented (factor N); True divides by N, the D̂ of the proof, for
    which the bound with σ² = 2 holds (positive control). sigma2 defaults to the σ² the window e^{−t²/2} implies.
    """
    rows = []
    part_verdicts = []
    for n in n_values:
        scale = 1.0 / n if per_sample else 1.0
        bound = oracle.theorem4_gradient_bound(n, sigma2)
        y_star = extremal_configuration(n)
        attained = float(np.abs(oracle.ep_grad(y_star)[0])) * scale
        sup = oracle.ep_grad_sup(n) * scale
        random_max = 0.0
        for law_scale in (1.0, 10.0):  # N(0,1) and N(0,10²) (docs/discrepancies.md#d6)
            for _ in range(random_batches):
                g = oracle.ep_grad(law_scale * rng.standard_normal(n))
                random_max = max(random_max, float(np.abs(g).max()) * scale)
        y_flat = np.full(n, math.sqrt(6.0))
        curv_attained = float(abs(curvature_diag(y_flat)[0])) * scale
        # Finite-difference confirmation of the closed-form curvature at the extremal point (h = 1e-4:
        # central differences err by O(h²) ~ 1e-8, far below the 1e-4 tolerance used below).
        h = 1e-4
        up, down = y_flat.copy(), y_flat.copy()
        up[0] += h
        down[0] -= h
        fd = float(abs(oracle.ep_grad(up)[0] - oracle.ep_grad(down)[0]) / (2 * h)) * scale
        if abs(fd - curv_attained) > 1e-4 * max(1.0, curv_attained):
            raise RuntimeError(f"closed-form curvature {curv_attained} disagrees with finite differences {fd}")
        observed = max(attained, random_max)
        # Exceeding the bound by more than 1 % counts as a violation (the attained value equals the exact sup
        # to rounding, ~1e-15, so 1 % is pure margin); staying below the *exact* sup settles the claim.
        if observed > bound * 1.01:
            part_verdicts.append("not-reproduced")
        elif sup <= bound:
            part_verdicts.append("reproduced")
        else:
            part_verdicts.append("inconclusive")
        rows.append(
            {
                "N": n,
                "paper_bound_4sigma2_over_N": round_sig(bound),
                "sup_exact": round_sig(sup),
                "attained_at_extremal": round_sig(attained),
                "max_on_random_N01_and_N0_100": round_sig(random_max),
                "ratio_sup_to_bound": round_sig(sup / bound),
                "curvature_sup_exact": round_sig(curvature_sup(n) * scale),
                "curvature_attained": round_sig(curv_attained),
            }
        )
    verdict = combine_verdicts(part_verdicts)
    ref = rows[min(range(len(rows)), key=lambda i: abs(rows[i]["N"] - 256))]
    what = "EP/N (the proof's D̂)" if per_sample else "EP as implemented (factor N)"
    return Outcome(
        verdict=verdict,
        estimate=ref["attained_at_extremal"],
        interval=(ref["attained_at_extremal"], ref["sup_exact"]),
        interval_method="a range, not a confidence interval (nothing here is random): low, |∂EP/∂y_0| attained "
        "at the extremal configuration (exact gradient, O4); high, the analytic supremum √(2π)e^{−1/2}(3 − 2/N); "
        "at N = " + str(ref["N"]),
        n=len(n_values),
        tolerance=Tolerance(
            0.01,
            "relative margin above 4σ²/N before calling it violated; the attained value "
            "is exact to rounding, so any margin works",
        ),
        reason=f"{what}: max |∂/∂y_n| = {ref['attained_at_extremal']:.4g} at N = {ref['N']} vs the paper's "
        f"4σ²/N = {ref['paper_bound_4sigma2_over_N']:.4g} (σ² = {sigma2:g}); the sup "
        + ("does not decrease with N (bounded, but not O(1/N): D6)" if not per_sample else "scales as 1/N"),
        detail={
            "statistic": what,
            "sigma2": sigma2,
            "rows": rows,
            "sup_limit_N_to_inf": round_sig(3 * SQRT_2PI * math.exp(-0.5)) if not per_sample else 0.0,
            "note": "Bounded per-sample gradient and curvature, uniformly in the data, hold for every N; the "
            "1/N decay holds only without the factor N. With σ² = 1 (4/N) even EP/N exceeds the bound.",
        },
    )


@claim(
    id="C15-bounded-gradient",
    version=1,
    paper="arXiv:2511.08544v3 §4.2.3, Theorem 4 (proof App. B.12)",
    tier="cpu-fast",
    budget_s=10,
    statement="The Epps–Pulley statistic (with its factor N) has per-sample gradient |∂EP/∂z_i| <= 4σ²/N and "
    "curvature |∂²EP/∂z_i²| <= C√πσ³/(2N)",
    paper_numbers={
        "gradient_bound": "4σ²/N",
        "curvature_bound": "C√π σ³/(2N)",
    },
    discrepancies=("D6",),
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    """The bound as stated, for EP as implemented (factor N, window e^{−t²/2})."""
    return core(rng)
