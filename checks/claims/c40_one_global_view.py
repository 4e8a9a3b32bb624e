"""C40-one-global-view: Table 1b, recorded as cited (paper scale); the small-scale analogue is named, not run."""

from __future__ import annotations

import numpy as np

from ..registry import Outcome, claim, not_run

REASON = (
    "cited, not run: each cell is a ViT-L/14 ImageNet-1k pretraining. Small-scale analogue that would test it: "
    "the replication's training with global_views = 1 vs 2 at views = 4 and 8 (python -m repro train "
    "--global-views 1 --views 8, 3 seeds, MNIST-5k, frozen probes), not part of this set"
)


@claim(
    id="C40-one-global-view",
    version=1,
    paper="arXiv:2511.08544v3 §6.1, Table 1b",
    tier="full",
    budget_s=1,
    statement="One global view degrades accuracy: with V_g = 1, 53.06 / 58.65 / 64.46 / 68.97 % at V = 4 / 6 / 8 / 10 "
    "views, against 72.26 / 73.07 / 74.24 / 74.06 % with V_g = 2 (ViT-L/14, ImageNet-1k, 100 epochs)",
    paper_numbers={"V_g_1": [53.06, 58.65, 64.46, 68.97], "V_g_2": [72.26, 73.07, 74.24, 74.06], "V": [4, 6, 8, 10]},
    basis="cited",
)
def check(rng: np.random.Generator) -> Outcome:
    return not_run(REASON)
