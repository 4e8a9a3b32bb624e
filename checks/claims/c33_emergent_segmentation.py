"""C33-emergent-segmentation: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: a large pretrained model; the claim is qualitative (figures), with no number to test"


@claim(
    id="C33-emergent-segmentation",
    version=1,
    paper="arXiv:2511.08544v3 §6.5, Fig. 13/14",
    tier="full",
    budget_s=1,
    statement="Emergent object segmentation and semantic PCA maps (qualitative)",
    paper_numbers={},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
