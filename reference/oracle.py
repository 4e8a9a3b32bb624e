"""Exact closed-form ground truth for the Epps–Pulley statistic used by SIGReg (LeJEPA, arXiv 2511.08544).

Everything here is float64 and free of quadrature error unless a function's name says ``grid``. The statistic
is the one both published code listings implement (window exp(−t²/2), factor N, no standardisation)::

    EP(y) = N ∫ |φ̂(t) − e^{−t²/2}|² e^{−t²/2} dt,        φ̂(t) = (1/N) Σ_n e^{i t y_n},

whose closed form (docs/oracle.md#o1) is::

    EP(y) = (√(2π)/N) Σ_{j,k} e^{−(y_j−y_k)²/2} − 2√π Σ_j e^{−y_j²/4} + N √(2π/3).

Oracle ids (O1–O6) refer to ``docs/oracle.md``; derivations are in the same file and are re-verified
numerically by ``tests/test_oracle.py``.

Conventions
-----------
* ``y`` has shape ``(N,)`` (one sample) or ``(N, M)`` (M independent columns, e.g. M directions); statistics
  are returned per column with shape ``()`` or ``(M,)``.
* numpy in, numpy out. A ``torch.Tensor`` in gives a float64 ``torch.Tensor`` out, computed with torch ops so
  that autograd works (``ep(y).sum().backward()``); the pair sums are chunked and checkpointed so neither the
  forward nor the backward pass ever holds an N×N×M array.
* No global random state is used anywhere; functions that draw take an explicit ``numpy.random.Generator``.
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from scipy import integrate, optimize, special

try:  # torch is optional: the oracle must work (numpy only) on machines without it
    import torch
    import torch.utils.checkpoint as _torch_checkpoint
except ImportError:  # pragma: no cover - torch is pinned in this project
    torch = None
    _torch_checkpoint = None

__all__ = [
    "NULL_MEAN",
    "NULL_VARIANCE_LIMIT",
    "PAPER_GRID",
    "OFFICIAL_GRID",
    "R0_GRID",
    "ep",
    "ep_grad",
    "ep_grad_sup",
    "WINDOW_SIGMA2",
    "theorem4_gradient_bound",
    "sliced_ep",
    "sigreg",
    "random_directions",
    "null_variance",
    "null_eigenvalues",
    "null_sf",
    "null_quantile",
    "p_value",
    "expected_ep",
    "gaussian_distance",
    "expected_rank1_sigreg",
    "trapezoid_grid",
    "folded_trapezoid_grid",
    "grid_ep",
    "grid_ep_grad",
    "grid_expectation",
    "grid_null_mean",
    "grid_null_variance",
    "grid_null_eigenvalues",
    "grid_null_joint_draws",
    "wrap_period",
    "aliased_ep",
]

# ----------------------------------------------------------------------------------------------------------------
# Constants (docs/oracle.md#o1, #o2, #o5)
# ----------------------------------------------------------------------------------------------------------------

_SQRT_2PI = math.sqrt(2.0 * math.pi)  # ∫ cos(td) e^{−t²/2} dt = √(2π) e^{−d²/2}: the pair-term constant
_TWO_SQRT_PI = 2.0 * math.sqrt(math.pi)  # 2 ∫ cos(ty) e^{−t²} dt = 2√π e^{−y²/4}: the cross-term constant
_SQRT_2PI_3 = math.sqrt(2.0 * math.pi / 3.0)  # ∫ e^{−3t²/2} dt: the constant term (per sample)

#: E[EP] under H0 (y iid N(0,1)) for every N: √(2π)(1 − 1/√3) = 1.0594257655 (O2).
NULL_MEAN = _SQRT_2PI * (1.0 - 1.0 / math.sqrt(3.0))

# Var EP = _VAR_C0 + _VAR_C1/N exactly (O5). With T = (1/N) Σ_{j,k} h(y_j, y_k) and h degenerate under H0,
# Var T = Var h(Y,Y)/N + 2(N−1)/N · E h(Y1,Y2)², where E h² = 2π(1/√5 − 1/√2 + 1/3) and
# Var h(Y,Y) = 4π Var(e^{−Y²/4}) = 4π(1/√2 − 2/3); regrouping gives the two constants below.
_VAR_C0 = 4.0 * math.pi * (1.0 / math.sqrt(5.0) - 1.0 / math.sqrt(2.0) + 1.0 / 3.0)
_VAR_C1 = 4.0 * math.pi * (math.sqrt(2.0) - 1.0 - 1.0 / math.sqrt(5.0))

#: lim_{N→∞} Var EP under H0 = 2 Σ λ_k² = 0.9228761133 (O5).
NULL_VARIANCE_LIMIT = _VAR_C0

_GOLDEN = (1.0 + math.sqrt(5.0)) / 2.0

# Element budget for one chunk of an (M, rows, N) temporary: 2**21 float64 = 16 MiB, small enough that a few
# temporaries fit comfortably and large enough that the Python loop overhead is negligible.
_CHUNK_ELEMENTS = 2**21


# ----------------------------------------------------------------------------------------------------------------
# Input handling
# ----------------------------------------------------------------------------------------------------------------


def _is_torch(x) -> bool:
    return torch is not None and isinstance(x, torch.Tensor)


def _as_float64(x, name: str, ndims: tuple[int, ...], min_rows: int = 2):
    """Validate a data array and return ``(array_float64, is_torch)``.

    Raises ``ValueError`` for: wrong ndim, empty, fewer than ``min_rows`` rows, integer/bool/complex/non-numeric
    dtype, NaN or Inf. Integers are refused rather than silently cast because an integer array here almost
    always means indices or labels were passed by mistake.
    """
    if _is_torch(x):
        if x.is_complex():
            raise ValueError(f"{name} must be real floating point; got complex dtype {x.dtype}")
        if not x.is_floating_point():
            kind = "bool" if x.dtype == torch.bool else "integer"
            raise ValueError(f"{name} must be real floating point; got {kind} dtype {x.dtype}")
        arr, is_t = x, True
    else:
        arr, is_t = np.asarray(x), False
        kind = arr.dtype.kind
        if kind == "c":
            raise ValueError(f"{name} must be real floating point; got complex dtype {arr.dtype}")
        if kind == "b":
            raise ValueError(f"{name} must be real floating point; got bool dtype")
        if kind in "iu":
            raise ValueError(f"{name} must be real floating point; got integer dtype {arr.dtype}")
        if kind != "f":
            raise ValueError(f"{name} must be a real floating-point array; got dtype {arr.dtype}")
    if arr.ndim not in ndims:
        allowed = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name} must be {allowed}; got {arr.ndim}-D with shape {tuple(arr.shape)}")
    if _numel(arr) == 0:
        raise ValueError(f"{name} is empty (shape {tuple(arr.shape)})")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name} needs N >= {min_rows} samples along axis 0; got N = {arr.shape[0]}")
    if is_t:
        arr = arr.to(torch.float64)
        finite = bool(torch.isfinite(arr).all())
    else:
        arr = arr.astype(np.float64, copy=False)
        finite = bool(np.isfinite(arr).all())
    if not finite:
        raise ValueError(f"{name} contains NaN or Inf")
    return arr, is_t


def _numel(a) -> int:
    return int(a.numel()) if _is_torch(a) else int(a.size)


def _as_2d(y):
    """(N,) -> (N, 1) and a flag to squeeze the column axis back out."""
    if y.ndim == 1:
        return y[:, None], True
    return y, False


def _check_n(n, name: str = "n") -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral):
        raise ValueError(f"{name} must be an integer sample size >= 2; got {n!r}")
    if n < 2:
        raise ValueError(f"{name} must be >= 2 (N < 2 is not a sample the statistic is defined for here); got {n}")
    return int(n)


def _check_real_scalar(v, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Real):
        raise ValueError(f"{name} must be a real number; got {v!r}")
    v = float(v)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite; got {v}")
    return v


def _check_grid(knots, weights):
    """Validate a quadrature grid: 1-D, same length >= 2, finite, strictly increasing knots, weights >= 0."""
    k = _check_1d_real(knots, "knots")
    w = _check_1d_real(weights, "weights")
    if k.shape != w.shape:
        raise ValueError(f"knots and weights must have the same length; got {k.shape[0]} and {w.shape[0]}")
    if k.shape[0] < 2:
        raise ValueError(f"a grid needs at least 2 knots; got {k.shape[0]}")
    if not np.all(np.diff(k) > 0):
        raise ValueError("knots must be strictly increasing")
    if np.any(w < 0) or not np.any(w > 0):
        # negative weights would make the limiting law a difference of chi-squares (no C^{1/2} exists)
        raise ValueError("weights must be >= 0 with at least one > 0")
    return k, w


def _check_1d_real(x, name: str) -> np.ndarray:
    if _is_torch(x):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.dtype.kind not in "fiu" or a.dtype.kind == "b":
        raise ValueError(f"{name} must be a real numeric array; got dtype {a.dtype}")
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got {a.ndim}-D")
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or Inf")
    return a


def _chunk_rows(n_rows: int, cols: int) -> int:
    return max(1, _CHUNK_ELEMENTS // max(1, cols))


def _maybe_checkpoint(fn, y):
    """Run ``fn(y)`` under activation checkpointing when autograd is recording.

    Why: the pair term touches N²M numbers; plain autograd would keep all of them for the backward pass.
    Checkpointing keeps only ``y`` and recomputes one chunk at a time during backward.
    """
    if _is_torch(y) and torch.is_grad_enabled() and y.requires_grad:
        return _torch_checkpoint.checkpoint(fn, y, use_reentrant=False)
    return fn(y)


# ----------------------------------------------------------------------------------------------------------------
# O1: closed form; O4: gradient
# ----------------------------------------------------------------------------------------------------------------


def _columns(y2):
    """(N, M) -> contiguous (M, N): every reduction over samples then runs along the last, contiguous axis,
    where numpy (and torch) use pairwise summation; reducing over a strided axis 0 adds rows naively and loses
    ~1e−10 relative accuracy at N = 8192."""
    return y2.T.contiguous() if _is_torch(y2) else np.ascontiguousarray(y2.T)


def _stack_sum(parts):
    """Sum chunk partials pairwise rather than by a running total (same accuracy reason as ``_columns``)."""
    if _is_torch(parts[0]):
        return torch.stack(parts, -1).sum(-1)
    return np.stack(parts, -1).sum(-1)  # partials along the last (contiguous) axis: pairwise, not a running sum


def _pair_sum(yc):
    """Σ_{j,k} exp(−(y_j−y_k)²/2) for each row of yc, shape (M, N) -> (M,); works for numpy and torch.

    Uses symmetry: chunk samples [a, b) against samples [a, N); the (a:b, a:b) block is counted once in full
    (it already contains both orders), the (a:b, b:N) block twice. Memory per chunk <= _CHUNK_ELEMENTS.
    """
    m, n = yc.shape
    rows = _chunk_rows(n, n * m)
    xp = torch if _is_torch(yc) else np
    parts = []
    for a in range(0, n, rows):
        b = min(n, a + rows)

        def block(yy, a=a, b=b):
            d = yy[:, a:b, None] - yy[:, None, a:]  # (M, b−a, N−a)
            e = xp.exp(-0.5 * d * d)
            return e[:, :, : b - a].sum(-1).sum(-1) + 2.0 * e[:, :, b - a :].sum(-1).sum(-1)

        parts.append(_maybe_checkpoint(block, yc))
    return _stack_sum(parts)


def ep(y):
    """Exact Epps–Pulley statistic (O1), one value per column.

    Parameters
    ----------
    y : array_like or torch.Tensor, shape (N,) or (N, M), real floating point, N >= 2
        Samples along axis 0. Converted to float64.

    Returns
    -------
    numpy.ndarray of shape () or (M,), float64; or a float64 torch.Tensor (autograd-enabled) for tensor input.

    Notes
    -----
    EP(y) = (√(2π)/N) Σ_{j,k} e^{−(y_j−y_k)²/2} − 2√π Σ_j e^{−y_j²/4} + N√(2π/3). Exact: no quadrature.
    Cost O(N²M) time, O(N·M + chunk) memory; relative rounding error ~1e−13 at N = 8192.
    """
    y, _ = _as_float64(y, "y", (1, 2))
    y2, squeeze = _as_2d(y)
    n = y2.shape[0]
    xp = torch if _is_torch(y2) else np
    yc = _columns(y2)
    pair = _pair_sum(yc)
    cross = xp.exp(-0.25 * yc * yc).sum(-1)
    out = (_SQRT_2PI / n) * pair - _TWO_SQRT_PI * cross + n * _SQRT_2PI_3
    return out[0] if squeeze else out


def ep_grad(y):
    """Exact gradient ∂EP/∂y_n (O4), same shape as ``y``.

    ∂EP/∂y_n = −(2√(2π)/N) Σ_k (y_n−y_k) e^{−(y_n−y_k)²/2} + √π y_n e^{−y_n²/4}.

    Parameters
    ----------
    y : array_like or torch.Tensor, shape (N,) or (N, M)

    Returns
    -------
    float64 array (numpy for numpy input, detached torch tensor for torch input) of shape (N,) or (N, M).
    """
    y, is_t = _as_float64(y, "y", (1, 2))
    if is_t:
        y = y.detach()
    y2, squeeze = _as_2d(y)
    n, m = y2.shape
    xp = torch if is_t else np
    yc = _columns(y2)
    rows = _chunk_rows(n, n * m)
    parts = []
    for a in range(0, n, rows):
        d = yc[:, a : a + rows, None] - yc[:, None, :]  # (M, rows, N)
        parts.append((d * xp.exp(-0.5 * d * d)).sum(-1))
    pair = (torch.cat(parts, 1) if is_t else np.concatenate(parts, 1)).T
    g = (-2.0 * _SQRT_2PI / n) * pair + math.sqrt(math.pi) * y2 * xp.exp(-0.25 * y2 * y2)
    return g[:, 0] if squeeze else g


def ep_grad_sup(n) -> float:
    """Exact sup over all data of |∂EP/∂y_n| for sample size n (O4, docs/oracle.md#o4): √(2π) e^{−1/2} (3 − 2/n).

    Attained at y_n = −√2 with every other sample at −√2 − 1 (each |d e^{−d²/2}| and |y e^{−y²/4}| at its max
    with aligned signs). Independent of the data scale and bounded in n (→ 4.5610): the paper's 4σ²/N is not.
    """
    n = _check_n(n)
    return _SQRT_2PI * math.exp(-0.5) * (3.0 - 2.0 / n)


#: σ² of Theorem 4 for the window every implementation uses. The theorem's window is e^{−t²/σ²} (App. B.12 writes
#: e^{−s²t²}, s² = 1/σ²); the implemented e^{−t²/2} is that window with σ² = 2, not the text's σ = 1 (D3).
WINDOW_SIGMA2 = 2.0


def theorem4_gradient_bound(n, sigma2: float = WINDOW_SIGMA2) -> float:
    """Theorem 4's per-sample bound 4σ²/N, by default for the implemented window (σ² = 2: 8/N, 0.03125 at N = 256).

    Where σ² comes from: App. B.12 bounds the statistic without its factor N, D̂ = EP/N:
    |∂D̂/∂y_i| = |∫ 2 Re(conj(φ̂ − φ)·(it/N)e^{ity_i}) w dt| ≤ (4/N) ∫ |t| w(t) dt, and ∫ |t| e^{−t²/σ²} dt = σ².
    So the bound holds for D̂ (its exact sup is ep_grad_sup(n)/n ≈ 4.56/N < 8/N) and fails for EP with its
    factor N (sup ≈ 4.56 for every N: D6). One constant for every check of Theorem 4 (C15, C37, D6).
    """
    n = _check_n(n)
    sigma2 = _check_real_scalar(sigma2, "sigma2")
    if not sigma2 > 0:
        raise ValueError(f"sigma2 must be positive, got {sigma2!r}")
    return 4.0 * sigma2 / n


# ----------------------------------------------------------------------------------------------------------------
# Sliced statistic (SIGReg)
# ----------------------------------------------------------------------------------------------------------------


def _check_directions(z, directions):
    z, z_t = _as_float64(z, "z", (2,))
    a_is_t = _is_torch(directions)
    a, _ = _as_float64(directions, "directions", (2,), min_rows=1)
    if a.shape[0] != z.shape[1]:
        raise ValueError(f"directions must have shape (K, M) with K = z.shape[1] = {z.shape[1]}; got {tuple(a.shape)}")
    norms = (a * a).sum(0) ** 0.5
    norms_np = norms.detach().cpu().numpy() if a_is_t else norms
    bad = np.abs(norms_np - 1.0) > 1e-4
    if np.any(bad):
        # Unit columns are what makes every slice exactly N(0,1) under H0; an unnormalised column rescales the
        # slice and the statistic then tests N(0, ‖a‖²) instead of the null the p-values assume.
        raise ValueError(
            "directions must have unit-norm columns (| ||a_m|| - 1 | <= 1e-4): each slice z @ a_m is N(0,1) "
            f"under H0 only for unit a_m; {int(bad.sum())} column(s) off, norms in "
            f"[{norms_np.min():.6g}, {norms_np.max():.6g}]"
        )
    if z_t or a_is_t:
        ref = z if z_t else a
        z = z if z_t else torch.as_tensor(z, dtype=torch.float64, device=ref.device)
        a = a if a_is_t else torch.as_tensor(a, dtype=torch.float64, device=ref.device)
    return z, a


def sliced_ep(z, directions):
    """Exact EP of every projection: ``ep(z @ directions)``, the per-direction SIGReg terms.

    Parameters
    ----------
    z : shape (N, K) embeddings, N >= 2
    directions : shape (K, M), columns of unit norm (tolerance 1e−4)

    Returns
    -------
    shape (M,) float64 (numpy, or torch with autograd when either input is a tensor).
    """
    z, a = _check_directions(z, directions)
    return ep(z @ a)


def sigreg(z, directions):
    """Exact SIGReg = mean over directions of ``sliced_ep(z, directions)``; shape (), float64."""
    return sliced_ep(z, directions).mean()


def random_directions(k: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """M directions uniform on the sphere S^{K−1}: Gaussian (K, M) matrix with columns normalised; float64."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (no global random state is used)")
    for v, nm in ((k, "k"), (m, "m")):
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{nm} must be a positive integer; got {v!r}")
    a = rng.standard_normal((k, m))
    return a / np.linalg.norm(a, axis=0, keepdims=True)


