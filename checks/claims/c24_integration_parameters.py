"""C24-integration-parameters: listed like every claim of docs/claims.md; not runnable here (tier full)."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "needs paper scale: ViT-L/14 pretraining on ImageNet-1k per cell; C20 checks the quadrature error itself on CPU"
)


@claim(
    id="C24-integration-parameters",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Table 1a",
    tier="full",
    budget_s=1,
    statement=(
        "The integration range and knot count barely matter; more slices help slightly (ViT-L/14, ImageNet-1k, "
        "100 epochs)"
    ),
    paper_numbers={"[-5,5]_17_knots_512_slices": 74.21, "recommended": {"knots": 17, "range": [-5, 5], "slices": 1024}},
    discrepancies=("D8",),
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
