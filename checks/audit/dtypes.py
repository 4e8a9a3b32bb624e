"""Dtypes and precision: every variant on float32, float64 and bfloat16 inputs, and on float32 inputs under
CPU bf16 autocast. Which raise (exception type and message), which silently change the value, by how much.

The directions are always the float32 unit columns of the contract (the sources draw A in float32, except P2,
which draws in the input's dtype; its reference casts the given A to the input's dtype). The value is compared
with the float32 value on the same data and directions, and with the exact oracle (float64).
"""

from __future__ import annotations

import torch

import reference
from core.directions import unit_directions
from core.streams import generator
from reference import oracle

from . import battery
from ._common import as_float
from .measure import Size, scalar

MODES = ("float32", "float64", "bfloat16", "autocast-bf16")


def run_mode(variant, x: torch.Tensor, a: torch.Tensor, mode: str) -> dict:
    """One variant on one batch in one dtype mode (MODES): value, output dtype, gradient, or the exception."""
    if mode == "float64":
        x = x.double()
    elif mode == "bfloat16":
        x = x.bfloat16()
    x = x.clone().requires_grad_(True)
    try:
        if mode == "autocast-bf16":
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = variant.evaluate(x, a)
        else:
            out = variant.evaluate(x, a)
        (out.float().mean() if out.dim() else out.float()).backward()
    except Exception as error:
        message = str(error).strip().splitlines()[0] if str(error).strip() else ""
        return {"status": "raises", "exception": type(error).__name__, "message": message[:200]}
    return {
        "status": "ok",
        "value": as_float(scalar(out)),
        "out_dtype": str(out.dtype).removeprefix("torch."),
        "grad_dtype": str(x.grad.dtype).removeprefix("torch."),
        "grad": x.grad.detach().double().flatten(),
    }


def dtype_job(size: dict, laws: list[str], seed: int) -> dict:
    size = Size(**size)
    out: dict = {}
    for law in laws:
        x = battery.sample(law, size.n, size.k, generator(seed, "dtypes", law, size.n, size.k))
        a = unit_directions(size.k, size.m, generator(seed, "dtypes-A", size.k, size.m))
        views = x.double().numpy() if x.dim() == 3 else x.double().numpy()[None]
        exact = float(sum(oracle.sliced_ep(v, a.double().numpy()).mean() for v in views) / len(views))
        out[law] = {"oracle": exact, "variants": {}}
        for vid, variant in reference.REGISTRY.items():
            runs = {mode: run_mode(variant, x, a, mode) for mode in MODES}
            base = runs["float32"]
            g0 = base.get("grad")
            scale = size.n // (battery.VIEWS if x.dim() == 3 else 1) if vid == "R0" else 1
            for run in runs.values():
                g = run.pop("grad", None)
                if run["status"] != "ok":
                    continue
                run["rel_error_vs_oracle"] = as_float(run["value"] * scale / exact - 1) if exact else None
                if base["status"] == "ok" and base["value"]:
                    run["rel_change_vs_fp32"] = as_float(run["value"] / base["value"] - 1)
                    denominator = float(g0.norm())
                    run["grad_rel_change_vs_fp32"] = as_float((g - g0).norm() / denominator) if denominator else None
            out[law]["variants"][vid] = runs
    return out


def classify(run: dict, tolerance: float = 1e-6) -> str:
    """raises / same (|Δ| <= tolerance relative to float32) / changes value (with the output dtype)."""
    if run["status"] == "raises":
        return "raises"
    change = run.get("rel_change_vs_fp32")
    if change is None:
        return "ok"
    return "same" if abs(change) <= tolerance else "changes"