# ----------------------------------------------------------------------------------------------------------------
# O2/O3: expectations under Gaussian laws
# ----------------------------------------------------------------------------------------------------------------


def gaussian_distance(mu=0.0, sigma=1.0):
    """D(μ, s) = ∫ |φ_{μ,s}(t) − e^{−t²/2}|² e^{−t²/2} dt, the population EP/N for data N(μ, s²) (O3).

    D = √(2π) [ (1+2s²)^{−1/2} − 2 (2+s²)^{−1/2} exp(−μ²/(2(2+s²))) + 3^{−1/2} ]  (valid for every μ, s >= 0).
    Broadcasts over ``mu`` and ``sigma``; returns float64 ndarray (0-D for scalars).
    """
    mu, s2 = _check_mu_sigma(mu, sigma)
    return _SQRT_2PI * (
        (1.0 + 2.0 * s2) ** -0.5 - 2.0 * (2.0 + s2) ** -0.5 * np.exp(-(mu**2) / (2.0 * (2.0 + s2))) + 3.0**-0.5
    )


def _check_mu_sigma(mu, sigma):
    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(sigma))):
        raise ValueError("mu and sigma must be finite")
    if np.any(sigma < 0):
        raise ValueError("sigma must be >= 0")
    return mu, sigma**2


