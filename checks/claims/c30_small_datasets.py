"""C30-small-datasets-in-domain: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: per-data-set GPU pretraining; public reproductions report gaps (lejepa#44, lejepa#50)"


@claim(
    id="C30-small-datasets-in-domain",
    version=1,
    paper="arXiv:2511.08544v3 Table 5",
    tier="full",
    budget_s=1,
    statement="In-domain pretraining works on small data sets (e.g. flowers102 with 1,020 samples: resnet18 74.57%)",
    paper_numbers={"resnet18_flowers102": 74.57, "resnet34_cifar100": 70.44},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
