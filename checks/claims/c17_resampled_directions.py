"""C17: §4.3, Fig. 7, resampling the directions every step beats a fixed set, even a much larger one.

A toy of Fig. 7 on CPU: a point cloud (N = 256, K = 64) starting from the sign-flip law (N(0, 1) marginals,
identity covariance, strongly non-Gaussian slices) is moved by Adam on SIGReg as implemented (R1, float32), with
either M = 16 fresh directions per step or one fixed set of M = 256 (4K) directions drawn once. Judged on held-out
directions never used in training: the exact sliced EP (O1) of each cloud on 256 fresh directions, paired between
the arms; estimate = mean(fixed) / mean(resampled) over held-out directions, percentile bootstrap stratified by
seed. Also reported: the training loss each arm reaches (the fixed arm over-fits its own directions) and the
covariance error ‖Cov − I‖_F/√K, which is not what either arm optimises.
"""

from __future__ import annotations

import numpy as np
import torch

import reference
from reference import oracle

from ..registry import Outcome, Tolerance, claim, torch_generator, verdict_from_interval
from ..stats import stratified_bootstrap
from ._common import random_directions, round_sig, sign_flip


def train(start: np.ndarray, m: int, fixed: bool, steps: int, lr: float, gen: torch.Generator) -> tuple:
    r1 = reference.get("R1")
    k = start.shape[1]
    z = torch.from_numpy(start.astype(np.float32)).requires_grad_(True)
    opt = torch.optim.Adam([z], lr=lr)
    a = torch.randn(k, m, generator=gen)
    a = a / a.norm(dim=0)
    for _ in range(steps):
        if not fixed:
            a = torch.randn(k, m, generator=gen)
            a = a / a.norm(dim=0)
        loss = r1.evaluate(z, a)
        opt.zero_grad()
        loss.backward()
        opt.step()
    final = z.detach().double().numpy()
    last = float(np.mean(oracle.grid_ep(final @ a.double().numpy(), *oracle.OFFICIAL_GRID)))
    return final, last


def _seed_summary(i: int, p: dict) -> str:
    held, train_end = p["held_out_sliced_ep"], p["training_statistic_at_end"]
    return (
        f"seed {i}: held-out {held['fixed']:.3g} vs {held['resampled']:.3g}, "
        f"training {train_end['fixed']:.3g} vs {train_end['resampled']:.3g}"
    )


def core(
    rng: np.random.Generator,
    n: int = 256,
    k: int = 64,
    m_resampled: int = 16,
    m_fixed: int = 256,
    steps: int = 400,
    lr: float = 0.05,
    seeds: int = 3,
    held_out: int = 256,
    boot_reps: int = 1000,
) -> Outcome:
    gen = torch_generator(rng)
    per_seed, strata = [], {}
    for s in range(seeds):
        start = sign_flip(rng, n, k)
        resampled, loss_r = train(start, m_resampled, False, steps, lr, gen)
        fixed, loss_f = train(start, m_fixed, True, steps, lr, gen)
        h = random_directions(rng, k, held_out)
        ep_r, ep_f = np.asarray(oracle.sliced_ep(resampled, h)), np.asarray(oracle.sliced_ep(fixed, h))
        strata[str(s)] = np.stack([ep_f, ep_r], axis=1)
        cov_err = {
            name: float(np.linalg.norm(np.cov(c, rowvar=False) - np.eye(k)) / np.sqrt(k))
            for name, c in (("resampled", resampled), ("fixed", fixed))
        }
        per_seed.append(
            {
                "held_out_sliced_ep": {"resampled": round_sig(ep_r.mean()), "fixed": round_sig(ep_f.mean())},
                "training_statistic_at_end": {"resampled": round_sig(loss_r), "fixed": round_sig(loss_f)},
                "cov_error": {key: round_sig(v) for key, v in cov_err.items()},
                "start_held_out_sliced_ep": round_sig(float(np.mean(oracle.sliced_ep(start, h)))),
            }
        )

    def ratio(d: dict) -> float:
        both = np.concatenate(list(d.values()))
        return both[:, 0].mean() / both[:, 1].mean()

    boot = stratified_bootstrap(strata, ratio, rng, reps=boot_reps)
    return Outcome(
        verdict=verdict_from_interval(boot.low, boot.high, above=1.0),
        estimate=boot.estimate,
        interval=boot.interval,
        interval_method=f"held-out exact sliced EP, fixed / resampled, {boot.describe()} over {held_out} held-out "
        f"directions per seed, stratified by seed ({seeds} seeds)",
        n=seeds * held_out,
        tolerance=Tolerance(
            1.0,
            "resampling 'outperforms' the fixed set if the fixed arm's held-out statistic is "
            "larger: the ratio's interval must lie above 1",
        ),
        reason=f"N = {n}, K = {k}, {steps} Adam steps: held-out sliced EP fixed (M = {m_fixed}) / resampled "
        f"(M = {m_resampled}) = {boot.estimate:.3g} [{boot.low:.3g}, {boot.high:.3g}]; "
        + "; ".join(_seed_summary(i, p) for i, p in enumerate(per_seed)),
        detail={
            "per_seed": per_seed,
            "config": {
                "N": n,
                "K": k,
                "M_resampled": m_resampled,
                "M_fixed": m_fixed,
                "steps": steps,
                "lr": lr,
                "start": "sign-flip law",
            },
            "paper_fig7_slopes": {"beta_a": -2.79, "beta_b": -285.91, "note": "which curve is which is not verified"},
        },
    )


@claim(
    id="C17-resampled-directions",
    version=1,
    paper="arXiv:2511.08544v3 §4.3, Fig. 7",
    tier="cpu-slow",
    budget_s=180,
    statement="Resampling the directions at every step lets |A| as low as 16 outperform a fixed set of |A| of "
    "the order of thousands",
    paper_numbers={
        "resampled": 16,
        "fixed": "thousands",
        # Fig. 7 prints two fitted slopes; which belongs to the resampled and which to the fixed curve is unverified.
        "fig7_slopes_curve_unverified": [-2.79, -285.91],
        "fig7_r2": [0.87, 0.96],
    },
)
def check(rng: np.random.Generator) -> Outcome:
    return core(rng)
