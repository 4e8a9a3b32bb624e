"""The fixed probes a compared callable runs on, and running it: seeded float32 inputs (two batch sizes, two slice
counts, three-view inputs, a near point mass), `evaluate` (value and input gradient, or a `CompareError` saying what
is wrong), its dtype behaviour and its value's stability under a permutation of the samples."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from core.directions import unit_directions
from core.streams import generator

from ..audit.dtypes import run_mode as run_dtype_mode

# Same arithmetic reordered in float32 agrees to ~1e-6 relative; the nearest published departure (another grid)
# moves the value by >= 2e-3 on these probes, so 1e-5 / 1e-4 separate "the same function" from "another one".
VALUE_RTOL = 1e-5
GRAD_RTOL = 1e-4
# A float32 implementation agrees with the float64 model to ~1e-6; an aspect is "as R1" within this.
MODEL_RTOL = 1e-4
N1, N2, K, M1, M2, V = 64, 32, 8, 16, 32, 3
DTYPE_MODES = ("float64", "bfloat16", "autocast-bf16")


class CompareError(ValueError):
    """The callable cannot be compared (not found, raises, NaN, wrong shape): exit 2, nothing written."""


# -- Probes -- #


def _laws(n: int, seed: int, tag: str) -> dict[str, torch.Tensor]:
    """2-D probes whose ECFs weigh the knots differently (so another grid changes their ratio to R1)."""
    g = generator(seed, "compare", tag, n)
    z = torch.randn(4, n, K, generator=g)
    u = torch.rand(n, K, generator=g)
    signs = torch.randint(0, 2, (n, 1), generator=g) * 2.0 - 1.0
    v = torch.randn(K, generator=g)
    return {
        "gaussian": z[0],
        "narrow-shifted": 0.3 * z[1] + 1.0,
        "uniform-wide": 6.0 * u - 3.0,
        "rank1": z[2, :, :1].expand(n, K) * 1.5,
        # ±r·v/|v| with r up to 30, plus a little noise: ECFs that oscillate fast enough in t to alias on a grid,
        # differently for each knot spacing (smooth laws cannot tell converged grids apart).
        "far-two-point": signs * (2.0 + 28.0 * u[:, :1]) * v / v.norm() + 0.05 * z[3],
    }


def _views(seed: int) -> dict[str, torch.Tensor]:
    """3-D probes (V = 3 views of N = 32): independent, identical, and differently scaled views."""
    g = generator(seed, "compare-views")
    z = torch.randn(2 * V + 1, N2, K, generator=g)
    scales = torch.tensor([0.5, 1.0, 1.8]).reshape(V, 1, 1)
    return {
        "independent": z[:V],
        "identical": (0.4 * z[V] + 0.6).expand(V, N2, K).contiguous(),
        "scaled": z[V : 2 * V] * scales,
    }


def _near_point_mass(seed: int) -> torch.Tensor:
    g = generator(seed, "compare-collapse")
    centre = torch.randn(K, generator=g)
    return centre + 1e-3 * torch.randn(N1, K, generator=g)


@dataclass
class Probes:
    seed: int
    a1: torch.Tensor = field(init=False)  # (K, M1)
    a1_other: torch.Tensor = field(init=False)  # another (K, M1) draw: does the value depend on the directions?
    a2: torch.Tensor = field(init=False)  # (K, M2)
    laws: dict = field(init=False)  # N1 probes
    laws_n2: dict = field(init=False)  # N2 probes
    views: dict = field(init=False)
    collapse: torch.Tensor = field(init=False)

    def __post_init__(self):
        self.a1 = unit_directions(K, M1, generator(self.seed, "compare-A", M1))
        self.a1_other = unit_directions(K, M1, generator(self.seed, "compare-A-other", M1))
        self.a2 = unit_directions(K, M2, generator(self.seed, "compare-A", M2))
        self.laws = _laws(N1, self.seed, "laws")
        self.laws_n2 = _laws(N2, self.seed, "laws-n2")
        self.views = _views(self.seed)
        self.collapse = _near_point_mass(self.seed)

    def identification(self) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
        """(name, x, directions) on which a callable and a registered variant must agree to be called equal."""
        out = [(f"2d-{law}", x, self.a1) for law, x in self.laws.items()]
        out.append(("2d-gaussian-N32-M32", self.laws_n2["gaussian"], self.a2))
        out += [(f"3d-{law}", x, self.a1) for law, x in self.views.items()]
        out.append(("near-point-mass", self.collapse, self.a1))
        return out


# -- Running the callable -- #


def _allowed_shapes(x: torch.Tensor, m: int) -> set[tuple[int, ...]]:
    shapes = {(), (1,), (m,), (K,)}
    if x.dim() == 3:
        shapes |= {(V,), (V, m), (V, K)}
    return shapes


def evaluate(fn: Callable, x: torch.Tensor, a: torch.Tensor, name: str = "probe") -> tuple[torch.Tensor, torch.Tensor]:
    """(output, gradient of its sum w.r.t. x), both float64 and detached; CompareError if the callable fails."""
    xx = x.clone().requires_grad_(True)
    try:
        out = fn(xx, a.clone())
    except Exception as error:
        raise CompareError(
            f"the callable raised {type(error).__name__} on float32 x of shape {tuple(x.shape)} and directions "
            f"{tuple(a.shape)} ({name}): {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        ) from None
    if not isinstance(out, torch.Tensor):
        raise CompareError(f"the callable must return a torch.Tensor, got {type(out).__name__} ({name})")
    if tuple(out.shape) not in _allowed_shapes(x, a.shape[1]):
        raise CompareError(
            f"the callable returned shape {tuple(out.shape)} for x {tuple(x.shape)} and {a.shape[1]} directions "
            f"({name}); expected a scalar or one value per slice, direction, coordinate or view"
        )
    if not bool(torch.isfinite(out).all()):
        raise CompareError(f"the callable returned NaN or Inf on x of shape {tuple(x.shape)} ({name})")
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out.sum(), xx, allow_unused=True)
    else:
        grad = None
    grad = torch.zeros_like(x, dtype=torch.float64) if grad is None else grad.detach().double()
    return out.detach().double(), grad


def _scalar(out: torch.Tensor) -> float:
    return float(out.mean())


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a − b| / max |b| (0 when both are 0)."""
    scale = float(b.abs().max()) if b.numel() else 0.0
    diff = float((a - b).abs().max()) if a.numel() else 0.0
    if scale == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / scale


