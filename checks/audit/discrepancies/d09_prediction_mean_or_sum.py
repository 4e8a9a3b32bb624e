"""D9: prediction term: mean over K (listing) vs sum over K (equation)."""

from __future__ import annotations

import torch

from ..registry import Context, Finding, discrepancy
from .shared import fmt


@discrepancy(
    id="D9",
    title="prediction term: mean over K (listing) vs sum over K (equation)",
    statement="The listing averages the prediction term over K, the equation sums: the λ balance differs by K.",
    variants=("V1", "V3"),
    locus="docs/discrepancies.md#d9",
    paper_says="LeJEPA equation: prediction term summed over the K embedding dims (squared norm); Algorithm "
    "2: .mean() over views, samples and K",
    code_does="R2 (MINIMAL.md), P1 and P2 all take (centres − z).square().mean(), the mean over K like the "
    "listing; R0/R1 ship no loss",
)
def conclude(ctx: Context) -> Finding:
    size = ctx.plan.main
    g = torch.Generator().manual_seed(ctx.plan.seed)
    views = torch.randn(4, size.n, size.k, generator=g)
    centre = views[:2].mean(0)
    listing = (centre - views).square().mean()  # mean over views, samples and dims
    equation = (centre - views).square().sum(-1).mean()  # sum over dims, mean over views and samples
    ratio = float(equation / listing)
    return Finding(
        verdict="confirmed" if abs(ratio - size.k) < 1e-3 * size.k else "refuted",
        effect=f"the equation's prediction term (sum over K) is {fmt(ratio, 6)}× the listing's (mean over K) at "
        f"K={size.k}: at fixed λ the listing weights SIGReg K times more relative to the prediction term",
        estimate=ratio,
        interval=None,
        interval_method="exact ratio on one batch (deterministic)",
        basis="derived",
        criterion="confirmed when the ratio equals K; the equation's sum over K is cited from docs/discrepancies.md#d9",
        variant_behaviour={
            vid: f"prediction term mean over K: the equation's sum over K is {fmt(ratio, 6)}× it at K={size.k}"
            for vid in ("V1", "V3")
        },
        measurements={"k": size.k, "ratio": ratio},
    )
