"""The discrepancy registry: D1–D19 of docs/discrepancies.md, the new ones this audit found (D20–D23) and
paper-text defects (D24–D29).

Each entry states the discrepancy, names the variants and sources involved, says which measurements it
needs (the shared detection table, the gloo run, the dtype table, or its own probe) and how those
measurements become a verdict (`conclude`). The criterion is recorded with the verdict, so a reader can
recompute it from the numbers in the entry's JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from scipy import stats

import reference
from core.stats import loglog_slope, mean_interval, tost_ratio
from core.streams import np_rng
from reference import oracle

from . import battery, ddp
from ._common import ALPHA, Finding, not_run
from .dtypes import classify
from .plan import Plan


class Missing(RuntimeError):
    """A measurement an entry needs did not run or failed (the entry becomes not-run with this reason)."""


@dataclass
class Context:
    """Everything measured in one run, as the entries read it."""

    plan: Plan
    detection: dict | None = None  # {"main": {"size", "raw", "oracle", "rows"}, "sweeps": [...]}
    results: dict = field(default_factory=dict)  # job name -> result, or the exception it raised

    def get(self, name: str):
        if name not in self.results:
            raise Missing(f"measurement {name!r} was not run")
        value = self.results[name]
        if isinstance(value, BaseException):
            raise Missing(f"measurement {name!r} failed: {type(value).__name__}: {value}")
        return value

    def main(self) -> dict:
        if self.detection is None:
            raise Missing("the detection table was not run")
        return self.detection["main"]

    def row(self, variant: str, law: str) -> dict:
        for row in self.main()["rows"]:
            if row["variant"] == variant and row["law"] == law:
                return row
        raise Missing(f"no detection row for {variant} on {law}")

    def values(self, variant: str, law: str) -> np.ndarray:
        raw = self.main()["raw"]
        if variant not in raw or law not in raw[variant]["laws"]:
            raise Missing(f"no values for {variant} on {law}")
        return np.asarray([r["value"] if r["value"] is not None else np.nan for r in raw[variant]["laws"][law]])


@dataclass(frozen=True)
class Discrepancy:
    id: str
    title: str
    statement: str
    variants: tuple[str, ...]
    locus: str  # where the discrepancy is stated (docs/discrepancies.md, paper section, source file)
    conclude: Callable[[Context], Finding]
    jobs: tuple[str, ...] = ()  # named probes (runner.JOBS) this entry reads
    detection_variants: tuple[str, ...] = ()
    detection_laws: tuple[str, ...] = ()
    new: bool = False
    # Static text: what the paper (or, for code-only entries, the README or the code's own docs) states, and what
    # the official code (R0/R1/R2) and the packages (P1/P2) do. The measured numbers go into Finding.
    paper_says: str = field(kw_only=True)
    code_does: str = field(kw_only=True)

    def __post_init__(self) -> None:
        if not self.paper_says.strip() or not self.code_does.strip():
            raise ValueError(f"{self.id}: paper_says and code_does must be non-empty")

    @property
    def reproducer(self) -> str:
        return f"python -m checks audit {self.id}"

    def sources(self) -> dict:
        return {v: reference.get(v).source.as_dict() for v in self.variants if v in reference.REGISTRY}


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}g}"


def fmt_ci(est, low, high, digits: int = 3) -> str:
    return f"{fmt(est, digits)} [{fmt(low, digits)}, {fmt(high, digits)}]"


def _det(row: dict) -> str:
    return f"{row['detections']}/{row['n_seeds']}"


def _pair(ctx: Context, variant: str, law: str) -> dict:
    row = ctx.row(variant, law)
    return {
        "mean": row["mean"],
        "interval": row["interval"],
        "own_null_mean": row["null_mean"],
        "ratio_to_own_null": row["ratio_to_own_null"],
        "detections": row["detections"],
        "seeds": row["n_seeds"],
        "detection_interval": row["detection_interval"],
    }


def _seen(p: dict, label: str = "") -> str:
    """A `_pair` record as `mean (detected/seeds)`."""
    return f"{fmt(p['mean'])} ({p['detections']}/{p['seeds']}{label})"


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


# -- D1 ------------------------------------------------------------------------------------------------------


def conclude_d1(ctx: Context) -> Finding:
    sliced = [v for v in ("R1", "V3", "R0", "R2", "P1", "P2", "P3") if v in ctx.main()["raw"]]
    table = {law: {v: _pair(ctx, v, law) for v in ["V1", *sliced]} for law in (*COLLAPSE_LAWS, "uniform", "gaussian")}
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
        f"{fmt_ci(equivalence['ratio'], *equivalence['interval'])}× the H0 mean, TOST p = "
        f"{equivalence['p_value']:.2g} for ±{BLIND_MARGIN:.0%}) vs R1 {fmt(r1['mean'])} "
        f"({r1['detections']}/{r1['seeds']}); equicorrelated ρ=0.5: V1 {fmt(e1['mean'])} "
        f"({e1['detections']}/{e1['seeds']}) vs R1 {fmt(e2['mean'])} ({e2['detections']}/{e2['seeds']}); "
        f"unit-variance uniform: V1 {fmt(uni_v1['mean'])} ({uni_v1['detections']}/{uni_v1['seeds']}) vs R1 "
        f"{fmt(uni_r1['mean'])} ({uni_r1['detections']}/{uni_r1['seeds']})"
    )
    est, (low, high) = equivalence["ratio"], equivalence["interval"]
    behaviour = {
        v: f"rank-1 {_seen(table['rank1'][v], ' detected')}, equicorr ρ=0.5 {_seen(table['equicorr-0.5'][v])}, "
        f"uniform {_seen(table['uniform'][v])}, N(0, I) {_seen(table['gaussian'][v])}"
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


# -- D2, D4 -----------------------------------------------------------------------------------------------


def _vector_backward() -> dict:
    x = torch.randn(32, 4, generator=torch.Generator().manual_seed(0), requires_grad=True)
    a = torch.eye(4)[:, :3]  # K = 4 coordinates, M = 3 unit directions: the two vectors differ in length
    out = {}
    for vid in ("V1", "V3"):
        value = reference.get(vid).evaluate(x, a)
        try:
            value.backward()
            out[vid] = {"shape": list(value.shape), "backward": "ok"}
        except RuntimeError as error:
            out[vid] = {"shape": list(value.shape), "backward": f"RuntimeError: {error}"}
    return out


def conclude_d2(ctx: Context) -> Finding:
    backward = _vector_backward()
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


def conclude_d4(ctx: Context) -> Finding:
    size = ctx.plan.dtype_size
    g = torch.Generator().manual_seed(ctx.plan.seed)
    x = torch.randn(size.n, size.k, generator=g)
    a = torch.randn(size.k, size.m, generator=g)
    a = a / a.norm(dim=0)
    shapes = {vid: list(reference.get(vid).evaluate(x, a).shape) for vid in reference.REGISTRY}
    v3 = reference.get("V3").evaluate(x, a)
    ratio = float(v3.sum() / v3.mean())
    backward = _vector_backward()
    vector = shapes["V1"] == [size.k] and shapes["V3"] == [size.m]
    return Finding(
        verdict="confirmed" if vector else "refuted",
        effect=f"V1 returns {shapes['V1']} and V3 {shapes['V3']} (K={size.k}, M={size.m}); every other variant a "
        f"scalar (mean over directions); a caller who sums instead of averaging scales SIGReg by M = {fmt(ratio, 6)}",
        estimate=ratio,
        interval=None,
        basis="derived",
        interval_method="exact: sum / mean of V3's vector",
        criterion="confirmed when the listings return one value per coordinate/direction (no mean)",
        variant_behaviour={
            "V1": f"returns {shapes['V1']} (one value per coordinate, K={size.k}); `.backward()`: "
            f"{backward['V1']['backward'].split(':')[0]}",
            "V3": f"returns {shapes['V3']} (one value per direction, M={size.m}); sum/mean = {fmt(ratio, 6)}; "
            f"`.backward()`: {backward['V3']['backward'].split(':')[0]}",
        },
        measurements={"shapes": shapes, "backward": backward},
    )


# -- D3 -----------------------------------------------------------------------------------------------------


def conclude_d3(ctx: Context) -> Finding:
    w = ctx.get("window")
    code, text = np.asarray(w["code"]), np.asarray(w["text"])
    est, low, high = mean_interval(text / code)
    code_side = abs(w["v1"] / w["grid"] - 1) < 1e-5
    exact_text_mean = math.sqrt(math.pi) * (1 - 1 / math.sqrt(2))
    n = ctx.plan.d3[0]
    return Finding(
        verdict="confirmed" if code_side else "refuted",
        effect=f"the listing's window is exp(−t²/2) (V1 equals the exact paper-grid statistic with that window to "
        f"{abs(w['v1'] / w['grid'] - 1):.1e}); the text's exp(−t²) gives a different statistic: H0 mean "
        f"{fmt(float(text.mean()))} vs {fmt(float(code.mean()))} (exact {exact_text_mean:.4f} vs "
        f"{oracle.NULL_MEAN:.4f}), uniform {fmt(float(np.mean(w['text_uniform'])))} vs "
        f"{fmt(float(np.mean(w['code_uniform'])))} at N={n}",
        estimate=est,
        interval=(low, high),
        interval_method=f"mean over {len(code)} H0 samples (N={n}) of T_text/T_code, Student t 95 %",
        basis="derived",
        criterion="confirmed when the code side uses exp(−t²/2) (V1 = paper-grid statistic with that window to "
        "1e-5); the text's exp(−t²/σ²), σ=1, is cited from docs/oracle.md#window (App. B.12, §4.2.3)",
        paper_vs_measured="text: w(t)=exp(−t²/σ²), σ=1; code: exp(−t²/2) (exact H0 means, ours, not the paper's: "
        "0.519 vs 1.059)",
        variant_behaviour={
            "V1": f"window exp(−t²/2): equals the exact paper-grid statistic with that window to "
            f"{abs(w['v1'] / w['grid'] - 1):.1e}; H0 mean {fmt(float(code.mean()))} vs {fmt(float(text.mean()))} "
            f"with the text's exp(−t²) (N={n})"
        },
        measurements={
            "v1_single_column": w["v1"],
            "paper_grid_exact": w["grid"],
            "h0_mean_code": float(code.mean()),
            "h0_mean_text": float(text.mean()),
            "exact_h0_mean_code": oracle.NULL_MEAN,
            "exact_h0_mean_text": exact_text_mean,
        },
    )


# -- D5, D6, D7 ---------------------------------------------------------------------------------------------


def conclude_d5(ctx: Context) -> Finding:
    res = ctx.get("factor_n")
    ns = sorted(res)
    # Slopes over all but the smallest N: E[EP] = N·D + O(1), so at N = 16 the O(1) term still bends the
    # log-log line (rank-1 at K = 8: 0.155·N + 0.77), and the claim is about growth at realistic batch sizes.
    fit = ns[1:]
    rng = np_rng(ctx.plan.seed, "D5-bootstrap")
    h0 = {n: mean_interval(res[n]["h0"]) for n in ns}
    value_slope = loglog_slope(fit, {n: res[n]["rank1"] for n in fit}, rng, summary=np.mean, reps=1000).as_tuple()
    h0_slope = loglog_slope(fit, {n: res[n]["h0"] for n in fit}, rng, summary=np.mean, reps=1000).as_tuple()
    ratio = {n: np.asarray(res[n]["grad_sigreg"]) / np.asarray(res[n]["grad_pred"]) for n in ns}
    grad_slope = loglog_slope(fit, ratio, rng, summary=np.mean, reps=1000).as_tuple()
    sig_slope = loglog_slope(fit, {n: res[n]["grad_sigreg"] for n in fit}, rng, summary=np.mean, reps=1000).as_tuple()
    pred_slope = loglog_slope(fit, {n: res[n]["grad_pred"] for n in fit}, rng, summary=np.mean, reps=1000).as_tuple()
    confirmed = all(h0[n][1] > 0.5 for n in ns) and value_slope[1] > 0.8 and grad_slope[1] > 0.8
    k, m = ctx.plan.d5[1], ctx.plan.d5[2]
    effect = (
        f"R1 under H0 (K={k}, M={m}): {', '.join(f'N={n}: {fmt(h0[n][0])}' for n in ns)} (not 0); rank-1 value "
        f"∝ N^{fmt(value_slope[0])}; parameter gradient of SIGReg ∝ N^{fmt(sig_slope[0])} while the prediction "
        f"term's ∝ N^{fmt(pred_slope[0])}, so their ratio (the effective λ) ∝ N^{fmt(grad_slope[0])}"
    )
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=effect,
        estimate=grad_slope[0],
        interval=(grad_slope[1], grad_slope[2]),
        interval_method="log-log slope of ‖∇_W SIGReg‖/‖∇_W pred‖ on N (linear encoder, anisotropic output) "
        f"over N ∈ {{{', '.join(map(str, fit))}}}, percentile bootstrap over {ctx.plan.d5[3]} replicates per N",
        criterion="confirmed when every H0 mean has a 95 % lower bound > 0.5 and the slopes of the rank-1 value and "
        "of the gradient ratio on N have bootstrap lower bounds > 0.8 (∝ N)",
        paper_vs_measured="the paper does not discuss the factor N; its loss (1−λ)·pred + λ·SIGReg implies a fixed "
        f"balance, but the measured balance grows as N^{fmt(grad_slope[0])}",
        variant_behaviour={
            "R1": f"H0 mean {', '.join(f'{fmt(h0[n][0])} (N={n})' for n in ns)}; rank-1 value ∝ "
            f"N^{fmt(value_slope[0])}; ‖∇SIGReg‖/‖∇pred‖ ∝ N^{fmt(grad_slope[0])} "
            f"[{fmt(grad_slope[1])}, {fmt(grad_slope[2])}]"
        },
        measurements={
            "ns": ns,
            "h0_mean": {n: list(h0[n]) for n in ns},
            "h0_slope": list(h0_slope),
            "slope_ns": fit,
            "rank1_value_slope": list(value_slope),
            "grad_sigreg_slope": list(sig_slope),
            "grad_pred_slope": list(pred_slope),
            "grad_ratio_slope": list(grad_slope),
            "grad_ratio_mean": {n: float(ratio[n].mean()) for n in ns},
        },
    )


# The exact sup of |∂T/∂y_n| over all data for the official grid at N = 1024 (docs/oracle.md#o4): the
# bound any R1 gradient must respect (the exact statistic's sup is oracle.ep_grad_sup(N)).
OFFICIAL_GRID_GRAD_SUP = 4.5661


def conclude_d6(ctx: Context) -> Finding:
    res = ctx.get("gradient_bound")
    laws = list(res)
    ns = sorted(int(n) for n in res[laws[0]])
    bound = oracle.theorem4_gradient_bound  # 4σ²/N with the σ² = 2 of the window e^{−t²/2}, as in C15
    table = {}
    violated, within = True, True
    for law in laws:
        table[law] = {}
        for n in ns:
            r1, exact = np.asarray(res[law][n]["r1"]), np.asarray(res[law][n]["exact"])
            table[law][n] = {
                "r1_max": float(r1.max()),
                "exact_max": float(exact.max()),
                "r1_mean_of_max": float(r1.mean()),
                "paper_bound": bound(n),
                "exact_sup": oracle.ep_grad_sup(n),
            }
            if n >= 128 and r1.min() <= bound(n):
                violated = False
            if exact.max() > oracle.ep_grad_sup(n) * (1 + 1e-9) or r1.max() > OFFICIAL_GRID_GRAD_SUP:
                within = False
    n_ref = 256 if 256 in ns else ns[len(ns) // 2]
    ratios = {law: np.asarray(res[law][n_ref]["r1"]) / bound(n_ref) for law in laws}
    weakest = min(laws, key=lambda law: ratios[law].mean())
    slopes = {
        law: list(
            loglog_slope(
                ns, {n: res[law][n]["r1"] for n in ns}, np_rng(ctx.plan.seed, "D6", law), summary=np.mean, reps=1000
            ).as_tuple()
        )
        for law in laws
    }
    effect = (
        f"max|∂EP/∂y_n| of R1 at N={n_ref}: "
        + ", ".join(f"{law} {fmt(table[law][n_ref]['r1_max'])}" for law in laws)
        + f" vs the paper's 4σ²/N = {fmt(bound(n_ref))} (σ² = {oracle.WINDOW_SIGMA2:g}); it does not fall like 1/N "
        "(log-log slopes "
        + ", ".join(f"{law} {fmt(slopes[law][0], 2)}" for law in laws)
        + f") and stays below the N-independent sup {fmt(oracle.ep_grad_sup(max(ns)), 4)}"
    )
    return Finding(
        verdict="confirmed" if violated and within else "refuted",
        effect=effect,
        estimate=float(ratios[weakest].mean()),
        interval=(float(ratios[weakest].min()), float(ratios[weakest].max())),
        interval_method=f"max|∂EP/∂y_n| / (4σ²/N) at N={n_ref} for the law closest to the bound ({weakest}); "
        f"mean and range over {ctx.plan.d6[1]} samples",
        criterion="confirmed when, for every law and every N >= 128, every sample's max|∂EP/∂y_n| exceeds 4σ²/N = "
        f"{4 * oracle.WINDOW_SIGMA2:g}/N (σ² = {oracle.WINDOW_SIGMA2:g}, the σ the implemented window e^{{−t²/2}} "
        "implies; the paper's bound fails) while the exact gradient stays below the exact sup "
        f"√(2π)e^{{−1/2}}(3 − 2/N) and R1's below the official grid's sup {OFFICIAL_GRID_GRAD_SUP} "
        "(docs/oracle.md#o4)",
        paper_vs_measured=f"Theorem 4: |∂EP/∂z_i| ≤ 4σ²/N ({fmt(bound(n_ref))} at N={n_ref}, σ² = "
        f"{oracle.WINDOW_SIGMA2:g}); measured up to "
        f"{fmt(max(table[law][n_ref]['r1_max'] for law in laws))} at N={n_ref}; with the factor N the bound is "
        "N-independent (exact sup → 4.561)",
        variant_behaviour={
            "R1": f"max|∂EP/∂y_n| at N={n_ref}: "
            + ", ".join(f"{law} {fmt(table[law][n_ref]['r1_max'])}" for law in laws)
            + f" (4σ²/N = {fmt(bound(n_ref))}); log-log slope on N "
            + ", ".join(f"{law} {fmt(slopes[law][0], 2)}" for law in laws)
        },
        measurements={"table": table, "loglog_slopes": slopes},
    )


def conclude_d7(ctx: Context) -> Finding:
    res = ctx.get("bias")
    ns = sorted(int(n) for n in res)
    knots, weights = oracle.OFFICIAL_GRID
    null_mean = oracle.grid_null_mean(knots, weights)
    mu = 0.5
    d_grid = oracle.grid_expectation(knots, weights, 3, mu) - oracle.grid_expectation(knots, weights, 2, mu)
    h0 = {n: mean_interval(res[n]["h0"]) for n in ns}
    alt = {}
    for n in ns:
        mean, low, high = mean_interval(res[n]["alt"])
        alt[n] = {
            "mean": mean,
            "interval": [low, high],
            "exact": oracle.grid_expectation(knots, weights, n, mu),
            "n_times_d": n * d_grid,
            "relative_bias_exact": (oracle.grid_expectation(knots, weights, n, mu) - n * d_grid) / (n * d_grid),
        }
    slope = loglog_slope(
        ns, {n: res[n]["h0"] for n in ns}, np_rng(ctx.plan.seed, "D7"), summary=np.mean, reps=1000
    ).as_tuple()
    largest = ns[-1]
    confirmed = h0[largest][1] > 0.5 and slope[2] > -0.5
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=f"bias E[EP] − N·D under H0 (D = 0): {', '.join(f'N={n}: {fmt(h0[n][0])}' for n in ns)} "
        f"(exact {null_mean:.4f} on R1's grid, every N): O(1), log-log slope {fmt(slope[0], 2)} "
        f"[{fmt(slope[1], 2)}, {fmt(slope[2], 2)}] (O(1/N) would be −1); relative bias under N(0.5, 1) is "
        + ", ".join(f"{alt[n]['relative_bias_exact']:.2g}" for n in ns)
        + " (∝ 1/N)",
        estimate=h0[largest][0],
        interval=(h0[largest][1], h0[largest][2]),
        interval_method=f"R1's univariate statistic under H0 at N={largest}, mean of {ctx.plan.d7[1]} samples, "
        "Student t 95 %",
        criterion="confirmed when the H0 mean at the largest N has a 95 % lower bound > 0.5 and the log-log slope's "
        "bootstrap upper bound is > −0.5 (not decaying like 1/N)",
        paper_vs_measured=f"Theorem 6: minibatch bias O(1/N); measured absolute bias ≈ {fmt(h0[largest][0])} at "
        f"N={largest} as at N={ns[0]} ({fmt(h0[ns[0]][0])}); only the relative bias is O(1/N)",
        variant_behaviour={
            "R1": f"H0 bias {', '.join(f'{fmt(h0[n][0])} (N={n})' for n in ns)}, exact {null_mean:.4f}; log-log slope "
            f"{fmt(slope[0], 2)} [{fmt(slope[1], 2)}, {fmt(slope[2], 2)}]; relative bias under N(0.5, 1) "
            + ", ".join(f"{alt[n]['relative_bias_exact']:.2g}" for n in ns)
        },
        measurements={
            "h0": {n: list(h0[n]) for n in ns},
            "h0_slope": list(slope),
            "alternative_mu_0.5": alt,
            "exact_null_mean_official_grid": null_mean,
        },
    )


# -- D8, D9 -------------------------------------------------------------------------------------------------


# D8: how far apart the grids must be to count as different (the mutation matrix found that R1 moved onto the paper
# grid still "differed" from V3 by float32 rounding when the rule only asked the interval to exclude 1).
GRID_MARGIN = 0.01


def conclude_d8(ctx: Context) -> Finding:
    laws = ("gaussian", "wide", "t3", "shift-1")
    ratios = {}
    for law in laws:
        est, low, high = mean_interval(ctx.values("V3", law) / ctx.values("R1", law))
        ratios[law] = [est, low, high]
    exact = {
        "paper": oracle.grid_null_mean(*oracle.PAPER_GRID),
        "official": oracle.grid_null_mean(*oracle.OFFICIAL_GRID),
    }
    wide = ratios["wide"]
    return Finding(
        verdict="confirmed" if wide[2] < 1.0 - GRID_MARGIN or wide[1] > 1.0 + GRID_MARGIN else "refuted",
        effect="V3 ([−5,5]×17 trapezoid) / R1 ([0,3]×17 folded) on the same data and directions: "
        + ", ".join(f"{law} {fmt_ci(*ratios[law])}" for law in laws)
        + f"; exact H0 means {exact['paper']:.6f} vs {exact['official']:.6f} (ratio "
        f"{exact['paper'] / exact['official']:.5f}); periods 2π/h = {oracle.wrap_period(oracle.PAPER_GRID[0]):.2f} "
        f"vs {oracle.wrap_period(oracle.OFFICIAL_GRID[0]):.2f}",
        estimate=wide[0],
        interval=(wide[1], wide[2]),
        interval_method="V3/R1 on N(0, 10²·I), mean over seeds, Student t 95 %",
        basis="measured+cited",
        criterion="confirmed when the two published grids give measurably different values on the same input "
        f"(the 95 % interval of V3/R1 on the wide law lies outside 1 ± {GRID_MARGIN:.0%}: float32 rounding alone "
        "separates two implementations of one grid by ~1e-7, which an interval excluding exactly 1 would count); "
        "the text's claim that the code uses the integrand's symmetry is cited from docs/discrepancies.md#d8",
        paper_vs_measured="text: the code folds the integrand by symmetry; listing: trapezoid over all of [−5, 5] "
        "(no folding), repository: [0, 3] folded",
        variant_behaviour={
            "V3": "[−5,5]×17 trapezoid: V3/R1 "
            + ", ".join(f"{law} {fmt_ci(*ratios[law])}" for law in laws)
            + f"; exact H0 mean {exact['paper']:.6f}; period {oracle.wrap_period(oracle.PAPER_GRID[0]):.2f}",
            "R1": f"[0,3]×17 folded: exact H0 mean {exact['official']:.6f}; period "
            f"{oracle.wrap_period(oracle.OFFICIAL_GRID[0]):.2f}",
        },
        measurements={"ratio_v3_over_r1": ratios, "exact_null_means": exact},
    )


def conclude_d9(ctx: Context) -> Finding:
    size = ctx.plan.main
    g = torch.Generator().manual_seed(ctx.plan.seed)
    views = torch.randn(4, size.n, size.k, generator=g)
    centre = views[:2].mean(0)
    listing = (centre - views).square().mean()  # mean over views, samples and dims
    equation = (centre - views).square().sum(-1).mean()  # sum over dims, mean over views and samples
    ratio = float(equation / listing)
    return Finding(
        verdict="confirmed" if abs(ratio - size.k) < 1e-3 * size.k else "refuted",
        effect=f"the equation's prediction term (sum over K) is {fmt(ratio, 6)}× the listing's (mean over K) at "
        f"K={size.k}: at fixed λ the listing weights SIGReg K times more relative to the prediction term",
        estimate=ratio,
        interval=None,
        interval_method="exact ratio on one batch (deterministic)",
        basis="derived",
        criterion="confirmed when the ratio equals K; the equation's sum over K is cited from docs/discrepancies.md#d9",
        variant_behaviour={
            vid: f"prediction term mean over K: the equation's sum over K is {fmt(ratio, 6)}× it at K={size.k}"
            for vid in ("V1", "V3")
        },
        measurements={"k": size.k, "ratio": ratio},
    )


# -- D10, D12 (textual) -------------------------------------------------------------------------------------


def _textual(reason: str) -> Callable[[Context], Finding]:
    def conclude(ctx: Context) -> Finding:
        return not_run(reason, kind="textual", basis="cited")

    return conclude


# -- D13 ---------------------------------------------------------------------------------------------------


def conclude_d13(ctx: Context) -> Finding:
    res = ctx.get("r0_r1")
    ns = sorted(int(n) for n in res["gaussian"])
    per_n = {n: mean_interval(np.asarray(res["gaussian"][n]["value_ratio"]) / n) for n in ns}
    expected = oracle.grid_null_mean(*oracle.OFFICIAL_GRID) / oracle.grid_null_mean(*oracle.R0_GRID)
    cos = {law: {n: float(np.mean(res[law][n]["grad_cos"])) for n in ns} for law in res}
    ok = all(0.9 < per_n[n][1] and per_n[n][2] < 1.1 for n in ns)
    n_main = ns[-1]
    return Finding(
        verdict="confirmed" if ok else "refuted",
        effect=f"(R1/R0)/N under H0: {', '.join(f'N={n}: {fmt(per_n[n][0], 4)}' for n in ns)} (exact ratio of the "
        f"grids' null means {expected:.5f}): R0 is N times smaller (effective λ/N); gradient cosine R0 vs R1 "
        + ", ".join(f"{law} {fmt(cos[law][n_main], 3)}" for law in cos)
        + f" at N={n_main}",
        estimate=per_n[n_main][0],
        interval=(per_n[n_main][1], per_n[n_main][2]),
        interval_method=f"(R1/R0)/N on N(0, I) at N={n_main}, K={ctx.plan.main.k}, M={ctx.plan.main.m}, "
        f"{ctx.plan.d13[1]} samples, Student t 95 %",
        criterion="confirmed when (R1/R0)/N has a 95 % interval inside (0.9, 1.1) at every N",
        paper_vs_measured="docs/variants.md#peers: ×513 at N=512 (513.1, gradient ×512.3, cosine 1.0000)",
        variant_behaviour={
            "R0": f"no factor N: (R1/R0)/N {', '.join(f'{fmt(per_n[n][0], 4)} (N={n})' for n in ns)}; gradient "
            "cosine to R1 " + ", ".join(f"{law} {fmt(cos[law][n_main], 3)}" for law in cos) + f" (N={n_main})",
            "R1": "×N: R1/R0 " + ", ".join(f"{fmt(per_n[n][0] * n, 4)} (N={n})" for n in ns),
        },
        measurements={
            "ratio_over_n": {n: list(per_n[n]) for n in ns},
            "exact_null_mean_ratio": expected,
            "grad_cosine": cos,
            "grad_ratio_over_n": {law: {n: float(np.mean(res[law][n]["grad_ratio"])) / n for n in ns} for law in res},
        },
    )


# -- D14, D15, D19 (official code) ---------------------------------------------------------------------------


def conclude_d14(ctx: Context) -> Finding:
    res = ctx.get("official_tests")
    head = res["R1"]
    if not head.get("available"):
        return not_run(
            f"{head['reason']}; unpack the official repository at eddffdd there "
            "(tests/golden/README.md) to run its test suite",
            kind="environment",
        )
    if not head.get("ran"):
        return not_run(f"the official test suite did not run: {head.get('reason', '')}")
    totals = head["totals"]
    quick = ctx.plan.mode == "quick"
    expected_pass = 48 if quick else 483
    confirmed = totals["failed"] == 27 and totals["errors"] == 6 and totals["passed"] == expected_pass
    slicing = res["slicing"]
    contrast = res.get("R0", {})
    contrast_text = (
        f"; the same test_epps_pulley.py at 4a4d111: {contrast['totals']['passed']} passed, "
        f"{contrast['totals']['failed']} failed, {contrast['totals']['errors']} errors"
        if contrast.get("ran")
        else ""
    )
    scope = "tests/test_epps_pulley.py only (--quick)" if quick else "all of tests/"
    behaviour = {
        "R1": f"official tests at eddffdd ({scope}): {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors; {len(slicing.get('mention_slicing', []))} of {slicing.get('test_files')} test "
        "files mention SlicingUnivariateTest"
    }
    if contrast.get("ran"):
        behaviour["R0"] = (
            f"test_epps_pulley.py at 4a4d111: {contrast['totals']['passed']} passed, {contrast['totals']['failed']} "
            f"failed, {contrast['totals']['errors']} errors"
        )
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=f"official tests at eddffdd ({scope}): {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors{contrast_text}; test files mentioning SlicingUnivariateTest: "
        f"{len(slicing.get('mention_slicing', []))} of {slicing.get('test_files')}",
        estimate=float(totals["failed"] + totals["errors"]),
        interval=None,
        basis="derived",
        interval_method="count of failed + erroring tests (deterministic)",
        criterion=f"confirmed when HEAD gives {expected_pass} passed, 27 failed, 6 errors "
        "(docs/discrepancies.md#d14: 483 / 27 / 6 for the whole suite; all failures are in test_epps_pulley.py)",
        variant_behaviour=behaviour,
        measurements=res,
    )


def conclude_d15(ctx: Context) -> Finding:
    from reference.official_r1 import EppsPulley

    try:
        EppsPulley(num_points=17)
        ours = "accepted"
    except TypeError as error:
        ours = f"TypeError: {error}"
    res = ctx.get("official_driver")
    official = {name: res[name].get("num_points") for name in ("R1", "R0") if res[name].get("ran")}
    readme = {
        name: res[f"static_{name}"].get("readme_calls")
        for name in ("R1", "R0")
        if res[f"static_{name}"].get("available")
    }
    raises = ours.startswith("TypeError") and all(v.startswith("TypeError") for v in official.values())
    basis = "derived" if official else "derived+cited"  # whether a keyword raises is a fact of the code
    return Finding(
        verdict="confirmed" if raises else "refuted",
        effect=f"`EppsPulley(num_points=17)` on R1's signature-compatible class: {ours}"
        + "".join(f"; official {name}: {text}" for name, text in official.items())
        + (f"; README calls EppsPulley({readme.get('R1', ['?'])[0]})" if readme else ""),
        estimate=None,
        interval=None,
        interval_method="exception raised or not (deterministic)",
        basis=basis,
        criterion="confirmed when the README's keyword raises TypeError (on the re-implementation, and on the "
        "official package wherever its tree is on this machine)",
        variant_behaviour={
            "R1": f"EppsPulley(num_points=17): reference {ours.split(':')[0]}"
            + (f"; official eddffdd {official['R1'].split(':')[0]}" if "R1" in official else "")
        },
        measurements={
            "reference": ours,
            "official": official,
            "readme_calls": readme,
            "official_signatures": {
                name: res[f"static_{name}"].get("classes_named_EppsPulley") for name in ("R1", "R0")
            },
        },
    )


def _cpu_vs_cuda_draw(k: int, m: int) -> dict | None:
    """R1's step-0 draw (randn(K, M) from a generator seeded 0, columns normalised) on CPU and on CUDA."""
    if not torch.cuda.is_available():
        return None
    cpu = reference.seeded_directions(k, m, 0)
    gpu = reference.seeded_directions(k, m, 0, device="cuda").cpu()
    return {"max_abs_diff": float((cpu - gpu).abs().max()), "mean_abs_cos": float((cpu * gpu).sum(0).abs().mean())}


