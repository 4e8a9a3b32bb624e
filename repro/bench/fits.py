"""From measurements to bench.json's summary: the main table, the sweeps with their scaling fits, and the targets.

Method: scaling is the least-squares slope of log(median time) on log N (and log M), with a bootstrap interval
over repeats and the regression standard error. Memory is affine (a fixed block workspace plus buffers linear in
N and M), so it gets a straight-line fit a + b·size and its largest relative residual besides the log-log slope,
which the constant pulls below 1. A target on an interval is met only when the whole interval is on its side.
"""

from __future__ import annotations

import numpy as np

from core.stats import loglog_slope, ols_fit

from .config import (
    IMPLS,
    TARGET_AFFINE_RESIDUAL,
    TARGET_CONFIG,
    TARGET_FIRST_CALL_S,
    TARGET_MEMORY_RATIO,
    TARGET_OVER_FLOOR,
    TARGET_SLOPE,
    TARGET_TIME_RATIO,
    Config,
)
from .interleaved import _median_interval, interleaved_summary


def fit_slope(sizes: list[int], samples: list[list[float]], rng: np.random.Generator, reps: int) -> dict:
    """Slope of log median(sample) on log size, a bootstrap interval (measurements resampled within each size,
    core.stats.loglog_slope) and the OLS standard error."""
    arrays = [np.asarray(s, dtype=np.float64) for s in samples]
    fit = loglog_slope(np.asarray(sizes), dict(zip(sizes, arrays, strict=True)), rng, reps=reps)
    se = ols_fit(np.log(np.asarray(sizes, dtype=np.float64)), np.log([np.median(a) for a in arrays]))[1]
    return {"slope": fit.estimate, "bootstrap_95": [fit.low, fit.high], "ols_se": se}


def _memory_fit(sizes, peaks_mib) -> dict:
    """Memory is affine in the size (a fixed block workspace plus linear buffers), so besides the log-log slope
    (which a constant term pulls below 1) report the least-squares line a + b·size, its largest relative
    residual, and the log-log slope of the part above the intercept (1 for linear growth)."""
    x, y = np.asarray(sizes, dtype=np.float64), np.asarray(peaks_mib, dtype=np.float64)
    slope, se = ols_fit(np.log(x), np.log(y))
    b, a = np.polyfit(x, y, 1)
    residual = float(np.max(np.abs(a + b * x - y) / y))
    above = y - a
    marginal = ols_fit(np.log(x), np.log(above))[0] if np.all(above > 0) else None
    return {
        "slope": slope,
        "ols_se": se,
        "intercept_mib": float(a),
        "mib_per_unit": float(b),
        "max_relative_residual": residual,
        "slope_above_intercept": marginal,
    }


def _bounded(interval: list[float], bound: float, at_most: bool) -> bool | None:
    """met (True) when the whole interval is on the wanted side of the bound, not met (False) when the whole
    interval is on the other side, None (inconclusive) when it straddles the bound."""
    low, high = interval
    if (high <= bound) if at_most else (low >= bound):
        return True
    if (low > bound) if at_most else (high < bound):
        return False
    return None


