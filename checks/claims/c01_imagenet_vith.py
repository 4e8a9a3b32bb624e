"""C1-imagenet-vith: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "needs paper scale: ImageNet-1k pretraining of a ViT-H/14 (thousands of GPU-hours); no LeJEPA ViT-H/14 table "
    "was seen in the v3 text read, which does not show there is none (D12: the §6.4 text gives ViT-L 77.1, "
    "ConvNeXtV2-H 78.5)"
)


@claim(
    id="C1-imagenet-vith",
    version=1,
    paper="arXiv:2511.08544v3 Abstract",
    tier="full",
    budget_s=1,
    statement="ImageNet-1k pretraining with a frozen linear probe reaches 79% top-1 with a ViT-H/14",
    paper_numbers={"top1": 79.0, "architecture": "ViT-H/14"},
    discrepancies=("D12",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
