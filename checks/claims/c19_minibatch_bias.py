"""C19 (with D7): Theorem 6's minibatch bias, E[L̂_N] = L + (1/N)∫w(1 − |φ_F|²)dt.

Exact for every N and law F (O3): E[EP] = N·D(F) + c_F, c_F = ∫(1 − |φ_F(t)|²)e^{−t²/2}dt. So D̂ = EP/N has bias
c_F/N (the theorem, slope −1 in N), while EP as implemented (factor N) has absolute bias c_F = O(1) (D7):
only the relative bias c_F/(N·D) is O(1/N). We estimate E[EP] by Monte Carlo with the exact statistic (O1) at
several N and fit the log-log slope of the bias; the exact c_F is the reference the Monte Carlo must agree with.
That slope is −1 by the identity above, so it cannot fail: it is reported, not judged.

The verdict tests the half that can fail, "not a concern even for minibatches as small as 16": minimising the
expected minibatch loss over N(0, s²) gives s*(N) (exact, O3), not 1; the claim holds at N if the optimum's scale
is within SCALE_TOLERANCE of 1.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize

from core.stats import stratified_bootstrap
from reference import oracle

from ..registry import Outcome, Tolerance, claim, combine_verdicts, verdict_from_interval
from ._common import round_sig, with_control

SQRT3 = math.sqrt(3.0)
# Stated in advance: the minibatch optimum may shrink the embedding scale by at most 5 %. To first order
# s*(N) = 1 − 1/N, so this tolerance puts the boundary at N = 20.
SCALE_TOLERANCE = 0.05


def _phi_uniform(t: float) -> float:
    return 1.0 if t == 0 else math.sin(SQRT3 * t) / (SQRT3 * t)


def _population(cf) -> tuple[float, float]:
    """(D(F), c_F) for a symmetric law with real characteristic function cf, by adaptive quadrature."""
    w = lambda t: math.exp(-0.5 * t * t)  # noqa: E731
    d = 2 * integrate.quad(lambda t: (cf(t) - w(t)) ** 2 * w(t), 0, 40, limit=400, epsabs=1e-13)[0]
    c = 2 * integrate.quad(lambda t: (1 - cf(t) ** 2) * w(t), 0, 40, limit=400, epsabs=1e-13)[0]
    return d, c


LAWS = {
    # name: (sampler, characteristic function); unit-variance uniform and a too-wide Gaussian
    "uniform": (lambda rng, size: rng.uniform(-SQRT3, SQRT3, size), _phi_uniform),
    "N(0,1.5^2)": (lambda rng, size: 1.5 * rng.standard_normal(size), lambda t: math.exp(-1.125 * t * t)),
}


def optimal_scale(n: int) -> float:
    """s*(N) = argmin_s E[EP_N] over N(0, s²) batches (exact expectation, O3)."""
    fit = optimize.minimize_scalar(
        lambda s: float(oracle.expected_ep(n, 0.0, s)), bounds=(0.5, 1.5), method="bounded", options={"xatol": 1e-10}
    )
    return float(fit.x)


def scale_outcome(n: int = 16, tolerance: float = SCALE_TOLERANCE, detail: dict | None = None) -> Outcome:
    """The falsifiable half of the claim at batch size n: |s*(n) − 1| <= tolerance."""
    table = {str(m): round_sig(optimal_scale(m)) for m in (16, 32, 64, 128, 256, 512)}
    s_star = optimal_scale(n)
    return Outcome(
        verdict="reproduced" if abs(1.0 - s_star) <= tolerance else "not-reproduced",
        estimate=s_star,
        interval=None,
        n=None,
        tolerance=Tolerance(
            tolerance,
            "stated in advance: the expected-loss optimum may shrink the embedding scale by at most 5 % "
            "(s*(N) ≈ 1 − 1/N, so the boundary is N = 20)",
        ),
        reason=f"the scale minimising E[EP_N] over N(0, s²) is s*({n}) = {s_star:.4f} (exact), {abs(1 - s_star):.1%} "
        f"below the target 1 (tolerance {tolerance:.0%}); s*(N) for N = {', '.join(table)}: "
        + ", ".join(f"{v:.4f}" for v in table.values()),
        detail={"optimal_scale": table, "judged_N": n, **(detail or {})},
    )


def core(
    rng: np.random.Generator,
    n_values: tuple[int, ...] = (16, 32, 64, 128, 256),
    reps: int = 1000,
    per_sample: bool = True,
    laws: tuple[str, ...] = ("uniform", "N(0,1.5^2)"),
    boot_reps: int = 1000,
) -> Outcome:
    """Slope of log|bias| on log N for D̂ = EP/N (per_sample=True, the theorem) or EP itself (False, D7)."""
    rows, verdicts, slopes = [], [], {}
    for name in laws:
        sampler, cf = LAWS[name]
        d_pop, c_pop = _population(cf)
        values = {}
        for n in n_values:
            ep = np.asarray(oracle.ep(sampler(rng, (n, reps))))  # reps independent batches as columns
            values[n] = ep
            rows.append(
                {
                    "law": name,
                    "N": n,
                    "mean_EP": round_sig(float(ep.mean())),
                    "se": round_sig(float(ep.std(ddof=1) / math.sqrt(reps))),
                    "N_times_D": round_sig(n * d_pop),
                    "bias_EP_mc": round_sig(float(ep.mean()) - n * d_pop),
                    "bias_EP_exact": round_sig(c_pop),
                    "relative_bias_exact": round_sig(c_pop / (n * d_pop)),
                }
            )
        power = 1.0 if per_sample else 0.0  # bias of EP/N = (bias of EP)/N
        logn = np.log(np.array(n_values, dtype=float))

        def slope(d, d_pop=d_pop, power=power, logn=logn):
            bias = np.array([d[str(n)].mean() - n * d_pop for n in n_values]) / np.array(n_values) ** power
            if np.any(bias <= 0):
                return float("nan")
            return float(np.polyfit(logn, np.log(bias), 1)[0])

        boot = stratified_bootstrap({str(n): v for n, v in values.items()}, slope, rng, reps=boot_reps)
        slopes[name] = boot
        # The theorem's bias is exactly c_F/N: slope −1 for D̂, 0 for EP. ±0.25 absorbs Monte Carlo error in
        # the smallest biases; a bias that did not decay at all (slope 0) or decayed twice as fast is outside.
        verdicts.append(verdict_from_interval(boot.low, boot.high, above=-1.25, below=-0.75))
    first = slopes[laws[0]]
    what = "D̂ = EP/N (the theorem's L̂_N)" if per_sample else "EP as implemented (factor N)"
    near = 1.1  # a batch near the optimum: N(0, 1.1²)
    rel16 = float(oracle.expected_ep(16, 0.0, near) - 16 * oracle.gaussian_distance(0.0, near)) / float(
        16 * oracle.gaussian_distance(0.0, near)
    )
    return Outcome(
        verdict=combine_verdicts(verdicts),
        estimate=first.estimate,
        interval=first.interval,
        interval_method=f"{first.describe()} over Monte Carlo batches, stratified by N; law {laws[0]}",
        n=reps * len(n_values) * len(laws),
        tolerance=Tolerance(
            [-1.25, -0.75],
            "Theorem 6 says bias ∝ 1/N (slope −1); ±0.25 covers Monte Carlo "
            "error of the smallest biases, a non-decaying bias has slope 0",
        ),
        reason=f"log-log slope of the bias of {what} in N: "
        + ", ".join(f"{k} {v.estimate:.3f} [{v.low:.3f}, {v.high:.3f}]" for k, v in slopes.items())
        + "; with the factor N the absolute bias is the constant c_F (D7)",
        detail={
            "statistic": what,
            "slopes": {k: {"estimate": v.estimate, "interval": [v.low, v.high]} for k, v in slopes.items()},
            "rows": rows,
            "relative_bias_at_N16_for_N(0,1.1^2)": round_sig(rel16),
            "note": "Relative bias c_F/(N·D) is O(1/N) but large where D is small: near the optimum, e.g. "
            "N(0, 1.1²), it exceeds 10 at N = 16, so 'not a concern even for minibatches of 16' holds only "
            "far from the optimum.",
        },
    )


@claim(
    id="C19-minibatch-bias",
    version=2,
    paper="arXiv:2511.08544v3 §5.1, Theorem 6",
    tier="cpu-fast",
    budget_s=20,
    statement="The minibatch estimate of the SIGReg loss has bias (1/N)∫w(1 − |φ_F|²)dt = O(1/N), "
    "'not a concern even for minibatches as small as 16'",
    paper_numbers={"bias_order": "O(1/N)", "smallest_safe_batch": 16},
    discrepancies=("D7",),
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    """Judged: s*(16). Reported: the bias slope of D̂ = EP/N (−1 by the identity) and EP's O(1) bias (D7)."""
    slope = core(rng)
    outcome = scale_outcome(
        16, detail={"bias_slope_identity": {"verdict": slope.verdict, "reason": slope.reason, **slope.detail}}
    )
    return with_control(outcome, "the same judge at N = 128 (s* = 0.992)", scale_outcome(128))
