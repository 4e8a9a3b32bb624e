"""C27-no-predictor-teacher, CPU analogue: do a predictor or an EMA teacher change anything on MNIST-5k beyond the
margin?

Judged on the replication's E7 runs (3 seeds, paired by seed): "+ predictor" and "+ EMA teacher" against the plain
LeJEPA run, by an equivalence test with the margin below, fixed before the runs. SWA and register tokens (ViT
only) are not part of the analogue.
"""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim
from ._analogue import NO_CHANGE_MARGIN, SCALE, no_change_against

MARGIN = NO_CHANGE_MARGIN  # points; the reason is in _analogue.NO_CHANGE_MARGIN
ARMS = ("+ predictor", "+ EMA teacher")


@claim(
    id="C27-no-predictor-teacher",
    version=2,
    paper="arXiv:2511.08544v3 §6.1, Table 4, Table 1e",
    tier="cpu-full",
    budget_s=10,
    statement=(
        "Neither a predictor nor a teacher–student scheme is needed; SWA gives a small gain for ViTs; register "
        "tokens are not needed"
    ),
    paper_numbers={"table4_resnet50_3layer_noSWA_noPred": 83.93},
    discrepancies=(),
    scale=SCALE,
)
def check(rng: np.random.Generator) -> Outcome:
    what = "a predictor, or an EMA teacher, against plain LeJEPA"
    return no_change_against("E7", "mnist5k/baseline", MARGIN, what, ARMS)
