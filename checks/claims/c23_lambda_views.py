"""C23-lambda-views-stable: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: a λ × V grid of 400-epoch ResNet-50 trainings on ImageNet-100"


@claim(
    id="C23-lambda-views-stable",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Fig. 8, Table 7",
    tier="full",
    budget_s=1,
    statement=(
        "Downstream accuracy is stable across λ and the number of views on ImageNet-100 (ResNet-50, 400 "
        "epochs); λ = 0.05 recommended"
    ),
    paper_numbers={"best_top1": 84.68, "best_cell": {"V": 4, "lambda": 0.02}, "recommended_lambda": 0.05},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