def expected_ep(n, mu=0.0, sigma=1.0):
    """Exact E[EP] for n iid N(μ, σ²) samples, every n (O3).

    E EP = n·D(μ,σ) + ∫ (1 − |φ_F(t)|²) e^{−t²/2} dt = n·D(μ,σ) + √(2π)(1 − (1+2σ²)^{−1/2}).
    (From E|φ̂−φ₀|² = |φ_F−φ₀|² + (1−|φ_F|²)/n.) Broadcasts over mu, sigma.
    """
    n = _check_n(n)
    mu, s2 = _check_mu_sigma(mu, sigma)
    return n * gaussian_distance(mu, sigma) + _SQRT_2PI * (1.0 - (1.0 + 2.0 * s2) ** -0.5)


def expected_rank1_sigreg(n, k=None):
    """Exact E[SIGReg] for rank-1 collapse z = x·1ᵀ (x iid N(0,1), K columns) with uniform directions (O3).

    A slice is x·(1ᵀa) ~ N(0, Kρ²) with ρ = a·1/√K, ρ² ~ Beta(½, (K−1)/2); average ``expected_ep`` over that law.
    ``k=None`` gives the K → ∞ limit (s ~ |N(0,1)|), in closed form with Bessel K₀ (docs/oracle.md#o3):
    n·[e^{1/8}K₀(1/8)/√2 − 2e^{1/2}K₀(1/2) + √(2π/3)] + [√(2π) − e^{1/8}K₀(1/8)/√2] = 0.16805420 n + 0.73755781.
    Returns a float.
    """
    n = _check_n(n)
    if k is None:
        b1 = math.exp(1 / 8) * special.k0(1 / 8) / math.sqrt(2.0)  # E (1+2s²)^{−1/2}·√(2π), s ~ N(0,1)
        b2 = math.exp(1 / 2) * special.k0(1 / 2)  # E (2+s²)^{−1/2}·√(2π)
        return float(n * (b1 - 2.0 * b2 + _SQRT_2PI_3) + (_SQRT_2PI - b1))
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 2:
        raise ValueError(f"k must be an integer >= 2 or None; got {k!r}")
    # Work in s = √(K ρ²) (the slice's standard deviation). Its density on (0, √K) is
    # f(s) = (2/√K) (1 − s²/K)^{(K−3)/2} / B(½, (K−1)/2): smooth at 0 (the r^{−1/2} of the Beta law cancels the
    # Jacobian) and tending to the half-normal 2φ(s) as K → ∞. Computed in log space so large K cannot overflow.
    expo = (k - 3) / 2.0
    log_c = math.log(2.0 / math.sqrt(k)) - special.betaln(0.5, (k - 1) / 2.0)
    root_k = math.sqrt(k)

    def e_ep(s):
        return float(expected_ep(n, 0.0, s))

    pieces = []
    if k <= 4:
        # (1 − s²/K)^{expo} = K^{−expo} (√K − s)^{expo} (√K + s)^{expo}; put the endpoint power (singular for
        # K = 2, non-smooth for K = 4) into QUADPACK's algebraic weight (QAWS).
        def g_upper(s):
            return math.exp(log_c - expo * math.log(k) + expo * math.log(root_k + s)) * e_ep(s)

        pieces.append(
            integrate.quad(
                lambda s: math.exp(log_c + expo * math.log1p(-s * s / k)) * e_ep(s),
                0.0,
                1.0,
                epsabs=1e-13,
                epsrel=1e-12,
                full_output=1,
            )
        )
        pieces.append(
            integrate.quad(
                g_upper, 1.0, root_k, weight="alg", wvar=(0.0, expo), epsabs=1e-13, epsrel=1e-12, full_output=1
            )
        )
    else:
        s_hi = min(root_k, 40.0)  # beyond s = 40 the density is < e^{−700} for every K >= 5

        def f(s):
            return math.exp(log_c + expo * math.log1p(-s * s / k)) * e_ep(s) if s < root_k else 0.0

        for lo, hi in ((0.0, 1.0), (1.0, min(4.0, s_hi)), (min(4.0, s_hi), s_hi)):
            if hi > lo:
                pieces.append(integrate.quad(f, lo, hi, epsabs=1e-13, epsrel=1e-12, limit=200, full_output=1))
    val = sum(p[0] for p in pieces)
    err = sum(p[1] for p in pieces)
    if not err < 1e-8 * max(1.0, abs(val)):
        raise RuntimeError(f"expected_rank1_sigreg: quadrature error estimate {err:.3g} too large")
    return float(val)