def summarise(config: Config, measurements: list[dict], interleaved: dict | None = None) -> dict:
    rng = np.random.default_rng(config.seed)
    by_key = {(r["impl"], r["n"], r["k"], r["m"]): r for r in measurements}

    def median_interval(values: list[float]) -> list[float]:
        return _median_interval(values, rng, config.bootstrap)["interval_95"]

    main = []
    for n, k, m in config.main:
        engine, r1 = by_key["engine", n, k, m], by_key["R1", n, k, m]
        main.append(
            {
                "n": n,
                "k": k,
                "m": m,
                **{
                    f"{impl}_{metric}": by_key[impl, n, k, m][metric]
                    for impl in IMPLS
                    for metric in ("forward_median_ms", "fwd_bwd_median_ms", "torch_peak_mib", "rss_delta_mib")
                },
                "engine_fwd_bwd_95": median_interval(engine["fwd_bwd_ms"]),
                "R1_fwd_bwd_95": median_interval(r1["fwd_bwd_ms"]),
                "time_ratio_forward": r1["forward_median_ms"] / engine["forward_median_ms"],
                "time_ratio_fwd_bwd": r1["fwd_bwd_median_ms"] / engine["fwd_bwd_median_ms"],
                "cpu_time_ratio_fwd_bwd": r1["fwd_bwd_cpu_median_ms"] / engine["fwd_bwd_cpu_median_ms"],
                "memory_ratio_torch": r1["torch_peak_mib"] / max(engine["torch_peak_mib"], 1e-9),
                "memory_ratio_rss": r1["rss_delta_mib"] / max(engine["rss_delta_mib"], 1e-9),
                "value_relative_difference": abs(engine["value"] / r1["value"] - 1),
            }
        )

    def sweep(name: str, sizes: tuple[int, ...], key_of) -> dict:
        out = {"sizes": list(sizes)}
        for impl in IMPLS:
            rows = [by_key[(impl, *key_of(s))] for s in sizes]
            out[impl] = {
                "fwd_bwd_median_ms": [r["fwd_bwd_median_ms"] for r in rows],
                "forward_median_ms": [r["forward_median_ms"] for r in rows],
                "torch_peak_mib": [r["torch_peak_mib"] for r in rows],
                "slope_fwd_bwd": fit_slope(list(sizes), [r["fwd_bwd_ms"] for r in rows], rng, config.bootstrap),
                "slope_forward": fit_slope(list(sizes), [r["forward_ms"] for r in rows], rng, config.bootstrap),
                "slope_torch_peak": _memory_fit(sizes, [r["torch_peak_mib"] for r in rows]),
            }
        out["variable"] = name
        return out

    km, n_for_m = config.sweep_km, config.sweep_n_for_m
    sweeps = {
        "N": sweep("N", config.sweep_n, lambda s: (s, km, km)),
        "M": sweep("M", config.sweep_m, lambda s: (n_for_m, km, s)),
    }
    targets = {}
    ratios = interleaved_summary(interleaved, rng, config.bootstrap) if interleaved is not None else None
    if ratios is not None:
        for name, key, bound, at_most in (
            ("engine_over_floor_fwd_bwd", "wall_engine_over_floor", TARGET_OVER_FLOOR, True),
            ("R1_over_engine_fwd_bwd", "wall_R1_over_engine", TARGET_TIME_RATIO, False),
        ):
            value, interval = ratios[key]["median"], ratios[key]["interval_95"]
            targets[name] = {
                "value": value,
                "interval_95": interval,
                "target": f"{'<=' if at_most else '>='} {bound} (interleaved, whole 95 % interval)",
                "met": _bounded(interval, bound, at_most),
            }
        # The worst first call: this process's, or a fresh one's with an empty numba cache (the kernels compile).
        first = max(ratios["first_call_s"], ratios.get("first_calls_s", {}).get("cold", 0.0))
        targets["first_call_s"] = {
            "value": first,
            "target": f"< {TARGET_FIRST_CALL_S} (fresh process, numba cache empty)",
            "met": first < TARGET_FIRST_CALL_S,
        }
    target_rows = [r for r in main if (r["n"], r["k"], r["m"]) == TARGET_CONFIG]
    if target_rows:
        row = target_rows[0]
        for name in ("memory_ratio_torch", "memory_ratio_rss"):
            value = row[name]
            targets[name] = {"value": value, "target": f">= {TARGET_MEMORY_RATIO}", "met": value >= TARGET_MEMORY_RATIO}
    for var, result in sweeps.items():
        slope = result["engine"]["slope_fwd_bwd"]["slope"]
        targets[f"engine_time_slope_in_{var}"] = {
            "value": slope,
            "target": f"in [{TARGET_SLOPE[0]}, {TARGET_SLOPE[1]}]",
            # --quick: two small sizes measured two at a time, dominated by fixed costs: no verdict
            "met": None if config.quick else TARGET_SLOPE[0] <= slope <= TARGET_SLOPE[1],
        }
        memory = result["engine"]["slope_torch_peak"]
        targets[f"engine_memory_affine_in_{var}"] = {
            "value": memory["max_relative_residual"],
            "target": f"a + b·{var} fits every size within {TARGET_AFFINE_RESIDUAL:.0%}",
            "met": None
            if config.quick  # two sizes always fit a line
            else memory["max_relative_residual"] <= TARGET_AFFINE_RESIDUAL and memory["mib_per_unit"] > 0,
        }
    return {"main": main, "sweeps": sweeps, "interleaved": ratios, "targets": targets}
