"""CAL2: power of EP and SIGReg against moment-matched alternatives (mean 0, variance 1: only the shape differs).

Univariate exact EP (O1) at level 5 % with p-values from its limiting null law (O5), against a unit-variance
uniform, Laplace, Student t5, a bimodal mixture and the five-moment-matched law of C12, at N = 32 … 512; SIGReg
(official grid, M = 32 fresh directions) against the sign-flip law (N(0, 1) marginals, identity covariance) at
K = 16, with a Monte Carlo null at the same (K, M, N). Power curves with Clopper–Pearson intervals. Verdict: the
tests are consistent, i.e. the power at the largest N is at least 0.8 for every alternative.
"""

from __future__ import annotations

import numpy as np

from core.stats import proportion
from reference import oracle

from ..registry import Outcome, Tolerance, claim, combine_verdicts, verdict_from_interval
from ._common import (
    UNIVARIATE_ALTERNATIVES,
    batched,
    fresh_directions,
    isotropic,
    normal,
    rejection,
    sign_flip,
    sliced_grid_values,
    with_control,
)
from .c12_moments_insufficient import moment_matched

ALPHA = 0.05
UNIVARIATE = {**UNIVARIATE_ALTERNATIVES, "moment-matched-5": moment_matched}


def core(
    rng: np.random.Generator,
    n_values: tuple[int, ...] = (32, 64, 128, 256, 512),
    reps: int = 400,
    alternatives: dict | None = None,
    sigreg_law=sign_flip,
    sigreg_shape: tuple[int, int] = (16, 32),
    null_reps: int = 400,
) -> Outcome:
    alternatives = UNIVARIATE if alternatives is None else alternatives
    curves, verdicts = {}, []
    eigs = oracle.null_eigenvalues(50)
    for name, law in alternatives.items():
        curve = {}
        for n in n_values:
            p = oracle.null_sf(np.asarray(oracle.ep(law(rng, (n, reps)))), eigs, method="fft")
            curve[n] = proportion(int(np.sum(p <= ALPHA)), reps)
        curves[f"EP vs {name}"] = curve
    k, m = sigreg_shape
    curve = {}
    for n in n_values:
        null = sliced_grid_values(
            batched(isotropic, rng, null_reps, n, k), fresh_directions(rng, null_reps, k, m)
        ).mean(1)
        values = sliced_grid_values(batched(sigreg_law, rng, reps, n, k), fresh_directions(rng, reps, k, m)).mean(1)
        curve[n] = rejection(values, null, ALPHA)
    curves[f"SIGReg K={k} M={m} vs {getattr(sigreg_law, '__name__', 'law')}"] = curve
    for c in curves.values():
        top = c[n_values[-1]]
        # consistent: power >= 0.8 at the largest N; <= 0.5 (nearer the level than 1) is a failure to detect
        part = verdict_from_interval(top.low, top.high, above=0.8)
        verdicts.append("not-reproduced" if top.high < 0.5 else part)
    weakest = min(curves, key=lambda c: curves[c][n_values[-1]].low)
    top = curves[weakest][n_values[-1]]
    return Outcome(
        verdict=combine_verdicts(verdicts),
        estimate=top.estimate,
        interval=(top.low, top.high),
        interval_method=f"{top.method} on {reps} batches at N = {n_values[-1]}; the weakest curve ({weakest})",
        n=reps * len(n_values) * len(curves),
        tolerance=Tolerance(
            {"detected": 0.8, "missed": 0.5},
            "a consistent test's power tends to 1: >= 0.8 at the largest N counts as detected, <= 0.5 as missed",
        ),
        reason=f"power at level {ALPHA}, N = {'/'.join(map(str, n_values))}: "
        + "; ".join(f"{c} " + "/".join(f"{p.estimate:.2f}" for p in curve.values()) for c, curve in curves.items()),
        detail={
            "curves": {c: {str(n): p.as_dict() for n, p in curve.items()} for c, curve in curves.items()},
            "alpha": ALPHA,
            "null": "EP: limiting law (Imhof); SIGReg: Monte Carlo, same (K, M, N)",
        },
    )


@claim(
    id="CAL2-power",
    version=1,
    paper="suite calibration (docs/oracle.md#o5: power against moment-matched alternatives); no paper claim",
    tier="cpu-slow",
    budget_s=120,
    statement="EP and SIGReg have power tending to 1 against moment-matched non-Gaussian alternatives",
    paper_numbers={},
)
def check(rng: np.random.Generator) -> Outcome:
    outcome = core(rng)
    small = {"n_values": (64, 512), "reps": 80, "null_reps": 100}
    control = core(rng, alternatives={"normal": normal}, sigreg_law=isotropic, **small)
    return with_control(outcome, "Gaussian data in place of the alternatives (no departure to detect)", control)
