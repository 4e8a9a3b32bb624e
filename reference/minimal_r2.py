"""R2: the SIGReg class of the official repository's MINIMAL.md (re-implemented from reading).

Same statistic as R1 (17 knots on [0, 3], folded trapezoid, cos/sin means over the sample axis, times the
local N) without any distributed code, applied to the projector output of shape (V, N, D): 256 fresh
directions from the *global* RNG on every call (`randn(D, 256)` on a hard-coded CUDA device, columns
normalised), statistic per view and direction, then the mean over both.
Licence of the source: CC BY-NC 4.0.
"""

from __future__ import annotations

import torch

from ._ecf import cos_sin_error, folded_trapezoid
from ._provenance import Deviation, Source
from ._variant import Variant, global_rng_directions

SOURCE = Source(
    name="MINIMAL.md minimal example: class SIGReg",
    origin="rbalestr-lab/lejepa",
    revision="eddffdd857a19726342ef6526e01021fb3c32cae",
    path="MINIMAL.md (python block, class SIGReg); added in 631654a (2025-11-20), unchanged since",
    lines=(57, 75),
    license="CC-BY-NC-4.0",
    retrieved="2026-11-28",
)

DEVIATIONS = (
    Deviation(
        "R2-1",
        what="runs on the input's device; the source hard-codes device='cuda' for the directions",
        why="CPU-only CI; on a CPU tensor the source cannot run at all",
        effect="none on the value for given directions",
        test="tests/test_reference.py::test_r2_runs_on_cpu_and_equals_golden",
    ),
    Deviation(
        "R2-2",
        what="directions are an argument (any M) instead of randn(D, 256) from the global RNG each call",
        why="the contract compares variants on identical directions; only entry points may seed",
        effect="none for M = 256: draw_directions(K, 256, step) is the source's draw on its call number `step` "
        "after torch.manual_seed(0)",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
)


class SIGReg:
    """The tutorial's module with its own parameter names: proj (*, N, D), A (D, M) -> scalar."""

    def __init__(self, knots: int = 17):
        self.t, self.phi, self.weights = folded_trapezoid(3.0, knots)

    def __call__(self, proj: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        err = cos_sin_error(proj @ A, self.t, self.phi)
        statistic = (err @ self.weights.to(proj.device)) * proj.size(-2)
        return statistic.mean()


class MinimalR2(Variant):
    id = "R2"
    title = "MINIMAL.md SIGReg (256 fresh global-RNG directions, per-view mean)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self, knots: int = 17):
        self.sigreg = SIGReg(knots=knots)

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        A = directions.detach().to(device=x.device, dtype=torch.float32)
        return self.sigreg(x, A)

    def draw_directions(self, dim: int, num_slices: int = 256, step: int = 0) -> torch.Tensor:
        # The source draws randn(D, 256) from the global RNG on every call, continuing one stream: `step` is
        # the call number after torch.manual_seed(0).
        return global_rng_directions(dim, num_slices, call=step)
