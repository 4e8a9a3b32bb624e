"""C27-no-predictor-teacher: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: 400-epoch ImageNet-100 trainings per ablation cell"


@claim(
    id="C27-no-predictor-teacher",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Table 4, Table 1e",
    tier="full",
    budget_s=1,
    statement=(
        "Neither a predictor nor a teacher–student scheme is needed; SWA gives a small gain for ViTs; register "
        "tokens are not needed"
    ),
    paper_numbers={"table4_resnet50_3layer_noSWA_noPred": 83.93},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
