"""C26-small-architectures: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: ~50 pretrainings of 400 epochs on ImageNet-10 with cross-validated probes"


@claim(
    id="C26-small-architectures",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Fig. 9",
    tier="full",
    budget_s=1,
    statement=(
        "About 50 timm models under 20M parameters from 8 families reach 91.5%–95% frozen linear-probe top-1 on"
        " ImageNet-10"
    ),
    paper_numbers={"top1_range": [91.5, 95.0], "models": "~50"},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
