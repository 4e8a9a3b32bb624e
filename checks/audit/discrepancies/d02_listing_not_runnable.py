"""D2: listing not runnable as printed."""

from __future__ import annotations

import numpy as np
import torch

import reference

from .. import ddp
from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import fmt, vector_backward


@discrepancy(
    id="D2",
    title="listing not runnable as printed",
    statement="Undefined names; a vector return so `.backward()` fails; the c10d all_reduce returns None and "
    "is not differentiable.",
    variants=("V1", "V3"),
    locus="docs/discrepancies.md#d2",
    jobs=("ddp",),
    paper_says="Algorithm 1/2 of v3 (read) use undefined names (all_reduce, world_size, forward, bs, K, "
    'global_step, mean; glob_views typo), write `ecf = all_reduce(ecf, op="AVG")` and return a vector as '
    "the loss; V1 is assumed to share these lines (its listing was not read: lejepa#2 reports only the "
    "missing projection and the λ form)",
    code_does="R1 uses the autograd-aware torch.distributed.nn.all_reduce (AVG) and returns a scalar; R2, "
    "P1, P2 return scalars; c10d torch.distributed.all_reduce is in-place, returns None, takes a "
    "ReduceOp (not a string) and is not differentiable",
)
def conclude(ctx: Context) -> Finding:
    backward = vector_backward()
    run = ctx.get("ddp")
    listing = run["rank0"]["listing"]
    iid = [run[f"rank{r}"]["probes"]["iid"]["listing-style"] for r in range(ddp.WORLD)]
    grad_ratio = [p["param_grad_norm_ratio"] for p in iid]
    returns_none = listing["c10d_all_reduce_returns"] == "None"
    fails = all(b["backward"].startswith("RuntimeError") for b in backward.values())
    effect = (
        f"`.backward()` on the listing's output fails (V1 {backward['V1']['shape']}, V3 {backward['V3']['shape']}: "
        f"{backward['V1']['backward'].split(':')[0]}); c10d all_reduce returns {listing['c10d_all_reduce_returns']} "
        f'(so `ecf = all_reduce(ecf)` leaves None); op="AVG" as a string: {listing["string_op"].split(":")[0]}; '
        f"if the undefined `all_reduce` is that in-place c10d one (non-differentiable), the value is right but the "
        f"DDP-averaged parameter gradient is {fmt(grad_ratio[0])}× the true one (1/W), with no warning; if it is "
        "the autograd-aware one R1 uses, the gradient is right"
    )
    return Finding(
        verdict="confirmed" if returns_none and fails else "refuted",
        effect=effect,
        estimate=float(np.mean(grad_ratio)),
        interval=(min(grad_ratio), max(grad_ratio)),
        interval_method="listing-style in-place all_reduce: parameter-gradient norm after DDP averaging / "
        "single-process gradient, range over the 2 ranks (deterministic gloo run)",
        basis="measured+cited",
        variant_behaviour={
            vid: f"returns shape {backward[vid]['shape']}; `.backward()`: {backward[vid]['backward'].split(':')[0]}; "
            f"in-place c10d all_reduce (W={ddp.WORLD}): DDP parameter gradient {fmt(float(np.mean(grad_ratio)))}× "
            "the true one"
            for vid in ("V1", "V3")
        },
        criterion="confirmed when the listing's vector output cannot be backpropagated and the c10d all_reduce "
        "returns None. The half gradient (0.5× at W=2) holds only if the listing's undefined `all_reduce` is the "
        "in-place c10d one; if it is the autograd-aware torch.distributed.nn.all_reduce that R1 uses, the gradient "
        "is right (the R1-style row). The undefined names (all_reduce, world_size, forward, bs, K, mean) and the "
        "glob_views typo are cited from docs/discrepancies.md#d2 (the listing text is not available offline)",
        measurements={"backward": backward, "c10d": listing, "listing_style_iid": iid},
    )


@negative_control("D2")
def control(ctx: Context) -> dict:
    # R1's scalar output backpropagates and its autograd all_reduce keeps the DDP gradient (ratio 1).
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(ctx.plan.seed), requires_grad=True)
    value = reference.get("R1").evaluate(x, torch.eye(4)[:, :3])
    value.backward()
    run = ctx.get("ddp")
    ratio = float(np.mean([run[f"rank{r}"]["probes"]["iid"]["R1-style"]["param_grad_norm_ratio"] for r in range(2)]))
    fails = x.grad is None
    return control_record(
        "the rule applied to R1 (scalar output, autograd-aware all_reduce)",
        "confirmed" if fails and abs(ratio - 1) > 1e-3 else "refuted",
        ratio,
    )
