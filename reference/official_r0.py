"""R0: SIGReg as the official repository computed it before commit fd27093 (re-implemented from reading).

From the first commit cd5567a (2025-11-12) to 4a4d111 (2025-11-20) `lejepa/univariate/epps_pulley.py`
defined `class EppsPulley` twice and the second definition won, so `SlicingUnivariateTest(EppsPulley())`
meant: complex empirical CF evaluated on 10 knots of [−3, 3], target and window both exp(−t²/2),
`torch.trapz` over the knots, and **no factor N**. The ECF is averaged over dim 0 of its input, which is
the sample axis for (N, M) projections but the **view** axis for (V, N, M) ones; the slicer then averages
the resulting (N, M) values. Knots, target and window are built under no_grad; the ECF's real and
imaginary parts are cast to float32 before forming the complex number. The slicer is the one of R1.
Licence of the source: CC BY-NC 4.0.
"""

from __future__ import annotations

import torch

from ._provenance import Deviation, Source
from ._variant import Variant

REPO = "rbalestr-lab/lejepa"
BEFORE_FIX = "4a4d111d283dd9f6506b350c94dada2b158cb77e"

SOURCE = Source(
    name="official repository before fd27093: the shadowing second EppsPulley",
    origin=REPO,
    revision=BEFORE_FIX,
    path="lejepa/univariate/epps_pulley.py (second `class EppsPulley`, renamed DeprecatedEppsPulley in "
    "fd27093); lejepa/multivariate/slicing.py L15-153 (unchanged)",
    lines=(102, 252),
    license="CC-BY-NC-4.0",
    retrieved="2026-11-28",
    note="Same behaviour at every commit from cd5567a to 4a4d111 (2025-11-12 .. 2025-11-20); "
    "the class is DeprecatedEppsPulley at HEAD, L102-252. "
    "The official repository has since moved to galilai-group/lejepa; the commits cited here were read at "
    "rbalestr-lab/lejepa.",
)

DEVIATIONS = (
    Deviation(
        "R0-1",
        what="directions are an argument instead of a global_step-seeded draw inside forward",
        why="the contract compares variants on identical directions",
        effect="none: draw_directions(K, M, step) reproduces the source's draw bit for bit on CPU",
        test="tests/test_reference.py::test_draw_directions_match_source",
    ),
    Deviation(
        "R0-2",
        what="no process group (the source had no distributed reduction in this class: a TODO)",
        why="single-process contract",
        effect="none",
        test="tests/test_reference.py::test_r0_equals_golden",
    ),
)


class EppsPulley:
    """The shadowing class, with its own parameter names: (D0, ...) -> (...), ECF over dim 0."""

    def __init__(self, t_range: tuple[float, float] = (-3, 3), n_points: int = 10, weight_type: str = "gaussian"):
        if weight_type not in ("gaussian", "uniform"):
            raise ValueError(f"Unknown weight type: {weight_type}")
        self.t_range = t_range
        self.n_points = n_points
        self.weight_type = weight_type

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            t = torch.linspace(self.t_range[0], self.t_range[1], self.n_points, device=x.device)
            target = torch.exp(-0.5 * t**2)  # CF of N(0, 1): real, since the mean is 0
            window = target if self.weight_type == "gaussian" else torch.ones_like(t)
            shape = (-1,) + (1,) * (x.dim() - 1)  # knots on dim 0, broadcast over the rest
            target, window = target.reshape(shape), window.reshape(shape)
        angles = t.reshape((1,) + shape) * x.unsqueeze(1)  # (D0, T, ...)
        ecf = torch.complex(angles.cos().mean(dim=0).float(), angles.sin().mean(dim=0).float())
        diff = ecf - target
        squared = torch.real(diff * torch.conj(diff))
        return torch.trapz(squared * window, t, dim=0)


class OfficialR0(Variant):
    id = "R0"
    title = "official repository before fd27093 (shadowing EppsPulley: [-3,3]x10, complex, no factor N)"
    source = SOURCE
    deviations = DEVIATIONS

    def __init__(self):
        self.univariate_test = EppsPulley()

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        A = directions.detach().to(device=x.device, dtype=torch.float32)
        return self.univariate_test(x @ A).mean()
