"""C25-batch-size: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: ViT-L/14 pretraining on ImageNet-1k per batch size"


@claim(
    id="C25-batch-size",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Table 1b/1c",
    tier="full",
    budget_s=1,
    statement="Batch size 128 is competitive (72.20 vs 74.72 at 512); V_g = 2 global views transfer well",
    paper_numbers={"batch_128": 72.2, "batch_256": 74.15, "batch_512": 74.72, "batch_1024": 74.07},
    discrepancies=("D5",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
