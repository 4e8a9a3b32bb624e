"""C26-small-architectures, CPU analogue: does LeJEPA, with its hyperparameters unchanged, train each encoder
family to a useful representation on MNIST-5k?

Judged on the replication's E8 runs (an MLP and a small CNN, 3 seeds each, paired by seed): each trained encoder's
linear-probe accuracy minus that of the same encoder at random initialisation. The claim holds when, for every
architecture, the lower end of the 90 % interval of that gain is above the margin below, fixed before the runs; it
fails when for some architecture the upper end is below it. A tiny ViT is left out: one run costs more on 2 CPU
cores than the whole grid of this claim.
"""

from __future__ import annotations

import numpy as np

from core.stats import paired_difference

from ..registry import Control, Outcome, Tolerance, claim, combine_verdicts, verdict_from_interval
from ._analogue import ALPHA, DEFAULT_CELL, OFF_CELL, SCALE, experiment, judged, values

#: Points of linear-probe accuracy a trained encoder must gain over its random initialisation: a random MLP already
#: reaches ~87 % on MNIST-5k, so five points is most of what is left to gain (a collapsed λ = 0 run gains ~2).
MARGIN = 5.0
CONFIDENCE = 1 - 2 * ALPHA  # each gain's paired interval: its one-sided test at α


@claim(
    id="C26-small-architectures",
    version=2,
    paper="arXiv:2511.08544v3 §6.1, Fig. 9",
    tier="cpu-full",
    budget_s=10,
    statement=(
        "About 50 timm models under 20M parameters from 8 families reach 91.5%–95% frozen linear-probe top-1 on"
        " ImageNet-10"
    ),
    paper_numbers={"top1_range": [91.5, 95.0], "models": "~50"},
    discrepancies=(),
    scale=SCALE,
)
def check(rng: np.random.Generator) -> Outcome:
    def build() -> Outcome:
        e1, e8 = experiment("E1"), experiment("E8")
        encoders = [c.split("=", 1)[1] for c in e8["conditions"] if "random init" not in c]
        trained_runs = {enc: values(e8, f"mnist5k/encoder={enc}") for enc in encoders}
        untrained = {enc: values(e8, f"mnist5k/encoder={enc}, random init") for enc in encoders}
        gains = {enc: paired_difference(trained_runs[enc], untrained[enc], CONFIDENCE) for enc in encoders}
        verdicts = {enc: verdict_from_interval(g["low"], g["high"], above=MARGIN) for enc, g in gains.items()}
        weakest = min(gains, key=lambda e: gains[e]["difference"])
        off = paired_difference(values(e1, OFF_CELL), values(e1, "mnist5k/random-init encoder"), CONFIDENCE)
        trained = {enc: float(np.mean(v)) for enc, v in trained_runs.items()}
        return Outcome(
            combine_verdicts(list(verdicts.values())),
            estimate=gains[weakest]["difference"],
            interval=(gains[weakest]["low"], gains[weakest]["high"]),
            interval_method=f"paired t-interval over seeds, {CONFIDENCE:.0%}, weakest encoder ({weakest})",
            n=len(gains),
            tolerance=Tolerance(MARGIN, "points gained over the same encoder at random initialisation"),
            reason=f"gain of each trained encoder over its random init; weakest: {weakest}",
            detail={
                "scale": SCALE,
                "gains": gains,
                "verdicts": verdicts,
                "linear_probe_trained": trained,
                "default_run_linear_probe": float(np.mean(values(e1, DEFAULT_CELL))),
            },  # fmt: skip
            control=Control(
                "the same judge on the λ = 0 MLP (SIGReg off) against its random init",
                verdict_from_interval(off["low"], off["high"], above=MARGIN),
                off["difference"],
            ),  # fmt: skip
        )

    return judged(build)
