"""C14: §4.2.3, the empirical characteristic function makes the test differentiable and all_reduce-friendly.

(a) Smoothness: across an order crossing of two samples the gradient of EP (official grid and exact) changes in
proportion to the distance from the crossing (jump ratio 0.01 between ε = 1e−4 and 1e−6), unlike the CDF tests
(C13). (b) Reduce-friendliness, simulated in one process: the batch is split into W shards of unequal sizes
(what a last batch or uneven data gives; equal shards are the one case where averaging means is exact); each shard
computes its sums of cos(t_k y) and sin(t_k y) and its count (2 × 17 + 1 numbers), an autograd-aware sum stands in
for all_reduce(SUM), and the statistic times the global N is formed from sums / global count. Value and gradient
must equal the full-batch computation to float64 rounding. Reported beside it: R1's reduction (all_reduce(AVG) of
per-shard means, exact only for equal shards, D22), the naive port (averaging each shard's statistic), and the
same naive reduction for Cramér–von Mises, which has no fixed-size summary to reduce.
"""

from __future__ import annotations

import numpy as np
import torch

from reference import folded_trapezoid, oracle

from ..registry import Outcome, Tolerance, claim, combine_verdicts, torch_generator
from ._cdf_tests import ECF_STATISTICS, cramer_von_mises, smoothness

KNOTS, PHI, WEIGHTED = folded_trapezoid(3.0, 17, torch.float64)  # R1's grid (oracle.OFFICIAL_GRID), float64
SMOOTH = 0.1
EXACT = 1e-12  # float64 rounding of sums over N = 512 terms is ~1e−14 relative


# Deliberately not reference.cos_sin_error: what is tested is where the cos/sin means come from (shard sums, R1's
# average of shard means, or per-shard statistics), so the statistic is formed here from the reduced means.
def _from_means(cos_mean: torch.Tensor, sin_mean: torch.Tensor, n_total: int) -> torch.Tensor:
    return n_total * (WEIGHTED * ((cos_mean - PHI) ** 2 + sin_mean**2)).sum()


def sharded(y: torch.Tensor, sizes: tuple[int, ...], reduce: str) -> tuple[float, torch.Tensor]:
    """Value and gradient of EP (official grid) computed over shards of the given sizes, reduced as `reduce` says:
    'sums' all-reduces the cos/sin sums and the counts (exact for any shards); 'means' averages per-shard means
    (R1's all_reduce(AVG)); 'statistics' averages per-shard statistics, each with its local N times the world size
    (the naive port)."""
    y = y.detach().clone().requires_grad_(True)
    parts = torch.split(y, list(sizes))
    world = len(parts)
    if reduce == "sums":
        cos_sum = torch.stack([torch.cos(p[:, None] * KNOTS).sum(0) for p in parts]).sum(0)
        sin_sum = torch.stack([torch.sin(p[:, None] * KNOTS).sum(0) for p in parts]).sum(0)
        count = sum(p.numel() for p in parts)
        value = _from_means(cos_sum / count, sin_sum / count, count)
    elif reduce == "means":
        cos_mean = torch.stack([torch.cos(p[:, None] * KNOTS).mean(0) for p in parts]).mean(0)
        sin_mean = torch.stack([torch.sin(p[:, None] * KNOTS).mean(0) for p in parts]).mean(0)
        value = _from_means(cos_mean, sin_mean, y.numel())
    elif reduce == "statistics":
        value = torch.stack(
            [
                _from_means(torch.cos(p[:, None] * KNOTS).mean(0), torch.sin(p[:, None] * KNOTS).mean(0), p.numel())
                * world
                for p in parts
            ]
        ).mean()
    else:
        raise ValueError(f"reduce must be 'sums', 'means' or 'statistics', got {reduce!r}")
    value.backward()
    return value.item(), y.grad


def shard_sizes(n: int, shards: int, equal: bool) -> tuple[int, ...]:
    """Equal shards, or unequal ones in proportions 4 : 2 : 1 : … (the last takes the remainder)."""
    if shards < 1 or n < shards:
        raise ValueError(f"need 1 <= shards <= n, got shards = {shards}, n = {n}")
    if equal:
        return tuple(len(c) for c in torch.chunk(torch.empty(n), shards))
    weights = np.array([2.0 ** (shards - 1 - i) for i in range(shards)])
    sizes = np.maximum(1, np.floor(n * weights / weights.sum())).astype(int)
    sizes[-1] = n - sizes[:-1].sum()
    return tuple(int(v) for v in sizes)


