"""V1: SIGReg as the paper's listing was first published (arXiv 2511.08544 v1, Algorithm 1; v2 presumed the same).

The v1 and v2 listing texts were not read here. V1 rests on second-hand sources: issue galilai-group/lejepa#2
(filed 2025-11-13, acknowledged by the author on 2025-11-14) says that x is never projected by A and that A is
unused, and transcriptions agree that the characteristic-function argument is built from the unprojected x;
that is all they support. Everything else below (A drawn from a generator seeded with global_step, the grid,
the window, the factor N) is taken from the v3 listing, which was read, on the assumption that v3 changed only
the projection. That v2 carries the same listing is an inference from its date (2025-11-12, before #2) and its
file size (equal to v1's), not from its text. So the statistic is computed on each of the K coordinates:
knots t = linspace(−5, 5, 17), ECF = mean over samples of exp(i·t·x) (complex), averaged across ranks,
error |ECF − exp(−t²/2)|² times the window exp(−t²/2), `torch.trapz` over the knots, times
N·world_size. It returns that (K,) vector; nothing averages it. Algorithm 2 applies SIGReg to each view's
embeddings and averages over views, so a (V, N, K) input gives the mean of the V per-view vectors.
The v3 listing, whose lines V1 is assumed to share, is not runnable as printed (undefined all_reduce,
world_size; discrepancy D2): the names are given the only meaning under which it runs in one process.
"""

from __future__ import annotations

import torch

from ._provenance import Deviation, Source
from ._variant import Variant, check_directions, check_embeddings

SOURCE = Source(
    name="paper listing as first published (Algorithm 1, SIGReg)",
    origin="arXiv:2511.08544",
    revision="v1 (2025-11-11); v2 (2025-11-12) presumed the same (inferred from its date and file size, not read)",
    path="Algorithm 1 (SIGReg with Epps-Pulley, DDP) and Algorithm 2 (LeJEPA loss)",
    lines=None,
    license="arXiv non-exclusive distribution licence (paper text)",
    retrieved="2026-11-28",
    note="Not read here: the v1 and v2 listing texts. galilai-group/lejepa#2 (acknowledged by the author) and "
    "second-hand transcriptions support only that the CF argument is the unprojected x; the rest is the v3 "
    "listing's (read). The listing was corrected in v3 (see V3; docs/variants.md#v1).",
)

DEVIATIONS = (
    Deviation(
        "V1-1",
        what="all_reduce(AVG) of the ECF is the identity and world_size = 1",
        why="the listing's all_reduce and world_size are undefined (D2); single-process contract",
        effect="none in a single process",
        test="tests/test_reference.py::test_v1_matches_per_coordinate_oracle_on_fine_grid",
    ),
    Deviation(
        "V1-2",
        what="accepts (V, N, K) and returns the mean over views of the per-view (K,) vectors",
        why="Algorithm 2 calls SIGReg once per view and averages; the listing itself takes (N, K)",
        effect="none per view",
        test="tests/test_reference.py::test_multiview_is_mean_of_views",
    ),
)


def epps_pulley_listing(
    x: torch.Tensor,
    t_min: float = -5.0,
    t_max: float = 5.0,
    n_points: int = 17,
    dtype: torch.dtype = torch.float32,  # the listing's torch.linspace default; float64 for convergence studies
) -> torch.Tensor:
    """The listing's statistic on each column of x (N, C) -> (C,), complex ECF and torch.trapz."""
    t = torch.linspace(t_min, t_max, n_points, device=x.device, dtype=dtype)
    exp_f = torch.exp(-0.5 * t.square())
    ecf = torch.exp(1j * (x.unsqueeze(-1) * t)).mean(dim=0)  # (C, T), complex
    err = (ecf - exp_f).abs().square() * exp_f
    return torch.trapz(err, t, dim=-1) * x.size(0)


class PaperListingV1(Variant):
    id = "V1"
    title = "paper listing v1, from lejepa#2 (directions never applied: per-coordinate EP, [-5,5]x17)"
    source = SOURCE
    deviations = DEVIATIONS
    uses_directions = False
    returns = "vector (K,): one value per raw coordinate"

    def evaluate(self, x: torch.Tensor, directions: torch.Tensor | None = None) -> torch.Tensor:
        # The listing draws directions and never uses them: None is accepted, but directions that are
        # given are still checked, since a malformed argument is a caller's bug whatever the variant.
        x = check_embeddings(x)
        if directions is not None:
            check_directions(directions, x.shape[-1])
        return self._evaluate(x, None)

    def _statistic_input(self, view: torch.Tensor, directions: torch.Tensor | None) -> torch.Tensor:
        return view

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor | None) -> torch.Tensor:
        views = x if x.dim() == 3 else x.unsqueeze(0)
        per_view = [epps_pulley_listing(self._statistic_input(v, directions)) for v in views]
        return torch.stack(per_view).mean(dim=0)
