"""C29-galaxy10-in-domain: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "needs paper scale: 400-epoch in-domain pretraining (hours on a GPU) and the Galaxy10 data set (hub "
    "download, offline here)"
)


@claim(
    id="C29-galaxy10-in-domain",
    version=1,
    paper="arXiv:2511.08544v3 §6.3, Fig. 12, Table 3",
    tier="full",
    budget_s=1,
    statement=(
        "In-domain LeJEPA pretraining on Galaxy10 beats DINOv2/v3 transfer (e.g. ConvNeXt-V2 Nano full "
        "fine-tune 82.72 vs DINOv3 81.60; frozen 76.52 vs 71.38)"
    ),
    paper_numbers={
        "convnextv2_nano_full_ft": 82.72,
        "dinov3_full_ft": 81.6,
        "convnextv2_nano_frozen": 76.52,
        "dinov3_frozen": 71.38,
    },
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
