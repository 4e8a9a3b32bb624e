"""D21: R0 on (V,N,K) takes the ECF across views."""

from __future__ import annotations

from core.stats import mean_interval
from reference import oracle

from ...report.format import fmt_interval
from .. import battery
from ..registry import Context, Finding, discrepancy
from .shared import det, fmt


@discrepancy(
    id="D21",
    title="R0 on (V,N,K) takes the ECF across views",
    statement="Before fd27093 a multi-view input was reduced over dim 0, the view axis: a V-sample statistic "
    "per sample instead of a per-view statistic.",
    variants=("R0", "R1"),
    locus="new (docs/variants.md#r0)",
    detection_variants=("R0", "R1"),
    detection_laws=("views-indep", "views-near"),
    new=True,
    paper_says="paper: SIGReg per view, the ECF taken over the N samples of each view; R1's docstring: input "
    "(*, N, K), statistics over N",
    code_does="R0 (before fd27093): the shadowing EppsPulley takes the ECF mean over dim 0, the view axis of "
    "a (V, N, K) input (a V-sample statistic per sample, no factor N); R1: mean over dim −3, the "
    "samples",
)
def conclude(ctx: Context) -> Finding:
    per_view_n = ctx.main()["size"]["n"] // battery.VIEWS
    ratio = ctx.values("R0", "views-indep") * per_view_n / ctx.values("R1", "views-indep")
    est, low, high = mean_interval(ratio)
    shown = fmt_interval(est, (low, high), style="g")
    near = ctx.row("R0", "views-near")
    return Finding(
        verdict="confirmed" if not (low <= 1.0 <= high) else "refuted",
        effect=f"on (V, N, K) = (4, {per_view_n}, K) independent N(0, I) views, R0·N/R1 = {shown} "
        f"instead of ≈1: R0 takes the ECF across the V=4 views of each sample (a 4-sample statistic per sample and "
        f"direction, ≈ {oracle.NULL_MEAN / battery.VIEWS:.3f} under H0) rather than across samples; "
        f"near-identical views: detected {det(near)} by R0 vs {det(ctx.row('R1', 'views-near'))} by R1",
        estimate=est,
        interval=(low, high),
        basis="derived",
        interval_method="R0·(N per view)/R1 per seed on independent views, Student t 95 %",
        criterion="confirmed when the interval excludes 1 (R0 is not a per-view statistic on multi-view input)",
        variant_behaviour={
            "R0": f"independent views: {fmt(ctx.row('R0', 'views-indep')['mean'])} (× N={per_view_n}: "
            f"{shown} × R1); near-identical views detected {det(near)}",
            "R1": f"independent views: {fmt(ctx.row('R1', 'views-indep')['mean'])}; near-identical views detected "
            f"{det(ctx.row('R1', 'views-near'))}",
        },
        measurements={
            "ratio": [est, low, high],
            "r0_mean_indep": ctx.row("R0", "views-indep")["mean"],
            "r0_detection_near": det(near),
        },
    )
