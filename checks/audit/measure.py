"""Per variant × input measurements: value, ratio to the exact oracle, gradients, and a detection rate
against a Monte Carlo null of the same implementation at the same (N, K, M) (docs/oracle.md#o5: never a constant).

Streams (see `core.streams.stream_seed`): the batch of law L at (N, K) for seed s comes from ("x", L, N, K, s) and
its directions from ("A", K, M, s), so every variant sees the same data and directions, V1 (which ignores
directions) gives the same numbers at every M, and a size sweep shares data with the main configuration.
The null batches come from ("null-x", N, K, r) with directions ("null-A", K, M, r); multi-view laws have their
own null, V = 4 independent N(0, I) views ("null-mv", N, K, r), since per-view pooling changes the null law.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch

import reference
from core.directions import unit_directions
from core.stats import clopper_pearson, mean_interval
from core.streams import generator
from reference import oracle

from . import battery
from ._common import ALPHA, as_float


@dataclass(frozen=True)
class Size:
    n: int
    k: int
    m: int

    def label(self) -> str:
        return f"N={self.n}, K={self.k}, M={self.m}"


def law_batch(seed: int, law: str, size: Size, s: int) -> torch.Tensor:
    return battery.sample(law, size.n, size.k, generator(seed, "x", law, size.n, size.k, s))


def law_directions(seed: int, size: Size, s: int) -> torch.Tensor:
    return unit_directions(size.k, size.m, generator(seed, "A", size.k, size.m, s))


def null_batch(seed: int, size: Size, r: int, multiview: bool) -> tuple[torch.Tensor, torch.Tensor]:
    if multiview:
        x = battery.sample("views-indep", size.n, size.k, generator(seed, "null-mv", size.n, size.k, r))
    else:
        x = battery.sample("gaussian", size.n, size.k, generator(seed, "null-x", size.n, size.k, r))
    return x, unit_directions(size.k, size.m, generator(seed, "null-A", size.k, size.m, r))


def scalar(out: torch.Tensor) -> float:
    """The scalar a variant's output stands for: itself, or the mean of a per-coordinate/per-direction vector
    (what Definition 2 of the paper and any `.mean()` would take)."""
    return float(out.detach().double().mean())


def _evaluate(variant, x: torch.Tensor, a: torch.Tensor, grad: bool) -> dict:
    """Value (and gradient statistics) of one variant on one batch; an exception is recorded, not raised."""
    try:
        if not grad:
            with torch.no_grad():
                return {"value": as_float(scalar(variant.evaluate(x, a)))}
        x = x.clone().requires_grad_(True)
        out = variant.evaluate(x, a)
        (out.mean() if out.dim() else out).backward()
        g = x.grad.reshape(-1, x.shape[-1]).double()
        rows = g.norm(dim=1)
        return {
            "value": as_float(scalar(out)),
            "grad_norm": as_float(g.norm()),
            "grad_max_row": as_float(rows.max()),
            "grad_rows01": as_float(rows[:2].max()),  # the outlier rows of the outlier laws
            "grad_zero": bool((g == 0).all()),
        }
    except Exception as error:  # recorded per batch: one failing law must not hide the others
        return {"value": None, "error": f"{type(error).__name__}: {error}"}


def detect_job(
    variant_id: str, size: dict, laws: list[str], seeds: int, null_reps: int, grad_seeds: int, seed: int
) -> dict:
    """All values one variant produces at one size: its two nulls and each law's seeds (a worker process)."""
    size = Size(**size)
    variant = reference.get(variant_id)
    out: dict = {"variant": variant_id, "size": asdict(size), "null": [], "null_mv": [], "laws": {}}
    need_mv = any(battery.get(law).multiview for law in laws)
    for key, multiview, wanted in (("null", False, True), ("null_mv", True, need_mv)):
        if not wanted:
            continue
        for r in range(null_reps):
            x, a = null_batch(seed, size, r, multiview)
            out[key].append(_evaluate(variant, x, a, grad=False)["value"])
    for law in laws:
        records = [
            _evaluate(variant, law_batch(seed, law, size, s), law_directions(seed, size, s), grad=s < grad_seeds)
            for s in range(seeds)
        ]
        out["laws"][law] = records
    return out


def oracle_job(size: dict, laws: list[str], seeds: int, seed: int) -> dict:
    """The exact statistic on the same batches and directions (float64, no quadrature): per view, mean over
    directions (the definition); flattened over views (what P1 pools); per raw coordinate (what V1 computes);
    and for seed 0 of 2-D laws, the exact gradient of the sliced mean (O4)."""
    size = Size(**size)
    out: dict = {}
    for law in laws:
        rows = []
        for s in range(seeds):
            x = law_batch(seed, law, size, s).double().numpy()
            a = law_directions(seed, size, s).double().numpy()
            views = x if x.ndim == 3 else x[None]
            record = {
                "sliced": float(np.mean([oracle.sliced_ep(v, a).mean() for v in views])),
                "coord": float(np.mean([oracle.ep(v).mean() for v in views])),
            }
            if x.ndim == 3:
                record["sliced_flat"] = float(oracle.sliced_ep(x.reshape(-1, x.shape[-1]), a).mean())
            if s == 0 and x.ndim == 2:
                g = oracle.ep_grad(x @ a) @ a.T / a.shape[1]  # d mean_m EP(x a_m) / dx
                row = np.linalg.norm(g, axis=1)
                record.update(
                    grad_norm=float(np.linalg.norm(g)), grad_max_row=float(row.max()), grad_rows01=float(row[:2].max())
                )
            rows.append(record)
        out[law] = rows
    return out


