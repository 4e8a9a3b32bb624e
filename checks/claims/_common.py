"""Shared pieces of the claim checks: moment-matched laws, Monte Carlo nulls, small numerical helpers.

Every sampler takes an explicit numpy.random.Generator; none touches global state. "Moment-matched" means
mean 0 and variance 1 (and more where said), so that only the shape differs from N(0, 1) (house rule: shifted
or scaled normals test nothing about shape).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from core.stats import proportion
from reference import cos_sin_error, folded_trapezoid

from ..registry import Control, Outcome

SQRT3 = math.sqrt(3.0)


# -- Univariate laws with mean 0 and variance 1 -- #


def normal(rng: np.random.Generator, size) -> np.ndarray:
    return rng.standard_normal(size)


def uniform(rng: np.random.Generator, size) -> np.ndarray:
    """U(−√3, √3): variance 1, excess kurtosis −1.2."""
    return rng.uniform(-SQRT3, SQRT3, size)


def laplace(rng: np.random.Generator, size) -> np.ndarray:
    """Laplace with scale 1/√2: variance 1, excess kurtosis 3."""
    return rng.laplace(0.0, 1.0 / math.sqrt(2.0), size)


def student_t(rng: np.random.Generator, size, df: float = 5.0) -> np.ndarray:
    """Student t with `df` degrees of freedom scaled to variance 1 (df > 2)."""
    return rng.standard_t(df, size) * math.sqrt((df - 2.0) / df)


def bimodal(rng: np.random.Generator, size, a: float = 0.9) -> np.ndarray:
    """½N(−a, 1−a²) + ½N(a, 1−a²): variance 1, two modes for a > ~0.7."""
    signs = rng.choice(np.array([-1.0, 1.0]), size=size)
    return a * signs + math.sqrt(1.0 - a * a) * rng.standard_normal(size)


def hermite_smoothed(rng: np.random.Generator, size, points: int = 4, noise: float = 0.5) -> np.ndarray:
    """√(1−s²)·G + s·Z with G the `points`-node Gauss–Hermite law and Z ~ N(0,1): a continuous law whose
    moments up to order 2·points − 1 equal those of N(0, 1) exactly (both summands match them)."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(points)
    weights = weights / weights.sum()
    g = rng.choice(nodes, size=size, p=weights)
    return math.sqrt(1.0 - noise * noise) * g + noise * rng.standard_normal(size)


UNIVARIATE_ALTERNATIVES: dict[str, Callable] = {
    "uniform": uniform,
    "laplace": laplace,
    "t5": student_t,
    "bimodal-0.9": bimodal,
}


# -- Multivariate laws with N(0, 1) marginals and identity covariance -- #


def sign_flip(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """z = w·S, w ~ N(0,1), S uniform on {±1}^K: every coordinate N(0,1), Cov = I, but |z_1| = … = |z_K|.

    For K = 2 this is the paper's "X" law (Fig. 5): the mass sits on the two diagonals."""
    w = rng.standard_normal((n, 1))
    s = rng.choice(np.array([-1.0, 1.0]), size=(n, k))
    return w * s


def isotropic(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    return rng.standard_normal((n, k))


# -- Tests from Monte Carlo nulls -- #


def mc_pvalues(observed: np.ndarray, null: np.ndarray) -> np.ndarray:
    """p = (1 + #{null >= obs}) / (R + 1): exact level for exchangeable draws (never below 1/(R+1))."""
    null = np.sort(np.asarray(null, dtype=np.float64))
    observed = np.asarray(observed, dtype=np.float64)
    at_least = null.size - np.searchsorted(null, observed, side="left")
    return (1.0 + at_least) / (null.size + 1.0)


def rejection(observed: np.ndarray, null: np.ndarray, alpha: float):
    """Rejections at level alpha against a Monte Carlo null, as a Proportion with its Clopper–Pearson interval."""
    p = mc_pvalues(observed, null)
    return proportion(int(np.sum(p <= alpha)), int(p.size))


def round_sig(x: float, digits: int = 6) -> float:
    """Round to `digits` significant figures for tables (keeps result files readable)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    return float(round(x, digits - 1 - int(math.floor(math.log10(abs(x))))))


# -- Batched sliced statistics -- #


def grid_statistic(y: np.ndarray) -> np.ndarray:
    """Grid EP of each column of y (N, C) in float32 with R1's grid and ECF error (reference), one knot at a time so
    that no (N, C, T) temporary is held (R1 in one call holds it, and sums the knots in another order: values
    ~1e−6 relative apart). Agrees with oracle.grid_ep (float64) to ~1e−5 relative; 4-6x faster here."""
    t, phi, weighted = folded_trapezoid(3.0, 17)
    yt = torch.from_numpy(np.ascontiguousarray(y, dtype=np.float32))
    total = torch.zeros(yt.shape[1], dtype=torch.float32)
    for j in range(t.numel()):
        total += weighted[j] * cos_sin_error(yt, t[j : j + 1], phi[j : j + 1])[:, 0]
    return (yt.shape[0] * total).double().numpy()


def sliced_grid_values(z: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Per-direction grid EP of R batches at once: z (R, N, K), directions (R, K, M) or (K, M) -> (R, M).

    The official grid ([0, 3], 17 knots folded; what R1 and MINIMAL.md compute), float32 like R1
    (`grid_statistic`). Batches are stacked as columns: one call, R·M slices."""
    z = np.asarray(z, dtype=np.float64)
    r, n, _ = z.shape
    y = np.einsum("rnk,km->nrm", z, directions) if directions.ndim == 2 else np.einsum("rnk,rkm->nrm", z, directions)
    m = y.shape[-1]
    return grid_statistic(y.reshape(n, r * m)).reshape(r, m)


def batched(draw: Callable, rng: np.random.Generator, reps: int, n: int, k: int) -> np.ndarray:
    """(reps, N, K) from a multivariate sampler draw(rng, n, k)."""
    return np.stack([draw(rng, n, k) for _ in range(reps)])


def fresh_directions(rng: np.random.Generator, reps: int, k: int, m: int) -> np.ndarray:
    a = rng.standard_normal((reps, k, m))
    return a / np.linalg.norm(a, axis=1, keepdims=True)


# -- Negative controls -- #


def with_control(outcome: Outcome, what: str, control: Outcome) -> Outcome:
    """Store, with `outcome`, what the same judge said where the claim is false (`what` names that setting).

    A measured verdict is evidence only if its control disagrees with it (tests/test_claims_controls.py checks
    the stored results)."""
    outcome.control = Control(what, control.verdict, control.estimate)
    return outcome


def with_opposite_control(
    outcome: Outcome,
    negative: tuple[str, Callable[[], Outcome]],
    positive: tuple[str, Callable[[], Outcome]] | None = None,
) -> Outcome:
    """Run and attach the control that can disagree with `outcome`: the negative one (the claim false) for a
    reproduced verdict, otherwise the positive one (where the claim holds) when given."""
    what, run = negative if outcome.verdict == "reproduced" or positive is None else positive
    return with_control(outcome, what, run())
