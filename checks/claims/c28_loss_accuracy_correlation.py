"""C28-loss-accuracy-correlation: listed like every claim of docs/claims.md; not runnable here (tier gpu)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs a sweep of many training runs (tier gpu); the CPU training engine is repro/'s, not a check of this set"


@claim(
    id="C28-loss-accuracy-correlation",
    version=1,
    paper="arXiv:2511.08544v3 Fig. 1, §6.2, Fig. 11",
    tier="gpu",
    budget_s=1,
    statement=(
        "Training loss predicts downstream accuracy: Spearman 94.52% (about 85% with the plain loss, about 99% "
        "for loss/λ^0.4)"
    ),
    paper_numbers={"spearman_fig1": 0.9452, "spearman_plain": 0.85, "spearman_scaled_alpha_0.4": 0.99},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