# ----------------------------------------------------------------------------------------------------------------
# O5: null law
# ----------------------------------------------------------------------------------------------------------------


def null_variance(n):
    """Exact Var[EP] under H0 for sample size n (O5): 4π(1/√5 − 1/√2 + 1/3) + 4π(√2 − 1 − 1/√5)/n.

    = 0.9228761133 − 0.4146906466/n. Returns a float.
    """
    n = _check_n(n)
    return _VAR_C0 + _VAR_C1 / n


@functools.lru_cache(maxsize=32)
def _null_eigenvalues_cached(k: int) -> np.ndarray:
    root2pi = _SQRT_2PI
    n_each = k // 2 + 2
    # Odd Hermite eigenfunctions are orthogonal to constants, so projecting out constants leaves the
    # Gaussian kernel's odd Mercer eigenvalues √(2π) g^{−(2i+1)}, i odd, untouched.
    odd = [root2pi * _GOLDEN ** -(4 * j + 3) for j in range(n_each)]
    # Even ones: h = (I−P) G (I−P) with P the projection on constants; a rank-one compression moves the even
    # eigenvalues γ_j = √(2π) g^{−(4j+1)} to the roots μ of Σ_j c_j² / (γ_j − μ) = 0, one per (γ_{j+1}, γ_j),
    # with c_j² ∝ C(2j, j) (4 g⁴)^{−j} (squared projection of 1 on the j-th even eigenfunction).
    n_terms = n_each + 60  # c_j²/γ_j decays like g^{−4j}: 60 extra terms are far below double precision
    jj = np.arange(n_terms)
    c2 = np.exp(special.gammaln(2 * jj + 1) - 2 * special.gammaln(jj + 1) - jj * math.log(4.0 * _GOLDEN**4))
    gam = root2pi * _GOLDEN ** -(4.0 * jj + 1.0)
    even = []
    for j in range(n_each):
        gap = gam[j] - gam[j + 1]

        def secular(s, j=j, gap=gap):
            # μ = γ_{j+1} + s·gap; the two nearest denominators are written through s to avoid cancellation
            mu = gam[j + 1] + s * gap
            den = gam - mu
            den[j] = (1.0 - s) * gap
            den[j + 1] = -s * gap
            return float(np.sum(c2 / den) * gap)

        s = optimize.brentq(secular, 1e-300, 1.0 - 1e-16, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
        even.append(gam[j + 1] + s * gap)
    lam = np.sort(np.array(odd + even))[::-1][:k]
    lam.setflags(write=False)
    return lam


def null_eigenvalues(k: int = 50) -> np.ndarray:
    """The k largest eigenvalues λ of the H0 limiting law EP → Σ λ_k χ²₁ (O5, docs/oracle.md#o5), descending.

    Odd: √(2π) g^{−(4j+3)} (g = golden ratio); even: roots of the secular equation
    Σ_j C(2j,j)(4g⁴)^{−j} / (√(2π) g^{−(4j+1)} − μ) = 0. Σ_k λ_k = NULL_MEAN, 2 Σ λ_k² = NULL_VARIANCE_LIMIT
    (truncation error at k = 50 is ~1e−21). Returns a read-only float64 array of shape (k,).
    """
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    return _null_eigenvalues_cached(int(k))


def _check_eigenvalues(eigenvalues) -> np.ndarray:
    if eigenvalues is None:
        return null_eigenvalues(50)
    lam = _check_1d_real(eigenvalues, "eigenvalues")
    if np.any(lam < 0):
        raise ValueError("eigenvalues must be >= 0 (a weighted sum of chi-squares with nonnegative weights)")
    lam = lam[lam > 0]
    if lam.size == 0:
        raise ValueError("eigenvalues must contain at least one positive value")
    return lam


def _imhof_sf(x: float, lam: np.ndarray, u_cut: float | None = None) -> float:
    """P(Σ λ_k χ²₁ > x) by Imhof (1961): ½ + (1/π) ∫₀^∞ sin θ(u) / (u ρ(u)) du, adaptive QUADPACK.

    θ(u) = ½ Σ arctan(λ_k u) − ½ x u, ρ(u) = Π (1 + λ_k² u²)^{1/4}; ``u_cut`` (from ``_imhof_cutoff``) is where
    the envelope 1/(uρ) has integrated to < 1e−14, or None if it decays too slowly to say.
    If u_cut lies within the first oscillation period 4π/x (small x), the integral is a finite, non-oscillatory
    one on [0, u_cut]. Otherwise the oscillation beyond one period u0 is split off as cos/sin(x u/2) and
    integrated with QUADPACK's Fourier routine (QAWF), which converges on the infinite range. The finite pieces
    get break points at every decade because the integrand changes scale at each u ≈ 1/λ_k; without them a long
    [0, u0] (tiny x) can be integrated wrongly with a small error estimate. QAWF may flag "bad integrand
    behaviour" in single cycles when asked for 1e−14; its error estimate stays ~1e−14 and the result agrees with
    exact χ² laws to 1e−16 (tests), so only the error estimate is checked.
    """
    if x <= 0.0:
        return 1.0  # Σ λ χ² > 0 almost surely when some λ > 0

    def a_of(u):
        return 0.5 * np.sum(np.arctan(lam * u))

    def envelope(u):
        return 1.0 / (u * math.exp(0.25 * np.sum(np.log1p((lam * u) ** 2))))

    def head(u):
        if u == 0.0:
            return 0.5 * (np.sum(lam) - x)  # limit of sin θ(u)/u as u → 0
        return math.sin(a_of(u) - 0.5 * x * u) * envelope(u)

    def finite(b):
        pts = [10.0**e for e in range(-6, 31) if 0.0 < 10.0**e < b]
        return integrate.quad(head, 0.0, b, points=pts or None, limit=1000, epsabs=1e-14, epsrel=1e-12, full_output=1)

    omega = 0.5 * x
    u0 = 2.0 * math.pi / omega
    if u_cut is not None and u_cut <= u0:
        pieces = [finite(u_cut)]
    else:
        kw = dict(limlst=200, epsabs=1e-14, full_output=1)
        # sin(a − xu/2) = sin a · cos(xu/2) − cos a · sin(xu/2)
        r1 = integrate.quad(lambda u: math.sin(a_of(u)) * envelope(u), u0, np.inf, weight="cos", wvar=omega, **kw)
        r2 = integrate.quad(lambda u: math.cos(a_of(u)) * envelope(u), u0, np.inf, weight="sin", wvar=omega, **kw)
        pieces = [finite(u0), r1, (-r2[0], r2[1])]
    err = sum(p[1] for p in pieces)
    if not err < 1e-10:
        raise RuntimeError(f"Imhof integration did not converge at x = {x} (error estimate {err:.3g})")
    p = 0.5 + sum(p[0] for p in pieces) / math.pi
    return min(1.0, max(0.0, p))


def _imhof_cutoff(lam: np.ndarray, tol: float):
    """Smallest U (on a log grid) with ∫_U^∞ du/(u ρ(u)) < tol, or None if no U below 1e30 works.

    The envelope 1/(uρ) bounds |integrand|, so this bounds the truncation error of the Imhof integral.
    """
    s = np.linspace(-3.0, 30.0, 3301)  # log10 u
    u = 10.0**s
    log_env = -0.25 * np.log1p((lam[None, :] * u[:, None]) ** 2).sum(1)  # log(u·envelope) = −log ρ
    g = np.exp(log_env) * math.log(10.0)  # ∫ env du = ∫ (u·env) ln10 ds
    seg = 0.5 * (g[1:] + g[:-1]) * np.diff(s)
    if g[-1] > 1e-3 * tol:  # still not negligible at 1e30: decays too slowly (e.g. one or two eigenvalues)
        return None
    tail = np.concatenate([np.cumsum(seg[::-1])[::-1], [0.0]])
    ok = np.nonzero(tail < tol)[0]
    return float(u[ok[0]])


@functools.lru_cache(maxsize=16)
def _fft_sf_table(lam_key: tuple):
    """Imhof's integral by the midpoint rule in u, evaluated for a whole x-grid at once with one FFT.

    Why this is exact to ~1e−13: the midpoint rule with step Δ applied to a characteristic-function inversion
    errs only by aliasing, |error| <= P(Q > x + 4π/Δ) (Davies 1973), which the period choice makes < 1e−20,
    plus truncation at U (bounded by ``_imhof_cutoff``). The x-grid is then fine enough (δx ≈ 1e−3) for a
    cubic spline to interpolate the smooth survival function to ~1e−13.
    Returns (CubicSpline on [0, x_max], x_max) or None when the u-range would be too long.
    """
    lam = np.array(lam_key)
    x_max = 120.0 * lam.max() + 4.0 * lam.sum() + 10.0  # sf(x_max) ~ e^{−60}·poly: negligible
    period = 2.0 * x_max  # aliasing error <= sf(x + period) <= sf(2 x_max)
    du = 4.0 * math.pi / period
    u_cut = _imhof_cutoff(lam, 1e-13)
    if u_cut is None:
        return None
    n_terms = int(math.ceil(u_cut / du))
    n_fft = 1 << max(16, int(math.ceil(math.log2(max(n_terms, period / 1e-3)))))
    if n_terms > 1 << 22:
        return None
    u = (np.arange(n_terms) + 0.5) * du
    a = np.zeros(n_terms)
    log_rho = np.zeros(n_terms)
    for lk in lam:  # loop over eigenvalues (<= ~100) rather than an n_terms × K temporary
        a += 0.5 * np.arctan(lk * u)
        log_rho += 0.25 * np.log1p((lk * u) ** 2)
    c = np.exp(1j * a - log_rho) / u
    # x_j = j·δ with δ = period/n_fft; e^{−i x_j u_k/2} = e^{−2πi jk/n} · e^{−iπ j/n}
    fsum = np.fft.fft(c, n_fft) * np.exp(-1j * math.pi * np.arange(n_fft) / n_fft)
    xs = np.arange(n_fft) * (period / n_fft)
    keep = xs <= x_max
    sf = 0.5 + (du / math.pi) * fsum.imag[keep]
    from scipy.interpolate import CubicSpline

    return CubicSpline(xs[keep], sf), float(xs[keep][-1])


def _sf(xs: np.ndarray, lam: np.ndarray, method: str) -> np.ndarray:
    flat = xs.ravel()
    if method == "quad":
        u_cut = _imhof_cutoff(lam, 1e-14)
        out = np.array([_imhof_sf(float(v), lam, u_cut) for v in flat], dtype=np.float64)
    elif method == "fft":
        table = _fft_sf_table(tuple(float(v) for v in lam))
        u_cut = _imhof_cutoff(lam, 1e-14)
        if table is None:  # slowly decaying characteristic function: fall back to adaptive quadrature
            out = np.array([_imhof_sf(float(v), lam, u_cut) for v in flat], dtype=np.float64)
        else:
            spline, x_max = table
            out = np.clip(spline(np.clip(flat, 0.0, x_max)), 0.0, 1.0)
            out[flat <= 0.0] = 1.0
            # Near 0 the CDF changes regime at every scale x ~ λ_k (≈ x^{#(λ > x)/2}), which a spline with
            # δx ≈ 1e−3 cannot follow to 1e−12; those (rare) points and the far tail go to adaptive quadrature.
            far = (flat > x_max) | ((flat > 0.0) & (flat < 0.1 * lam.sum()))
            out[far] = [_imhof_sf(float(v), lam, u_cut) for v in flat[far]]
    else:
        raise ValueError(f"method must be 'quad' or 'fft'; got {method!r}")
    return out.reshape(xs.shape)


def null_sf(x, eigenvalues=None, method="quad"):
    """Survival function P(Σ λ_k χ²₁ > x) of the limiting H0 law (O5), by Imhof's inversion.

    Parameters
    ----------
    x : float or array_like, any shape, finite (NaN/Inf refused)
    eigenvalues : 1-D nonnegative weights; default ``null_eigenvalues(50)`` (exact statistic). Pass
        ``grid_null_eigenvalues(*grid)`` for a quadrature implementation.
    method : "quad" (adaptive QUADPACK per x, ~5–20 ms each; the reference) or "fft" (midpoint rule on a
        table built once per eigenvalue set, then microseconds per x; agrees with "quad" to ~1e−12).

    Returns
    -------
    float64 ndarray with the shape of ``x``; absolute accuracy ~1e−12, also in the far tail.
    """
    lam = _check_eigenvalues(eigenvalues)
    xs = _to_numpy_real(x, "x")
    return _sf(xs, lam, method)


def _to_numpy_real(x, name):
    if _is_torch(x):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be real numeric; got dtype {a.dtype}")
    a = a.astype(np.float64)
    if a.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} contains NaN or Inf")
    return a


