"""C31-imagenet-vitl-transfer: registered so that every claim of the brief is listed; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: ImageNet-1k pretraining of ViT-L and ConvNeXtV2-H"


@claim(
    id="C31-imagenet-vitl-transfer",
    version=1,
    paper="arXiv:2511.08544v3 §6.4, Table 2",
    tier="full",
    budget_s=1,
    statement=(
        "Online linear probe on ImageNet-1k: ViT-L 77.1%, ConvNeXtV2-H 78.5%; LeJEPA ViT-L (100 epochs) "
        "transfers as well as I-JEPA ViT-H (300 epochs)"
    ),
    paper_numbers={
        "vitl_top1": 77.1,
        "convnextv2h_top1": 78.5,
        "transfer_avg_vitl": {"1shot": 29.55, "10shot": 60.95, "all": 79.48},
    },
    discrepancies=("D12",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