def conclude_d19(ctx: Context) -> Finding:
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


# -- D16, D21 (views) --------------------------------------------------------------------------------------


def conclude_d16(ctx: Context) -> Finding:
    near = ctx.values("P1", "views-near") / ctx.values("R1", "views-near")
    indep = ctx.values("P1", "views-indep") / ctx.values("R1", "views-indep")
    est, low, high = mean_interval(near)
    same = {
        v: float(np.max(np.abs(ctx.values(v, "views-near") - ctx.values("R1", "views-near"))))
        for v in ("R2", "P2", "P3")
        if v in ctx.main()["raw"]
    }
    r1, p1 = ctx.row("R1", "views-near"), ctx.row("P1", "views-near")
    size = ctx.main()["size"]
    return Finding(
        verdict="confirmed" if low > 2.0 else "refuted",
        effect=f"V=4 near-identical views of N={size['n'] // battery.VIEWS} each: per view (R1) {fmt(r1['mean'])} vs "
        f"flattened (P1) {fmt(p1['mean'])}, ratio {fmt_ci(est, low, high)}; independent views: ratio "
        f"{fmt(float(np.mean(indep)))}; R2/P2 − R1 on views: max |Δ| "
        + ", ".join(f"{v} {d:.1g}" for v, d in same.items()),
        estimate=est,
        interval=(low, high),
        basis="derived",
        interval_method="P1/R1 per seed on near-identical views, Student t 95 %",
        criterion="confirmed when the 95 % interval of P1/R1 on near-identical views lies above 2",
        paper_vs_measured="docs/variants.md#peers (V=4, N=128 per view, K=64): 1.154 per view vs 4.614 flattened",
        variant_behaviour={
            "R1": f"per view: near-identical views {fmt(r1['mean'])} ({_det(r1)} detected)",
            **{v: f"per view: max |Δ| to R1 on near-identical views {d:.1g}" for v, d in same.items()},
            "P1": f"flattened: near-identical views {fmt(p1['mean'])} ({_det(p1)} detected), P1/R1 "
            f"{fmt_ci(est, low, high)}; independent views P1/R1 {fmt(float(np.mean(indep)))}",
        },
        measurements={
            "ratio_near": [est, low, high],
            "ratio_indep": float(np.mean(indep)),
            "r1_near": r1["mean"],
            "p1_near": p1["mean"],
            "max_abs_diff_to_r1": same,
            "p1_detection_near": _det(p1),
            "r1_detection_near": _det(r1),
        },
    )


