"""The audit contract every reference obeys, and the input checks in front of it.

`evaluate(x, directions)` returns the loss exactly as the source would return it (same reduction, same
scaling, a vector where the source returns a vector) for x of shape (N, K) or (V, N, K), with the random
directions the source would have drawn replaced by `directions` of shape (K, M), unit columns.
"""

from __future__ import annotations

import math
import operator
from typing import ClassVar

import torch

from ._provenance import Deviation, Source

# A column normalised in float32 is unit to ~1e-7; an un-normalised Gaussian column is off by O(1/sqrt(K))
# (>= 1e-2 for any K below 10^4), so 1e-4 separates the two cases with room on both sides.
UNIT_NORM_RTOL = 1e-4


def check_embeddings(x: object) -> torch.Tensor:
    """Return x if it is a finite floating tensor of shape (N, K) or (V, N, K) with N >= 2; else ValueError."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"embeddings must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() not in (2, 3):
        raise ValueError(f"embeddings must have shape (N, K) or (V, N, K), got {x.dim()}-D shape {tuple(x.shape)}")
    if not torch.is_floating_point(x):
        raise ValueError(f"embeddings must be floating point, got dtype {x.dtype}")
    if x.numel() == 0:
        raise ValueError(f"embeddings are empty: shape {tuple(x.shape)}")
    if x.shape[-2] < 2:
        raise ValueError(f"need N >= 2 samples (dim -2), got N = {x.shape[-2]}")
    # min and max propagate NaN and are ±Inf if any entry is: one fused pass (isfinite().all() takes ~10x longer).
    low, high = torch.aminmax(x.detach())
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError("embeddings contain NaN or Inf")
    return x


def check_directions(directions: object, dim: int) -> torch.Tensor:
    """Return directions if they are a finite (dim, M) floating tensor with unit columns; else ValueError."""
    if not isinstance(directions, torch.Tensor):
        raise ValueError(f"directions must be a torch.Tensor, got {type(directions).__name__}")
    if directions.dim() != 2 or directions.shape[0] != dim or directions.shape[1] < 1:
        raise ValueError(f"directions must have shape (K, M) = ({dim}, M>=1), got {tuple(directions.shape)}")
    if not torch.is_floating_point(directions):
        raise ValueError(f"directions must be floating point, got dtype {directions.dtype}")
    # Column norms in one pass (a NaN or Inf entry makes its column's norm non-finite), in the directions' own
    # precision (float32 sums of K squares err by < 1e-5 for any practical K) and again in float64 only when
    # that first answer is a rejection.
    a = directions.detach()
    a = a if a.dtype in (torch.float32, torch.float64) else a.float()
    norms = a.square().sum(0).sqrt()
    if not bool(torch.isfinite(norms).all()) and not bool(torch.isfinite(a).all()):
        raise ValueError("directions contain NaN or Inf")
    worst = float((norms - 1).abs().max())
    if worst > UNIT_NORM_RTOL:
        worst = float((a.double().square().sum(0).sqrt() - 1).abs().max())
    if worst > UNIT_NORM_RTOL:
        raise ValueError(f"directions must have unit-norm columns; the worst column norm is off by {worst:.3g}")
    return directions


def _seed(value: object, name: str) -> int:
    """A seed as torch takes it; a negative one would silently wrap around to 2**64 + value, so it is refused."""
    try:
        seed = operator.index(value)  # ints and NumPy integers; not floats, strings or bools
    except TypeError:
        seed = None
    if seed is None or isinstance(value, bool) or seed < 0:
        raise ValueError(f"{name} must be an integer >= 0, got {value!r}")
    return seed


def seeded_directions(dim: int, num_slices: int, step: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """Directions as the step-seeded sources draw them: randn(dim, M) from a generator seeded with `step`,
    columns divided by their L2 norm (float32)."""
    if dim < 1 or num_slices < 1:
        raise ValueError(f"need dim >= 1 and num_slices >= 1, got {dim}, {num_slices}")
    generator = torch.Generator(device=device)
    generator.manual_seed(_seed(step, "step"))
    a = torch.randn((dim, num_slices), device=device, generator=generator)
    return a / a.norm(p=2, dim=0)


def global_rng_directions(dim: int, num_slices: int, call: int, seed: int = 0) -> torch.Tensor:
    """Directions as the global-RNG sources draw them: the draw of loss call number `call` (0-based) after
    torch.manual_seed(seed), when nothing else consumes the global stream in between (float32)."""
    if dim < 1 or num_slices < 1:
        raise ValueError(f"need dim >= 1 and num_slices >= 1, got {dim}, {num_slices}")
    generator = torch.Generator().manual_seed(_seed(seed, "seed"))
    for _ in range(_seed(call, "call") + 1):
        a = torch.randn((dim, num_slices), generator=generator)
    return a / a.norm(p=2, dim=0)


class Variant:
    """Base class: input checks in front, the source's own computation in `_evaluate`."""

    id: ClassVar[str]
    title: ClassVar[str]
    source: ClassVar[Source]
    deviations: ClassVar[tuple[Deviation, ...]]
    uses_directions: ClassVar[bool] = True
    # What `evaluate` returns, in words, for the tables.
    returns: ClassVar[str] = "scalar"

    def evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        x = check_embeddings(x)
        directions = check_directions(directions, x.shape[-1])
        return self._evaluate(x, directions)

    def draw_directions(self, dim: int, num_slices: int, step: int = 0) -> torch.Tensor:
        """The directions this source draws itself at `step` (CPU), for reproducing its own randomness."""
        return seeded_directions(dim, num_slices, step)

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def describe(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "returns": self.returns,
            "uses_directions": self.uses_directions,
            "source": self.source.as_dict(),
            "deviations": [d.as_dict() for d in self.deviations],
        }

    def __repr__(self) -> str:
        return f"<{self.id}: {self.title}>"
