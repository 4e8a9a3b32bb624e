"""What several entries share: number formatting, reading the detection table and the gloo run, and the
measurements two entries (or an entry and its control) both make."""

from __future__ import annotations

from functools import partial

import torch

import reference
from core.directions import unit_directions
from core.stats import mean_interval

from ...report import format as report_format
from .. import battery, ddp
from ..registry import Context, Finding, not_run

#: The effect sentences print numbers in Python's general format ("n/a" for a missing value): `fmt(x, digits)`.
fmt = partial(report_format.fmt, style="g")


def det(row: dict) -> str:
    return f"{row['detections']}/{row['n_seeds']}"


def pair(ctx: Context, variant: str, law: str) -> dict:
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


def seen(p: dict, label: str = "") -> str:
    """A `pair` record as `mean (detected/seeds)`."""
    return f"{fmt(p['mean'])} ({p['detections']}/{p['seeds']}{label})"


def textual(reason: str) -> Finding:
    """The finding of an entry about text only (the paper's prose, tables or README): nothing to execute."""
    return not_run(reason, kind="textual", basis="cited")


def vector_backward() -> dict:
    """`.backward()` on the listings' vector outputs (D2, D4)."""
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


def ddp_table(run: dict, probe: str) -> dict:
    """The gloo run's probe as style -> rank -> measurements (D18, D22)."""
    return {
        style: {f"rank{r}": run[f"rank{r}"]["probes"][probe][style] for r in range(ddp.WORLD)} for style in ddp.STYLES
    }


def same_data_ratio(ctx: Context, law: str, top: str, bottom: str, scale: float = 1.0, seeds: int = 10):
    """Per-seed top/bottom (× scale) on fresh batches of `law` at the main size, same data and directions (the
    controls of D8 and D13)."""
    size = ctx.plan.main
    out = []
    for s in range(seeds):
        g = torch.Generator().manual_seed(ctx.plan.seed * 1000 + s)
        x = battery.sample(law, size.n, size.k, g)
        a = unit_directions(size.k, size.m, g)
        out.append(scale * float(reference.get(top).evaluate(x, a)) / float(reference.get(bottom).evaluate(x, a)))
    return mean_interval(out)
