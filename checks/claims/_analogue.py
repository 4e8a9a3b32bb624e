"""Shared judge of the CPU analogues of the paper's training claims (C5, C23–C28).

The training runs are the replication's (`python -m repro replicate --tier cpu-full`, a section of `python -m
checks reproduce --tier cpu-full`); these checks read its experiment files (<results>/replication/E<n>_cpu.json)
and judge them, so a claim costs no training of its own and every grid cell trains once. Each claim module states
its margin before any run (a module constant with its reason); the runs are seeded 0, 1, 2 and paired by seed.

The paper trains ResNets and ViTs on ImageNet for hundreds of epochs; these analogues train a small MLP on
MNIST-5k to a plateau. A verdict here says whether the *direction and size* of the claim survive at that scale
(`scale: "cpu-analogue"` in the result), never that the paper's numbers do.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.results import results_root
from core.stats import equivalence

from ..registry import Control, Outcome, Tolerance, combine_verdicts, not_run

SCALE = "cpu-analogue"
TIER = "cpu-full"  # the replication tier whose runs these claims judge
DATASET = "mnist5k"
METRIC = "linear_probe"  # the paper's headline metric: frozen linear-probe top-1 (%)
DEFAULT_CELL = f"{DATASET}/corrected (R1)"  # λ = 0.05, V = 4, N = 128, M = 64, 17 knots on [0, 3]
#: The control every "changes nothing" judge runs: a change known to matter (SIGReg switched off).
OFF_CELL = f"{DATASET}/lambda=0"
#: Two points of linear-probe accuracy: below the gap the paper itself calls competitive (72.20 vs 74.72 at batch
#: 128 vs 512, Table 1b: 2.5 points), and above the seed-to-seed spread of a converged run here (about 1 point).
NO_CHANGE_MARGIN = 2.0
ALPHA = 0.05  # each one-sided test of the TOST pair: a 90 % t-interval over seeds decides


class Missing(Exception):
    """The replication runs a claim needs are not there (not run, or run at another tier)."""


def experiment(exp: str) -> dict:
    """The replication's E<n>_cpu.json from a cpu-full run under the current results tree, or raise Missing."""
    path = Path(results_root()) / "replication" / f"{exp}_cpu.json"
    try:
        data = json.loads(path.read_text())
    except OSError:
        raise Missing(f"no {path}: run `python -m checks reproduce --tier cpu-full` first") from None
    if data.get("status") != "done" or data.get("tier") != TIER:
        raise Missing(
            f"{path} is from tier {data.get('tier', '?')} ({data.get('status')}): these analogues judge the runs of"
            f" `python -m checks reproduce --tier cpu-full`"
        )
    return data


def values(exp_data: dict, condition: str, metric: str = METRIC) -> list[float]:
    """Per-seed values of `metric` under `condition` (seed order), or raise Missing."""
    try:
        vals = exp_data["conditions"][condition][metric]["values"]
    except (KeyError, TypeError):
        raise Missing(f"{exp_data.get('experiment')} has no {metric} values for {condition!r}") from None
    return [float(v) for v in vals]


def verdict_of(decision: str) -> str:
    return {"equivalent": "reproduced", "different": "not-reproduced", "undecided": "inconclusive"}[decision]


def no_change(cells: dict[str, tuple[list[float], list[float]]], control: tuple[list[float], list[float]],
              margin: float = NO_CHANGE_MARGIN, what: str = "") -> Outcome:  # fmt: skip
    """Judge "none of these changes moves accuracy by `margin` or more": a paired TOST per cell against its
    baseline; all equivalent → reproduced, any cell different → not-reproduced, else inconclusive. The estimate is
    the largest |mean difference| and the interval that cell's 90 % interval. The control runs the same judge on
    switching SIGReg off (λ = 0), where the claim is false."""
    tests = {name: equivalence(t, b, margin, ALPHA) for name, (t, b) in cells.items()}
    worst = max(tests, key=lambda n: abs(tests[n]["difference"]))
    verdict = combine_verdicts([verdict_of(t["decision"]) for t in tests.values()])
    off = equivalence(*control, margin, ALPHA)
    return Outcome(
        verdict,
        estimate=tests[worst]["difference"],
        interval=(tests[worst]["low"], tests[worst]["high"]),
        interval_method=f"paired t-interval over seeds, {1 - 2 * ALPHA:.0%} (TOST at α = {ALPHA}), cell {worst!r}",
        n=len(cells),
        tolerance=Tolerance(margin, f"points of linear-probe accuracy; {what or 'see the module'}"),
        reason=f"largest change: {worst} ({tests[worst]['decision']})",
        detail={"scale": SCALE, "cells": tests, "worst_cell": worst, "metric": METRIC},
        control=Control(
            "switching SIGReg off (λ = 0) against the default run", verdict_of(off["decision"]), off["difference"]
        ),  # fmt: skip
    )


def judged(build) -> Outcome:
    """`build()` or, when the runs are missing, a not-run outcome saying which run to do."""
    try:
        return build()
    except Missing as missing:
        return not_run(str(missing), scale=SCALE)


def no_change_against(
    exp: str, baseline: str, margin: float, what: str, arms: tuple[str, ...] | None = None
) -> Outcome:
    """`no_change` for every condition of experiment `exp` (or those starting with one of `arms`, after the dataset
    prefix) against its condition `baseline`, with the λ = 0 control from E1; not-run when the runs are missing."""

    def build() -> Outcome:
        e1, data = experiment("E1"), experiment(exp)
        base = values(data, baseline)
        chosen = [c for c in data["conditions"] if c != baseline]
        if arms is not None:
            chosen = [c for c in chosen if c.removeprefix(f"{DATASET}/").startswith(arms)]
        cells = {c: (values(data, c), base) for c in chosen}
        return no_change(cells, (values(e1, OFF_CELL), values(e1, DEFAULT_CELL)), margin, what)

    return judged(build)
