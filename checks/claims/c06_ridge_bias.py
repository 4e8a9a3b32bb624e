"""C6: Lemma 1, anisotropic embeddings raise the bias of a ridge probe compared with isotropic ones of equal trace.

Embeddings x ~ N(0, Σ) with Σ log-spaced (condition number 20) and trace K, against N(0, I) (same trace). For a
task y = xᵀβ + ε the ridge estimate has conditional mean E[β̂ | X] = Sβ, S = (XᵀX/N + λI)⁻¹XᵀX/N, so its bias
(S − I)β is computed exactly per design X (no noise Monte Carlo needed). Each unit is an independent (β, X_aniso,
X_iso) triple with β uniform on the sphere; the estimate is the ratio of mean squared biases, with a percentile
bootstrap over units. Population values (N → ∞): (λ/(1+λ))² isotropic vs mean_i (λ/(σ_i²+λ))², and Lemma 1's
worst-case task (β on the smallest-variance axis).
"""

from __future__ import annotations

import numpy as np

from core.stats import stratified_bootstrap

from ..registry import Outcome, Tolerance, claim, verdict_from_interval
from ._common import round_sig
from ._ridge import sample_shrinkage, spectrum, tasks


def core(
    rng: np.random.Generator,
    k: int = 10,
    n: int = 200,
    ridge: float = 0.1,
    condition: float = 20.0,
    units: int = 400,
    alignment: str = "uniform",
    boot_reps: int = 2000,
) -> Outcome:
    eigs = spectrum(k, condition)
    betas = tasks(rng, k, units, alignment, eigs)
    sq = np.empty((units, 2))
    for u in range(units):
        x_aniso = rng.standard_normal((n, k)) * np.sqrt(eigs)
        x_iso = rng.standard_normal((n, k))
        for j, x in enumerate((x_aniso, x_iso)):
            bias = sample_shrinkage(x, ridge) @ betas[:, u] - betas[:, u]
            sq[u, j] = bias @ bias
    boot = stratified_bootstrap(sq, lambda s: s[:, 0].mean() / s[:, 1].mean(), rng, reps=boot_reps)
    verdict = verdict_from_interval(boot.low, boot.high, above=1.0)
    population = {
        "isotropic": (ridge / (1 + ridge)) ** 2,
        "anisotropic_mean_over_tasks": float(np.mean((ridge / (eigs + ridge)) ** 2)),
        "anisotropic_worst_task": float((ridge / (eigs.min() + ridge)) ** 2),
        "anisotropic_best_task": float((ridge / (eigs.max() + ridge)) ** 2),
    }
    return Outcome(
        verdict=verdict,
        estimate=boot.estimate,
        interval=boot.interval,
        interval_method=f"{boot.describe()} over {units} independent (task, design) units",
        n=units,
        tolerance=Tolerance(1.0, "the lemma is strict (aniso > iso): the ratio's interval must exclude 1"),
        reason=f"mean squared ridge bias, anisotropic / isotropic at equal trace: {boot.estimate:.3g} "
        f"[{boot.low:.3g}, {boot.high:.3g}] (tasks {alignment}); population: "
        f"{population['anisotropic_mean_over_tasks']:.3g} vs {population['isotropic']:.3g}, "
        f"worst task {population['anisotropic_worst_task']:.3g}",
        detail={
            "config": {"K": k, "N": n, "ridge": ridge, "condition": condition, "alignment": alignment},
            "eigenvalues": [round_sig(e) for e in eigs],
            "mean_squared_bias": {"anisotropic": float(sq[:, 0].mean()), "isotropic": float(sq[:, 1].mean())},
            "population": {key: round_sig(v) for key, v in population.items()},
        },
    )


@claim(
    id="C6-ridge-bias",
    version=1,
    paper="arXiv:2511.08544v3 §3.1, Lemma 1 (proof App. B.1)",
    tier="cpu-fast",
    budget_s=10,
    statement="If the embedding covariance is anisotropic, some downstream task gets a larger ridge-probe bias "
    "than with isotropic embeddings of the same trace",
    paper_numbers={"bias_isotropic": "λ/(λ̄+λ)·‖β‖", "bias_worst_anisotropic": "λ/(λ_1+λ)·‖β‖"},
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    return core(rng)