def null_quantile(p, eigenvalues=None):
    """Quantile q with P(Σ λ_k χ²₁ <= q) = p of the limiting H0 law, by root-finding on ``null_sf``.

    q95 = 2.95357, q99 = 4.59433 for the exact statistic. ``p`` in (0, 1), scalar or array; returns float64
    ndarray of p's shape.
    """
    lam = _check_eigenvalues(eigenvalues)
    ps = _to_numpy_real(p, "p")
    if np.any((ps <= 0.0) | (ps >= 1.0)):
        raise ValueError("p must lie strictly inside (0, 1)")
    u_cut = _imhof_cutoff(lam, 1e-14)
    out = []
    for pv in ps.ravel():
        target = 1.0 - pv
        hi = max(1.0, 2.0 * float(np.sum(lam)))
        while _imhof_sf(hi, lam, u_cut) > target:  # exponential tail (rate 1/(2 λ_max)): doubling brackets fast
            hi *= 2.0
        sf = functools.partial(_imhof_sf, lam=lam, u_cut=u_cut)
        out.append(optimize.brentq(lambda q, tg=target, sf=sf: sf(q) - tg, 0.0, hi, xtol=1e-12, rtol=1e-13))
    return np.array(out, dtype=np.float64).reshape(ps.shape)


def p_value(y, eigenvalues=None, method="fft"):
    """Asymptotic p-value ``null_sf(ep(y))`` of each column (numpy float64, shape () or (M,)).

    Uses the limiting law, whose quantiles are within ~1 % of the finite-N ones for N >= 64 (docs/oracle.md#o5).
    ``method`` defaults to "fft" because p-values are wanted in bulk (see ``null_sf``).
    """
    t = ep(y)
    if _is_torch(t):
        t = t.detach().cpu().numpy()
    return null_sf(t, eigenvalues, method=method)


