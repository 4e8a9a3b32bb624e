"""D1: V1 is blind to collapse with N(0,1) marginals."""

from __future__ import annotations

import numpy as np
import torch
from scipy import stats

import reference
from core.stats import mean_interval, tost_ratio
from reference import oracle

from ...report.format import fmt_interval
from .. import battery
from ..registry import Context, Finding, control_record, discrepancy, negative_control
from .shared import fmt, pair, seen

COLLAPSE_LAWS = ("rank1", f"rank{battery.RANK_R}-unit", "equicorr-0.5", "equicorr-0.2", "sign-flip", "x-law")
# D1's equivalence margin: V1 "scores a collapse like H0" if its mean is within ±25 % of the exact H0 mean of its
# grid (R1 scores rank-1 collapse at ~80x its null mean); TOST at 5 % on BLIND_BATCHES fresh rank-1 batches.
BLIND_MARGIN = 0.25
BLIND_BATCHES = 400


def v1_rank1_values(size: dict, seed: int, batches: int = BLIND_BATCHES) -> np.ndarray:
    """V1's value (mean of its per-coordinate vector) on fresh rank-1 batches at the main size."""
    g = torch.Generator().manual_seed(seed)
    v1 = reference.get("V1")
    return np.array(
        [float(v1.evaluate(battery.sample("rank1", size["n"], size["k"], g), None).mean()) for _ in range(batches)]
    )


