"""The engine's recurrences as fused CPU kernels (numba): one pass over a row per knot, in L1 cache, no temporaries.

The eager path (repro/sigreg.py) runs each knot's step as separate tensor operations over a block of rows: an
in-place complex multiply, then a reduction, each a pass through memory, ~40 operator calls per block and pass.
Here one row (a direction's N projections) is processed at a time: its running power and Horner value (2·N
numbers, 8 KiB at N = 1024 in float32) stay in L1 across all knots, and the multiply and the sums are one
vectorised loop. Same arithmetic as the eager path (the complex rotation, not Chebyshev's recurrence, for the
reason given in repro/sigreg.py), so the same accuracy (tests/test_engine.py holds both paths to R1 and to each
other; `python -m repro bench`, "Accuracy"), on purpose in two details:
- sums are accumulated in float64: a float32 running sum of N terms near 1 (torch.sum sums pairwise instead)
  made the official grid's float32 statistic 1.5x less accurate (2.7e-6 against 1.9e-6 from float64 truth);
- no fused multiply-add contraction (`_FAST` leaves "contract" out): with it the rotation rounds differently
  and fine grids drifted ~1.9x further (8.9e-6 against 4.7e-6 at 4097 knots). Reassociation stays, which is
  what lets the sums vectorise.

The cos/sin of the phases are evaluated by torch (vectorised) before the kernels run; the kernels only multiply
and add. Compiled on first use (about 2 s) and cached on disk (numba's cache: beside this file, or in the user's
cache folder when the package folder is read-only), so later processes load it in well under a second.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["power_sums", "horner_real"]

# numba's fastmath=True minus "contract" (see above) and minus the flags that would let NaN/inf or approximate
# functions in.
_FAST = {"reassoc", "nsz", "arcp"}


@numba.njit(cache=True, fastmath=_FAST, nogil=True)
def power_sums(zc, zs, pc, ps, unit_start, first, count, out_c, out_s):  # pragma: no cover (compiled)
    """out_c[r, first + k] + i·out_s[r, first + k] = Σ_n p_rn · z_rn^k for k < count.

    z = zc + i·zs and p = pc + i·ps are (R, N); with `unit_start` p = 1 and pc, ps are not read.
    """
    rows, n = zc.shape
    re = np.empty(n, zc.dtype)
    im = np.empty(n, zc.dtype)
    for r in range(rows):
        for j in range(n):  # explicit loops: numba compiles slice assignment ~5x slower than the whole kernel
            re[j] = 1 if unit_start else pc[r, j]
            im[j] = 0 if unit_start else ps[r, j]
        zr = zc[r]
        zi = zs[r]
        for k in range(count):
            sum_re = 0.0  # float64 (see above)
            sum_im = 0.0
            for j in range(n):
                a = re[j]
                b = im[j]
                sum_re += a
                sum_im += b
                c = zr[j]
                s = zi[j]
                re[j] = a * c - b * s
                im[j] = a * s + b * c
            out_c[r, first + k] = sum_re
            out_s[r, first + k] = sum_im


@numba.njit(cache=True, fastmath=_FAST, nogil=True)
def horner_real(zc, zs, pc, ps, unit_start, gre, gim, first, count, out, accumulate):  # pragma: no cover
    """out[r, n] (+)= Re[p_rn · Σ_{l < count} g_{r, first + l} · z_rn^l], by Horner's rule in z.

    z, p as in `power_sums`; g = gre + i·gim is (R, T); `accumulate` adds to out instead of overwriting it.
    """
    rows, n = zc.shape
    re = np.empty(n, zc.dtype)
    im = np.empty(n, zc.dtype)
    last = first + count - 1
    for r in range(rows):
        for j in range(n):
            re[j] = gre[r, last]
            im[j] = gim[r, last]
        zr = zc[r]
        zi = zs[r]
        for l in range(count - 2, -1, -1):
            g_re = gre[r, first + l]
            g_im = gim[r, first + l]
            for j in range(n):
                a = re[j]
                b = im[j]
                c = zr[j]
                s = zi[j]
                re[j] = a * c - b * s + g_re
                im[j] = a * s + b * c + g_im
        o = out[r]
        if unit_start:
            if accumulate:
                for j in range(n):
                    o[j] += re[j]
            else:
                for j in range(n):
                    o[j] = re[j]
        else:
            qc = pc[r]
            qs = ps[r]
            if accumulate:
                for j in range(n):
                    o[j] += re[j] * qc[j] - im[j] * qs[j]
            else:
                for j in range(n):
                    o[j] = re[j] * qc[j] - im[j] * qs[j]