# ----------------------------------------------------------------------------------------------------------------
# Quadrature grids (O2, O6)
# ----------------------------------------------------------------------------------------------------------------


def _check_grid_args(n_points):
    if isinstance(n_points, (bool, np.bool_)) or not isinstance(n_points, numbers.Integral) or n_points < 2:
        raise ValueError(f"n_points must be an integer >= 2; got {n_points!r}")


def trapezoid_grid(t_min, t_max, n_points):
    """Trapezoid rule on [t_min, t_max]: ``(knots, weights)``, knots = linspace, weights dt (dt/2 at the ends).

    Weights are pure quadrature weights: the window e^{−t²/2} is applied by the functions that use the grid.
    """
    t_min = _check_real_scalar(t_min, "t_min")
    t_max = _check_real_scalar(t_max, "t_max")
    _check_grid_args(n_points)
    if not t_max > t_min:
        raise ValueError(f"need t_min < t_max; got [{t_min}, {t_max}]")
    knots = np.linspace(t_min, t_max, n_points)
    dt = (t_max - t_min) / (n_points - 1)
    weights = np.full(n_points, dt)
    weights[[0, -1]] = dt / 2.0
    return knots, weights


def folded_trapezoid_grid(t_max, n_points):
    """Trapezoid on [−t_max, t_max] folded onto [0, t_max] (the official R1 grid): weights dt at both ends, 2dt
    inside. Exact for even integrands such as |φ̂(t) − φ₀(t)|²; equals the symmetric rule with 2n−1 knots.
    """
    t_max = _check_real_scalar(t_max, "t_max")
    _check_grid_args(n_points)
    if not t_max > 0:
        raise ValueError(f"t_max must be > 0; got {t_max}")
    knots = np.linspace(0.0, t_max, n_points)
    dt = t_max / (n_points - 1)
    weights = np.full(n_points, 2.0 * dt)
    weights[[0, -1]] = dt
    return knots, weights


