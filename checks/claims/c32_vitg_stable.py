"""C32-vitg-stable: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: a 1.8B-parameter ViT-g on ImageNet-1k (the paper also says 'approaching 1 billion': D27)"


@claim(
    id="C32-vitg-stable",
    version=1,
    paper="arXiv:2511.08544v3 Fig. 1, §6.4",
    tier="full",
    budget_s=1,
    statement="Training of a 1.8B-parameter ViT-g on ImageNet-1k is stable (elsewhere the paper gives its scale as "
    "'approaching 1 billion' parameters)",
    paper_numbers={"parameters": "1.8B", "scale_elsewhere": "approaching 1 billion"},
    discrepancies=("D27",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
