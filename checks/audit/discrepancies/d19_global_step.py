"""D19: R1's global_step advances on evaluation too."""

from __future__ import annotations

import math

import torch

import reference

from ..registry import Context, Finding, discrepancy, not_run
from .shared import fmt


def _cpu_vs_cuda_draw(k: int, m: int) -> dict | None:
    """R1's step-0 draw (randn(K, M) from a generator seeded 0, columns normalised) on CPU and on CUDA."""
    if not torch.cuda.is_available():
        return None
    cpu = reference.seeded_directions(k, m, 0)
    gpu = reference.seeded_directions(k, m, 0, device="cuda").cpu()
    return {"max_abs_diff": float((cpu - gpu).abs().max()), "mean_abs_cos": float((cpu * gpu).sum(0).abs().mean())}


@discrepancy(
    id="D19",
    title="R1's global_step advances on evaluation too",
    statement="The direction seed advances on every forward (evaluation included), so directions depend on "
    "how often the loss was evaluated; CPU and CUDA generators differ for one seed.",
    variants=("R1",),
    locus="docs/discrepancies.md#d19; lejepa slicing.py",
    jobs=("official_driver",),
    paper_says="Algorithm 1 seeds A with `global_step` (undefined in the listing) so that all ranks agree; "
    "§4.3: resample the directions at every training step; R1's docstring: global_step is a "
    "'counter for deterministic random seed generation, synchronized across distributed "
    "processes'",
    code_does="R1: a `global_step` buffer (in the state_dict), all-reduced with MAX, seeds a cached "
    "torch.Generator(x.device) and is incremented on every forward, evaluation and inference "
    "included; P1's SlicedEppsPulley does the same (read, not measured here); R2 and P2 draw from "
    "the global RNG",
)
def conclude(ctx: Context) -> Finding:
    res = ctx.get("official_driver")["R1"]
    if not res.get("available"):
        return not_run(
            f"{res['reason']}; the step counter lives in the official module, which no reference keeps (R1-3)",
            kind="environment",
        )
    if not res.get("ran"):
        return not_run(f"the official module did not run: {res.get('reason', '')}")
    steps = res["global_step_after_train_eval_inference"]
    k, m = ctx.plan.main.k, ctx.plan.main.m
    a0, a1 = reference.seeded_directions(k, m, 0), reference.seeded_directions(k, m, 1)
    overlap = float((a0 * a1).sum(0).abs().mean())
    cuda = _cpu_vs_cuda_draw(k, m)
    cuda_text = (
        "the CPU-vs-CUDA half was not run (no CUDA device here)"
        if cuda is None
        else f"CPU and CUDA generators seeded 0 draw directions with max |Δ| {fmt(cuda['max_abs_diff'])} "
        f"(mean |cos| {fmt(cuda['mean_abs_cos'])})"
    )
    return Finding(
        verdict="confirmed" if steps == [0, 1, 2, 3] else "refuted",
        effect=f"official SlicingUnivariateTest.global_step after a training call, an eval()+no_grad call and an "
        f"inference_mode call: {steps} (saved in the state_dict: {res['global_step_in_state_dict']}); one extra "
        f"evaluation shifts every later step's directions to an unrelated draw (mean |cos| between matched "
        f"columns of the step-0 and step-1 draws {fmt(overlap)} at K={k}, chance ≈ "
        f"{fmt(math.sqrt(2 / (math.pi * k)))}); {cuda_text}",
        estimate=float(steps[-1] - steps[0]),
        interval=None,
        basis="derived",
        interval_method="global_step increments over three calls (deterministic)",
        criterion="confirmed when evaluation and inference calls advance global_step like training calls; the "
        "CUDA-generator difference is measured only where a CUDA device is present",
        variant_behaviour={
            "R1": f"global_step after train, eval+no_grad and inference_mode calls: {steps}; mean |cos| between "
            f"step-0 and step-1 directions {fmt(overlap)} (chance ≈ {fmt(math.sqrt(2 / (math.pi * k)))}); "
            + (
                "CPU vs CUDA not run"
                if cuda is None
                else f"CPU vs CUDA draw max |Δ| {fmt(cuda['max_abs_diff'])}, mean |cos| {fmt(cuda['mean_abs_cos'])}"
            )
        },
        measurements={**res, "direction_overlap_step0_step1": overlap, "cpu_vs_cuda": cuda},
    )
