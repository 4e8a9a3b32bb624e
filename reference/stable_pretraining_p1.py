"""P1: SIGReg as stable-pretraining 0.1.8 computes it in its LeJEPA method (re-implemented from reading).

`SlicedEppsPulley(num_slices=1024, t_max=3, n_points=17)` is R1's statistic on a 2-D (N, D) input:
directions randn(D, M) from a generator seeded with a `global_step` buffer (broadcast from rank 0,
incremented every forward), columns normalised, means of cos and sin over dim 0, times N·world_size,
mean over slices. `LeJEPA._compute_loss` **flattens** the (V, N, K) projections of all views into one
(V·N, K) sample before calling it (not per view, discrepancy D16), and combines inv + λ·sigreg (not the
convex (1 − λ)·inv + λ·sigreg, D17). Under DDP it calls the autograd all_reduce and discards its result
(D18), which this single-process reference cannot show. Licence of the source: MIT.
"""

from __future__ import annotations

import torch

from ._ecf import cos_sin_error, folded_trapezoid
from ._provenance import Deviation, Source
from ._variant import Variant

SOURCE = Source(
    name="stable-pretraining 0.1.8: LeJEPA method (SlicedEppsPulley, _compute_loss)",
    origin="stable-pretraining==0.1.8 (PyPI wheel)",
    revision="0.1.8",
    path="stable_pretraining/methods/lejepa.py: EppsPulley L42-86, SlicedEppsPulley L89-131, "
    "LeJEPA._compute_loss L254-274",
    lines=(42, 274),
    license="MIT",
    retrieved="2026-11-28",
)

DEVIATIONS = (
    Deviation(
        "P1-1",
        what="no process group: world_size = 1 and no all_reduce (whose result the source discards anyway)",
        why="single-process contract; the broken DDP reduction is discrepancy D18, audited with gloo",
        effect="none in a single process",
        test="tests/test_reference.py::test_p1_equals_golden",
    ),
    Deviation(
        "P1-2",
        what="directions are an argument instead of a global_step-seeded draw",
        why="the contract compares variants on identical directions",
        effect="none: draw_directions(K, M, step) reproduces the source's draw bit for bit on CPU",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
    Deviation(
        "P1-3",
        what="a (V, N, K) input is flattened to (V·N, K) here, as LeJEPA._compute_loss does before calling "
        "SlicedEppsPulley (which itself takes 2-D input only)",
        why="the contract takes (V, N, K); flattening is what this source's loss does with views",
        effect="none: the same tensor reaches the statistic",
        test="tests/test_reference.py::test_p1_flattens_views",
    ),
)


class SlicedEppsPulley:
    """The source's module with its own names: x (N, D), A (D, num_slices) -> scalar."""

    def __init__(self, t_max: float = 3.0, n_points: int = 17, world_size: int = 1):
        if n_points % 2 != 1:  # the source asserts an odd number of knots
            raise ValueError(f"n_points must be odd, got {n_points}")
        self.t, self.phi, self.weights = folded_trapezoid(t_max, n_points)
        self.world_size = world_size

    def __call__(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        err = cos_sin_error(x @ A, self.t, self.phi)
        return ((err @ self.weights.to(x.device)) * x.size(0) * self.world_size).mean()


class StablePretrainingP1(Variant):
    id = "P1"
    title = "stable-pretraining 0.1.8 LeJEPA (views flattened into one sample)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self):
        self.sigreg = SlicedEppsPulley()

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        all_projected = x.reshape(-1, x.size(-1))  # (V·N, K): every view pooled into one sample
        A = directions.detach().to(device=x.device, dtype=torch.float32)  # randn's default dtype
        return self.sigreg(all_projected, A)
