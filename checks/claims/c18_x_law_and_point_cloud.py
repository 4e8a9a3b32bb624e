"""C18: Fig. 5/6, slicing detects an "X"-shaped law with N(0, 1) marginals, and gradient descent on SIGReg with a
few fresh directions per step drives a point cloud to N(0, I) (the minimum demo).

(a) The X law in 2-D: z = (w, w·B), w ~ N(0, 1), B = ±1: both marginals are exactly N(0, 1) and the covariance is
I, but projections on the diagonals are far from Gaussian. N = 500 samples, level 5 %, Monte Carlo nulls from
N(0, I) at the same sizes: SIGReg with M = 16 fresh directions against the same statistic on the two coordinate
axes only (what a statistic that never applies the projection sees, D1). Clopper–Pearson intervals.
(b) Fig. 6's setting: N = 100 points in K = 1024 dimensions, starting as a uniform cloud on [0, 1]^K, moved by
Adam on SIGReg as implemented (R1, float32) with M = 10 fresh directions per step. Judged without SIGReg: on
200 held-out random directions, a projection fails if Shapiro–Wilk, a χ² test of unit variance or a z-test of
zero mean rejects at 5 %/3 (Bonferroni); a cloud of N(0, I) samples fails about 5 % of the time.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

import reference

from ..registry import Outcome, Tolerance, claim, combine_verdicts, torch_generator, verdict_from_interval
from ..stats import proportion
from ._common import batched, fresh_directions, isotropic, random_directions, rejection, sign_flip, sliced_grid_values

ALPHA = 0.05


def detection(rng, slicing: str, n: int, m: int, reps: int, null_reps: int):
    """Rejection rate of the X law at ALPHA: slicing 'random' (M fresh directions) or 'axes' (coordinates)."""

    def directions(count: int) -> np.ndarray:
        if slicing == "random":
            return fresh_directions(rng, count, 2, m)
        return np.broadcast_to(np.eye(2), (count, 2, 2))

    null = sliced_grid_values(batched(isotropic, rng, null_reps, n, 2), directions(null_reps)).mean(1)
    values = sliced_grid_values(batched(sign_flip, rng, reps, n, 2), directions(reps)).mean(1)
    return rejection(values, null, ALPHA)


def failing_projections(z: np.ndarray, rng: np.random.Generator, held_out: int = 200) -> dict:
    """Fraction of held-out projections that fail an independent normality check (see the module docstring)."""
    y = z @ random_directions(rng, z.shape[1], held_out)
    n = y.shape[0]
    shapiro = np.array([stats.shapiro(y[:, j]).pvalue for j in range(held_out)])
    chi2 = (n - 1) * y.var(0, ddof=1)
    variance = 2 * np.minimum(stats.chi2.cdf(chi2, n - 1), stats.chi2.sf(chi2, n - 1))
    mean = 2 * stats.norm.sf(np.abs(y.mean(0)) * np.sqrt(n))
    level = ALPHA / 3
    fails = (shapiro <= level) | (variance <= level) | (mean <= level)
    return {
        "fail": proportion(int(fails.sum()), held_out),
        "shapiro_rejects": float((shapiro <= ALPHA).mean()),
        "variance_rejects": float((variance <= ALPHA).mean()),
        "mean_rejects": float((mean <= ALPHA).mean()),
    }


def drive(rng: np.random.Generator, n: int, k: int, m: int, steps: int, lr: float) -> np.ndarray:
    gen = torch_generator(rng)
    r1 = reference.get("R1")
    z = torch.from_numpy(rng.uniform(0.0, 1.0, (n, k)).astype(np.float32)).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    for _ in range(steps):
        a = torch.randn(k, m, generator=gen)
        loss = r1.evaluate(z, a / a.norm(dim=0))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return z.detach().double().numpy()


def core(
    rng: np.random.Generator,
    slicing: str = "random",
    steps: int = 1500,
    n: int = 100,
    k: int = 1024,
    m: int = 10,
    lr: float = 0.02,
    n_detect: int = 500,
    reps: int = 200,
    null_reps: int = 400,
) -> Outcome:
    sliced = detection(rng, slicing, n_detect, 16, reps, null_reps)
    axes = detection(rng, "axes", n_detect, 16, reps, null_reps)
    # (a) detected: power >= 0.8 (the X law is far from Gaussian along the diagonals); <= 0.5 is a miss.
    part_a = verdict_from_interval(sliced.low, sliced.high, above=0.8)
    if sliced.high < 0.5:
        part_a = "not-reproduced"
    start = rng.uniform(0.0, 1.0, (n, k))
    before = failing_projections(start, rng)
    after = failing_projections(drive(rng, n, k, m, steps, lr), rng)
    fail = after["fail"]
    # (b) reached N(0, I): held-out failures <= 0.15 (nominal 0.05; room for 200 correlated projections); a cloud
    # still failing on >= 0.15 of the projections has not reached it.
    part_b = verdict_from_interval(fail.low, fail.high, below=0.15)
    return Outcome(
        verdict=combine_verdicts([part_a, part_b]),
        estimate=fail.estimate,
        interval=(fail.low, fail.high),
        interval_method=f"{fail.method}: held-out projections failing an independent normality check after "
        f"{steps} steps",
        n=reps + fail.n,
        tolerance=Tolerance(
            {"detected": 0.8, "reached_gaussian_fail_rate_below": 0.15},
            "power >= 0.8 = detected; "
            "a N(0, I) cloud fails ~5 % of held-out checks, 0.15 leaves room for their correlation",
        ),
        reason=f"(a) X law, N = {n_detect}: rejected by {slicing} slicing (M = 16) {sliced.estimate:.2f} "
        f"[{sliced.low:.2f}, {sliced.high:.2f}], by the coordinate axes only {axes.estimate:.2f}; (b) N = {n}, "
        f"K = {k}, M = {m}/step, {steps} steps: held-out projections failing {before['fail'].estimate:.2f} at the "
        f"start, {fail.estimate:.2f} [{fail.low:.2f}, {fail.high:.2f}] at the end (Shapiro–Wilk "
        f"{after['shapiro_rejects']:.3f}, variance {after['variance_rejects']:.3f}, mean {after['mean_rejects']:.3f})",
        detail={
            "x_law_detection": {"sliced": sliced.as_dict(), "axes_only": axes.as_dict()},
            "point_cloud": {
                "start": {**before, "fail": before["fail"].as_dict()},
                "end": {**after, "fail": fail.as_dict()},
                "config": {
                    "N": n,
                    "K": k,
                    "M_per_step": m,
                    "steps": steps,
                    "lr": lr,
                    "optimizer": "Adam",
                    "statistic": "R1 (official grid, float32)",
                },
            },
            "note": "a mean-test rejection rate far below 5 % at the end means the optimiser pins every "
            "projected mean at 0, closer than a random sample would be (over-fitting, see docs/variants.md#v1)",
        },
    )


@claim(
    id="C18-x-law-point-cloud",
    version=1,
    paper="arXiv:2511.08544v3 §4.3, Fig. 5, Fig. 6, Fig. 16",
    tier="cpu-fast",
    budget_s=30,
    statement="Slicing detects an X-shaped law with N(0, 1) marginals and identity covariance; gradient descent "
    "on SIGReg (N = 100, K = 1024, M = 10 directions per step) drives a point cloud to N(0, I)",
    paper_numbers={"N": 100, "K": 1024, "M_per_step": 10, "text_variant": "D = 512, M = 16"},
    discrepancies=("D1",),
)
def check(rng: np.random.Generator) -> Outcome:
    return core(rng)
