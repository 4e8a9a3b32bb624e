"""D28: the listing's 256 slices vs the text's 1024."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D28",
    title="the listing's 256 slices vs the text's 1024",
    statement="Algorithm 1's default number of slices is 256 while §6.1 / Table 1a recommend 1024.",
    variants=(),
    locus="paper Algorithm 1 (v3); §6.1, Table 1a",
    new=True,
    paper_says="Algorithm 1 (v3 listing): num_slices defaults to 256; §6.1 and Table 1a recommend 17 knots on "
    "[−5, 5] with 1024 slices (Table 1a: more slices help slightly)",
    code_does="R1 takes num_slices from the caller (the README quick start passes 1024); R2 (MINIMAL.md) draws "
    "256; the replication here defaults to 64 (repro/train/config.py)",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual: two defaults for one setting, nothing to execute; small-scale analogue: the replication's "
        "slices sweep (python -m repro replicate --only E3: M = 16/64/256 at cpu scale, 64/256/1024 at gpu "
        "scale) shows whether the choice matters for a small encoder"
    )
