"""D20: paper grid aliasing: a shift by 2π/0.625 is invisible to V1."""

from __future__ import annotations

import torch

import reference
from reference import oracle

from .._common import ALPHA
from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import det, fmt, pair


@discrepancy(
    id="D20",
    title="paper grid aliasing: a shift by 2π/0.625 is invisible to V1",
    statement="The listing's grid has step 0.625, so its statistic is periodic with period 10.05 in every "
    "sample: V1 cannot see a per-coordinate mean shift by that period, and the paper grid "
    "under-measures wide data.",
    variants=("V1", "V3", "R1"),
    locus="new (docs/oracle.md#o6)",
    detection_variants=("V1", "V3", "R1"),
    detection_laws=("shift-P", "wide"),
    new=True,
    paper_says="Algorithm 1 and Table 1a: 17 knots on [−5, 5] (step 0.625), trapezoid; §5.1: 17 knots "
    "suffice, the error falls faster than quadratically; paper: silent on aliasing (a grid of "
    "step h makes the statistic periodic in every sample with period 2π/h = 10.05)",
    code_does="R1, R2, P1, P2: [0, 3]×17 folded (step 0.1875, period 33.5), so a shift by 10.05 is seen; "
    "only the listings (V1, V3) use the paper grid",
)
def conclude(ctx: Context) -> Finding:
    v1, r1 = ctx.row("V1", "shift-P"), ctx.row("R1", "shift-P")
    g = torch.Generator().manual_seed(ctx.plan.seed)
    y = torch.randn(256, 1, generator=g, dtype=torch.float64)
    period = oracle.wrap_period(oracle.PAPER_GRID[0])
    shifted = y + period
    listing = reference.get("V1")
    v_y, v_shift = float(listing.evaluate(y.float(), None)[0]), float(listing.evaluate(shifted.float(), None)[0])
    exact_y, exact_shift = float(oracle.ep(y.numpy()[:, 0])), float(oracle.ep(shifted.numpy()[:, 0]))
    wide = {v: ctx.row(v, "wide")["ratio_to_own_oracle"] for v in ("V1", "V3", "R1") if v in ctx.main()["raw"]}
    low, high = v1["detection_interval"]
    confirmed = high < 0.5 and r1["detection_interval"][0] > 0.8
    v3 = ctx.row("V3", "shift-P")
    shifted_by = {
        "V1": f"shift by {period:.2f}: {fmt(v1['mean'])} ({det(v1)} detected); one N(0,1) sample {fmt(v_y, 6)} → "
        f"{fmt(v_shift, 6)} (exact {fmt(exact_y, 4)} → {fmt(exact_shift, 6)})",
        "V3": f"shift by {period:.2f}: {fmt(v3['mean'])} ({det(v3)} detected), "
        f"{fmt(v3.get('ratio_to_own_oracle'))} of the exact value",
        "R1": f"shift by {period:.2f}: {fmt(r1['mean'])} ({det(r1)} detected)",
    }
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=f"every coordinate shifted by 2π/0.625 = {period:.4f}: V1 {fmt(v1['mean'])} (own null "
        f"{fmt(v1['null_mean'])}, detected {det(v1)}) vs R1 {fmt(r1['mean'])} ({det(r1)}); on one N(0,1) sample "
        f"V1 gives {fmt(v_y, 6)} before and {fmt(v_shift, 6)} after the shift while the exact statistic goes "
        f"{fmt(exact_y, 4)} → {fmt(exact_shift, 6)}; V3 (same grid, projected shift) gets "
        f"{fmt(ctx.row('V3', 'shift-P').get('ratio_to_own_oracle'))} of the exact value; N(0, 10²): value / exact "
        + ", ".join(f"{v} {fmt(r)}" for v, r in wide.items()),
        estimate=v1["detections"] / v1["n_seeds"],
        interval=(low, high),
        interval_method=f"V1 detection rate on the shift by the paper grid's period at α={ALPHA}, Clopper–Pearson 95 %",
        criterion="confirmed when V1 (paper grid) misses the period shift (upper bound < 0.5) that R1 detects "
        "(lower bound > 0.8)",
        paper_vs_measured="docs/oracle.md#o6 (oracle fact, not a D-entry): a mean shift of ≈10.05 is invisible to the "
        "paper grid; N(0,10²) under-measured by 27 %",
        variant_behaviour={v: text + f"; N(0, 10²): value/exact {fmt(wide.get(v))}" for v, text in shifted_by.items()},
        measurements={
            "v1_shift": pair(ctx, "V1", "shift-P"),
            "r1_shift": pair(ctx, "R1", "shift-P"),
            "one_sample": {"v1": [v_y, v_shift], "exact": [exact_y, exact_shift]},
            "wide_ratio_to_own_oracle": wide,
            "period": period,
        },
    )


@negative_control("D20")
def control(ctx: Context) -> dict:
    r1 = ctx.row("R1", "shift-P")
    return control_record(
        "the rule's 'misses the shift' applied to R1 (official grid, period 33.5)",
        "confirmed" if r1["detection_interval"][1] < 0.5 else "refuted",
        r1["detections"] / r1["n_seeds"],
    )
