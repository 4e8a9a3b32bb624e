"""P2: SIGReg as lightly 1.6.0 computes it (`lightly.loss.lejepa_loss.SIGReg`; re-implemented from reading).

R1's statistic written with sums: cos and sin **sums** over the sample axis (dim −3), all-reduced (autograd
aware) when gathering across ranks, divided by the (global) N, error against φ, `(err @ weights) · N`,
then the mean over everything, so a (V, N, D) input gives the mean over views and slices (LeJEPALoss
concatenates global and local views on dim 0 and passes the (V, N, D) stack). Directions are drawn from
the global RNG in the **input's dtype** (`randn(D, num_vectors, dtype=proj.dtype)`), so fp64 and bf16
inputs run, unlike R1; φ and the weights are float32 buffers cast to the input's dtype.
Licence of the source: MIT.
"""

from __future__ import annotations

import torch

from ._ecf import folded_trapezoid
from ._provenance import Deviation, Source
from ._variant import Variant, global_rng_directions

SOURCE = Source(
    name="lightly 1.6.0: lightly.loss.lejepa_loss.SIGReg (used by LeJEPALoss)",
    origin="lightly==1.6.0 (PyPI wheel)",
    revision="1.6.0",
    path="lightly/loss/lejepa_loss.py: SIGReg L63-217, LeJEPALoss L241-339",
    lines=(63, 217),
    license="MIT",
    retrieved="2026-11-28",
)

DEVIATIONS = (
    Deviation(
        "P2-1",
        what="no process group: gather_distributed=False (no all_reduce of the sums or of N)",
        why="single-process contract; the distributed path is audited with gloo",
        effect="none in a single process",
        test="tests/test_reference.py::test_p2_equals_golden",
    ),
    Deviation(
        "P2-2",
        what="directions are an argument (cast to the input's dtype, as the source draws them) instead of "
        "randn(D, num_vectors) from the global RNG",
        why="the contract compares variants on identical directions; only entry points may seed",
        effect="none for float32 input: draw_directions(K, M, step) is the source's draw on its call number "
        "`step` after torch.manual_seed(0)",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
)


class SIGReg:
    """The source's module with its own names: proj (..., N, C), A (C, num_vectors) -> scalar."""

    def __init__(self, knots: int = 17, t_max: float = 3.0):
        if knots <= 1 or t_max <= 0:
            raise ValueError("knots must be > 1 and t_max > 0")
        self.t, self.phi, self.weights = folded_trapezoid(t_max, knots)

    def __call__(self, proj: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        num_samples = proj.size(-2)
        x_t = (proj @ A).unsqueeze(-1) * self.t.to(proj.device)
        cos_mean = x_t.cos().sum(dim=-3) / num_samples
        sin_mean = x_t.sin().sum(dim=-3) / num_samples
        err = (cos_mean - self.phi.to(device=proj.device, dtype=x_t.dtype)).square() + sin_mean.square()
        statistic = (err @ self.weights.to(device=proj.device, dtype=err.dtype)) * num_samples
        return statistic.mean()


class LightlyP2(Variant):
    id = "P2"
    title = "lightly 1.6.0 SIGReg (per view, directions in the input's dtype)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self):
        self.sigreg = SIGReg()

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return self.sigreg(x, directions.detach().to(device=x.device, dtype=x.dtype))

    def draw_directions(self, dim: int, num_slices: int, step: int = 0) -> torch.Tensor:
        # The source draws randn(D, num_vectors) from the global RNG on every call, continuing one stream:
        # `step` is the call number after torch.manual_seed(0) (float32 input).
        return global_rng_directions(dim, num_slices, call=step)
