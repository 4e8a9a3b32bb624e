"""C2-datasets-architectures: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: dozens of architectures pretrained on image datasets, each for hundreds of epochs on GPUs"


@claim(
    id="C2-datasets-architectures",
    version=1,
    paper="arXiv:2511.08544v3 Abstract, §6",
    tier="full",
    budget_s=1,
    statement=(
        "LeJEPA works across 10+ datasets and 60+ architectures (about 50 architectures from 8 families under "
        "20M parameters on ImageNet-10)"
    ),
    paper_numbers={"datasets": "10+", "architectures": "60+", "small_models_inet10": "~50 from 8 families"},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