def conclude_d21(ctx: Context) -> Finding:
    per_view_n = ctx.main()["size"]["n"] // battery.VIEWS
    ratio = ctx.values("R0", "views-indep") * per_view_n / ctx.values("R1", "views-indep")
    est, low, high = mean_interval(ratio)
    near = ctx.row("R0", "views-near")
    return Finding(
        verdict="confirmed" if not (low <= 1.0 <= high) else "refuted",
        effect=f"on (V, N, K) = (4, {per_view_n}, K) independent N(0, I) views, R0·N/R1 = {fmt_ci(est, low, high)} "
        f"instead of ≈1: R0 takes the ECF across the V=4 views of each sample (a 4-sample statistic per sample and "
        f"direction, ≈ {oracle.NULL_MEAN / battery.VIEWS:.3f} under H0) rather than across samples; "
        f"near-identical views: detected {_det(near)} by R0 vs {_det(ctx.row('R1', 'views-near'))} by R1",
        estimate=est,
        interval=(low, high),
        basis="derived",
        interval_method="R0·(N per view)/R1 per seed on independent views, Student t 95 %",
        criterion="confirmed when the interval excludes 1 (R0 is not a per-view statistic on multi-view input)",
        variant_behaviour={
            "R0": f"independent views: {fmt(ctx.row('R0', 'views-indep')['mean'])} (× N={per_view_n}: "
            f"{fmt_ci(est, low, high)} × R1); near-identical views detected {_det(near)}",
            "R1": f"independent views: {fmt(ctx.row('R1', 'views-indep')['mean'])}; near-identical views detected "
            f"{_det(ctx.row('R1', 'views-near'))}",
        },
        measurements={
            "ratio": [est, low, high],
            "r0_mean_indep": ctx.row("R0", "views-indep")["mean"],
            "r0_detection_near": _det(near),
        },
    )


