"""D4: listing returns a per-direction vector."""

from __future__ import annotations

import torch

import reference

from ..registry import Context, Finding, discrepancy
from .shared import fmt, vector_backward


@discrepancy(
    id="D4",
    title="listing returns a per-direction vector",
    statement="The listing returns one value per direction; Definition 2 averages over directions.",
    variants=("V1", "V3"),
    locus="docs/discrepancies.md#d4",
    paper_says="Def. 2 (§4.2): SIGReg = (1/|A|)·Σ_a EP(aᵀz), a mean over directions; Algorithm 1 returns the "
    "unreduced vector (v3, read: M values; V1, from lejepa#2's description: K values)",
    code_does="R0 and R1 (SlicingUnivariateTest, reduction='mean'), R2 (.mean()), P1 and P2 return the "
    "scalar mean over directions (and views)",
)
def conclude(ctx: Context) -> Finding:
    size = ctx.plan.dtype_size
    g = torch.Generator().manual_seed(ctx.plan.seed)
    x = torch.randn(size.n, size.k, generator=g)
    a = torch.randn(size.k, size.m, generator=g)
    a = a / a.norm(dim=0)
    shapes = {vid: list(reference.get(vid).evaluate(x, a).shape) for vid in reference.REGISTRY}
    v3 = reference.get("V3").evaluate(x, a)
    ratio = float(v3.sum() / v3.mean())
    backward = vector_backward()
    vector = shapes["V1"] == [size.k] and shapes["V3"] == [size.m]
    return Finding(
        verdict="confirmed" if vector else "refuted",
        effect=f"V1 returns {shapes['V1']} and V3 {shapes['V3']} (K={size.k}, M={size.m}); every other variant a "
        f"scalar (mean over directions); a caller who sums instead of averaging scales SIGReg by M = {fmt(ratio, 6)}",
        estimate=ratio,
        interval=None,
        basis="derived",
        interval_method="exact: sum / mean of V3's vector",
        criterion="confirmed when the listings return one value per coordinate/direction (no mean)",
        variant_behaviour={
            "V1": f"returns {shapes['V1']} (one value per coordinate, K={size.k}); `.backward()`: "
            f"{backward['V1']['backward'].split(':')[0]}",
            "V3": f"returns {shapes['V3']} (one value per direction, M={size.m}); sum/mean = {fmt(ratio, 6)}; "
            f"`.backward()`: {backward['V3']['backward'].split(':')[0]}",
        },
        measurements={"shapes": shapes, "backward": backward},
    )
