"""D22: R1's DDP reduction is exact only for equal local batch sizes."""

from __future__ import annotations

from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import ddp_table, fmt


@discrepancy(
    id="D22",
    title="R1's DDP reduction is exact only for equal local batch sizes",
    statement="R1 averages the local means with equal rank weights and multiplies by N_local·W; with unequal "
    "local batches the value and gradient are wrong, while P2's sum/global-N reduction stays exact.",
    variants=("R1", "P2"),
    locus="new",
    jobs=("ddp",),
    new=True,
    paper_says="Algorithm 1: ECF averaged across ranks, statistic × N·world_size, which is the global-batch "
    "statistic only when every rank holds N samples; paper: silent on unequal local batches",
    code_does="R1: AVG of the local cos/sin means × local N·W (equal rank weights); P2: SUM of local sums "
    "divided by the all-reduced global N, exact for any split",
)
def conclude(ctx: Context) -> Finding:
    run = ctx.get("ddp")
    table = ddp_table(run, "unequal")
    counts = run["rank0"]["probes"]["unequal"]["counts"]
    r1 = [table["R1-style"][r]["value_over_reference"] for r in ("rank0", "rank1")]
    p2 = [table["P2-style"][r]["value_over_reference"] for r in ("rank0", "rank1")]
    wrong = max(abs(v - 1) for v in r1) > 0.01
    exact = max(abs(v - 1) for v in p2) < 1e-5
    value_error = max(abs(v - 1) for v in r1)
    r1_param_cos = table["R1-style"]["rank0"]["param_grad_cosine"]
    return Finding(
        verdict="confirmed" if wrong and exact else "refuted",
        effect=f"local batches of {counts[0]} and {counts[1]} samples (DistributedSampler gives equal ones; uneven "
        f"data or a custom sampler does not): R1-style (AVG of the local means, × N_local·W) gives value/global "
        f"{fmt(r1[0])} and {fmt(r1[1])} (value error up to {fmt(value_error)}), DDP-averaged parameter-gradient "
        f"cosine {fmt(r1_param_cos, 4)}; P2-style (SUM of sums / global N) is exact ({fmt(p2[0], 7)}, {fmt(p2[1], 7)})",
        estimate=value_error,
        interval=None,
        interval_method="R1-style largest |value / global-batch statistic − 1| over the 2 ranks (deterministic gloo "
        "run); the DDP-averaged parameter-gradient cosine is in the effect",
        criterion="confirmed when R1-style is off by more than 1 % on some rank while P2-style is exact to 1e-5",
        variant_behaviour={
            "R1": f"local batches {counts[0]}/{counts[1]}: value/global {fmt(r1[0])} and {fmt(r1[1])}, DDP "
            f"parameter-gradient cosine {fmt(table['R1-style']['rank0']['param_grad_cosine'], 4)}",
            "P2": f"local batches {counts[0]}/{counts[1]}: value/global {fmt(p2[0], 7)} and {fmt(p2[1], 7)}, DDP "
            f"parameter-gradient cosine {fmt(table['P2-style']['rank0']['param_grad_cosine'], 7)}",
        },
        measurements={
            "counts": counts,
            "r1_value_error": value_error,
            "r1_ddp_param_grad_cosine": r1_param_cos,
            "table": table,
        },
    )


@negative_control("D22")
def control(ctx: Context) -> dict:
    r1 = ddp_table(ctx.get("ddp"), "iid")["R1-style"]
    error = max(abs(r1[r]["value_over_reference"] - 1) for r in ("rank0", "rank1"))
    return control_record(
        "the rule applied to R1-style on equal local batches (what DistributedSampler gives)",
        "confirmed" if error > 0.01 else "refuted",
        error,
    )