def _frozen(grid):
    for a in grid:
        a.setflags(write=False)
    return grid


#: Paper listing (Algorithm 1): t = linspace(−5, 5, 17), torch.trapz. Step 0.625, aliasing period 10.053.
PAPER_GRID = _frozen(trapezoid_grid(-5.0, 5.0, 17))
#: Official repo R1 (lejepa/univariate/epps_pulley.py at eddffdd): [0, 3], 17 knots, folded. Period 33.51.
OFFICIAL_GRID = _frozen(folded_trapezoid_grid(3.0, 17))
#: R0 (shadowing class before fd27093): linspace(−3, 3, 10), trapezoid; note R0 itself omitted the factor N,
#: which ``grid_ep`` always applies (divide by N to compare with R0). Knots sit at half-integer multiples of h.
R0_GRID = _frozen(trapezoid_grid(-3.0, 3.0, 10))


def _grid_core(yc, knots, weights, phi0):
    """T_grid = N Σ_k c_k [(mean cos(t_k y) − φ₀(t_k))² + (mean sin(t_k y))²] for yc (M, N); numpy or torch."""
    m, n = yc.shape
    xp = torch if _is_torch(yc) else np
    c = weights * phi0
    per = _chunk_rows(len(knots), n * m)
    parts = []
    for a in range(0, len(knots), per):
        sl = slice(a, a + per)
        if xp is torch:
            t, cc, ph = (torch.as_tensor(v[sl], dtype=torch.float64, device=yc.device) for v in (knots, c, phi0))
        else:
            t, cc, ph = knots[sl], c[sl], phi0[sl]

        def block(yy, t=t, cc=cc, ph=ph):
            arg = yy[:, None, :] * t[None, :, None]  # (M, Tc, N)
            cm = xp.cos(arg).mean(-1) - ph[None, :]
            sm = xp.sin(arg).mean(-1)
            return (cc[None, :] * (cm * cm + sm * sm)).sum(-1)

        parts.append(_maybe_checkpoint(block, yc))
    return n * _stack_sum(parts)


def grid_ep(y, knots, weights):
    """Quadrature version of EP on a grid: N Σ_k w_k e^{−t_k²/2} |φ̂(t_k) − e^{−t_k²/2}|², computed directly.

    Parameters
    ----------
    y : shape (N,) or (N, M), numpy or torch (torch: float64 tensor out, autograd-enabled)
    knots, weights : 1-D, same length; pure quadrature weights (see ``trapezoid_grid``)

    Returns
    -------
    shape () or (M,) float64. Uses cos/sin means (no complex arithmetic), float64 throughout.
    """
    y, _ = _as_float64(y, "y", (1, 2))
    k, w = _check_grid(knots, weights)
    y2, squeeze = _as_2d(y)
    out = _grid_core(_columns(y2), k, w, np.exp(-0.5 * k * k))
    return out[0] if squeeze else out


def grid_ep_grad(y, knots, weights):
    """Exact gradient of ``grid_ep``: ∂T/∂y_n = 2 Σ_k c_k t_k [−sin(t_k y_n)(C̄_k − φ₀(t_k)) + cos(t_k y_n) S̄_k].

    Same shape as y; numpy float64 out (torch input is converted). Builds an (N, T, M) array: meant for the
    modest sizes at which gradients are inspected.
    """
    y, is_t = _as_float64(y, "y", (1, 2))
    if is_t:
        y = y.detach().cpu().numpy()
    k, w = _check_grid(knots, weights)
    y2, squeeze = _as_2d(y)
    phi0 = np.exp(-0.5 * k * k)
    c = w * phi0
    arg = y2[:, None, :] * k[None, :, None]  # (N, T, M)
    cs, sn = np.cos(arg), np.sin(arg)
    cm = cs.mean(0) - phi0[:, None]
    sm = sn.mean(0)
    g = 2.0 * ((c * k)[None, :, None] * (-sn * cm[None] + cs * sm[None])).sum(1)
    return g[:, 0] if squeeze else g


def grid_null_mean(knots, weights) -> float:
    """Exact E[grid statistic] under H0, every N: Σ_k c_k (1 − e^{−t_k²}), c_k = w_k e^{−t_k²/2} (O2)."""
    k, w = _check_grid(knots, weights)
    return float(np.sum(w * np.exp(-0.5 * k * k) * (1.0 - np.exp(-k * k))))


def grid_expectation(knots, weights, n, mu=0.0, sigma=1.0) -> float:
    """Exact E[grid statistic] for n iid N(μ, σ²) samples, every n.

    E T_grid = n Σ c_k |φ_F(t_k) − φ₀(t_k)|² + Σ c_k (1 − |φ_F(t_k)|²), c_k = w_k e^{−t_k²/2},
    φ_F(t) = e^{iμt − σ²t²/2}, so |φ_F − φ₀|² = e^{−σ²t²} − 2 cos(μt) e^{−(σ²+1)t²/2} + e^{−t²}.
    """
    k, w = _check_grid(knots, weights)
    n = _check_n(n)
    mu = _check_real_scalar(mu, "mu")
    sigma = _check_real_scalar(sigma, "sigma")
    if sigma < 0:
        raise ValueError("sigma must be >= 0")
    t2 = k * k
    c = w * np.exp(-0.5 * t2)
    dist = np.exp(-(sigma**2) * t2) - 2.0 * np.cos(mu * k) * np.exp(-0.5 * (sigma**2 + 1.0) * t2) + np.exp(-t2)
    return float(n * np.sum(c * dist) + np.sum(c * (1.0 - np.exp(-(sigma**2) * t2))))


def _grid_cov(k, rho=1.0):
    """H0 covariances of cos(t_j X) with cos(t_l Y), and of the sines, for (X, Y) standard normal with correlation
    rho (docs/oracle.md#o5 for rho = 1, one direction): E cos(tX ∓ sY) = e^{−(t² + s² ∓ 2ρts)/2}; cos and sin are
    uncorrelated (z -> −z). An array rho (e.g. the Gram matrix of the directions) puts its shape before (T, T)."""
    rho = np.asarray(rho, dtype=np.float64)[..., None, None]
    t, u = k[:, None], k[None, :]
    minus = np.exp(-0.5 * (t * t + u * u - 2.0 * rho * t * u))
    plus = np.exp(-0.5 * (t * t + u * u + 2.0 * rho * t * u))
    phi = np.exp(-0.5 * k * k)
    return 0.5 * (minus + plus) - np.outer(phi, phi), 0.5 * (minus - plus)


