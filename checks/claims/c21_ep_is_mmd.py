"""C21: the exact EP integral per slice is a kernel MMD; a mean/variance statistic gives VICReg-like constraints.

(a) With k(x, y) = ∫e^{it(x−y)}e^{−t²/2}dt = √(2π)e^{−(x−y)²/2} (Bochner), N·MMD²_k(P̂_N, N(0, 1)) equals EP. We
compute both sides without the oracle's closed form: the MMD with Gauss–Hermite expectations under N(0, 1), EP
from its defining integral on a dense trapezoid grid (error < 1e−12 there, docs/oracle.md#o1).
(b) SIGReg with T = mean² + (std − 1)² per slice, averaged over fresh directions, driven by gradient descent on a
point cloud, must reach mean 0 and covariance I (VICReg's variance and covariance terms) while leaving the shape
non-Gaussian (judged by the exact sliced EP, which it does not see).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.directions import unit_directions
from reference import oracle

from ..registry import Outcome, Tolerance, claim, combine_verdicts, torch_generator
from ._common import round_sig, sign_flip, with_control

SQRT_2PI = math.sqrt(2 * math.pi)


def mmd_ep(y: np.ndarray, bandwidth: float = 1.0, nodes: int = 80) -> float:
    """N · MMD² between the sample and N(0, 1) with kernel √(2π)exp(−(x−y)²/(2·bandwidth²)), Gauss–Hermite in Q."""
    n = y.size
    x, w = np.polynomial.hermite_e.hermegauss(nodes)
    w = w / w.sum()  # expectations under N(0, 1)

    def k(a, b):
        return SQRT_2PI * np.exp(-((a[:, None] - b[None, :]) ** 2) / (2 * bandwidth**2))

    within = k(y, y).mean()
    cross = (k(y, x) @ w).mean()
    null = w @ k(x, x) @ w
    return float(n * (within - 2 * cross + null))


def integral_ep(y: np.ndarray, t_max: float = 12.0, knots: int = 4801) -> float:
    """N ∫|φ̂(t) − e^{−t²/2}|²e^{−t²/2}dt by the trapezoid rule on [−12, 12] (aliasing period 2π/0.005)."""
    return float(oracle.grid_ep(y, *oracle.trapezoid_grid(-t_max, t_max, knots)))


def mean_var_sigreg(z: torch.Tensor, directions: torch.Tensor, statistic: str) -> torch.Tensor:
    y = z @ directions  # (N, M)
    mean = y.mean(0)
    if statistic == "mean-only":
        return (mean**2).mean()
    std = y.std(0, unbiased=False)
    return (mean**2 + (std - 1.0) ** 2).mean()


def drive(rng: np.random.Generator, n: int, k: int, m: int, steps: int, statistic: str, lr: float = 0.05) -> dict:
    """Adam on a point cloud from a shifted, sheared sign-flip start (N(0,1) marginals, Cov = I, strongly
    non-Gaussian slices); fresh directions every step."""
    gen = torch_generator(rng)
    start = torch.from_numpy(sign_flip(rng, n, k))
    shear = torch.eye(k, dtype=torch.float64) + 0.6 * torch.randn(k, k, generator=gen, dtype=torch.float64) / k**0.5
    z = (start @ shear + 0.5).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        loss = mean_var_sigreg(z, unit_directions(k, m, gen, torch.float64), statistic)
        opt.zero_grad()
        loss.backward()
        opt.step()
    final = z.detach().numpy()
    cov = np.cov(final, rowvar=False, bias=True)
    held_out = oracle.random_directions(k, 256, rng)
    proj = final @ held_out
    proj = (proj - proj.mean(0)) / proj.std(0)
    return {
        "mean_norm": float(np.linalg.norm(final.mean(0))),
        "cov_error_fro_over_sqrtK": float(np.linalg.norm(cov - np.eye(k)) / math.sqrt(k)),
        "exact_sliced_ep_held_out": float(np.mean(oracle.sliced_ep(final, held_out))),
        "mean_abs_excess_kurtosis_held_out": float(np.mean(np.abs((proj**4).mean(0) - 3.0))),
        "start_cov_error_fro_over_sqrtK": float(
            np.linalg.norm(np.cov((start @ shear).numpy(), rowvar=False, bias=True) - np.eye(k)) / math.sqrt(k)
        ),
    }


def core(
    rng: np.random.Generator,
    n: int = 512,
    k: int = 8,
    m: int = 64,
    steps: int = 400,
    statistic: str = "mean-var",
    bandwidth: float = 1.0,
    mmd_batches: int = 4,
) -> Outcome:
    # (a) closed-form identity on a few batches of different laws, N = 64.
    identity = []
    for scale, shift in ((1.0, 0.0), (2.0, 0.0), (1.0, 1.5), (0.3, 0.0))[:mmd_batches]:
        y = shift + scale * rng.standard_normal(64)
        a, b = mmd_ep(y, bandwidth), integral_ep(y)
        identity.append({"law": f"N({shift:g},{scale:g}^2)", "N_MMD2": a, "EP_integral": b, "rel_diff": abs(a - b) / b})
    worst = max(row["rel_diff"] for row in identity)
    # 1e-9: both sides are exact up to Gauss–Hermite (80 nodes, integrand analytic: error < 1e-14) and the
    # dense trapezoid (< 1e-12); a wrong kernel or constant errs by > 1e-2.
    verdict_a = "reproduced" if worst < 1e-9 else "not-reproduced"
    # (b) VICReg-like constraints from the mean/variance statistic.
    driven = drive(rng, n, k, m, steps, statistic)
    # 0.05: after fitting, what is left is the sampling of directions (M = 64 per step) and Adam's step noise;
    # the start is ~1 off in both, so 0.05 separates "constraint met" from "not constrained" by 20x.
    met = driven["mean_norm"] < 0.05 and driven["cov_error_fro_over_sqrtK"] < 0.05
    verdict_b = "reproduced" if met else "not-reproduced"
    return Outcome(
        verdict=combine_verdicts([verdict_a, verdict_b]),
        estimate=driven["cov_error_fro_over_sqrtK"],
        interval=None,
        n=steps,
        tolerance=Tolerance(
            {"identity_rel": 1e-9, "constraints": 0.05},
            "identity: both sides are exact to "
            "<1e-12; constraints: residual direction-sampling noise vs a start ~1 off",
        ),
        reason=f"(a) N·MMD² vs the EP integral: worst relative difference {worst:.2g}; (b) {statistic}: "
        f"‖mean‖ = {driven['mean_norm']:.3g}, ‖Cov − I‖_F/√K = {driven['cov_error_fro_over_sqrtK']:.3g} after "
        f"{steps} steps (start {driven['start_cov_error_fro_over_sqrtK']:.3g}); shape stays non-Gaussian: held-out "
        f"exact sliced EP {driven['exact_sliced_ep_held_out']:.3g} vs null mean {oracle.NULL_MEAN:.4f}",
        detail={
            "kernel": "k(x,y) = √(2π)exp(−(x−y)²/2)" if bandwidth == 1.0 else f"bandwidth {bandwidth}",
            "identity": [{k2: round_sig(v) if isinstance(v, float) else v for k2, v in r.items()} for r in identity],
            "constraints": {k2: round_sig(v) for k2, v in driven.items()},
            "statistic": statistic,
            "config": {"N": n, "K": k, "M": m, "steps": steps},
        },
    )


@claim(
    id="C21-ep-is-mmd",
    version=1,
    paper="arXiv:2511.08544v3 §5.2, App. B.14",
    tier="cpu-fast",
    budget_s=20,
    statement="The exact EP integral per slice equals a kernel MMD (quadratic cost); with T = mean² + (std − 1)² "
    "SIGReg enforces E[Z] = 0 and Cov(Z) = I, i.e. recovers VICReg-like constraints",
    paper_numbers={},
)
def check(rng: np.random.Generator) -> Outcome:
    outcome = core(rng)
    control = core(rng, n=128, k=4, m=16, steps=200, statistic="mean-only", mmd_batches=1)
    return with_control(outcome, "T = mean² only (no variance term): the covariance is not driven to I", control)
