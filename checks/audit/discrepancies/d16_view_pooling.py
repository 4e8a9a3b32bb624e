"""D16: views pooled per view vs flattened."""

from __future__ import annotations

import numpy as np

from core.stats import mean_interval

from ...report.format import fmt_interval
from .. import battery
from ..registry import Context, Finding, discrepancy
from .shared import det, fmt


@discrepancy(
    id="D16",
    title="views pooled per view vs flattened",
    statement="R1 on (V,N,D), R2 and P2 average per-view statistics; P1 flattens V·N samples into one.",
    variants=("R1", "R2", "P1", "P2", "P3"),
    locus="docs/discrepancies.md#d16; lejepa#45; stable-pretraining#413",
    detection_variants=("R1", "R2", "P1", "P2", "P3"),
    detection_laws=("views-near", "views-indep"),
    paper_says="LeJEPA loss (Algorithm 2, v3): sigreg = mean over views of SIGReg(z_v), per view with one "
    "shared set of directions; the author in lejepa#45: per view is the default (leading "
    "dimensions are averaged)",
    code_does="R1 on (V, N, K), R2 (MINIMAL.md) and P2 (lightly) average per-view statistics; P1 "
    "(stable-pretraining LeJEPA._compute_loss) flattens the V·N embeddings into one sample "
    "(stable-pretraining#413)",
)
def conclude(ctx: Context) -> Finding:
    near = ctx.values("P1", "views-near") / ctx.values("R1", "views-near")
    indep = ctx.values("P1", "views-indep") / ctx.values("R1", "views-indep")
    est, low, high = mean_interval(near)
    shown = fmt_interval(est, (low, high), style="g")
    same = {
        v: float(np.max(np.abs(ctx.values(v, "views-near") - ctx.values("R1", "views-near"))))
        for v in ("R2", "P2", "P3")
        if v in ctx.main()["raw"]
    }
    r1, p1 = ctx.row("R1", "views-near"), ctx.row("P1", "views-near")
    size = ctx.main()["size"]
    return Finding(
        verdict="confirmed" if low > 2.0 else "refuted",
        effect=f"V=4 near-identical views of N={size['n'] // battery.VIEWS} each: per view (R1) {fmt(r1['mean'])} vs "
        f"flattened (P1) {fmt(p1['mean'])}, ratio {shown}; independent views: ratio "
        f"{fmt(float(np.mean(indep)))}; R2/P2 − R1 on views: max |Δ| "
        + ", ".join(f"{v} {d:.1g}" for v, d in same.items()),
        estimate=est,
        interval=(low, high),
        basis="derived",
        interval_method="P1/R1 per seed on near-identical views, Student t 95 %",
        criterion="confirmed when the 95 % interval of P1/R1 on near-identical views lies above 2",
        paper_vs_measured="docs/variants.md#peers (V=4, N=128 per view, K=64): 1.154 per view vs 4.614 flattened",
        variant_behaviour={
            "R1": f"per view: near-identical views {fmt(r1['mean'])} ({det(r1)} detected)",
            **{v: f"per view: max |Δ| to R1 on near-identical views {d:.1g}" for v, d in same.items()},
            "P1": f"flattened: near-identical views {fmt(p1['mean'])} ({det(p1)} detected), P1/R1 "
            f"{shown}; independent views P1/R1 {fmt(float(np.mean(indep)))}",
        },
        measurements={
            "ratio_near": [est, low, high],
            "ratio_indep": float(np.mean(indep)),
            "r1_near": r1["mean"],
            "p1_near": p1["mean"],
            "max_abs_diff_to_r1": same,
            "p1_detection_near": det(p1),
            "r1_detection_near": det(r1),
        },
    )
