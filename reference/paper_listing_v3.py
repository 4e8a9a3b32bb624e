"""V3: SIGReg as the corrected listing computes it (arXiv 2511.08544 v3, 2025-11-14, Algorithm 1).

The same listing as V1 with the one correction the author announced on galilai-group/lejepa#2: the ECF is
built from the projections x @ A, so it returns one statistic per direction, a (num_slices,) vector, still
without the mean over directions that Definition 2 of the paper asks for (discrepancy D4).
"""

from __future__ import annotations

import torch

from ._provenance import Deviation, Source
from ._variant import Variant
from .paper_listing_v1 import PaperListingV1

SOURCE = Source(
    name="paper listing, corrected (Algorithm 1, SIGReg with x @ A)",
    origin="arXiv:2511.08544",
    revision="v3 (2025-11-14)",
    path="Algorithm 1 (SIGReg with Epps-Pulley, DDP) and Algorithm 2 (LeJEPA loss)",
    lines=None,
    license="arXiv non-exclusive distribution licence (paper text)",
    retrieved="2026-11-28",
    note="Still not runnable as printed: undefined all_reduce, world_size, forward, bs, K, mean; glob_views typo (D2).",
)

DEVIATIONS = (
    Deviation(
        "V3-1",
        what="all_reduce(AVG) of the ECF is the identity and world_size = 1",
        why="the listing's all_reduce and world_size are undefined (D2); single-process contract",
        effect="none in a single process",
        test="tests/test_reference.py::test_v3_matches_sliced_oracle_on_fine_grid",
    ),
    Deviation(
        "V3-2",
        what="accepts (V, N, K) and returns the mean over views of the per-view (M,) vectors",
        why="Algorithm 2 calls SIGReg once per view and averages; the listing itself takes (N, K)",
        effect="none per view",
        test="tests/test_reference.py::test_multiview_is_mean_of_views",
    ),
    Deviation(
        "V3-3",
        what="directions are an argument instead of a global_step-seeded draw",
        why="the contract compares variants on identical directions",
        effect="none: draw_directions(K, M, step) is the listing's draw",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
)


class PaperListingV3(PaperListingV1):
    id = "V3"
    title = "paper listing v3 (x @ A applied: per-direction EP, [-5,5]x17, no mean)"
    source = SOURCE
    deviations = DEVIATIONS
    uses_directions = True
    returns = "vector (M,): one value per direction"

    def evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return Variant.evaluate(self, x, directions)

    def _statistic_input(self, view: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return view @ directions.detach().to(device=view.device, dtype=torch.float32)
