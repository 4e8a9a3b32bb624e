"""D23: dtype handling differs between implementations."""

from __future__ import annotations

from ..dtypes import classify
from ..registry import Context, Finding, discrepancy
from .shared import fmt

_ALL = ("V1", "V3", "R0", "R1", "R2", "P1", "P2", "P3")


@discrepancy(
    id="D23",
    title="dtype handling differs between implementations",
    statement="float64/bfloat16 inputs raise in the float32-direction variants and run in others; bf16 "
    "autocast returns bfloat16 in some and float32 in others.",
    variants=_ALL,
    locus="new (dtype table)",
    jobs=("dtypes",),
    new=True,
    paper_says="paper: silent on dtypes (Algorithm 1 casts nothing); README: train in bf16",
    code_does="R0, R1, R2 and P1 draw A in float32 and compute x@A with no cast, so float64/bfloat16 inputs "
    "raise outside autocast (so does the V3 listing); P2 draws A in the input's dtype and V1 never "
    "multiplies by A; under bf16 autocast the output dtype differs between them",
)
def conclude(ctx: Context) -> Finding:
    res = ctx.get("dtypes")
    summary: dict = {}
    for law, block in res.items():
        for vid, runs in block["variants"].items():
            summary.setdefault(vid, {})[law] = {
                mode: {
                    "class": classify(run),
                    "out_dtype": run.get("out_dtype"),
                    "rel_change_vs_fp32": run.get("rel_change_vs_fp32"),
                    "exception": run.get("exception"),
                }
                for mode, run in runs.items()
            }
    law0 = next(iter(res))
    behaviour = {vid: {mode: summary[vid][law0][mode]["class"] for mode in ("float64", "bfloat16")} for vid in summary}
    raise_fp64 = sorted(v for v, b in behaviour.items() if b["float64"] == "raises")
    run_fp64 = sorted(v for v in behaviour if v not in raise_fp64)
    bf16_out = sorted(v for v in summary if summary[v][law0]["autocast-bf16"]["out_dtype"] == "bfloat16")
    fp32_out = sorted(v for v in summary if v not in bf16_out)
    changes = [
        abs(summary[v][law]["autocast-bf16"]["rel_change_vs_fp32"] or 0.0)
        for v in summary
        for law in res
        if summary[v][law]["autocast-bf16"]["class"] != "raises"
    ]
    bf16_changes = [
        abs(summary[v][law]["bfloat16"]["rel_change_vs_fp32"] or 0.0)
        for v in run_fp64
        for law in res
        if summary[v][law]["bfloat16"]["class"] != "raises"
    ]
    differ = bool(raise_fp64) and bool(run_fp64)
    exc = res[law0]["variants"][raise_fp64[0]]["float64"] if raise_fp64 else {}

    def mode_text(vid: str, mode: str) -> str:
        runs = [summary[vid][law][mode] for law in res]
        if runs[0]["class"] == "raises":
            return f"{mode} raises {runs[0]['exception']}"
        change = max(abs(r["rel_change_vs_fp32"] or 0.0) for r in runs if r["class"] != "raises")
        return f"{mode} → {runs[0]['out_dtype']} (max |Δ| vs float32 {fmt(change, 2)})"

    behaviour = {vid: ", ".join(mode_text(vid, m) for m in ("float64", "bfloat16", "autocast-bf16")) for vid in summary}
    return Finding(
        verdict="confirmed" if differ else "refuted",
        effect=f"float64 and bfloat16 inputs raise in {', '.join(raise_fp64)} ({exc.get('exception')}: "
        f"{exc.get('message', '')[:60]}) but run in {', '.join(run_fp64)} (bf16 input changes their value by up to "
        f"{fmt(max(bf16_changes) if bf16_changes else None)}); under CPU bf16 autocast {', '.join(bf16_out)} return "
        f"bfloat16 and {', '.join(fp32_out)} float32, values moving by up to {fmt(max(changes) if changes else None)} "
        "relative to float32",
        estimate=max(changes) if changes else None,
        interval=(min(changes), max(changes)) if changes else None,
        basis="derived",
        interval_method="|relative change| of the value under bf16 autocast vs float32, range over variants and laws",
        criterion="confirmed when the same float64/bfloat16 input raises in some variants and runs in others "
        "(dtype handling is part of what differs between the published implementations)",
        variant_behaviour=behaviour,
        measurements={
            "by_variant": summary,
            "raise_on_fp64": raise_fp64,
            "run_on_fp64": run_fp64,
            "autocast_returns_bf16": bf16_out,
        },
    )
