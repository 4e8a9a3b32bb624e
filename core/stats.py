"""Interval estimates the checks report: a seeded stratified bootstrap and binomial confidence intervals.

Written here rather than taken from rliable, whose bootstrap draws from NumPy's global stream whatever
`random_state` says: every function that resamples takes an explicit `numpy.random.Generator`.
Coverage is tested the SciPy way in tests/test_stats.py (many replicate data sets, frozen count + binomtest).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special
from scipy import stats as _st


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (no global random state is used)")
    return rng


def _check_confidence(confidence: float) -> float:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    return float(confidence)


def _check_counts(k: int, n: int) -> tuple[int, int]:
    if isinstance(k, bool) or isinstance(n, bool) or int(k) != k or int(n) != n:
        raise ValueError(f"k and n must be integers, got {k!r}, {n!r}")
    k, n = int(k), int(n)
    if n < 1 or not 0 <= k <= n:
        raise ValueError(f"need n >= 1 and 0 <= k <= n, got k = {k}, n = {n}")
    return k, n


# -- Binomial proportions -- #


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (Clopper–Pearson) interval for a binomial proportion: coverage >= `confidence` for every p.

    Bounds are Beta quantiles: low = B⁻¹(α/2; k, n−k+1), high = B⁻¹(1−α/2; k+1, n−k), with 0 and 1 at the edges.
    """
    k, n = _check_counts(k, n)
    alpha = 1.0 - _check_confidence(confidence)
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha / 2))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha / 2))
    return low, high


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval: coverage close to `confidence` on average over p, narrower than Clopper–Pearson."""
    k, n = _check_counts(k, n)
    z = float(special.ndtri(1.0 - (1.0 - _check_confidence(confidence)) / 2))
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


@dataclass(frozen=True)
class Proportion:
    k: int
    n: int
    low: float
    high: float
    method: str

    @property
    def estimate(self) -> float:
        return self.k / self.n

    def as_dict(self) -> dict:
        return {"k": self.k, "n": self.n, "rate": self.estimate, "interval": [self.low, self.high]}


def proportion(k: int, n: int, confidence: float = 0.95) -> Proportion:
    """A rate with its Clopper–Pearson interval (the conservative choice for verdicts)."""
    low, high = clopper_pearson(k, n, confidence)
    return Proportion(int(k), int(n), low, high, f"Clopper-Pearson {confidence:.0%}")


def binomial_band(n: int, p: float, sds: float = 4.0) -> tuple[float, float]:
    """The rates within `sds` binomial standard deviations of p at n trials (a calibration band)."""
    sd = np.sqrt(p * (1 - p) / n)
    return p - sds * sd, p + sds * sd


def level_consistent(k: int, n: int, alpha: float, pvalue_floor: float = 0.01) -> tuple[bool, float]:
    """Whether k rejections in n null trials are consistent with level alpha (two-sided exact binomial test)."""
    k, n = _check_counts(k, n)
    pvalue = float(_st.binomtest(k, n, alpha).pvalue)
    return pvalue > pvalue_floor, pvalue


# -- Stratified bootstrap -- #


@dataclass(frozen=True)
class BootstrapResult:
    estimate: float
    low: float
    high: float
    reps: int
    confidence: float
    method: str

    @property
    def interval(self) -> tuple[float, float]:
        return self.low, self.high

    def describe(self) -> str:
        return f"{self.method}, {self.reps} resamples, {self.confidence:.0%}"

    def as_tuple(self) -> tuple[float, float, float]:
        """(estimate, low, high), as the audit's findings store it."""
        return self.estimate, self.low, self.high


def stratified_bootstrap(
    strata: Mapping[str, np.ndarray] | np.ndarray,
    statistic: Callable,
    rng: np.random.Generator,
    *,
    reps: int = 2000,
    confidence: float = 0.95,
) -> BootstrapResult:
    """Percentile bootstrap interval of `statistic`, resampling rows with replacement within each stratum.

    strata : one array (a single stratum) or a mapping name -> array whose first axis indexes independent
        units (runs, seeds, data sets). Strata keep their sizes, so a statistic comparing groups (a ratio of
        two arms, a slope across sizes) sees the design it was computed on.
    statistic : called as statistic(array) for a single array, statistic(dict) for a mapping; returns a float.
    rng : the only source of randomness.

    Returns the statistic on the original data with the (α/2, 1−α/2) percentiles of its resampled values.
    """
    rng = _check_rng(rng)
    confidence = _check_confidence(confidence)
    if int(reps) != reps or reps < 100:
        raise ValueError(f"reps must be an integer >= 100 for a percentile interval, got {reps}")
    single = not isinstance(strata, Mapping)
    data = {"_": np.asarray(strata)} if single else {str(k): np.asarray(v) for k, v in strata.items()}
    if not data:
        raise ValueError("no strata given")
    for name, values in data.items():
        if values.ndim == 0 or values.shape[0] < 1:
            raise ValueError(f"stratum {name!r} is empty")

    def call(d: dict) -> float:
        return float(statistic(d["_"] if single else d))

    estimate = call(data)
    draws = np.empty(int(reps))
    for r in range(int(reps)):
        resampled = {name: v[rng.integers(0, v.shape[0], v.shape[0])] for name, v in data.items()}
        draws[r] = call(resampled)
    finite = draws[np.isfinite(draws)]
    if finite.size < 0.99 * reps:
        raise ValueError(f"the statistic was not finite on {reps - finite.size} of {reps} resamples")
    alpha = 1.0 - confidence
    low, high = np.quantile(finite, [alpha / 2, 1 - alpha / 2])
    return BootstrapResult(float(estimate), float(low), float(high), int(reps), confidence, "percentile bootstrap")


