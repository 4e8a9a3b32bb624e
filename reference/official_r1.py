"""R1: SIGReg as the official repository computes it at HEAD (re-implemented from reading, not copied).

SIGReg there is a composition, `SlicingUnivariateTest(univariate_test=EppsPulley(), num_slices=M)`:
- EppsPulley(t_max=3, n_points=17): knots on [0, 3], folded trapezoid weights times φ(t) = exp(−t²/2),
  means of cos and sin over the sample axis (dim −3 of the (*, N, M, T) tensor), all-reduced with an
  autograd-aware AVG, statistic (err @ weights) · N · world_size with N the *local* batch size.
- SlicingUnivariateTest: A = randn(K, M) from a torch.Generator on x's device seeded with a `global_step`
  buffer (all-reduced with MAX, then incremented on every forward, evaluation included), columns divided
  by their L2 norm, stats = EppsPulley(x @ A) of shape (*, M), reduction "mean" over everything (so a
  (V, N, K) input gives the mean over views and slices).
Licence of the source: CC BY-NC 4.0 (the repository's LICENSE file), hence no code of it here.
"""

from __future__ import annotations

import torch

from ._ecf import cos_sin_error, folded_trapezoid
from ._provenance import Deviation, Source
from ._variant import Variant

REPO = "rbalestr-lab/lejepa"
HEAD = "eddffdd857a19726342ef6526e01021fb3c32cae"

SOURCE = Source(
    name="official repository at HEAD: SlicingUnivariateTest(EppsPulley())",
    origin=REPO,
    revision=HEAD,
    path="lejepa/univariate/epps_pulley.py (EppsPulley, all_reduce L8-13); "
    "lejepa/multivariate/slicing.py L15-153 (SlicingUnivariateTest)",
    lines=(16, 99),
    license="CC-BY-NC-4.0",
    retrieved="2026-11-28",
    note="EppsPulley means this class only from fd27093 (2025-12-08) on; before, a second class of the "
    "same name shadowed it (see R0). "
    "The official repository has since moved to galilai-group/lejepa; the commits cited here were read at "
    "rbalestr-lab/lejepa.",
)

DEVIATIONS = (
    Deviation(
        "R1-1",
        what="no process group: the all_reduce of the cos/sin means is the identity and world_size = 1",
        why="the registry contract is single-process; the distributed semantics are audited separately",
        effect="none in a single process (the source takes the same branch when dist is not initialised)",
        test="tests/test_reference.py::test_r1_single_process_equals_golden",
    ),
    Deviation(
        "R1-2",
        what="directions are an argument instead of a global_step-seeded draw inside forward",
        why="the contract compares variants on identical directions",
        effect="none: draw_directions(K, M, step) reproduces the source's draw bit for bit on CPU",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
    Deviation(
        "R1-3",
        what="the global_step counter is not kept (it advanced on every forward, evaluation included)",
        why="stateless evaluation; the counter's behaviour is discrepancy D19",
        effect="none for a given step",
        test="tests/test_reference.py::test_evaluate_is_stateless",
    ),
)


class EppsPulley:
    """The univariate statistic with the source's parameter names: (*, N, M) -> (*, M)."""

    def __init__(self, t_max: float = 3, n_points: int = 17, dtype: torch.dtype = torch.float32):
        if n_points % 2 != 1:  # the source asserts an odd number of knots
            raise ValueError(f"n_points must be odd, got {n_points}")
        self.t, self.phi, self.weights = folded_trapezoid(t_max, n_points, dtype)

    def __call__(self, x: torch.Tensor, world_size: int = 1) -> torch.Tensor:
        N = x.size(-2)
        err = cos_sin_error(x, self.t, self.phi)  # (*, M, T)
        return (err @ self.weights.to(x.device)) * N * world_size


class OfficialR1(Variant):
    id = "R1"
    title = "official repository HEAD eddffdd (SlicingUnivariateTest + EppsPulley)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self, t_max: float = 3, n_points: int = 17):
        self.univariate_test = EppsPulley(t_max=t_max, n_points=n_points)

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        # The source draws A in float32 on x's device, so x @ A needs float32 x (fp64/bf16 inputs raise).
        A = directions.detach().to(device=x.device, dtype=torch.float32)
        return self.univariate_test(x @ A).mean()
