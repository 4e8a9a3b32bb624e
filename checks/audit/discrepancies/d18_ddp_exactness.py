"""D18: DDP: R1 and P2 exact, P1 not, listing-style gradients wrong."""

from __future__ import annotations

from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import ddp_table, fmt


@discrepancy(
    id="D18",
    title="DDP: R1 and P2 exact, P1 not, listing-style gradients wrong",
    statement="R1 and P2 reproduce the global-batch statistic and gradient; P1 discards its all_reduce; a "
    "non-autograd all_reduce gives wrong gradients.",
    variants=("R1", "P1", "P2", "V3"),
    locus="docs/discrepancies.md#d18; docs/variants.md#peers",
    jobs=("ddp",),
    paper_says="Algorithm 1: the ECF is averaged across ranks by all_reduce and the statistic multiplied by "
    "N·world_size (the global-batch statistic); §4.2.3: the ECF is differentiable and "
    "all_reduce-friendly",
    code_does="R1: autograd-aware torch.distributed.nn.all_reduce (AVG) of the cos/sin means, exact; P2 "
    "(lightly, since PR #1923): autograd all_reduce of sums / global N, exact; P1 "
    "(stable-pretraining 0.1.8) calls all_reduce and discards the result, so each rank uses W × "
    "its local statistic; a non-autograd in-place all_reduce (listing style) gives 1/W of the "
    "gradient (lightly#1920)",
)
def conclude(ctx: Context) -> Finding:
    run = ctx.get("ddp")
    tables = {probe: ddp_table(run, probe) for probe in ("iid", "distinct")}
    exact = all(
        abs(rank["value_over_reference"] - 1) < 1e-5
        and rank["input_grad_cosine"] > 1 - 1e-5
        and abs(rank["param_grad_norm_ratio"] - 1) < 1e-4
        for table in tables.values()
        for style in ("R1-style", "P2-style")
        for rank in table[style].values()
    )
    p1 = tables["distinct"]["P1-style"]
    p1_values = [p1[r]["value_over_reference"] for r in ("rank0", "rank1")]
    p1_cos = [p1[r]["input_grad_cosine"] for r in ("rank0", "rank1")]
    wrong = max(abs(v - 1) for v in p1_values) > 0.05
    value_error = max(abs(v - 1) for v in p1_values)
    p1_param_cos = p1["rank0"]["param_grad_cosine"]
    listing = tables["iid"]["listing-style"]["rank0"]
    return Finding(
        verdict="confirmed" if exact and wrong else "refuted",
        effect=f"gloo, W=2, N_local={run['size']['n_local']}, K={run['size']['k']}, M={run['size']['m']}: R1- and "
        "P2-style values equal the global-batch statistic on both ranks and the DDP-averaged gradients equal the "
        f"single-process ones; P1-style on distinct local batches: value/global {fmt(p1_values[0])} and "
        f"{fmt(p1_values[1])} (= W × local exactly: value error up to {fmt(value_error)}), DDP-averaged "
        f"parameter-gradient cosine {fmt(p1_param_cos)} (what training uses); per-rank input-gradient cosine "
        f"{fmt(p1_cos[0])} and {fmt(p1_cos[1])}; a listing-style "
        f"in-place c10d all_reduce keeps the value but gives {fmt(listing['param_grad_norm_ratio'])}× the gradient",
        estimate=value_error,
        interval=None,
        interval_method="P1-style largest |value / global-batch statistic − 1| over the 2 ranks (deterministic gloo "
        "run); the DDP-averaged parameter-gradient cosine is in the effect, per-rank input-gradient cosines are detail",
        criterion="confirmed when R1- and P2-style match the single-process global statistic (|value ratio − 1| < "
        "1e-5, gradient cosine > 1 − 1e-5, DDP parameter-gradient norm ratio within 1e-4 of 1) and P1-style's "
        "value is off by more than 5 % on some rank",
        paper_vs_measured="docs/variants.md#peers (N_local=256, K=32, M=64, its own distinct batches): P1 value/ref "
        "0.157 and 3.77, gradient cosine 0.24",
        variant_behaviour={
            **{
                v: f"{style}: value/global "
                + " and ".join(fmt(tables["distinct"][style][r]["value_over_reference"], 6) for r in ("rank0", "rank1"))
                + f", DDP parameter-gradient cosine {fmt(tables['distinct'][style]['rank0']['param_grad_cosine'], 6)} "
                "(distinct local batches)"
                for v, style in (("R1", "R1-style"), ("P2", "P2-style"))
            },
            "P1": f"value/global {fmt(p1_values[0])} and {fmt(p1_values[1])}, per-rank input-gradient cosine "
            f"{fmt(p1_cos[0])} and {fmt(p1_cos[1])}, DDP parameter-gradient cosine "
            f"{fmt(p1['rank0']['param_grad_cosine'])}",
            "V3": f"listing-style in-place c10d all_reduce: value/global {fmt(listing['value_over_reference'], 6)}, "
            f"DDP parameter gradient {fmt(listing['param_grad_norm_ratio'])}× the true one",
        },
        measurements={
            "p1_value_error": value_error,
            "p1_ddp_param_grad_cosine": p1_param_cos,
            "p1_per_rank_input_grad_cosine": p1_cos,
            "tables": tables,
            "listing_probes": run["rank0"]["listing"],
        },
    )


@negative_control("D18")
def control(ctx: Context) -> dict:
    r1 = ddp_table(ctx.get("ddp"), "distinct")["R1-style"]
    error = max(abs(r1[r]["value_over_reference"] - 1) for r in ("rank0", "rank1"))
    return control_record(
        "the rule's 'off by more than 5 %' applied to R1-style", "confirmed" if error > 0.05 else "refuted", error
    )