def bootstrap_mean(values: np.ndarray, rng: np.random.Generator, **kwargs) -> BootstrapResult:
    """Percentile bootstrap of the mean along axis 0 (vectorised: one matrix of resampling weights)."""
    rng = _check_rng(rng)
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size < 2:
        raise ValueError("values must be a 1-D array with at least 2 entries")
    reps = int(kwargs.get("reps", 2000))
    confidence = _check_confidence(kwargs.get("confidence", 0.95))
    n = values.size
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=reps)  # (reps, n) resampling multiplicities
    means = counts @ values / n
    alpha = 1.0 - confidence
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return BootstrapResult(float(values.mean()), float(low), float(high), reps, confidence, "percentile bootstrap")


# -- Fits -- #


def ols_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
    """Least-squares slope of y on x and its standard error (None from two points: no residual freedom)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or np.unique(x).size < 2:
        raise ValueError("need 1-D x and y of one shape with at least two distinct x")
    xc = x - x.mean()
    slope = float(xc @ (y - y.mean()) / (xc @ xc))
    resid = y - y.mean() - slope * xc
    dof = x.size - 2
    se = float(math.sqrt(resid @ resid / dof / (xc @ xc))) if dof > 0 else None
    return slope, se


def ols_slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of y on x."""
    return ols_fit(x, y)[0]


def loglog_slope(
    sizes: np.ndarray,
    samples: Mapping[float, np.ndarray] | np.ndarray,
    rng: np.random.Generator,
    summary: Callable[[np.ndarray], float] = np.median,
    **kwargs,
) -> BootstrapResult:
    """Slope of log(value) on log(size), with a bootstrap interval that resamples replicates within each size.

    `samples` maps each size to its replicate measurements (keys as given in `sizes`; other keys are ignored) or
    is a (sizes, replicates) array; the fitted point at each size is log(summary(replicates)): the median by
    default, robust to the odd slow repeat; the minimum for timings on a shared machine, where load only ever
    adds time; the mean for the audit's expectations.
    """
    if isinstance(samples, Mapping):
        table = {f"{i}": np.asarray(samples[s], dtype=np.float64) for i, s in enumerate(sizes)}
    else:
        arr = np.asarray(samples, dtype=np.float64)
        table = {f"{i}": arr[i] for i in range(arr.shape[0])}
    sizes = np.asarray(sizes, dtype=np.float64)
    if len(table) != sizes.size:
        raise ValueError("one set of replicates per size")
    for values in table.values():
        if np.any(values <= 0):
            raise ValueError("log-log fits need positive values")
    logx = np.log(sizes)

    def slope(d: dict) -> float:
        return ols_slope(logx, np.log([summary(d[f"{i}"]) for i in range(sizes.size)]))

    return stratified_bootstrap(table, slope, rng, **kwargs)


# -- Intervals over seeds and runs (the replication and its claim analogues) -- #


def t_interval(values, confidence: float = 0.95) -> dict:
    """Mean with a two-sided t-interval over seeds (`None` values dropped; no interval from one value)."""
    x = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if x.size == 0:
        return {"mean": None, "n": 0}
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "sd": None, "half_width": None, "low": None, "high": None, "n": 1, "values": x.tolist()}
    sd = float(x.std(ddof=1))
    half = float(_st.t.ppf(0.5 + confidence / 2, x.size - 1) * sd / np.sqrt(x.size))
    return {"mean": mean, "sd": sd, "half_width": half, "low": mean - half, "high": mean + half, "n": int(x.size),
            "values": x.tolist()}  # fmt: skip


