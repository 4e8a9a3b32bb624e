"""D13: R0 vs R1: the same public name, N times smaller."""

from __future__ import annotations

import numpy as np

from core.stats import mean_interval
from reference import oracle

from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import fmt, same_data_ratio


@discrepancy(
    id="D13",
    title="R0 vs R1: the same public name, N times smaller",
    statement="Before fd27093 `lejepa.univariate.EppsPulley` meant a statistic N times smaller (no factor N): "
    "effective λ/N for four weeks.",
    variants=("R0", "R1"),
    locus="docs/discrepancies.md#d13; lejepa fd27093",
    jobs=("r0_r1",),
    paper_says="paper: EP carries the prefactor N (Algorithm 1 multiplies by N·world_size); README: "
    "`lejepa.univariate.EppsPulley` is the statistic to use, with no note that its meaning "
    "changed",
    code_does="R0 (cd5567a … 4a4d111, 12 Nov – 8 Dec 2025): the public name resolved to a second, shadowing "
    "class: complex ECF, t ∈ [−3, 3], 10 knots, torch.trapz, no factor N; R1 (fd27093 onward): the "
    "×N statistic on [0, 3]×17 folded",
)
def conclude(ctx: Context) -> Finding:
    res = ctx.get("r0_r1")
    ns = sorted(int(n) for n in res["gaussian"])
    per_n = {n: mean_interval(np.asarray(res["gaussian"][n]["value_ratio"]) / n) for n in ns}
    expected = oracle.grid_null_mean(*oracle.OFFICIAL_GRID) / oracle.grid_null_mean(*oracle.R0_GRID)
    cos = {law: {n: float(np.mean(res[law][n]["grad_cos"])) for n in ns} for law in res}
    ok = all(0.9 < per_n[n][1] and per_n[n][2] < 1.1 for n in ns)
    n_main = ns[-1]
    return Finding(
        verdict="confirmed" if ok else "refuted",
        effect=f"(R1/R0)/N under H0: {', '.join(f'N={n}: {fmt(per_n[n][0], 4)}' for n in ns)} (exact ratio of the "
        f"grids' null means {expected:.5f}): R0 is N times smaller (effective λ/N); gradient cosine R0 vs R1 "
        + ", ".join(f"{law} {fmt(cos[law][n_main], 3)}" for law in cos)
        + f" at N={n_main}",
        estimate=per_n[n_main][0],
        interval=(per_n[n_main][1], per_n[n_main][2]),
        interval_method=f"(R1/R0)/N on N(0, I) at N={n_main}, K={ctx.plan.main.k}, M={ctx.plan.main.m}, "
        f"{ctx.plan.d13[1]} samples, Student t 95 %",
        criterion="confirmed when (R1/R0)/N has a 95 % interval inside (0.9, 1.1) at every N",
        paper_vs_measured="docs/variants.md#peers: ×513 at N=512 (513.1, gradient ×512.3, cosine 1.0000)",
        variant_behaviour={
            "R0": f"no factor N: (R1/R0)/N {', '.join(f'{fmt(per_n[n][0], 4)} (N={n})' for n in ns)}; gradient "
            "cosine to R1 " + ", ".join(f"{law} {fmt(cos[law][n_main], 3)}" for law in cos) + f" (N={n_main})",
            "R1": "×N: R1/R0 " + ", ".join(f"{fmt(per_n[n][0] * n, 4)} (N={n})" for n in ns),
        },
        measurements={
            "ratio_over_n": {n: list(per_n[n]) for n in ns},
            "exact_null_mean_ratio": expected,
            "grad_cosine": cos,
            "grad_ratio_over_n": {law: {n: float(np.mean(res[law][n]["grad_ratio"])) / n for n in ns} for law in res},
        },
    )


@negative_control("D13")
def control(ctx: Context) -> dict:
    n = ctx.plan.main.n
    est, low, high = same_data_ratio(ctx, "gaussian", "R1", "R2", scale=1.0 / n)
    return control_record(
        "the rule applied to R1 vs R2 (both with the factor N)",
        "confirmed" if 0.9 < low and high < 1.1 else "refuted",
        est,
    )