def grid_null_variance(knots, weights, n) -> float:
    """Exact Var[grid statistic] under H0 for sample size n (docs/oracle.md#o5).

    Var = (4/n)(c∘φ₀)ᵀ A (c∘φ₀) + 2(n−1)/n · cᵀ(A∘A + S∘S)c, with A, S the cos/sin covariances.
    """
    k, w = _check_grid(knots, weights)
    n = _check_n(n)
    phi0 = np.exp(-0.5 * k * k)
    c = w * phi0
    a, s = _grid_cov(k)
    cp = c * phi0
    return float(4.0 / n * cp @ a @ cp + 2.0 * (n - 1) / n * c @ (a * a + s * s) @ c)


def grid_null_eigenvalues(knots, weights) -> np.ndarray:
    """Eigenvalues of the H0 limiting law of a grid statistic: eig(C^½ A C^½) ∪ eig(C^½ S C^½), descending.

    Shape (2T,); round-off negatives clipped to 0. Pass to ``null_sf``/``null_quantile`` for grid p-values.
    """
    k, w = _check_grid(knots, weights)
    c = w * np.exp(-0.5 * k * k)
    a, s = _grid_cov(k)
    r = np.sqrt(c)
    ev = np.concatenate([np.linalg.eigvalsh(r[:, None] * a * r), np.linalg.eigvalsh(r[:, None] * s * r)])
    return np.sort(np.clip(ev, 0.0, None))[::-1]


def grid_null_joint_draws(knots, weights, directions, draws: int, rng: np.random.Generator) -> np.ndarray:
    """Draws from the H0 limiting law (N -> ∞) of the M per-direction grid statistics of one batch: (draws, M).

    Each statistic is Σ_j c_j (U_j² + V_j²) with c = w·φ(t), U and V the limits of √N(mean cos(t aᵀz) − φ(t)) and
    √N mean sin(t aᵀz); jointly over directions and knots they are centred Gaussian with the covariance of
    `_grid_cov` at ρ = aᵀb, independent of N and of z's dimension beyond the Gram matrix. For one direction the law
    is that of `grid_null_eigenvalues`; the max over the columns is the limit of Theorem 2's max-over-directions
    statistic, whose quantile is the asymptotic critical value.
    """
    k, w = _check_grid(knots, weights)
    _, a = _check_directions(np.zeros((2, np.shape(directions)[0])), directions)
    a = np.asarray(a)
    if isinstance(draws, bool) or not isinstance(draws, numbers.Integral) or draws < 1:
        raise ValueError(f"draws must be a positive integer; got {draws!r}")
    m, t = a.shape[1], k.size
    cc, ss = _grid_cov(k, np.clip(a.T @ a, -1.0, 1.0))
    roots = []
    for cov in (cc, ss):  # (M, M, T, T) -> (M·T, M·T), then a square root (PSD up to round-off)
        ev, vec = np.linalg.eigh(cov.transpose(0, 2, 1, 3).reshape(m * t, m * t))
        roots.append(vec * np.sqrt(np.clip(ev, 0.0, None)))
    c = np.tile(w * np.exp(-0.5 * k * k), m)
    out = np.empty((draws, m))
    chunk = max(1, _CHUNK_ELEMENTS // (m * t))
    for start in range(0, draws, chunk):
        size = min(chunk, draws - start)
        u = rng.standard_normal((size, m * t)) @ roots[0].T
        v = rng.standard_normal((size, m * t)) @ roots[1].T
        out[start : start + size] = ((u * u + v * v) * c).reshape(size, m, t).sum(-1)
    return out


def wrap_period(knots) -> float:
    """Aliasing period 2π/h of an evenly spaced grid with step h (O6).

    By Poisson summation a trapezoid rule of step h equals the exact statistic on data wrapped with this
    period. If every knot is an integer multiple of h (paper, official grids) the grid statistic is exactly
    periodic in each sample with this period; for half-integer offsets (R0: linspace(−3, 3, 10)) a shift by
    the period flips the sign of that sample's e^{itP} and the exact period is twice this value.
    """
    k = _check_1d_real(knots, "knots")
    if k.size < 2:
        raise ValueError("knots needs at least 2 points")
    d = np.diff(k)
    if not np.all(d > 0):
        raise ValueError("knots must be strictly increasing")
    h = (k[-1] - k[0]) / (k.size - 1)
    if np.max(np.abs(d - h)) > 1e-9 * max(1.0, abs(h)):
        raise ValueError("knots must be evenly spaced to have an aliasing period")
    return 2.0 * math.pi / h


def aliased_ep(y, step, offset=0.0):
    """Trapezoid EP over the whole line with knots t = (j + offset)·step, j ∈ ℤ, in closed form (O6).

    Poisson summation with P = 2π/step and c_m = cos(2π m·offset) turns each Gaussian integral into a sum of
    images: (√(2π)/N) Σ_{j,k} Σ_m c_m e^{−(d_jk + mP)²/2} − 2√π Σ_j Σ_m c_m e^{−(y_j + mP)²/4}
    + N√(2π/3) Σ_m c_m e^{−(mP)²/6}. Equals ``grid_ep`` on a wide enough grid (|t| ≳ 40) with that step.
    Numpy only; y (N,) or (N, M) → () or (M,).
    """
    y, is_t = _as_float64(y, "y", (1, 2))
    if is_t:
        y = y.detach().cpu().numpy()
    step = _check_real_scalar(step, "step")
    offset = _check_real_scalar(offset, "offset")
    if step <= 0:
        raise ValueError("step must be > 0")
    y2, squeeze = _as_2d(y)
    n, m = y2.shape
    period = 2.0 * math.pi / step
    m0 = int(math.ceil(60.0 / period)) + 1  # images with |x + mP| > 60 contribute < e^{−900}: negligible
    ms = np.arange(-m0, m0 + 1, dtype=np.float64)

    def images(x, scale):
        # Reduce x = r + qP first so that huge |x| (outliers) needs only the few nearest images; the phase
        # of image m is then cos(2π (m − q)·offset).
        q = np.round(x / period)
        r = x - q * period
        e = np.exp(-((r[..., None] + ms * period) ** 2) / scale)
        ph = np.cos(2.0 * math.pi * (ms - q[..., None]) * offset)
        return (e * ph).sum(-1)

    rows = _chunk_rows(n, n * m * ms.size)
    pair = np.zeros(m)
    for a in range(0, n, rows):
        d = y2[a : a + rows, None, :] - y2[None, :, :]
        pair += images(d, 2.0).sum((0, 1))
    cross = images(y2, 4.0).sum(0)
    const = np.sum(np.cos(2.0 * math.pi * ms * offset) * np.exp(-((ms * period) ** 2) / 6.0))
    out = (_SQRT_2PI / n) * pair - _TWO_SQRT_PI * cross + n * _SQRT_2PI_3 * const
    return out[0] if squeeze else out