def mean_interval(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of the finite values by `t_interval` (NaN for none; low = high = mean for one)."""
    v = np.asarray(values, dtype=np.float64)
    s = t_interval(v[np.isfinite(v)].tolist(), confidence)
    if s["n"] == 0:
        return math.nan, math.nan, math.nan
    if s["n"] == 1:
        return s["mean"], s["mean"], s["mean"]
    return s["mean"], s["low"], s["high"]


def paired_difference(treatment, baseline, confidence: float = 0.95) -> dict:
    """Mean of treatment − baseline paired by position (by seed), with its two-sided t-interval."""
    s = t_interval([float(a) - float(b) for a, b in zip(treatment, baseline, strict=True)], confidence=confidence)
    return {"difference": s["mean"], "low": s.get("low"), "high": s.get("high"), "n": s["n"]}


def equivalence(treatment, baseline, margin: float, alpha: float = 0.05) -> dict:
    """Paired two one-sided tests (TOST) of |mean(treatment − baseline)| < margin, pairs by position (by seed).

    The (1 − 2α) t-interval of the mean paired difference decides: inside (−margin, margin) → "equivalent" (both
    one-sided tests reject at α), entirely outside → "different", otherwise "undecided" (too few seeds or too
    much spread to tell)."""
    a, b = np.asarray(treatment, dtype=np.float64), np.asarray(baseline, dtype=np.float64)
    if a.shape != b.shape or a.size < 2:
        raise ValueError(f"need two paired samples of the same length >= 2, got {a.shape} and {b.shape}")
    if not margin > 0:
        raise ValueError(f"margin must be > 0, got {margin}")
    s = paired_difference(a, b, confidence=1 - 2 * alpha)
    low, high = s["low"], s["high"]
    if -margin < low and high < margin:
        decision = "equivalent"
    elif high <= -margin or low >= margin:
        decision = "different"
    else:
        decision = "undecided"
    return {"difference": s["difference"], "low": low, "high": high, "confidence": 1 - 2 * alpha, "n": s["n"],
            "margin": margin, "decision": decision}  # fmt: skip


def tost_ratio(values, reference: float, margin: float, alpha: float = 0.05) -> dict:
    """Two one-sided t-tests that mean(values)/reference lies within 1 ± margin (equivalence at level alpha):
    equivalent when the (1 − 2·alpha) t-interval of the ratio lies inside (1 − margin, 1 + margin)."""
    v = np.asarray(values, dtype=np.float64) / reference
    v = v[np.isfinite(v)]
    if v.size < 2:
        raise ValueError("an equivalence test needs at least two values")
    mean, se = float(v.mean()), float(v.std(ddof=1) / math.sqrt(v.size))
    half = float(_st.t.ppf(1 - alpha, v.size - 1) * se)
    p_low = float(_st.t.sf((mean - (1 - margin)) / se, v.size - 1)) if se > 0 else float(mean <= 1 - margin)
    p_high = float(_st.t.cdf((mean - (1 + margin)) / se, v.size - 1)) if se > 0 else float(mean >= 1 + margin)
    return {
        "ratio": mean,
        "interval": [mean - half, mean + half],
        "confidence": 1 - 2 * alpha,
        "margin": margin,
        "p_value": max(p_low, p_high),
        "equivalent": bool(max(p_low, p_high) < alpha),
        "n": int(v.size),
    }


def spearman_bootstrap(x, y, rng: np.random.Generator, reps: int = 2000, confidence: float = 0.95) -> dict:
    """Spearman ρ with a percentile bootstrap interval over runs (pairs resampled with `rng`)."""
    rng = _check_rng(rng)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.unique(x).size < 2 or np.unique(y).size < 2:  # ρ undefined for a constant input
        return {"rho": None, "low": None, "high": None, "n_runs": int(x.size), "bootstrap_reps": 0}
    rho = float(_st.spearmanr(x, y).statistic)
    boot = []
    for _ in range(reps):
        idx = rng.integers(0, x.size, x.size)
        if np.unique(x[idx]).size > 1 and np.unique(y[idx]).size > 1:  # skip resamples with a constant input
            boot.append(_st.spearmanr(x[idx], y[idx]).statistic)
    tail = 50 * (1 - confidence)
    low, high = (float(v) for v in np.percentile(boot, [tail, 100 - tail])) if boot else (None, None)
    return {"rho": rho, "low": low, "high": high, "n_runs": int(x.size), "bootstrap_reps": len(boot)}


def partial_spearman(x, y, given) -> float | None:
    """Spearman correlation of x and y given `given`: Pearson correlation of the residuals of the ranks of x and
    of y after a least-squares line on the ranks of `given` (None when a residual is constant)."""
    rx, ry, rg = (_st.rankdata(np.asarray(v, dtype=np.float64)) for v in (x, y, given))
    design = np.column_stack([np.ones_like(rg), rg])
    res = [r - design @ np.linalg.lstsq(design, r, rcond=None)[0] for r in (rx, ry)]
    if min(float(np.std(r)) for r in res) < 1e-12:
        return None
    return float(np.corrcoef(res[0], res[1])[0, 1])