@discrepancy(
    id="D1",
    title="V1 is blind to collapse with N(0,1) marginals",
    statement="The first listing (V1: as lejepa#2 describes it; its text was not read here) never applies the "
    "projection: on raw coordinates it cannot see dimensional collapse whose marginals stay N(0,1) (rank-1, "
    "equicorrelated), and conversely flags a unit-variance uniform product that sliced variants do not see "
    "at large K.",
    variants=("V1", "R1"),
    locus="docs/discrepancies.md#d1; galilai-group/lejepa#2",
    detection_variants=("V1", "R1"),
    detection_laws=(*COLLAPSE_LAWS, "uniform", "gaussian"),
    paper_says="Algorithm 1 before v3 (V1), known only second-hand: galilai-group/lejepa#2 (13 Nov 2025, "
    "acknowledged by the author on 14 Nov) says x is never projected by A and A is unused, and "
    "transcriptions agree that the ECF argument is built from the unprojected x, so EP runs on the K "
    "coordinates; the v1 and v2 listing texts were not read here (v2 is presumed to match v1 from its date, "
    "before #2, and its file size, not from its text); §4.1–4.2 (Cramér–Wold, Def. 2) promise a test of "
    "the joint law through 1-D projections x@A; the v3 listing (read) applies x@A",
    code_does="R0, R1 (SlicingUnivariateTest), R2 (MINIMAL.md), P1 and P2 all project x@A on unit directions "
    "before EP, so rank-1 and equicorrelated collapse are seen; none tests the raw coordinates",
)
def conclude(ctx: Context) -> Finding:
    sliced = [v for v in ("R1", "V3", "R0", "R2", "P1", "P2", "P3") if v in ctx.main()["raw"]]
    table = {law: {v: pair(ctx, v, law) for v in ["V1", *sliced]} for law in (*COLLAPSE_LAWS, "uniform", "gaussian")}
    v1, r1 = table["rank1"]["V1"], table["rank1"]["R1"]
    e1, e2 = table["equicorr-0.5"]["V1"], table["equicorr-0.5"]["R1"]
    # Blind = V1 scores the collapsed input like H0 data: on rank-1 its K coordinates are one N(0,1) column, so
    # its value has exactly the single-column H0 law (mean = the paper grid's null mean). Shown as equivalence,
    # not as absence of evidence: TOST on BLIND_BATCHES fresh rank-1 batches, margin ±BLIND_MARGIN of that mean.
    # Its few "detections" come from variance, not from a shift: its own null averages K independent columns
    # (sd ≈ 0.96/√K), a rank-1 input does not (sd ≈ 0.96).
    null_mean = oracle.grid_null_mean(*oracle.PAPER_GRID)
    blind_intervals = {law: mean_interval(ctx.values("V1", law), 0.99) for law in ("rank1", "equicorr-0.5")}
    size = ctx.main()["size"]
    equivalence = tost_ratio(v1_rank1_values(size, ctx.plan.seed), null_mean, BLIND_MARGIN)
    blind = equivalence["equivalent"]
    sees = r1["detection_interval"][0] > 0.8 and e2["detection_interval"][0] > 0.8
    g = torch.Generator().manual_seed(ctx.plan.seed)
    column_spread = float(reference.get("V1").evaluate(battery.sample("rank1", 64, 8, g), None).std())
    # The detection rate that variance alone produces: P(one H0 column's statistic > V1's own null q99),
    # from the paper grid's limiting null law (Imhof; docs/oracle.md#o5).
    q99 = ctx.row("V1", "rank1")["null_q99"]
    expected_rate = float(oracle.null_sf(q99, oracle.grid_null_eigenvalues(*oracle.PAPER_GRID)))
    variance_only = float(stats.binomtest(v1["detections"], v1["seeds"], expected_rate).pvalue)
    uni_v1, uni_r1 = table["uniform"]["V1"], table["uniform"]["R1"]
    effect = (
        f"rank-1 at N={size['n']}, K={size['k']}: V1 {fmt(v1['mean'])} (own null {fmt(v1['own_null_mean'])}, exact "
        f"H0 mean {null_mean:.4f}; its {size['k']} entries are one column's statistic, spread {column_spread:.1g}; "
        f"detected {v1['detections']}/{v1['seeds']}, the rate one H0 column would give against its null q99: "
        f"{expected_rate:.0%}; on {equivalence['n']} fresh rank-1 batches its mean is "
        f"{fmt_interval(equivalence['ratio'], equivalence['interval'], style='g')}× the H0 mean, TOST p = "
        f"{equivalence['p_value']:.2g} for ±{BLIND_MARGIN:.0%}) vs R1 {fmt(r1['mean'])} "
        f"({r1['detections']}/{r1['seeds']}); equicorrelated ρ=0.5: V1 {fmt(e1['mean'])} "
        f"({e1['detections']}/{e1['seeds']}) vs R1 {fmt(e2['mean'])} ({e2['detections']}/{e2['seeds']}); "
        f"unit-variance uniform: V1 {fmt(uni_v1['mean'])} ({uni_v1['detections']}/{uni_v1['seeds']}) vs R1 "
        f"{fmt(uni_r1['mean'])} ({uni_r1['detections']}/{uni_r1['seeds']})"
    )
    est, (low, high) = equivalence["ratio"], equivalence["interval"]
    behaviour = {
        v: f"rank-1 {seen(table['rank1'][v], ' detected')}, equicorr ρ=0.5 {seen(table['equicorr-0.5'][v])}, "
        f"uniform {seen(table['uniform'][v])}, N(0, I) {seen(table['gaussian'][v])}"
        for v in ("V1", "R1")
    }
    return Finding(
        verdict="confirmed" if blind and sees else "refuted",
        effect=effect,
        estimate=est,
        interval=(low, high),
        interval_method=f"V1's mean on {BLIND_BATCHES} fresh rank-1 batches / exact H0 mean of its grid (1 = scored "
        "like H0), Student t 90 % (the TOST interval)",
        criterion=f"confirmed when V1's mean on rank-1 collapse is equivalent to the exact H0 mean of its grid (TOST "
        f"at 5 %, margin ±{BLIND_MARGIN:.0%}, {BLIND_BATCHES} batches) while R1 detects rank-1 and equicorrelated "
        "ρ=0.5 (Clopper–Pearson lower bound > 0.8 at α = 0.01, own Monte Carlo null, same data and directions)",
        paper_vs_measured="docs/discrepancies.md#d1 (N=512, K=64): V1 ≈0.98 on rank-1 (H0 mean ≈1.03, 20 % "
        "detected) vs R1 ≈85.7 (100 %); equicorrelated: V1 ≈0.98 (5 %) vs R1 ≈18 (100 %); uniform: V1 ≈9.4, no "
        "sliced variant sees it",
        variant_behaviour=behaviour,
        measurements={
            "size": size,
            "laws": table,
            "v1_rank1_equivalence": equivalence,
            "v1_mean_99ci": {law: list(ci) for law, ci in blind_intervals.items()},
            "exact_null_mean_paper_grid": null_mean,
            "v1_rank1_coordinates_spread": column_spread,
            "v1_rank1_detection_rate_expected_from_variance": expected_rate,
            "v1_rank1_detections_binomial_p_vs_expected": variance_only,
            "converse_uniform_seen_only_by_V1": bool(
                uni_v1["detection_interval"][0] > 0.8 and uni_r1["detection_interval"][1] < 0.5
            ),
        },
    )


@negative_control("D1")
def control(ctx: Context) -> dict:
    # R1 on the same rank-1 batches, scaled by its own null mean: not equivalent to H0, so not blind.
    row = ctx.row("R1", "rank1")
    tost = tost_ratio(ctx.values("R1", "rank1"), row["null_mean"], BLIND_MARGIN)
    sees = row["detection_interval"][0] > 0.8
    return control_record(
        "the blindness rule applied to R1 (which projects) on the same rank-1 batches",
        "confirmed" if tost["equivalent"] and sees else "refuted",
        tost["ratio"],
    )