def _within_rtol(value: float, target: float, rtol: float = MODEL_RTOL) -> bool:
    """|value − target| <= rtol·|target|: the tolerance is a fraction of the target (1, N, M, V or another measured
    ratio: never 0), so neither the absolute floor nor the "raises" entries of the audit's baseline comparison
    (`checks.audit.fingerprint._unchanged`)."""
    return abs(value - target) <= rtol * abs(target)


def _spread(values) -> float:
    values = np.asarray(values, dtype=np.float64)
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        return math.inf
    return float(values.max() / values.min() - 1)


class _AsVariant:
    """A callable seen through the `evaluate(x, directions)` contract the dtype audit runs."""

    def __init__(self, fn: Callable):
        self.evaluate = fn


def dtype_signature(fn: Callable, probes: Probes) -> dict:
    """For float64 and bfloat16 inputs and float32 under bf16 autocast: raises, or the output dtype and whether the
    value moves more than 1e-5 from the float32 value on the same data (bfloat16: from float32 on the rounded data)."""
    x, a = probes.laws["gaussian"], probes.a1
    out: dict = {}
    for mode in DTYPE_MODES:
        source = x.bfloat16().float() if mode == "bfloat16" else x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = run_dtype_mode(_AsVariant(fn), source, a, "float32")
            run = run_dtype_mode(_AsVariant(fn), x, a, mode)
        if run["status"] != "ok":
            out[mode] = {"status": "raises", "exception": run["exception"], "message": run["message"]}
            continue
        change = abs(run["value"] / base["value"] - 1) if base.get("value") else math.inf
        out[mode] = {
            "status": "ok",
            "out_dtype": run["out_dtype"],
            "rel_change": change,
            "moves": bool(change > VALUE_RTOL),
        }
    return out


def _signature_key(signature: dict) -> tuple:
    return tuple(
        (mode, s["status"], s.get("exception") if s["status"] == "raises" else (s["out_dtype"], s["moves"]))
        for mode, s in signature.items()
    )


def permutation_noise(fn: Callable, probes: Probes) -> float:
    """Relative change of the value when the samples are permuted (exactly invariant in exact arithmetic)."""
    x, a = probes.laws["gaussian"], probes.a1
    perm = torch.randperm(x.shape[0], generator=generator(probes.seed, "compare-perm"))
    with torch.no_grad():
        v0, v1 = _scalar(fn(x, a).double()), _scalar(fn(x[perm], a).double())
    return abs(v1 / v0 - 1) if v0 else math.inf
