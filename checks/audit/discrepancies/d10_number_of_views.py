"""D10: number of views stated three ways."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D10",
    title="number of views stated three ways",
    statement="Text recommends V_g=2, V_l=8; experiment details say V=8 in total; README says 2+6.",
    variants=(),
    locus="docs/discrepancies.md#d10; paper §6.1",
    paper_says="§6.1 text recommends V_g = 2, V_l = 8; 'Experiment Details 1' uses V = 8 in total (V_g = 2, "
    "so V_l = 6)",
    code_does="README: 2 global (224 px) + 6 local (98 px) views; scripts/launch_inet10.py: n_views=8, "
    "multi_crop=false; MINIMAL.md (R2) recipe: V = 4 views of 128 px",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual claim about the paper's prose and README; no executable content (the paper "
        "text is not available offline; recorded from docs/discrepancies.md)"
    )
