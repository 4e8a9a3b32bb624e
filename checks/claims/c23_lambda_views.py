"""C23-lambda-views-stable, CPU analogue: is linear-probe accuracy flat over λ × views on MNIST-5k?

Judged on the replication's E2 grid (λ ∈ {0.01, 0.05, 0.2} × V ∈ {2, 4, 8}, 3 seeds, runs trained to a plateau):
every cell against the default cell (λ = 0.05, V = 4), paired by seed, by an equivalence test (TOST) with the
margin below, fixed before the runs. Not "spread < 2": a flat grid has to be shown equivalent, and too few seeds
leave it inconclusive rather than flat.
"""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim
from ._analogue import NO_CHANGE_MARGIN, SCALE, no_change_against

MARGIN = NO_CHANGE_MARGIN  # points; the reason is in _analogue.NO_CHANGE_MARGIN
DEFAULT = "mnist5k/lambda=0.05,V=4"


@claim(
    id="C23-lambda-views-stable",
    version=2,
    paper="arXiv:2511.08544v3 §6.1, Fig. 8, Table 7",
    tier="cpu-full",
    budget_s=10,
    statement=(
        "Downstream accuracy is stable across λ and the number of views on ImageNet-100 (ResNet-50, 400 "
        "epochs); λ = 0.05 recommended"
    ),
    paper_numbers={"best_top1": 84.68, "best_cell": {"V": 4, "lambda": 0.02}, "recommended_lambda": 0.05},
    discrepancies=(),
    scale=SCALE,
)
def check(rng: np.random.Generator) -> Outcome:
    what = "each λ × V cell against λ = 0.05, V = 4"
    return no_change_against("E2", DEFAULT, MARGIN, what)
