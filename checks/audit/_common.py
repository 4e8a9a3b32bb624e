"""The audit's level, its float helper and its slope of means; its random streams, directions and interval
statistics are core's (`core.streams`, `core.directions`, `core.stats`).

Randomness reaches the audit only through `core.streams` generators derived from (run seed, stream name, ...), so
a stream never depends on what else runs: the same seed gives the same numbers whatever subset of ids is run.
"""

from __future__ import annotations

import math

import numpy as np

from core.stats import loglog_slope

#: Level of every detection in the audit: the 1 % level of docs/variants.md#peers ("H0 q99").
ALPHA = 0.01


def as_float(x) -> float:
    """A finite float, or None where JSON would otherwise get NaN/Inf."""
    v = float(x)
    return v if math.isfinite(v) else None


def mean_slope(sizes, replicates: dict, rng: np.random.Generator) -> tuple[float, float, float]:
    """(slope, low, high) of log(mean) on log(size) with a 1000-resample bootstrap interval: the audit's scaling
    laws are about expectations, so each size is summarised by its mean (`core.stats.loglog_slope`)."""
    return loglog_slope(sizes, replicates, rng, summary=np.mean, reps=1000).as_tuple()
