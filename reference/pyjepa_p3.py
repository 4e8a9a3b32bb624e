"""P3: SIGReg as pyjepa 0.3.0 computes it (`pyjepa.losses.sigreg.SIGReg`, used by its LeWM trainer; re-implemented
from reading the wheel, not copied).

The statistic of R1/R2 without any distributed code: knots linspace(0, 3, knots) with the folded trapezoid weights
times φ(t) = exp(−t²/2) (float32 buffers), projections `proj @ A` with A = randn(D, num_proj) drawn from the
*global* RNG on every forward in the **input's dtype** and columns divided by their norm (clamped at 1e-8),
means of cos and sin over the batch axis (dim −3 of the (*, B, M, T) tensor), `(err @ weights) · B` with B the
size of dim −2, then the mean over everything. The trainer feeds `emb.transpose(0, 1)`, a (T, B, D) stack of
time steps, so a (V, N, K) input is one statistic per leading slice, averaged: the per-view semantics of R1.
Because the buffers stay float32 while A follows the input: float64 input reaches `err @ weights` as float64 against
float32 weights and raises; bfloat16 input is projected in bfloat16 and promoted to float32 by the knots.
Default num_proj = 1024. Licence of the source: GPL-3.0-or-later (hence no code of it here).
"""

from __future__ import annotations

import torch

from ._provenance import Deviation, Source
from ._variant import Variant, global_rng_directions
from .minimal_r2 import SIGReg

SOURCE = Source(
    name="pyjepa 0.3.0: pyjepa.losses.sigreg.SIGReg (used by pyjepa.training.lewm)",
    origin="pyjepa==0.3.0 (PyPI wheel)",
    revision="0.3.0",
    path="pyjepa/losses/sigreg.py: SIGReg L23-59 (forward L48-59)",
    lines=(23, 59),
    license="GPL-3.0",
    retrieved="2026-11-30",
    note="The wheel's project URLs are placeholders (github.com/your-org/py-jepa); the wheel is the source.",
)

DEVIATIONS = (
    Deviation(
        "P3-1",
        what="directions are an argument (cast to the input's dtype, as the source draws them) instead of "
        "randn(D, num_proj) from the global RNG on every forward",
        why="the contract compares variants on identical directions; only entry points may seed",
        effect="none for float32 input: draw_directions(K, M, step) is the source's draw on its call number `step` "
        "after torch.manual_seed(0) (the 1e-8 clamp of the column norms never binds for a Gaussian draw)",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
    Deviation(
        "P3-2",
        what="the leading axis of a (V, N, K) input is called views; the source calls it time (T, B, D)",
        why="the contract's 3-D input is (V, N, K); the source averages its leading axis the same way",
        effect="none: the same tensor reaches the statistic",
        test="tests/test_reference.py::test_multiview_is_mean_of_views",
    ),
    Deviation(
        "P3-3",
        what="knots, window and weights are plain tensors moved to the input's device instead of module buffers",
        why="the references are stateless functions, not nn.Modules",
        effect="none: the buffers keep float32 in the source too (they are never cast to the input's dtype)",
        test="tests/test_reference.py::test_p3_equals_golden",
    ),
)


class PyjepaP3(Variant):
    id = "P3"
    title = "pyjepa 0.3.0 SIGReg (per time step/view, directions in the input's dtype, float32 weights)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self):
        # The source's forward computes, knot for knot, what MINIMAL.md's SIGReg computes (R2): only where A comes
        # from and its dtype differ, so R2's module with A in the input's dtype is this source.
        self.sigreg = SIGReg()

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return self.sigreg(x, directions.detach().to(device=x.device, dtype=x.dtype))

    def draw_directions(self, dim: int, num_slices: int, step: int = 0) -> torch.Tensor:
        # Like P2: a fresh randn(D, num_proj) from the global RNG on every call (float32 input).
        return global_rng_directions(dim, num_slices, call=step)
