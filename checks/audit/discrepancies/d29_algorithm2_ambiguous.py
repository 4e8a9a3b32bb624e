"""D29: Algorithm 2 is ambiguous: global views forwarded twice; embedding or projector output."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D29",
    title="Algorithm 2 is ambiguous: global views forwarded twice; embedding or projector output",
    statement="Algorithm 2 forwards the global views on their own and again among all views, and does not say "
    "whether the prediction term and SIGReg act on the backbone embedding or the projector output.",
    variants=(),
    locus="paper Algorithm 2 (v3); ResNet caption",
    new=True,
    paper_says="Algorithm 2 (v3 listing): the global views are passed through the network separately and again "
    "as part of all views (a ResNet caption even sets global_views = all_views); the listing does not say "
    "whether the losses use the embedding or a projector's output",
    code_does="R2 (MINIMAL.md): both terms on a 16-dim projector output, the probe on the backbone embedding "
    "(asked in lejepa#17, #42); the replication here (repro/train/) forwards the V views once, takes the "
    "first V_g as global and applies both terms to the projector output",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual: the listing's semantics are ambiguous and nothing executable settles which was meant; "
        "small-scale analogues: train with both terms on the backbone embedding vs the projector output "
        "(python -m repro train --set proj_dim=…), and with the global views' embeddings reused vs "
        "recomputed (equal without dropout or train-mode BatchNorm, different with them)"
    )
