"""D12: abstract's 79 % with ViT-H/14: no supporting table seen."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D12",
    title="abstract's 79 % with ViT-H/14: no supporting table seen",
    statement="The abstract claims 79 % with a ViT-H/14; the §6.4 text gives ViT-L 77.1 %, ConvNeXtV2-H 78.5 %, and no "
    "ViT-H/14 table was seen (which does not show there is none).",
    variants=(),
    locus="docs/discrepancies.md#d12; paper abstract, §6.4",
    paper_says="Abstract: '79% with a ViT-H/14' (ImageNet-1k, frozen linear eval); the §6.4 text gives "
    "ViT-L 77.1 % and ConvNeXtV2-H 78.5 % (online linear probe); Table 2 holds few-shot transfer averages "
    "only; a LeJEPA ViT-H/14 number or table was not seen in the v3 text read (not seen, not shown absent)",
    code_does="not applicable (a reported-result claim); the README at eddffdd has LeJEPA rows for ViT-L "
    "only (its all-label transfer average is 79.48) and ViT-H rows for I-JEPA only",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual claim about the paper's tables; needs ImageNet-scale training to test and the "
        "paper text, neither available here (recorded from docs/discrepancies.md)"
    )
