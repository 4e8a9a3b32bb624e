"""C5-single-hyperparameter: listed like every claim of docs/claims.md; not runnable here (tier gpu)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "needs training runs on a GPU (tier gpu): a λ sweep of short LeJEPA trainings; the CPU training analogue is"
    " repro/'s, not a check of this set"
)


@claim(
    id="C5-single-hyperparameter",
    version=1,
    paper="arXiv:2511.08544v3 Abstract (single trade-off hyperparameter); λ = 0.05 recommended in §6.1, Table 7",
    tier="gpu",
    budget_s=1,
    statement="One trade-off hyperparameter λ suffices; no stop-gradient, teacher–student or schedulers are needed",
    paper_numbers={"lambda": 0.05},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
