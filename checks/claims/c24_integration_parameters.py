"""C24-integration-parameters, CPU analogue: do the integration range, the knot count and the number of
directions leave linear-probe accuracy unchanged on MNIST-5k?

Judged on the replication's E3 grid (t_max ∈ {1, 3, 5} × knots ∈ {5, 17, 41} at 64 directions, and 512 directions
at the default grid; 3 seeds): every cell against the default (17 knots on [0, 3], 64 directions), paired by seed,
by an equivalence test with the margin below, fixed before the runs. The paper's "more slices help slightly" is
recorded (the 512-direction cell's difference) but not judged: a slight gain is inside any margin we can resolve.
"""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim
from ._analogue import NO_CHANGE_MARGIN, SCALE, no_change_against

MARGIN = NO_CHANGE_MARGIN  # points; the reason is in _analogue.NO_CHANGE_MARGIN
DEFAULT = "mnist5k/M=64,T=17,t_max=3"


@claim(
    id="C24-integration-parameters",
    version=2,
    paper="arXiv:2511.08544v3 §6.1, Table 1a",
    tier="cpu-full",
    budget_s=10,
    statement=(
        "The integration range and knot count barely matter; more slices help slightly (ViT-L/14, ImageNet-1k, "
        "100 epochs)"
    ),
    paper_numbers={"[-5,5]_17_knots_512_slices": 74.21, "recommended": {"knots": 17, "range": [-5, 5], "slices": 1024}},
    discrepancies=("D8",),
    scale=SCALE,
)
def check(rng: np.random.Generator) -> Outcome:
    what = "each range × knots cell and 512 directions against the default"
    return no_change_against("E3", DEFAULT, MARGIN, what)