def core(
    rng: np.random.Generator,
    reduce: str = "sums",
    n: int = 512,
    shards: int = 4,
    batches: int = 5,
    equal: bool = False,
) -> Outcome:
    sizes = shard_sizes(n, shards, equal)
    gen = torch_generator(rng)
    smooth = {}
    for name, statistic in ECF_STATISTICS.items():
        ratios = [
            smoothness(statistic, torch.randn(64, generator=gen, dtype=torch.float64))["ratio"] for _ in range(batches)
        ]
        smooth[name] = max(ratios)
    value_err, grad_err, naive, cvm_naive, avg_means = [], [], [], [], []
    for _ in range(batches):
        # N(0, 1.3²): a non-null batch, so that the gradient is O(1) and relative errors are meaningful
        y = 1.3 * torch.randn(n, generator=gen, dtype=torch.float64)
        full = y.detach().clone().requires_grad_(True)
        statistic = oracle.grid_ep(full, *oracle.OFFICIAL_GRID)
        statistic.backward()
        reference = statistic.item()
        value, grad = sharded(y, sizes, reduce)
        value_err.append(abs(value - reference) / abs(reference))
        grad_err.append(float((grad - full.grad).norm() / full.grad.norm()))
        naive.append(abs(sharded(y, sizes, "statistics")[0] - reference) / reference)
        avg_means.append(abs(sharded(y, sizes, "means")[0] - reference) / reference)
        cvm_full = cramer_von_mises(y).item()
        cvm_shards = torch.stack([cramer_von_mises(p) for p in torch.split(y, list(sizes))]).mean().item()
        cvm_naive.append(abs(cvm_shards - cvm_full) / cvm_full)
    verdicts = [
        "reproduced" if max(smooth.values()) < SMOOTH else "not-reproduced",
        "reproduced" if max(value_err) < EXACT and max(grad_err) < EXACT else "not-reproduced",
    ]
    worst = max(max(value_err), max(grad_err))
    return Outcome(
        verdict=combine_verdicts(verdicts),
        estimate=worst,
        interval=None,
        n=batches,
        tolerance=Tolerance(
            {"smooth_jump_ratio_below": SMOOTH, "sharded_relative_error_below": EXACT},
            "a C¹ gradient's jump scales with ε (ratio 0.01); sharded means must reproduce the "
            "full batch to float64 rounding (~1e−14)",
        ),
        reason="jump ratio across a crossing: "
        + ", ".join(f"{k} {v:.3g}" for k, v in smooth.items())
        + f"; {shards} shards of sizes {'/'.join(map(str, sizes))}, reduce = {reduce}: worst relative error of value "
        f"{max(value_err):.2g} and gradient {max(grad_err):.2g}; R1's average of shard means errs by "
        f"{max(avg_means):.2g}, averaging shard statistics by {max(naive):.2g} (EP) and {max(cvm_naive):.2g} "
        "(Cramér–von Mises)",
        detail={
            "jump_ratio": smooth,
            "sharded": {
                "reduce": reduce,
                "shards": shards,
                "sizes": list(sizes),
                "N": n,
                "value_rel_error": value_err,
                "gradient_rel_error": grad_err,
            },
            "naive_average_of_statistics_rel_error": {"EP": naive, "cramer_von_mises": cvm_naive},
            "average_of_shard_means_rel_error": avg_means,
            "summary_size_per_shard": 2 * KNOTS.numel(),
        },
    )


@claim(
    id="C14-ecf-smooth-reducible",
    version=2,
    paper="arXiv:2511.08544v3 §4.2.3",
    tier="cpu-fast",
    budget_s=20,
    statement="The ECF-based Epps–Pulley statistic is differentiable and all_reduce-friendly: shards reduce "
    "fixed-size means, and the result equals the full-batch statistic",
    paper_numbers={},
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    return core(rng)
