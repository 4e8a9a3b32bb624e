"""C5-single-hyperparameter, CPU analogue: do an EMA teacher with stop-gradient or dropping the learning-rate
schedule change anything on MNIST-5k beyond the margin?

Judged on the replication's E7 runs (3 seeds, paired by seed): "+ EMA teacher" and "constant learning rate"
against the plain LeJEPA run, by an equivalence test with the margin below, fixed before the runs. The λ part of
the claim (one trade-off suffices) is C23's grid.
"""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim
from ._analogue import NO_CHANGE_MARGIN, SCALE, no_change_against

MARGIN = NO_CHANGE_MARGIN  # points; the reason is in _analogue.NO_CHANGE_MARGIN
ARMS = ("+ EMA teacher", "constant learning rate")


@claim(
    id="C5-single-hyperparameter",
    version=2,
    paper="arXiv:2511.08544v3 Abstract (single trade-off hyperparameter); λ = 0.05 recommended in §6.1, Table 7",
    tier="cpu-full",
    budget_s=10,
    statement="One trade-off hyperparameter λ suffices; no stop-gradient, teacher–student or schedulers are needed",
    paper_numbers={"lambda": 0.05},
    discrepancies=(),
    scale=SCALE,
)
def check(rng: np.random.Generator) -> Outcome:
    what = "an EMA teacher, or a constant learning rate, against plain LeJEPA"
    return no_change_against("E7", "mnist5k/baseline", MARGIN, what, ARMS)
