"""Shared pieces of the audit: named random streams and interval estimates.

Randomness reaches the audit only through generators derived here from (run seed, stream name, ...), so a
stream never depends on what else runs: the same seed gives the same numbers whatever subset of ids is run.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from scipy import stats

from checks.battery import stream_seed

#: Level of every detection in the audit: the 1 % level of docs/variants.md#peers ("H0 q99").
ALPHA = 0.01


def generator(seed: int, *parts: str | int) -> torch.Generator:
    """A CPU torch.Generator for the named stream."""
    return torch.Generator().manual_seed(stream_seed(seed, *parts))


def np_rng(seed: int, *parts: str | int) -> np.random.Generator:
    return np.random.default_rng(stream_seed(seed, *parts))


def unit_directions(k: int, m: int, g: torch.Generator) -> torch.Tensor:
    """(K, M) float32 directions uniform on the sphere: Gaussian columns divided by their norms (as R1 draws)."""
    a = torch.randn(k, m, generator=g)
    return a / a.norm(dim=0)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial interval (coverage >= confidence for every rate)."""
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of independent replicates (seeds); (mean, low, high)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(v.mean())
    if v.size < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.5 + confidence / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, mean - half, mean + half


def bootstrap_interval(samples: dict, statistic, rng: np.random.Generator, reps: int = 1000, confidence=0.95):
    """Percentile bootstrap of statistic(dict of arrays), resampling replicates within each key (stratum).

    Returns (estimate, low, high)."""
    data = {key: np.asarray(v, dtype=np.float64) for key, v in samples.items()}
    estimate = float(statistic(data))
    draws = np.empty(reps)
    for r in range(reps):
        draws[r] = statistic({key: v[rng.integers(0, v.shape[0], v.shape[0])] for key, v in data.items()})
    low, high = np.quantile(draws, [(1 - confidence) / 2, (1 + confidence) / 2])
    return estimate, float(low), float(high)


def loglog_slope(sizes, replicates: dict, rng: np.random.Generator, reps: int = 1000):
    """Slope of log(mean of replicates) on log(size), with a bootstrap interval over replicates.

    replicates maps each size (as given in `sizes`) to its replicate values (positive)."""
    logx = np.log(np.asarray(sizes, dtype=np.float64))
    keys = [str(s) for s in sizes]

    def slope(d: dict) -> float:
        logy = np.log([np.mean(d[key]) for key in keys])
        xc = logx - logx.mean()
        return float(xc @ (logy - logy.mean()) / (xc @ xc))

    return bootstrap_interval({str(s): replicates[s] for s in sizes}, slope, rng, reps)


def tost_ratio(values, reference: float, margin: float, alpha: float = 0.05) -> dict:
    """Two one-sided t-tests that mean(values)/reference lies within 1 ± margin (equivalence at level alpha):
    equivalent when the (1 − 2·alpha) t-interval of the ratio lies inside (1 − margin, 1 + margin)."""
    v = np.asarray(values, dtype=np.float64) / reference
    v = v[np.isfinite(v)]
    if v.size < 2:
        raise ValueError("an equivalence test needs at least two values")
    mean, se = float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))
    half = float(stats.t.ppf(1 - alpha, v.size - 1) * se)
    p_low = float(stats.t.sf((mean - (1 - margin)) / se, v.size - 1)) if se > 0 else float(mean <= 1 - margin)
    p_high = float(stats.t.cdf((mean - (1 + margin)) / se, v.size - 1)) if se > 0 else float(mean >= 1 + margin)
    return {
        "ratio": mean,
        "interval": [mean - half, mean + half],
        "confidence": 1 - 2 * alpha,
        "margin": margin,
        "p_value": max(p_low, p_high),
        "equivalent": bool(max(p_low, p_high) < alpha),
        "n": int(v.size),
    }


def as_float(x) -> float:
    """A finite float, or None where JSON would otherwise get NaN/Inf."""
    v = float(x)
    return v if math.isfinite(v) else None
