"""The suite's SIGReg engine: the official statistic (R1), fast and memory-lean, with correct DDP semantics.

SIGReg of embeddings x (N, K) on unit directions A (K, M) is the mean over the M slices y = x·a_m of the
Epps–Pulley statistic on a quadrature grid (docs/claims.md#the-lejepa-loss; reference/official_r1.py):

    EP(y) = N · Σ_k c_k [(C̄_k − φ(t_k))² + S̄_k²],   C̄_k = mean_n cos(t_k y_n),  S̄_k = mean_n sin(t_k y_n),

with c_k = w_k φ(t_k), φ(t) = exp(−t²/2) and w_k the trapezoid weights. On the official grid ([0, 3], 17 knots,
folded) the value equals `reference.REGISTRY["R1"].evaluate(x, A)`; on a fine grid in float64 it equals the
exact closed form `reference.oracle.ep` (tests/test_engine.py).

How it is fast and lean:
- The knots are evenly spaced, t_k = t_0 + k·h, so e^{i t_k y} = e^{i t_0 y}·(e^{i h y})^k: one cos/sin pair
  per element (two when t_0 ≠ 0) and one in-place complex multiply per knot, instead of T cos and T sin
  evaluations. The backward pass needs Re Σ_k γ_k e^{i t_k y}, a polynomial in e^{i h y} evaluated by Horner's
  rule (one in-place complex multiply and add per knot). The complex recurrence, not the real Chebyshev one
  (cos (k+1)θ = 2 cos θ cos kθ − cos (k−1)θ), on purpose: Chebyshev's error near θ = 0 grows like k²·ε (float32,
  k = 16, y = 2·N(0,1), official h: max error 1.1e−5 against 1.4e−6 for the rotation), and in eager PyTorch one
  in-place complex multiply costs no more than the real multiply-add it would replace.
- Custom autograd Functions: the projection's backward writes ∂x in x's own layout (no transposing copy), and
  the statistic saves z = e^{ihy} (N·M complex numbers) when one recurrence from t = 0 covers the grid (the
  official and paper grids), so backward evaluates no cos/sin at all; otherwise it saves the projections y and
  recomputes the phases. Nothing of size N·M·T is ever stored. Work is done on row blocks of y (directions ×
  samples, samples contiguous) small enough to stay in cache, so no N·M·T temporary exists either.
- Two implementations of those recurrences (`kernel=`, KERNELS). On CPU tensors, fused kernels (repro/fused.py,
  numba): one row at a time, its running power or Horner value held in L1 cache across all knots, multiply and
  sums in one vectorised loop, rows split over `torch.get_num_threads()` threads. Elsewhere (CUDA), and on a
  CPU without numba, eager tensor operations on row blocks: each knot's step is an in-place complex multiply and
  a reduction over a block, two passes through memory per knot. Same segments and arithmetic, so the same
  accuracy (tests/test_engine.py holds both to R1 and to each other).
- How close that is to the two projection matmuls, which bound any implementation from below, is what
  `python -m repro bench` measures (engine/floor, interleaved in one process).
- Accuracy of the recurrence (measured by `python -m repro bench`, section "Accuracy"; tested in
  tests/test_engine.py): the error of (e^{ihy})^k grows linearly in k, about 2e−8·k on average (1e−7·k at
  worst) in float32 and 4e−17·k in float64, within a factor 2 of evaluating cos(t_k y) directly (whose argument
  rounding also grows with k). Each run of the recurrence restarts from a directly evaluated phase every
  `Grid.anchor_every` (32) knots, so fine grids stay accurate: the float32 statistic is within ~5e−6 of float64
  truth for 17 to 4097 knots (1.9e−6 at 17, like R1's 2.3e−6) and float64 within 1e−14.

Semantics that differ from the official code on purpose (each tested):
- Directions come from an explicit `step` or `torch.Generator` (`draw_directions`); there is no counter that
  advances on evaluation (docs/discrepancies.md#d19), and draws are made on the CPU so that CPU and CUDA runs agree.
- Under torch.distributed the per-column cos/sin *sums* and the sample counts are all-reduced (autograd-aware
  SUM), so the value is the global-batch statistic even when ranks hold different batch sizes; per-rank
  gradients are W × the true slice, which DDP's gradient averaging turns into the true gradient
  (docs/discrepancies.md#d18).
- bf16/fp16 inputs (or autocast) are computed in float32 and the result is float32; float64 stays float64.
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.autograd.function import once_differentiable

from reference import check_directions, check_embeddings, seeded_directions

__all__ = [
    "ANCHOR_EVERY",
    "KERNELS",
    "OFFICIAL",
    "PAPER",
    "Grid",
    "SIGRegLoss",
    "draw_directions",
    "epps_pulley",
    "sigreg",
]

# Elements of complex working memory per row block. CPU: 2**17 complex64 = 1 MiB stays in a typical L2 cache
# (measured at (N, M) = (1024, 1024) on 1 thread: 1.8x faster than whole tensors; 2**16 and 2**18 within noise
# of it, smaller blocks pay more per-operator overhead: ~40 operators per block and pass). GPU: blocks large enough
# that kernel launches, not cache, are what the size trades against (2**22 complex64 = 32 MiB per buffer).
_BLOCK_ELEMENTS = {"cpu": 2**17}
_BLOCK_ELEMENTS_DEFAULT = 2**22


def _block_rows(rows: torch.Tensor) -> int:
    return max(1, _BLOCK_ELEMENTS.get(rows.device.type, _BLOCK_ELEMENTS_DEFAULT) // rows.shape[1])


def _blocks(rows: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return rows.split(_block_rows(rows))


_REDUCTIONS = ("mean", "sum", "none")
# "auto": the fused CPU kernels (repro/fused.py) on CPU tensors when numba is installed, the eager tensor
# operations otherwise (CUDA); "fused" and "eager" force one (tests and the bench compare them).
KERNELS = ("auto", "fused", "eager")
# Knots per recurrence segment (Grid.anchor_every). The phase error of the recurrence grows linearly in the
# number of steps (about 2e-8 per step on average in float32, results/bench.md); restarting from a directly
# evaluated phase every 32 knots keeps float32 fine grids within a few 1e-6 of direct evaluation, and costs
# nothing at 17 knots.
ANCHOR_EVERY = 32


@dataclass(frozen=True)
class Grid:
    """Evenly spaced quadrature knots t_k = t0 + k·step, k = 0..len(weights)−1, with quadrature weights w_k.

    The window φ(t) = exp(−t²/2) is applied by the statistic, not stored in `weights`. Symmetric grids are
    folded onto t >= 0 by the constructors (the integrand |φ̂(t) − φ(t)|² φ(t) is even, so this is exact and
    halves the work).
    """

    t0: float
    step: float
    weights: tuple[float, ...]
    name: str = "custom"
    anchor_every: int = ANCHOR_EVERY  # evaluate e^{i t_k y} directly every this many knots (accuracy only)

    def __post_init__(self) -> None:
        if isinstance(self.anchor_every, bool) or not isinstance(self.anchor_every, int) or self.anchor_every < 1:
            raise ValueError(f"anchor_every must be a positive integer, got {self.anchor_every!r}")
        if not (math.isfinite(self.t0) and math.isfinite(self.step) and self.step > 0):
            raise ValueError(f"grid needs a finite t0 and a finite step > 0, got t0={self.t0}, step={self.step}")
        w = np.asarray(self.weights, dtype=np.float64)
        if w.ndim != 1 or w.size < 2:
            raise ValueError(f"grid needs at least 2 knots, got {w.size}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
            raise ValueError("grid weights must be finite, >= 0, with at least one > 0")

    @property
    def n_points(self) -> int:
        return len(self.weights)

    @property
    def knots(self) -> np.ndarray:
        return self.t0 + self.step * np.arange(self.n_points, dtype=np.float64)

    @property
    def coefficients(self) -> np.ndarray:
        """c_k = w_k φ(t_k): the weights of the squared ECF errors (float64)."""
        return np.asarray(self.weights) * np.exp(-0.5 * self.knots**2)

    @classmethod
    def folded(cls, t_max: float, n_points: int, name: str = "custom") -> Grid:
        """The official rule: trapezoid on [−t_max, t_max] folded onto [0, t_max] (weights dt, 2dt, …, 2dt, dt)."""
        if not (isinstance(n_points, int) and n_points >= 2) or not (math.isfinite(t_max) and t_max > 0):
            raise ValueError(f"folded grid needs t_max > 0 and an integer n_points >= 2, got {t_max}, {n_points}")
        dt = t_max / (n_points - 1)
        weights = [2 * dt] * n_points
        weights[0] = weights[-1] = dt
        return cls(0.0, dt, tuple(weights), name)

    @classmethod
    def trapezoid(cls, t_min: float, t_max: float, n_points: int, name: str = "custom") -> Grid:
        """Trapezoid on [t_min, t_max] (the paper listing's rule), folded when symmetric."""
        if not (isinstance(n_points, int) and n_points >= 2) or not t_max > t_min:
            raise ValueError(f"trapezoid grid needs t_min < t_max and n_points >= 2, got {t_min}, {t_max}, {n_points}")
        knots = np.linspace(t_min, t_max, n_points)
        dt = (t_max - t_min) / (n_points - 1)
        weights = np.full(n_points, dt)
        weights[[0, -1]] = dt / 2
        return cls.from_knots(knots, weights, name)

    @classmethod
    def from_knots(cls, knots, weights, name: str = "custom") -> Grid:
        """Any evenly spaced grid, e.g. `reference.oracle.PAPER_GRID`; folded when knots and weights are symmetric."""
        k = np.asarray(knots, dtype=np.float64)
        w = np.asarray(weights, dtype=np.float64)
        if k.ndim != 1 or k.shape != w.shape or k.size < 2:
            raise ValueError(f"knots and weights must be 1-D of equal length >= 2, got {k.shape} and {w.shape}")
        step = (k[-1] - k[0]) / (k.size - 1)
        if not step > 0 or np.max(np.abs(np.diff(k) - step)) > 1e-9 * max(1.0, abs(step)):
            raise ValueError("knots must be strictly increasing and evenly spaced (the recurrence needs it)")
        scale = max(1.0, float(np.max(np.abs(k))))
        if np.allclose(k, -k[::-1], rtol=0, atol=1e-12 * scale) and np.allclose(w, w[::-1], rtol=1e-12, atol=0):
            half = k >= -1e-12 * scale
            k, w = k[half], np.where(np.abs(k[half]) > 1e-12 * scale, 2.0, 1.0) * w[half]
            k = np.where(np.abs(k) <= 1e-12 * scale, 0.0, k)
        return cls(float(k[0]), float(step), tuple(float(v) for v in w), name)


#: Official repository (R1, eddffdd): [0, 3], 17 knots, folded trapezoid. Aliasing period 2π/h = 33.5.
OFFICIAL = Grid.folded(3.0, 17, name="official [0,3]x17 folded")
#: Paper listing (Algorithm 1): trapezoid on [−5, 5], 17 knots (folded here to 9 knots on [0, 5]; same value).
PAPER = Grid.trapezoid(-5.0, 5.0, 17, name="paper [-5,5]x17 trapezoid")


def _complex_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def _cos_sin(y: torch.Tensor, t: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos(t·y) and sin(t·y), the cosine written over the angle (one temporary, not two)."""
    angle = y * t
    sin = torch.sin(angle)
    return angle.cos_(), sin


def _phase(y: torch.Tensor, t: float) -> torch.Tensor:
    return torch.complex(*_cos_sin(y, t))  # not out=: torch.complex writes a temporary and copies it there


def _segments(t0: float, step: float, n_points: int, anchor: int):
    """(first knot, end knot, t of the first knot) of each recurrence segment of `anchor` knots."""
    for s in range(0, n_points, anchor):
        yield s, min(s + anchor, n_points), t0 + s * step


def _single_segment(t0: float, n_points: int, anchor: int) -> bool:
    """One recurrence from t = 0 covers the grid (the official and paper grids): backward needs only z = e^{ihy}."""
    return t0 == 0.0 and n_points <= anchor


class _EcfSums(torch.autograd.Function):
    """rows (R, N) -> (Σ_n cos(t_k y_rn), Σ_n sin(t_k y_rn)), each (R, T).

    Knots are processed in segments of `anchor` knots: each segment starts from a directly evaluated phase
    e^{i t_s y} (free when t_s = 0) and continues by the recurrence, which bounds the recurrence's error growth
    at `anchor` steps whatever the number of knots. When one segment from t = 0 covers the grid, forward saves
    z = e^{ihy} (R·N complex numbers, one tensor per row block) instead of the rows, so backward evaluates no
    cos/sin at all; otherwise it saves the rows and recomputes the phases.
    """

    @staticmethod
    def forward(ctx, rows: torch.Tensor, t0: float, step: float, n_points: int, anchor: int, kernel: str):
        ctx.grid = (t0, step, n_points, anchor, rows.shape)
        ctx.kernel = kernel
        if kernel == "fused":
            return _fused_forward(ctx, rows.detach())
        r, n = rows.shape
        # (T, R): each knot's sums are one contiguous row, written in place by the reductions.
        sums = torch.empty((n_points, r), dtype=_complex_dtype(rows.dtype), device=rows.device)
        single = _single_segment(t0, n_points, anchor)
        zs = []
        # One buffer for the running power z^k, reused by every block (allocating it anew per block costs ~5 %)
        powers = torch.empty((min(_block_rows(rows), r), n), dtype=sums.dtype, device=rows.device)
        for y, knot_sums in zip(_blocks(rows), sums.split(_block_rows(rows), dim=1), strict=True):
            knot_sums = knot_sums.unbind(0)  # one view per knot, made once per block
            z = _phase(y, step)
            zs.append(z)
            for s, end, t_s in _segments(t0, step, n_points, anchor):
                if t_s == 0.0:  # e^{i·0·y} = 1: the sums are N and 0, and the next power is z itself
                    knot_sums[s].fill_(n)
                    if s + 1 < end:
                        torch.sum(z, dim=-1, out=knot_sums[s + 1])
                    first, p = s + 2, z
                else:
                    p = _phase(y, t_s)
                    torch.sum(p, dim=-1, out=knot_sums[s])
                    first = s + 1
                for k in range(first, end):
                    p = torch.mul(p, z, out=powers[: z.shape[0]]) if p is z else p.mul_(z)
                    torch.sum(p, dim=-1, out=knot_sums[k])
        ctx.save_for_backward(*(zs if single else [rows]))
        out = torch.view_as_real(sums.mT)
        return out[..., 0].contiguous(), out[..., 1].contiguous()

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_cos: torch.Tensor, grad_sin: torch.Tensor):
        t0, step, n_points, anchor, shape = ctx.grid
        single = _single_segment(t0, n_points, anchor)
        dtype = grad_cos.dtype
        t = t0 + step * torch.arange(n_points, dtype=dtype, device=grad_cos.device)
        # d/dy Σ_k [g_c cos(t_k y) + g_s sin(t_k y)] = Σ_k t_k [g_s cos(t_k y) − g_c sin(t_k y)]
        #                                          = Re Σ_k γ_k e^{i t_k y},  γ_k = t_k (g_s + i g_c),
        # and per segment Σ_{k=s}^{e−1} γ_k e^{i t_k y} = e^{i t_s y} · Σ_l γ_{s+l} z^l, by Horner's rule in z.
        if ctx.kernel == "fused":
            return _fused_backward(ctx, grad_sin * t, grad_cos * t), None, None, None, None, None
        gamma = (torch.complex(grad_sin, grad_cos) * t).mT.unsqueeze(-1)  # (T, R, 1): one coefficient per row
        grad = torch.empty(shape, dtype=dtype, device=grad_cos.device)
        blocks = ctx.saved_tensors if single else _blocks(ctx.saved_tensors[0])
        # Horner's running value, one buffer for every block (see forward's `powers`)
        horner = torch.empty((min(_block_rows(grad), shape[0]), shape[1]), dtype=gamma.dtype, device=grad.device)
        a = 0
        for block in blocks:
            y, z = (None, block) if single else (block, _phase(block, step))
            b = z.shape[0]
            g = gamma[:, a : a + b].unbind(0)  # (b, 1) per knot, made once per block
            out = grad[a : a + b]
            a += b
            for s, end, t_s in _segments(t0, step, n_points, anchor):
                h = g[end - 1].expand(b, -1)
                for k in range(end - 2, s - 1, -1):
                    h = torch.mul(h, z, out=horner[:b]) if k == end - 2 else h.mul_(z)
                    if k > s or t_s != 0.0:  # γ_k = t_k (…) vanishes at t_k = 0
                        h.add_(g[k])
                if t_s != 0.0:
                    h = h * _phase(y, t_s)
                if s == 0:
                    out.copy_(h.real.expand(b, z.shape[1]))
                else:
                    out.add_(h.real)
        return grad, None, None, None, None, None


@functools.cache
def _thread_pool(threads: int, pid: int) -> ThreadPoolExecutor:  # per process: a forked child gets its own
    return ThreadPoolExecutor(threads, thread_name_prefix="sigreg-fused")


def _over_rows(kernel, *args) -> None:
    """Run a fused kernel on as many row ranges as torch has threads (rows are independent and the kernels release
    the GIL), so the engine scales with the threads a caller allows, like the eager path's tensor operations.
    Every array argument of the kernels is indexed by row first; each row's result does not depend on the split."""
    threads, rows = torch.get_num_threads(), args[0].shape[0]
    if threads == 1 or rows < 2 * threads:
        kernel(*args)
        return
    bounds = np.linspace(0, rows, threads + 1).astype(int)

    def run(start: int, stop: int) -> None:
        kernel(*(a[start:stop] if isinstance(a, np.ndarray) else a for a in args))

    list(_thread_pool(threads, os.getpid()).map(run, bounds[:-1], bounds[1:]))


def _fused_forward(ctx, rows: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """_EcfSums.forward by the fused CPU kernels (repro/fused.py): the same segments and recurrence, one row at a
    time. Saves z = e^{ihy} as its cos and sin (the memory of the eager path's complex z) when one segment from
    t = 0 covers the grid, else the rows."""
    from . import fused

    t0, step, n_points, anchor, (r, _) = ctx.grid
    zc, zs = _cos_sin(rows, step)
    cos_sums = torch.empty((r, n_points), dtype=rows.dtype)
    sin_sums = torch.empty((r, n_points), dtype=rows.dtype)
    z = (zc.numpy(), zs.numpy())
    for first, end, t_s in _segments(t0, step, n_points, anchor):
        start = z if t_s == 0.0 else tuple(p.numpy() for p in _cos_sin(rows, t_s))
        _over_rows(fused.power_sums, *z, *start, t_s == 0.0, first, end - first, cos_sums.numpy(), sin_sums.numpy())
    ctx.save_for_backward(*((zc, zs) if _single_segment(t0, n_points, anchor) else (rows,)))
    return cos_sums, sin_sums


def _fused_backward(ctx, gamma_re: torch.Tensor, gamma_im: torch.Tensor) -> torch.Tensor:
    """_EcfSums.backward by the fused CPU kernels: Re Σ_k γ_k e^{i t_k y} per segment, Horner's rule in z."""
    from . import fused

    t0, step, n_points, anchor, shape = ctx.grid
    rows = None
    if _single_segment(t0, n_points, anchor):
        zc, zs = ctx.saved_tensors
    else:
        (rows,) = ctx.saved_tensors
        zc, zs = _cos_sin(rows, step)
    z = (zc.numpy(), zs.numpy())
    gamma = (gamma_re.contiguous().numpy(), gamma_im.contiguous().numpy())
    grad = torch.empty(shape, dtype=zc.dtype)
    for first, end, t_s in _segments(t0, step, n_points, anchor):
        start = z if t_s == 0.0 else tuple(p.numpy() for p in _cos_sin(rows, t_s))
        _over_rows(fused.horner_real, *z, *start, t_s == 0.0, *gamma, first, end - first, grad.numpy(), first > 0)
    return grad


class _Project(torch.autograd.Function):
    """x (*, N, K), A (K, M) -> Aᵀxᵀ (*, M, N): each direction's projections contiguous, as the row blocks want
    them. Its own backward computes ∂x = Gᵀ Aᵀ straight into x's (*, N, K) layout; autograd's matmul backward
    would return the transpose, which accumulating into x.grad then copies element by element."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, a)
        return a.mT @ x.mT

    @staticmethod
    @once_differentiable
    def backward(ctx, grad: torch.Tensor):
        x, a = ctx.saved_tensors
        grad_x = grad.mT @ a.mT if ctx.needs_input_grad[0] else None
        grad_a = None
        if ctx.needs_input_grad[1]:
            grad_a = x.mT @ grad.mT
            grad_a = grad_a if grad_a.dim() == 2 else grad_a.sum(0)
        return grad_x, grad_a


class _AllReduceSum(torch.autograd.Function):
    """Sum over ranks whose backward is again a sum over ranks: every rank's loss depends on every rank's input,
    so the gradient of a rank's input collects all ranks' output gradients (a plain all_reduce has no backward,
    which is how a non-autograd reduction ends up with wrong gradients, docs/discrepancies.md#d18)."""

    @staticmethod
    def forward(ctx, tensor: torch.Tensor) -> torch.Tensor:
        out = tensor.clone()
        torch.distributed.all_reduce(out, op=torch.distributed.ReduceOp.SUM)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        grad = grad.clone()
        torch.distributed.all_reduce(grad, op=torch.distributed.ReduceOp.SUM)
        return grad


def _distributed(sync: bool) -> bool:
    return (
        sync
        and torch.distributed.is_available()
        and torch.distributed.is_initialized()
        and torch.distributed.get_world_size() > 1
    )


def _statistic(proj_t: torch.Tensor, grid: Grid, sync: bool, kernel: str = "auto") -> torch.Tensor:
    """EP of each row of the transposed projections proj_t (*, M, N) -> (*, M), in proj_t's dtype."""
    *batch, m, n = proj_t.shape
    rows = proj_t.reshape(-1, n).contiguous()  # (B·M, N): samples contiguous, a no-op for a matmul output
    cos_sums, sin_sums = _EcfSums.apply(
        rows, float(grid.t0), float(grid.step), grid.n_points, grid.anchor_every, _kernel(kernel, rows)
    )
    count = torch.tensor(float(n), dtype=rows.dtype, device=rows.device)
    if _distributed(sync):
        # Sums, not means, and the counts too: the global-batch statistic even for unequal local batches.
        both = _AllReduceSum.apply(torch.stack((cos_sums, sin_sums)))
        cos_sums, sin_sums = both[0], both[1]
        torch.distributed.all_reduce(count, op=torch.distributed.ReduceOp.SUM)
    knots = torch.as_tensor(grid.knots, dtype=rows.dtype, device=rows.device)
    coef = torch.as_tensor(grid.coefficients, dtype=rows.dtype, device=rows.device)
    err = (cos_sums / count - torch.exp(-0.5 * knots.square())).square() + (sin_sums / count).square()
    return (count * (err @ coef)).reshape(*batch, m)


def _compute_dtype(x: torch.Tensor) -> torch.dtype:
    return torch.float64 if x.dtype == torch.float64 else torch.float32


def _reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    return values


@functools.cache
def _fused_available() -> bool:
    try:
        from . import fused  # noqa: F401  (numba compiles nothing on import; the first call does)
    except ImportError:
        return False
    return True


def _kernel(kernel: str, rows: torch.Tensor) -> str:
    """The recurrences' implementation for these rows: the fused CPU kernels where they can run, else eager."""
    on_cpu = rows.device.type == "cpu"
    if kernel == "auto":
        return "fused" if on_cpu and _fused_available() else "eager"
    if kernel == "fused" and not on_cpu:
        raise ValueError(f"kernel='fused' runs on the CPU only, got a {rows.device.type} tensor (use 'auto')")
    if kernel == "fused" and not _fused_available():
        raise ValueError("kernel='fused' needs numba (pip install numba), or use kernel='auto'")
    return kernel


def _check_options(grid: object, reduction: object, kernel: object = "auto") -> None:
    if kernel not in KERNELS:
        raise ValueError(f"kernel must be one of {KERNELS}, got {kernel!r}")
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a repro.sigreg.Grid (e.g. OFFICIAL or PAPER), got {type(grid).__name__}")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def sigreg(
    x: torch.Tensor,
    directions: torch.Tensor,
    *,
    grid: Grid = OFFICIAL,
    reduction: str = "mean",
    sync: bool = True,
    kernel: str = "auto",
) -> torch.Tensor:
    """SIGReg of embeddings x on unit directions.

    x: (N, K) or (V, N, K) (views are separate batches that share the directions, as R1 treats them);
    directions: (K, M) with unit columns. Returns the mean over views and directions ("mean"), their sum
    ("sum"), or the per-slice values (*, M) ("none"). float64 in → float64 out; anything else (bf16, fp16,
    fp32, autocast) is computed and returned in float32. With `sync` and an initialised process group of size
    W > 1, the value is the statistic of the global batch (all ranks' samples together). `kernel`: see KERNELS
    (every choice computes the same statistic; tests/test_engine.py holds them to each other and to R1).
    """
    _check_options(grid, reduction, kernel)
    x = check_embeddings(x)
    directions = check_directions(directions, x.shape[-1])
    dtype = _compute_dtype(x)
    with torch.autocast(device_type=x.device.type, enabled=False):
        proj_t = _Project.apply(x.to(dtype), directions.to(device=x.device, dtype=dtype))
        return _reduce(_statistic(proj_t, grid, sync, kernel), reduction)


def epps_pulley(y: torch.Tensor, *, grid: Grid = OFFICIAL, sync: bool = True, kernel: str = "auto") -> torch.Tensor:
    """The Epps–Pulley statistic of each column of already projected data y (N, M) or (V, N, M) -> (*, M)."""
    _check_options(grid, "none", kernel)
    y = check_embeddings(y)
    with torch.autocast(device_type=y.device.type, enabled=False):
        return _statistic(y.to(_compute_dtype(y)).mT, grid, sync, kernel)


def draw_directions(
    k: int,
    m: int,
    *,
    step: int | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """M directions uniform on the unit sphere in R^K, shape (K, M), from exactly one explicit source.

    `step`: the official draw (a CPU generator seeded with `step`, randn(K, M), columns normalised), bit for
    bit `reference.seeded_directions(k, m, step)`; every rank passing the same step gets the same directions.
    `generator`: a CPU torch.Generator, advanced by the draw. Nothing else is consumed or advanced
    (docs/discrepancies.md#d19).
    Draws happen on the CPU and are then moved to `device`, so CPU and CUDA runs see the same directions.
    """
    if isinstance(k, bool) or isinstance(m, bool) or not isinstance(k, int) or not isinstance(m, int):
        raise ValueError(f"k and m must be integers, got {k!r}, {m!r}")
    if k < 1 or m < 1:
        raise ValueError(f"need k >= 1 and m >= 1, got {k}, {m}")
    if (step is None) == (generator is None):
        raise ValueError("pass exactly one of step= or generator= (no hidden random state is used)")
    if step is not None:
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            raise ValueError(f"step must be a non-negative integer, got {step!r}")
        a = seeded_directions(k, m, step)
    else:
        if not isinstance(generator, torch.Generator) or generator.device.type != "cpu":
            raise ValueError("generator must be a CPU torch.Generator")
        a = torch.randn((k, m), generator=generator)
        a = a / a.norm(p=2, dim=0)
    return a.to(device=device, dtype=dtype)


class SIGRegLoss(nn.Module):
    """SIGReg as a training loss: `loss = SIGRegLoss(256)(z, step=global_step)`.

    Directions are drawn per call from the step the caller passes (the official scheme, without its hidden
    counter), or from an explicit generator, or given directly. z: (N, K) or (V, N, K), per-view statistic
    averaged over views and directions. Under DDP the value is the global-batch statistic (see `sigreg`).
    """

    def __init__(
        self,
        num_directions: int = 256,
        *,
        grid: Grid = OFFICIAL,
        reduction: str = "mean",
        sync: bool = True,
        kernel: str = "auto",
    ):
        super().__init__()
        if isinstance(num_directions, bool) or not isinstance(num_directions, int) or num_directions < 1:
            raise ValueError(f"num_directions must be a positive integer, got {num_directions!r}")
        _check_options(grid, reduction, kernel)
        self.kernel = kernel
        self.num_directions = num_directions
        self.grid = grid
        self.reduction = reduction
        self.sync = bool(sync)

    def forward(
        self,
        z: torch.Tensor,
        step: int | None = None,
        *,
        generator: torch.Generator | None = None,
        directions: torch.Tensor | None = None,
    ) -> torch.Tensor:
        z = check_embeddings(z)
        if directions is None:
            directions = draw_directions(z.shape[-1], self.num_directions, step=step, generator=generator)
        elif step is not None or generator is not None:
            raise ValueError("pass directions= or a step/generator to draw them, not both")
        return sigreg(z, directions, grid=self.grid, reduction=self.reduction, sync=self.sync, kernel=self.kernel)

    def extra_repr(self) -> str:
        return f"num_directions={self.num_directions}, grid={self.grid.name!r}, reduction={self.reduction!r}"
