"""C22-v100-timing: listed like every claim of docs/claims.md; not runnable here (tier gpu)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "needs a GPU (tier gpu): absolute timings on a V100 cannot be re-measured on CPU; C4 checks the linear "
    "scaling on CPU"
)


@claim(
    id="C22-v100-timing",
    version=1,
    paper="arXiv:2511.08544v3 Table 6",
    tier="gpu",
    budget_s=1,
    statement=(
        "SIGReg is fast: on a V100-SXM2-16GB (10 runs) e.g. 0.465 ms at N = 512, M = 512, 16 knots and 26.37 ms"
        " at N = 32768"
    ),
    paper_numbers={
        "ms": {
            "512,512,16": 0.465236,
            "512,512,64": 0.461317,
            "512,512,256": 0.627644,
            "2048,512,16": 1.406441,
            "8192,512,16": 6.188304,
            "8192,8192,16": 8.685009,
            "32768,512,16": 26.373118,
            "512,2048,16": 0.465614,
            "512,8192,16": 0.670379,
        }
    },
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