# -- D17 --------------------------------------------------------------------------------------------------


def conclude_d17(ctx: Context) -> Finding:
    pred = torch.tensor(1.0, requires_grad=True)
    sig = torch.tensor(1.0, requires_grad=True)
    weights = {}
    for name, lam, convex in (
        ("listing/R2/P2 λ=0.05", 0.05, True),
        ("P1 λ=0.05", 0.05, False),
        ("P1 default λ=0.02", 0.02, False),
        ("R2 recipe λ=0.02", 0.02, True),
    ):
        loss = (1 - lam) * pred + lam * sig if convex else pred + lam * sig
        g_pred, g_sig = torch.autograd.grad(loss, (pred, sig))
        weights[name] = {"pred": float(g_pred), "sigreg": float(g_sig), "sigreg_over_pred": float(g_sig / g_pred)}
    ratio = weights["listing/R2/P2 λ=0.05"]["sigreg_over_pred"] / weights["P1 λ=0.05"]["sigreg_over_pred"]
    return Finding(
        verdict="confirmed",
        effect="relative weight of SIGReg to the prediction term at λ=0.05: convex (1−λ)·pred + λ·sig "
        f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} vs P1's pred + λ·sig "
        f"{fmt(weights['P1 λ=0.05']['sigreg_over_pred'], 4)} (×{fmt(ratio, 4)}); the prediction gradient is "
        f"scaled by {fmt(weights['listing/R2/P2 λ=0.05']['pred'], 3)} vs 1",
        estimate=ratio,
        interval=None,
        interval_method="exact: ratio of ∂loss/∂sig ÷ ∂loss/∂pred between the two forms",
        basis="derived",
        criterion="confirmed by the loss forms recorded in the references' provenance (P1: inv + λ·sigreg; P2 and "
        "R2: convex) and their gradients; the effect is 1/(1−λ) on the balance, 1−λ on the overall scale",
        variant_behaviour={
            **{
                v: "(1−λ)·pred + λ·sigreg: sigreg/pred weight "
                f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05"
                for v in ("V3", "P2")
            },
            "R2": "(1−λ)·pred + λ·sigreg: sigreg/pred weight "
            f"{fmt(weights['R2 recipe λ=0.02']['sigreg_over_pred'], 4)} at its recipe's λ=0.02, "
            f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05",
            "P1": f"pred + λ·sigreg: sigreg/pred weight {fmt(weights['P1 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05, "
            f"{fmt(weights['P1 default λ=0.02']['sigreg_over_pred'], 4)} at its default λ=0.02",
        },
        measurements=weights,
    )


