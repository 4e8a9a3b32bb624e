"""C13: §4.2.2 / App. E, CDF-based tests (Cramér–von Mises, Anderson–Darling, Watson; KS excluded for its
ℓ∞ form) rely on sorting and are not smooth.

Their statistics are functions of the order statistics, so the gradient of a sample depends on its rank: when two
samples cross, the gradient jumps by a finite amount however small the step. Measured with torch autograd
(float64, N = 64 N(0, 1) samples): the relative gradient jump across a crossing at ε = 1e−4 and 1e−6 from it. A C¹
statistic's jump shrinks in proportion to ε (ratio 0.01); a rank-dependent one's does not (ratio ≈ 1). Also
reported: how many samples get gradient (KS: one, the sparse ℓ∞ gradient the paper cites for excluding it).
"""

from __future__ import annotations

import numpy as np
import torch

from ..registry import Outcome, Tolerance, claim, combine_verdicts, torch_generator
from ._cdf_tests import CDF_STATISTICS, ECF_STATISTICS, gradient, kolmogorov_smirnov, smoothness

# Jump ratio at ε = 1e−6 vs 1e−4: ~0.01 for a smooth gradient, ~1 for a finite jump. 0.5 and 0.1 split them
# with room on both sides (ratios measured: CDF tests 1.0, EP 0.0100).
NONSMOOTH, SMOOTH = 0.5, 0.1


def core(rng: np.random.Generator, statistics: dict | None = None, n: int = 64, batches: int = 5) -> Outcome:
    """`statistics` defaults to the CDF tests; passing a smooth one (EP) is the negative control."""
    statistics = CDF_STATISTICS if statistics is None else statistics
    gen = torch_generator(rng)
    rows, verdicts = {}, []
    for name, statistic in statistics.items():
        ratios, nonzero = [], []
        for _ in range(batches):
            y = torch.randn(n, generator=gen, dtype=torch.float64)
            ratios.append(smoothness(statistic, y)["ratio"])
            nonzero.append(int((gradient(statistic, y) != 0).sum()))
        worst = min(ratios)  # the claim needs a jump on every batch
        verdicts.append(
            "reproduced" if worst > NONSMOOTH else "not-reproduced" if max(ratios) < SMOOTH else "inconclusive"
        )
        rows[name] = {"jump_ratio_min": worst, "jump_ratio_max": max(ratios), "samples_with_gradient": nonzero}
    # KS: the paper excludes it for its sparse (ℓ∞) gradient: exactly one sample gets gradient.
    ks_nonzero = [
        int((gradient(kolmogorov_smirnov, torch.randn(n, generator=gen, dtype=torch.float64)) != 0).sum())
        for _ in range(batches)
    ]
    verdicts.append("reproduced" if max(ks_nonzero) == 1 else "not-reproduced")
    reference = {
        name: smoothness(s, torch.randn(n, generator=gen, dtype=torch.float64)) for name, s in ECF_STATISTICS.items()
    }
    least = min(rows, key=lambda k: rows[k]["jump_ratio_min"])
    return Outcome(
        verdict=combine_verdicts(verdicts),
        estimate=rows[least]["jump_ratio_min"],
        interval=(rows[least]["jump_ratio_min"], rows[least]["jump_ratio_max"]),
        interval_method=f"min and max over {batches} batches of the gradient-jump ratio (ε = 1e−6 vs 1e−4) for the "
        f"statistic with the smallest ({least})",
        n=batches * len(statistics),
        tolerance=Tolerance(
            {"nonsmooth_above": NONSMOOTH, "smooth_below": SMOOTH},
            "a C¹ gradient's jump scales with ε (ratio 0.01 here), a rank-dependent one stays finite (ratio ~1)",
        ),
        reason="gradient jump ratio across an order crossing: "
        + ", ".join(f"{k} {v['jump_ratio_min']:.3g}" for k, v in rows.items())
        + "; for contrast EP: "
        + ", ".join(f"{k} {v['ratio']:.3g}" for k, v in reference.items())
        + f"; samples with gradient (of {n}): "
        + ", ".join(f"{k} {v['samples_with_gradient'][0]}" for k, v in rows.items())
        + f", kolmogorov-smirnov {max(ks_nonzero)}",
        detail={
            "statistics": rows,
            "kolmogorov_smirnov_samples_with_gradient": ks_nonzero,
            "ecf_reference": reference,
            "N": n,
            "sorting": "the CDF statistics are functions of the order statistics (torch.sort inside)",
        },
    )


@claim(
    id="C13-cdf-tests-nonsmooth",
    version=1,
    paper="arXiv:2511.08544v3 §4.2.2, App. E",
    tier="cpu-fast",
    budget_s=10,
    statement="CDF-based tests (Cramér–von Mises, Anderson–Darling, Watson) need sorting and are not "
    "differentiable everywhere (KS: sparse ℓ∞ gradient)",
    paper_numbers={"sorting_cost": "O(N log N)"},
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    return core(rng)
