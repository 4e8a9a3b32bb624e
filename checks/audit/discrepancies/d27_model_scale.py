"""D27: the model scale given as 'approaching 1 billion' and as 1.8B."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D27",
    title="the model scale given as 'approaching 1 billion' and as 1.8B",
    statement="The paper describes its largest model both as approaching 1 billion parameters and as a 1.8B ViT-g.",
    variants=(),
    locus="paper Abstract/§1 vs Fig. 1, §6.4",
    new=True,
    paper_says="the text speaks of scales 'approaching 1 billion' parameters; Fig. 1 and §6.4 train a '1.8B' ViT-g",
    code_does="not applicable (paper text)",
)
def conclude(ctx: Context) -> Finding:
    return textual("textual: two figures for one model's size, nothing to execute; C32 needs paper scale")