# -- D18, D22 (DDP) ---------------------------------------------------------------------------------------


def _ddp_table(run: dict, probe: str) -> dict:
    return {
        style: {f"rank{r}": run[f"rank{r}"]["probes"][probe][style] for r in range(ddp.WORLD)} for style in ddp.STYLES
    }


def conclude_d18(ctx: Context) -> Finding:
    run = ctx.get("ddp")
    tables = {probe: _ddp_table(run, probe) for probe in ("iid", "distinct")}
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


def conclude_d22(ctx: Context) -> Finding:
    run = ctx.get("ddp")
    table = _ddp_table(run, "unequal")
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


# -- D20 (aliasing), D23 (dtypes) -------------------------------------------------------------------------------


def conclude_d20(ctx: Context) -> Finding:
    v1, r1 = ctx.row("V1", "shift-P"), ctx.row("R1", "shift-P")
    g = torch.Generator().manual_seed(ctx.plan.seed)
    y = torch.randn(256, 1, generator=g, dtype=torch.float64)
    period = oracle.wrap_period(oracle.PAPER_GRID[0])
    shifted = y + period
    listing = reference.get("V1")
    v_y, v_shift = float(listing.evaluate(y.float(), None)[0]), float(listing.evaluate(shifted.float(), None)[0])
    exact_y, exact_shift = float(oracle.ep(y.numpy()[:, 0])), float(oracle.ep(shifted.numpy()[:, 0]))
    wide = {v: ctx.row(v, "wide")["ratio_to_own_oracle"] for v in ("V1", "V3", "R1") if v in ctx.main()["raw"]}
    low, high = v1["detection_interval"]
    confirmed = high < 0.5 and r1["detection_interval"][0] > 0.8
    v3 = ctx.row("V3", "shift-P")
    shifted_by = {
        "V1": f"shift by {period:.2f}: {fmt(v1['mean'])} ({_det(v1)} detected); one N(0,1) sample {fmt(v_y, 6)} → "
        f"{fmt(v_shift, 6)} (exact {fmt(exact_y, 4)} → {fmt(exact_shift, 6)})",
        "V3": f"shift by {period:.2f}: {fmt(v3['mean'])} ({_det(v3)} detected), "
        f"{fmt(v3.get('ratio_to_own_oracle'))} of the exact value",
        "R1": f"shift by {period:.2f}: {fmt(r1['mean'])} ({_det(r1)} detected)",
    }
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=f"every coordinate shifted by 2π/0.625 = {period:.4f}: V1 {fmt(v1['mean'])} (own null "
        f"{fmt(v1['null_mean'])}, detected {_det(v1)}) vs R1 {fmt(r1['mean'])} ({_det(r1)}); on one N(0,1) sample "
        f"V1 gives {fmt(v_y, 6)} before and {fmt(v_shift, 6)} after the shift while the exact statistic goes "
        f"{fmt(exact_y, 4)} → {fmt(exact_shift, 6)}; V3 (same grid, projected shift) gets "
        f"{fmt(ctx.row('V3', 'shift-P').get('ratio_to_own_oracle'))} of the exact value; N(0, 10²): value / exact "
        + ", ".join(f"{v} {fmt(r)}" for v, r in wide.items()),
        estimate=v1["detections"] / v1["n_seeds"],
        interval=(low, high),
        interval_method=f"V1 detection rate on the shift by the paper grid's period at α={ALPHA}, Clopper–Pearson 95 %",
        criterion="confirmed when V1 (paper grid) misses the period shift (upper bound < 0.5) that R1 detects "
        "(lower bound > 0.8)",
        paper_vs_measured="docs/oracle.md#o6 (oracle fact, not a D-entry): a mean shift of ≈10.05 is invisible to the "
        "paper grid; N(0,10²) under-measured by 27 %",
        variant_behaviour={v: text + f"; N(0, 10²): value/exact {fmt(wide.get(v))}" for v, text in shifted_by.items()},
        measurements={
            "v1_shift": _pair(ctx, "V1", "shift-P"),
            "r1_shift": _pair(ctx, "R1", "shift-P"),
            "one_sample": {"v1": [v_y, v_shift], "exact": [exact_y, exact_shift]},
            "wide_ratio_to_own_oracle": wide,
            "period": period,
        },
    )


