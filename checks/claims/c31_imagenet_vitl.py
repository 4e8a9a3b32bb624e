"""C31-imagenet-vitl-transfer: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = "needs paper scale: ImageNet-1k pretraining of ViT-L and ConvNeXtV2-H"


@claim(
    id="C31-imagenet-vitl-transfer",
    version=1,
    paper="arXiv:2511.08544v3 §6.4 (text: 77.1, 78.5), Table 2 (transfer)",
    tier="full",
    budget_s=1,
    statement=(
        "Online linear probe on ImageNet-1k (§6.4 text): ViT-L 77.1%, ConvNeXtV2-H 78.5%. Table 2, frozen few-shot "
        "transfer averaged over 8 datasets: LeJEPA ViT-L (100 epochs) 29.55/60.95/79.48 (1-shot/10-shot/all) vs "
        "I-JEPA ViT-H (300 epochs) 30.20/60.51/78.50, i.e. below it at 1 shot and above at 10 shots and all labels, "
        "with a claimed 3× reduction in training"
    ),
    paper_numbers={
        "vitl_top1": 77.1,
        "convnextv2h_top1": 78.5,
        "transfer_avg_vitl": {"1shot": 29.55, "10shot": 60.95, "all": 79.48},
        "transfer_avg_ijepa_vith_300ep": {"1shot": 30.20, "10shot": 60.51, "all": 78.50},
        "training_reduction": "3x",
    },
    discrepancies=("D12",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
