"""C39-projector-dimension: Table 1d, recorded as cited (paper scale); the small-scale analogue is named, not run."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "cited, not run: each cell is a ViT-L/14 ImageNet-1k pretraining. Small-scale analogue that would test the "
    "ordering: the replication's encoder with proj_dim ∈ {16, 64, 256} (python -m repro train --set proj_dim=…, "
    "3 seeds, MNIST-5k, frozen linear and 10-shot probes; about 1 CPU-minute per run), not part of this set"
)


@claim(
    id="C39-projector-dimension",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Table 1d",
    tier="full",
    budget_s=1,
    statement="A projector output of dimension 64 is best: 75.29–75.65 % top-1 across (slices, embedding dim) "
    "∈ {1024, 4096} × {512, 2048}, falling to 73.65–74.79 % at 1024 (ViT-L/14, ImageNet-1k, 100 epochs)",
    paper_numbers={
        "proj_dim_64": [75.29, 75.32, 75.50, 75.65],
        "proj_dim_1024": [73.65, 73.94, 74.71, 74.79],
        "columns": "(slices, embedding dim) = (1024, 512), (1024, 2048), (4096, 512), (4096, 2048)",
    },
    basis="cited",
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