def p_value(value: float, null: np.ndarray) -> float:
    """Monte Carlo p-value (1 + #{null >= value}) / (R + 1): exact level for any R under exchangeability."""
    return (1 + int(np.sum(null >= value))) / (len(null) + 1)


def _mean(records: list[dict], key: str) -> float | None:
    vals = [r[key] for r in records if r.get(key) is not None]
    return float(np.mean(vals)) if vals else None


def _max(records: list[dict], key: str) -> float | None:
    vals = [r[key] for r in records if r.get(key) is not None]
    return float(np.max(vals)) if vals else None


def own_oracle(variant_id: str, law: str, record: dict) -> float | None:
    """The exact counterpart of what the variant itself computes (None where it has none: R0 on views)."""
    multiview = battery.get(law).multiview
    if variant_id == "V1":
        return record["coord"]
    if variant_id == "P1" and multiview:
        return record["sliced_flat"]
    if variant_id == "R0" and multiview:
        return None
    return record["sliced"]


def summarize(raw: dict, oracles: dict | None, size: Size) -> list[dict]:
    """One row per (variant, law): value, intervals, detection against the variant's own null, oracle ratios."""
    rows = []
    for variant_id, result in raw.items():
        for law, records in result["laws"].items():
            multiview = battery.get(law).multiview
            null = np.asarray([v for v in result["null_mv" if multiview else "null"] if v is not None], dtype=float)
            values = np.asarray([r["value"] if r["value"] is not None else math.nan for r in records])
            errors = sorted({r["error"] for r in records if "error" in r})
            finite = values[np.isfinite(values)]
            detections = int(sum(p_value(v, null) <= ALPHA for v in finite)) if null.size else 0
            mean, low, high = mean_interval(finite)
            # R0 omits the factor N (D13): compare it after ×N (N per view for a multi-view input).
            per_view_n = size.n // battery.VIEWS if multiview else size.n
            scale = per_view_n if variant_id == "R0" else 1.0
            row = {
                "variant": variant_id,
                "law": law,
                "n_seeds": len(records),
                "n_finite": int(finite.size),
                "errors": errors,
                "mean": as_float(mean) if finite.size else None,
                "interval": [as_float(low), as_float(high)] if finite.size else None,
                "sd": as_float(finite.std(ddof=1)) if finite.size > 1 else None,
                "null_mean": as_float(null.mean()) if null.size else None,
                "null_q99": as_float(np.quantile(null, 1 - ALPHA)) if null.size else None,
                "null_reps": int(null.size),
                "ratio_to_own_null": as_float(mean / null.mean()) if finite.size and null.size else None,
                "ratio_to_null_mean": as_float(mean * scale / oracle.NULL_MEAN) if finite.size else None,
                "detections": detections,
                "detection_rate": detections / len(records) if records else None,
                "detection_interval": list(clopper_pearson(detections, len(records))) if records else None,
                "grad_norm": _mean(records, "grad_norm"),
                "grad_max_row": _max(records, "grad_max_row"),
                "grad_rows01": _mean(records, "grad_rows01"),
                "grad_all_zero": all(r.get("grad_zero", False) for r in records if "grad_norm" in r)
                if any("grad_norm" in r for r in records)
                else None,
            }
            if oracles and law in oracles:
                o_recs = oracles[law]
                ratios = [
                    records[s]["value"] * scale / o["sliced"]
                    for s, o in enumerate(o_recs)
                    if records[s]["value"] is not None and o["sliced"] > 0
                ]
                own = [(records[s]["value"] * scale, own_oracle(variant_id, law, o)) for s, o in enumerate(o_recs)]
                own_ratios = [v / w for v, w in own if v is not None and w is not None and w > 0]
                row["oracle_mean"] = float(np.mean([o["sliced"] for o in o_recs]))
                row["ratio_to_oracle"] = as_float(np.mean(ratios)) if ratios else None
                row["ratio_to_own_oracle"] = as_float(np.mean(own_ratios)) if own_ratios else None
                if "grad_norm" in o_recs[0]:
                    row["oracle_grad_norm"] = o_recs[0]["grad_norm"]
                    row["oracle_grad_max_row"] = o_recs[0]["grad_max_row"]
                    row["oracle_grad_rows01"] = o_recs[0]["grad_rows01"]
            rows.append(row)
    return rows