def conclude_d23(ctx: Context) -> Finding:
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


# -- Registry ---------------------------------------------------------------------------------------------

_ALL = ("V1", "V3", "R0", "R1", "R2", "P1", "P2", "P3")

REGISTRY: dict[str, Discrepancy] = {
    d.id: d
    for d in (
        Discrepancy(
            "D1",
            "V1 is blind to collapse with N(0,1) marginals",
            "The first listing (V1: as lejepa#2 describes it; its text was not read here) never applies the "
            "projection: on raw coordinates it cannot see dimensional collapse whose marginals stay N(0,1) (rank-1, "
            "equicorrelated), and conversely flags a unit-variance uniform product that sliced variants do not see "
            "at large K.",
            ("V1", "R1"),
            "docs/discrepancies.md#d1; galilai-group/lejepa#2",
            conclude_d1,
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
        ),
        Discrepancy(
            "D2",
            "listing not runnable as printed",
            "Undefined names; a vector return so `.backward()` fails; the c10d all_reduce returns None and "
            "is not differentiable.",
            ("V1", "V3"),
            "docs/discrepancies.md#d2",
            conclude_d2,
            jobs=("ddp",),
            paper_says="Algorithm 1/2 of v3 (read) use undefined names (all_reduce, world_size, forward, bs, K, "
            'global_step, mean; glob_views typo), write `ecf = all_reduce(ecf, op="AVG")` and return a vector as '
            "the loss; V1 is assumed to share these lines (its listing was not read: lejepa#2 reports only the "
            "missing projection and the λ form)",
            code_does="R1 uses the autograd-aware torch.distributed.nn.all_reduce (AVG) and returns a scalar; R2, "
            "P1, P2 return scalars; c10d torch.distributed.all_reduce is in-place, returns None, takes a "
            "ReduceOp (not a string) and is not differentiable",
        ),
        Discrepancy(
            "D3",
            "weight exp(−t²/σ²) in the text, exp(−t²/2) in the code",
            "The text defines the window as exp(−t²/σ²) with σ=1; the v3 listing (read) uses exp(−t²/2).",
            ("V1", "V3"),
            "docs/discrepancies.md#d3; paper text on the EP window (section not pinned), App. B.12",
            conclude_d3,
            jobs=("window",),
            paper_says="paper text: weight w(t) = exp(−t²/σ²) with σ = 1, i.e. exp(−t²) (the section is not pinned "
            "here; App. B.12's proofs use w_s = exp(−s²t²)); the H0 mean 0.519 of that window is our computation, "
            "not a paper number",
            code_does="V3, V1 (its window taken from v3), R0, R1, R2, P1 and P2 use w(t) = φ(t) = exp(−t²/2) "
            "(exact H0 mean 1.059)",
        ),
        Discrepancy(
            "D4",
            "listing returns a per-direction vector",
            "The listing returns one value per direction; Definition 2 averages over directions.",
            ("V1", "V3"),
            "docs/discrepancies.md#d4",
            conclude_d4,
            paper_says="Def. 2 (§4.2): SIGReg = (1/|A|)·Σ_a EP(aᵀz), a mean over directions; Algorithm 1 returns the "
            "unreduced vector (v3, read: M values; V1, from lejepa#2's description: K values)",
            code_does="R0 and R1 (SlicingUnivariateTest, reduction='mean'), R2 (.mean()), P1 and P2 return the "
            "scalar mean over directions (and views)",
        ),
        Discrepancy(
            "D5",
            "factor N makes the effective λ depend on the batch size",
            "Under H0 each direction scores ≈1.06, not 0; for a fixed non-Gaussian law the value and its "
            "gradient grow ∝ N while the prediction term does not.",
            ("R1",),
            "docs/discrepancies.md#d5",
            conclude_d5,
            jobs=("factor_n",),
            paper_says="EP is defined with the prefactor N and the listing multiplies by N·world_size; the paper "
            "does not discuss the consequence (H0 value ≈1.06 per direction, not 0; value and gradient ∝ "
            "N for a fixed non-Gaussian law) and recommends one λ = 0.05 (§6.1) with no reference to N",
            code_does="R1 multiplies by the local N·world_size, R2, P1 and P2 by N (P1: N = V·N after flattening); "
            "R0 had no factor N (D13)",
        ),
        Discrepancy(
            "D6",
            "Theorem 4's 4σ²/N gradient bound ignores the factor N",
            "With the N prefactor the per-sample gradient bound is N-independent; measured gradients exceed 4σ²/N.",
            ("R1",),
            "docs/discrepancies.md#d6; paper §4.2.3 Thm 4",
            conclude_d6,
            jobs=("gradient_bound",),
            paper_says="Theorem 4 (§4.2.3): |∂EP/∂z_i| ≤ 4σ²/N and |∂²EP/∂z_i²| ≤ C√π σ³/(2N); the proof (App. "
            "B.12) bounds the statistic without the prefactor N, for the window e^{−s²t²}, s² = 1/σ². The implemented "
            "window e^{−t²/2} is σ² = 2, so the bound is 8/N (0.03125 at N=256), the constant C15 uses too",
            code_does="R1 (and R2, P1, P2: the same statistic) keep the prefactor N, so the per-sample gradient "
            "bound does not fall with N: exact sup √(2π)e^{−1/2}(3 − 2/N) → 4.561, ≈4.566 on the official "
            "grid at N=1024",
        ),
        Discrepancy(
            "D7",
            "Theorem 6's O(1/N) bias is O(1) after the factor N",
            "The absolute minibatch bias of the N-scaled statistic is O(1); only the relative bias is O(1/N).",
            ("R1",),
            "docs/discrepancies.md#d7; paper Thm 6",
            conclude_d7,
            jobs=("bias",),
            paper_says="Theorem 6 (§5.1): the minibatch loss has expectation L + (1/N)∫w(1−|φ_P|²)dt, a bias "
            "O(1/N), 'not a concern even for minibatches as small as 16'",
            code_does="R1 (and R2, P1, P2) multiply by N, so the bias is ∫w(1−|φ_P|²)dt = O(1) (1.0525 under H0 on "
            "R1's grid, every N); only the relative bias is O(1/N)",
        ),
        Discrepancy(
            "D8",
            "published grids differ; the listing does not fold",
            "The text says the code uses the integrand's symmetry; the listing integrates [−5,5]×17 and the "
            "repository folds [0,3]×17.",
            ("V3", "R1"),
            "docs/discrepancies.md#d8",
            conclude_d8,
            detection_variants=("V3", "R1"),
            detection_laws=("gaussian", "wide", "t3", "shift-1"),
            paper_says="text: the code 'leverage[s] the symmetry of the integrand to double the number of knots', "
            "see the official code; Algorithm 1 integrates [−5, 5] with 17 knots (torch.trapz, no "
            "folding); Table 1a recommends 17 knots on [−5, 5]",
            code_does="R1, R2, P1, P2: 17 knots on [0, 3], trapezoid folded by symmetry (weights dt, 2dt, …, 2dt, dt "
            "times φ; = a 33-knot trapezoid on [−3, 3]); R0: [−3, 3], 10 knots, torch.trapz",
        ),
        Discrepancy(
            "D9",
            "prediction term: mean over K (listing) vs sum over K (equation)",
            "The listing averages the prediction term over K, the equation sums: the λ balance differs by K.",
            ("V1", "V3"),
            "docs/discrepancies.md#d9",
            conclude_d9,
            paper_says="LeJEPA equation: prediction term summed over the K embedding dims (squared norm); Algorithm "
            "2: .mean() over views, samples and K",
            code_does="R2 (MINIMAL.md), P1 and P2 all take (centres − z).square().mean(), the mean over K like the "
            "listing; R0/R1 ship no loss",
        ),
        Discrepancy(
            "D10",
            "number of views stated three ways",
            "Text recommends V_g=2, V_l=8; experiment details say V=8 in total; README says 2+6.",
            (),
            "docs/discrepancies.md#d10; paper §6.1",
            _textual(
                "textual claim about the paper's prose and README; no executable content (the paper "
                "text is not available offline; recorded from docs/discrepancies.md)"
            ),
            paper_says="§6.1 text recommends V_g = 2, V_l = 8; 'Experiment Details 1' uses V = 8 in total (V_g = 2, "
            "so V_l = 6)",
            code_does="README: 2 global (224 px) + 6 local (98 px) views; scripts/launch_inet10.py: n_views=8, "
            "multi_crop=false; MINIMAL.md (R2) recipe: V = 4 views of 128 px",
        ),
        Discrepancy(
            "D12",
            "abstract's 79 % with ViT-H/14: no supporting table seen",
            "The abstract claims 79 % with a ViT-H/14; the §6.4 text gives ViT-L 77.1 %, ConvNeXtV2-H 78.5 %, and no "
            "ViT-H/14 table was seen (which does not show there is none).",
            (),
            "docs/discrepancies.md#d12; paper abstract, §6.4",
            _textual(
                "textual claim about the paper's tables; needs ImageNet-scale training to test and the "
                "paper text, neither available here (recorded from docs/discrepancies.md)"
            ),
            paper_says="Abstract: '79% with a ViT-H/14' (ImageNet-1k, frozen linear eval); the §6.4 text gives "
            "ViT-L 77.1 % and ConvNeXtV2-H 78.5 % (online linear probe); Table 2 holds few-shot transfer averages "
            "only; a LeJEPA ViT-H/14 number or table was not seen in the v3 text read (not seen, not shown absent)",
            code_does="not applicable (a reported-result claim); the README at eddffdd has LeJEPA rows for ViT-L "
            "only (its all-label transfer average is 79.48) and ViT-H rows for I-JEPA only",
        ),
        Discrepancy(
            "D13",
            "R0 vs R1: the same public name, N times smaller",
            "Before fd27093 `lejepa.univariate.EppsPulley` meant a statistic N times smaller (no factor N): "
            "effective λ/N for four weeks.",
            ("R0", "R1"),
            "docs/discrepancies.md#d13; lejepa fd27093",
            conclude_d13,
            jobs=("r0_r1",),
            paper_says="paper: EP carries the prefactor N (Algorithm 1 multiplies by N·world_size); README: "
            "`lejepa.univariate.EppsPulley` is the statistic to use, with no note that its meaning "
            "changed",
            code_does="R0 (cd5567a … 4a4d111, 12 Nov – 8 Dec 2025): the public name resolved to a second, shadowing "
            "class: complex ECF, t ∈ [−3, 3], 10 knots, torch.trapz, no factor N; R1 (fd27093 onward): the "
            "×N statistic on [0, 3]×17 folded",
        ),
        Discrepancy(
            "D14",
            "official tests target R0's API",
            "At HEAD 483 pass, 27 fail, 6 error; nothing tests the slicing path.",
            ("R1", "R0"),
            "docs/discrepancies.md#d14; lejepa tests/",
            conclude_d14,
            jobs=("official_tests",),
            paper_says="paper: silent (no claim about the repository's tests); README: silent on tests/",
            code_does="R1 at eddffdd: tests/test_epps_pulley.py still calls R0's API (t_range, weight_type, "
            "empirical_cf, normal_cf, even n_points); no test file exercises SlicingUnivariateTest (the "
            "SIGReg path); at 4a4d111 (R0) the same file passes",
        ),
        Discrepancy(
            "D15",
            "README's EppsPulley(num_points=17) raises TypeError",
            "The README quick start passes num_points; the keyword is n_points.",
            ("R1",),
            "docs/discrepancies.md#d15; lejepa README.md, PR #47",
            conclude_d15,
            jobs=("official_driver",),
            paper_says="README quick start (eddffdd): `lejepa.univariate.EppsPulley(num_points=17)`; paper: silent "
            "(its listing is self-contained)",
            code_does="R1's EppsPulley(t_max=3, n_points=17, integration='trapezoid') and R0's shadowing class "
            "(t_range, n_points=10, weight_type) have no num_points keyword: both raise TypeError (open PR "
            "lejepa#47 fixes the README)",
        ),
        Discrepancy(
            "D16",
            "views pooled per view vs flattened",
            "R1 on (V,N,D), R2 and P2 average per-view statistics; P1 flattens V·N samples into one.",
            ("R1", "R2", "P1", "P2", "P3"),
            "docs/discrepancies.md#d16; lejepa#45; stable-pretraining#413",
            conclude_d16,
            detection_variants=("R1", "R2", "P1", "P2", "P3"),
            detection_laws=("views-near", "views-indep"),
            paper_says="LeJEPA loss (Algorithm 2, v3): sigreg = mean over views of SIGReg(z_v), per view with one "
            "shared set of directions; the author in lejepa#45: per view is the default (leading "
            "dimensions are averaged)",
            code_does="R1 on (V, N, K), R2 (MINIMAL.md) and P2 (lightly) average per-view statistics; P1 "
            "(stable-pretraining LeJEPA._compute_loss) flattens the V·N embeddings into one sample "
            "(stable-pretraining#413)",
        ),
        Discrepancy(
            "D17",
            "λ form: convex vs additive",
            "(1−λ)·pred + λ·sigreg (listing, R2, P2) vs pred + λ·sigreg (P1, and the pre-v3 equation as lejepa#2 "
            "reports it).",
            ("V3", "R2", "P1", "P2"),
            "docs/discrepancies.md#d17; stable-pretraining#413; galilai-group/lejepa#2",
            conclude_d17,
            paper_says="LeJEPA loss (v3 equation and Algorithm 2): (1−λ)·pred + λ·SIGReg, λ = 0.05 recommended "
            "(§6.1, Table 7). Before v3 the equation put λ on SIGReg only (pred + λ·SIGReg) while Algorithm 2 "
            "returned the convex combination: reported in lejepa#2 (acknowledged by the author, fixed in v3); that "
            "equation was not read here",
            code_does="R2 (MINIMAL.md): (1−λ)·inv + λ·sigreg, λ = 0.02 in its recipe; P2 (lightly LeJEPALoss): "
            "(1−λ)·inv + λ·sigreg, λ = 0.05; P1 (stable-pretraining 0.1.8): inv + λ·sigreg, default λ = "
            "0.02 (stable-pretraining#413); R0/R1 ship no loss",
        ),
        Discrepancy(
            "D18",
            "DDP: R1 and P2 exact, P1 not, listing-style gradients wrong",
            "R1 and P2 reproduce the global-batch statistic and gradient; P1 discards its all_reduce; a "
            "non-autograd all_reduce gives wrong gradients.",
            ("R1", "P1", "P2", "V3"),
            "docs/discrepancies.md#d18; docs/variants.md#peers",
            conclude_d18,
            jobs=("ddp",),
            paper_says="Algorithm 1: the ECF is averaged across ranks by all_reduce and the statistic multiplied by "
            "N·world_size (the global-batch statistic); §4.2.3: the ECF is differentiable and "
            "all_reduce-friendly",
            code_does="R1: autograd-aware torch.distributed.nn.all_reduce (AVG) of the cos/sin means, exact; P2 "
            "(lightly, since PR #1923): autograd all_reduce of sums / global N, exact; P1 "
            "(stable-pretraining 0.1.8) calls all_reduce and discards the result, so each rank uses W × "
            "its local statistic; a non-autograd in-place all_reduce (listing style) gives 1/W of the "
            "gradient (lightly#1920)",
        ),
        Discrepancy(
            "D19",
            "R1's global_step advances on evaluation too",
            "The direction seed advances on every forward (evaluation included), so directions depend on "
            "how often the loss was evaluated; CPU and CUDA generators differ for one seed.",
            ("R1",),
            "docs/discrepancies.md#d19; lejepa slicing.py",
            conclude_d19,
            jobs=("official_driver",),
            paper_says="Algorithm 1 seeds A with `global_step` (undefined in the listing) so that all ranks agree; "
            "§4.3: resample the directions at every training step; R1's docstring: global_step is a "
            "'counter for deterministic random seed generation, synchronized across distributed "
            "processes'",
            code_does="R1: a `global_step` buffer (in the state_dict), all-reduced with MAX, seeds a cached "
            "torch.Generator(x.device) and is incremented on every forward, evaluation and inference "
            "included; P1's SlicedEppsPulley does the same (read, not measured here); R2 and P2 draw from "
            "the global RNG",
        ),
        Discrepancy(
            "D20",
            "paper grid aliasing: a shift by 2π/0.625 is invisible to V1",
            "The listing's grid has step 0.625, so its statistic is periodic with period 10.05 in every "
            "sample: V1 cannot see a per-coordinate mean shift by that period, and the paper grid "
            "under-measures wide data.",
            ("V1", "V3", "R1"),
            "new (docs/oracle.md#o6)",
            conclude_d20,
            detection_variants=("V1", "V3", "R1"),
            detection_laws=("shift-P", "wide"),
            new=True,
            paper_says="Algorithm 1 and Table 1a: 17 knots on [−5, 5] (step 0.625), trapezoid; §5.1: 17 knots "
            "suffice, the error falls faster than quadratically; paper: silent on aliasing (a grid of "
            "step h makes the statistic periodic in every sample with period 2π/h = 10.05)",
            code_does="R1, R2, P1, P2: [0, 3]×17 folded (step 0.1875, period 33.5), so a shift by 10.05 is seen; "
            "only the listings (V1, V3) use the paper grid",
        ),
        Discrepancy(
            "D21",
            "R0 on (V,N,K) takes the ECF across views",
            "Before fd27093 a multi-view input was reduced over dim 0, the view axis: a V-sample statistic "
            "per sample instead of a per-view statistic.",
            ("R0", "R1"),
            "new (docs/variants.md#r0)",
            conclude_d21,
            detection_variants=("R0", "R1"),
            detection_laws=("views-indep", "views-near"),
            new=True,
            paper_says="paper: SIGReg per view, the ECF taken over the N samples of each view; R1's docstring: input "
            "(*, N, K), statistics over N",
            code_does="R0 (before fd27093): the shadowing EppsPulley takes the ECF mean over dim 0, the view axis of "
            "a (V, N, K) input (a V-sample statistic per sample, no factor N); R1: mean over dim −3, the "
            "samples",
        ),
        Discrepancy(
            "D22",
            "R1's DDP reduction is exact only for equal local batch sizes",
            "R1 averages the local means with equal rank weights and multiplies by N_local·W; with unequal "
            "local batches the value and gradient are wrong, while P2's sum/global-N reduction stays exact.",
            ("R1", "P2"),
            "new",
            conclude_d22,
            jobs=("ddp",),
            new=True,
            paper_says="Algorithm 1: ECF averaged across ranks, statistic × N·world_size, which is the global-batch "
            "statistic only when every rank holds N samples; paper: silent on unequal local batches",
            code_does="R1: AVG of the local cos/sin means × local N·W (equal rank weights); P2: SUM of local sums "
            "divided by the all-reduced global N, exact for any split",
        ),
        Discrepancy(
            "D23",
            "dtype handling differs between implementations",
            "float64/bfloat16 inputs raise in the float32-direction variants and run in others; bf16 "
            "autocast returns bfloat16 in some and float32 in others.",
            _ALL,
            "new (dtype table)",
            conclude_d23,
            jobs=("dtypes",),
            new=True,
            paper_says="paper: silent on dtypes (Algorithm 1 casts nothing); README: train in bf16",
            code_does="R0, R1, R2 and P1 draw A in float32 and compute x@A with no cast, so float64/bfloat16 inputs "
            "raise outside autocast (so does the V3 listing); P2 draws A in the input's dtype and V1 never "
            "multiplies by A; under bf16 autocast the output dtype differs between them",
        ),
        # -- Defects of the paper's own text (v3), recorded from reading it: basis cited, nothing to execute. --
        Discrepancy(
            "D24",
            "Fig. 17's caption contradicts Lemma 2",
            "The Fig. 17 caption says the anisotropic version has much lower variance than the isotropic one; Lemma "
            "2 and Fig. 3 say the anisotropic probe has the higher variance.",
            (),
            "paper Fig. 17 caption; §3.1 Lemma 2, Fig. 3",
            _textual(
                "textual: the caption and Lemma 2 disagree on their face, nothing to execute; the direction Lemma 2 "
                "states (anisotropic probe variance higher) is what C7 measures"
            ),
            new=True,
            paper_says="Fig. 17 caption: the 'anisotropic version (blue) provides much lower variance compared to the "
            "isotropic case (red)'; Lemma 2 (§3.1) and Fig. 3: the anisotropic embedding gives the larger "
            "probe variance (Fig. 3: 0.0801 vs 0.0056)",
            code_does="not applicable (paper text); C7 measures the direction of Lemma 2",
        ),
        Discrepancy(
            "D25",
            "Fig. 18's caption cites Theorem 6 for Lemma 1",
            "The Fig. 18 caption attributes the ridge-bias statement to 'thm. 6'; the statement is Lemma 1 (§3.1), "
            "Theorem 6 being the minibatch-bias result (§5.1).",
            (),
            "paper Fig. 18 caption; §3.1 Lemma 1; §5.1 Theorem 6",
            _textual("textual: a wrong cross-reference, nothing to execute; C6 and C34 test Lemma 1 itself"),
            new=True,
            paper_says="Fig. 18 caption: cites 'thm. 6' for the ridge (OLS) bias of anisotropic embeddings; that "
            "statement is Lemma 1 (§3.1); Theorem 6 (§5.1) is about the minibatch bias of the loss",
            code_does="not applicable (paper text)",
        ),
        Discrepancy(
            "D26",
            "Theorem 1/7's remainder is of the order of its leading term",
            "ISB_kNN = r0⁴/(K+2)²·τ_g²·J(p) + O(r0⁴): an O(r0⁴) remainder is as large as the leading term, so the "
            "expansion says nothing as r0 -> 0; o(r0⁴) is presumably meant.",
            (),
            "paper §3.2 Theorem 1; App. A Theorem 7",
            _textual(
                "textual: a statement about the order of a remainder, nothing to execute; C8 checks the leading "
                "term's minimiser numerically"
            ),
            new=True,
            paper_says="Theorem 1 (§3.2) and Theorem 7 (App. A): ISB_kNN = r0⁴/(K+2)²·τ_g²·J(p) + O(r0⁴); the "
            "notation also switches between d and K for the dimension",
            code_does="not applicable (paper text); C8 records the expansion as printed",
        ),
        Discrepancy(
            "D27",
            "the model scale given as 'approaching 1 billion' and as 1.8B",
            "The paper describes its largest model both as approaching 1 billion parameters and as a 1.8B ViT-g.",
            (),
            "paper Abstract/§1 vs Fig. 1, §6.4",
            _textual("textual: two figures for one model's size, nothing to execute; C32 needs paper scale"),
            new=True,
            paper_says="the text speaks of scales 'approaching 1 billion' parameters; Fig. 1 and §6.4 train a "
            "'1.8B' ViT-g",
            code_does="not applicable (paper text)",
        ),
        Discrepancy(
            "D28",
            "the listing's 256 slices vs the text's 1024",
            "Algorithm 1's default number of slices is 256 while §6.1 / Table 1a recommend 1024.",
            (),
            "paper Algorithm 1 (v3); §6.1, Table 1a",
            _textual(
                "textual: two defaults for one setting, nothing to execute; small-scale analogue: the replication's "
                "slices sweep (python -m repro replicate --only E3: M = 16/64/256 at cpu scale, 64/256/1024 at gpu "
                "scale) shows whether the choice matters for a small encoder"
            ),
            new=True,
            paper_says="Algorithm 1 (v3 listing): num_slices defaults to 256; §6.1 and Table 1a recommend 17 knots on "
            "[−5, 5] with 1024 slices (Table 1a: more slices help slightly)",
            code_does="R1 takes num_slices from the caller (the README quick start passes 1024); R2 (MINIMAL.md) draws "
            "256; the replication here defaults to 64 (repro/train.py)",
        ),
        Discrepancy(
            "D29",
            "Algorithm 2 is ambiguous: global views forwarded twice; embedding or projector output",
            "Algorithm 2 forwards the global views on their own and again among all views, and does not say "
            "whether the prediction term and SIGReg act on the backbone embedding or the projector output.",
            (),
            "paper Algorithm 2 (v3); ResNet caption",
            _textual(
                "textual: the listing's semantics are ambiguous and nothing executable settles which was meant; "
                "small-scale analogues: train with both terms on the backbone embedding vs the projector output "
                "(python -m repro train --set proj_dim=…), and with the global views' embeddings reused vs "
                "recomputed (equal without dropout or train-mode BatchNorm, different with them)"
            ),
            new=True,
            paper_says="Algorithm 2 (v3 listing): the global views are passed through the network separately and again "
            "as part of all views (a ResNet caption even sets global_views = all_views); the listing does not say "
            "whether the losses use the embedding or a projector's output",
            code_does="R2 (MINIMAL.md): both terms on a 16-dim projector output, the probe on the backbone embedding "
            "(asked in lejepa#17, #42); the replication here (repro/train.py) forwards the V views once, takes the "
            "first V_g as global and applies both terms to the projector output",
        ),
    )
}

SECTIONS = ("detection", "ddp", "dtypes")


def get(entry_id: str) -> Discrepancy:
    try:
        return REGISTRY[entry_id]
    except KeyError:
        raise ValueError(f"unknown audit id {entry_id!r}; known: {', '.join([*REGISTRY, *SECTIONS])}") from None
