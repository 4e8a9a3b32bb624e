"""C35-minimal-imagenette: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs one GPU for hours (200 min by its own account) and the Imagenette data set (hub download, offline here)"


@claim(
    id="C35-minimal-imagenette",
    version=1,
    paper="MINIMAL.md (rbalestr-lab/lejepa @ eddffdd)",
    tier="full",
    budget_s=1,
    statement=(
        "The minimal example trains a ViT-S/8 on Imagenette (128 px, 800 epochs, batch 256) to 90.7% in 200 "
        "minutes on one GPU"
    ),
    paper_numbers={"top1": 90.7, "minutes": 200, "epochs": 800, "also_says": "about 2h total runtime"},
    discrepancies=(),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
