"""Negative controls of the audit's measured verdicts: each entry's rule re-run where the discrepancy is absent.

A measured `confirmed` is evidence only if the same rule says `refuted` on a variant or input without the
discrepancy (research practice: "the same judge where the claim is false"). Each function reads the run's
measurements (or recomputes a few seeded batches) and returns `control(what, verdict, estimate)`; the runner stores
it with the finding, and tests/test_claims_controls.py fails on a stored measured verdict whose control agrees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

import reference
from core.directions import unit_directions
from core.stats import mean_interval, tost_ratio

from . import battery
from ._common import control
from .discrepancies import BLIND_MARGIN, GRID_MARGIN, Context, _ddp_table


def _d1(ctx: Context) -> dict:
    # R1 on the same rank-1 batches, scaled by its own null mean: not equivalent to H0, so not blind.
    row = ctx.row("R1", "rank1")
    tost = tost_ratio(ctx.values("R1", "rank1"), row["null_mean"], BLIND_MARGIN)
    sees = row["detection_interval"][0] > 0.8
    return control(
        "the blindness rule applied to R1 (which projects) on the same rank-1 batches",
        "confirmed" if tost["equivalent"] and sees else "refuted",
        tost["ratio"],
    )


def _d2(ctx: Context) -> dict:
    # R1's scalar output backpropagates and its autograd all_reduce keeps the DDP gradient (ratio 1).
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(ctx.plan.seed), requires_grad=True)
    value = reference.get("R1").evaluate(x, torch.eye(4)[:, :3])
    value.backward()
    run = ctx.get("ddp")
    ratio = float(np.mean([run[f"rank{r}"]["probes"]["iid"]["R1-style"]["param_grad_norm_ratio"] for r in range(2)]))
    fails = x.grad is None
    return control(
        "the rule applied to R1 (scalar output, autograd-aware all_reduce)",
        "confirmed" if fails and abs(ratio - 1) > 1e-3 else "refuted",
        ratio,
    )


def _d5(ctx: Context) -> dict:
    # EP/N (no factor N, what R0 computed): its H0 mean falls like 1/N, far below the 0.5 the rule asks for.
    res = ctx.get("factor_n")
    low = {n: mean_interval(np.asarray(res[n]["h0"]) / n)[1] for n in res}
    return control(
        "the rule applied to EP/N (the statistic without the factor N)",
        "confirmed" if all(v > 0.5 for v in low.values()) else "refuted",
        max(low.values()),
    )


def _d6(ctx: Context) -> dict:
    # D̂ = EP/N, the proof's statistic: its per-sample gradient (R1's / N) against the same 4/N.
    res = ctx.get("gradient_bound")
    violated = all(
        np.min(np.asarray(res[law][n]["r1"]) / int(n)) > 4.0 / int(n) for law in res for n in res[law] if int(n) >= 128
    )
    law = next(iter(res))
    n = max(int(v) for v in res[law])
    return control(
        "the rule applied to EP/N (the statistic Theorem 4's proof bounds)",
        "confirmed" if violated else "refuted",
        float(np.max(np.asarray(res[law][n]["r1"]) / n) / (4.0 / n)),
    )


def _d7(ctx: Context) -> dict:
    res = ctx.get("bias")
    largest = max(int(n) for n in res)
    _, low, _ = mean_interval(np.asarray(res[largest]["h0"]) / largest)
    return control(
        "the rule applied to EP/N (Theorem 6's statistic), whose H0 bias is c/N",
        "confirmed" if low > 0.5 else "refuted",
        low,
    )


def _same_data_ratio(ctx: Context, law: str, top: str, bottom: str, scale: float = 1.0, seeds: int = 10):
    """Per-seed top/bottom (× scale) on fresh batches of `law` at the main size, same data and directions."""
    size = ctx.plan.main
    out = []
    for s in range(seeds):
        g = torch.Generator().manual_seed(ctx.plan.seed * 1000 + s)
        x = battery.sample(law, size.n, size.k, g)
        a = unit_directions(size.k, size.m, g)
        out.append(scale * float(reference.get(top).evaluate(x, a)) / float(reference.get(bottom).evaluate(x, a)))
    return mean_interval(out)


def _d8(ctx: Context) -> dict:
    est, low, high = _same_data_ratio(ctx, "wide", "R2", "R1")
    return control(
        "the rule applied to R2 vs R1 (the same published grid) on the wide law",
        "confirmed" if high < 1.0 - GRID_MARGIN or low > 1.0 + GRID_MARGIN else "refuted",
        est,
    )


def _d13(ctx: Context) -> dict:
    n = ctx.plan.main.n
    est, low, high = _same_data_ratio(ctx, "gaussian", "R1", "R2", scale=1.0 / n)
    return control(
        "the rule applied to R1 vs R2 (both with the factor N)",
        "confirmed" if 0.9 < low and high < 1.1 else "refuted",
        est,
    )


def _d18(ctx: Context) -> dict:
    r1 = _ddp_table(ctx.get("ddp"), "distinct")["R1-style"]
    error = max(abs(r1[r]["value_over_reference"] - 1) for r in ("rank0", "rank1"))
    return control("the rule's 'off by more than 5 %' applied to R1-style", "confirmed" if error > 0.05 else "refuted",
                   error)  # fmt: skip


def _d20(ctx: Context) -> dict:
    r1 = ctx.row("R1", "shift-P")
    return control(
        "the rule's 'misses the shift' applied to R1 (official grid, period 33.5)",
        "confirmed" if r1["detection_interval"][1] < 0.5 else "refuted",
        r1["detections"] / r1["n_seeds"],
    )


def _d22(ctx: Context) -> dict:
    r1 = _ddp_table(ctx.get("ddp"), "iid")["R1-style"]
    error = max(abs(r1[r]["value_over_reference"] - 1) for r in ("rank0", "rank1"))
    return control(
        "the rule applied to R1-style on equal local batches (what DistributedSampler gives)",
        "confirmed" if error > 0.01 else "refuted",
        error,
    )


CONTROLS: dict[str, Callable[[Context], dict]] = {
    "D1": _d1,
    "D2": _d2,
    "D5": _d5,
    "D6": _d6,
    "D7": _d7,
    "D8": _d8,
    "D13": _d13,
    "D18": _d18,
    "D20": _d20,
    "D22": _d22,
}


def attach(entry_id: str, ctx: Context, finding) -> None:
    """Store the control with a measured confirmed finding (a failing control is recorded as not-run)."""
    if finding.verdict != "confirmed" or "measured" not in finding.basis.split("+") or entry_id not in CONTROLS:
        return
    try:
        finding.control = CONTROLS[entry_id](ctx)
    except Exception as error:  # noqa: BLE001 - recorded, and the controls test then fails on it
        finding.control = control(f"control failed: {type(error).__name__}: {error}", "not-run")
