"""The opt-in DDP check (`--ddp`): the callable on a real two-process gloo group, each rank holding half of a global
batch, against its own single-process value and gradient on that global batch."""

from __future__ import annotations

import datetime
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path

import torch

from core.pool import one_thread

from .diagnose import Finding
from .load import load_callable
from .probes import N2, Probes, _within_rtol

WORLD = 2


def _ddp_worker(rank: int, port: int, spec: str, seed: int, out_dir: str) -> None:
    import torch.distributed as dist

    one_thread()
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=datetime.timedelta(seconds=120))
    try:
        fn = load_callable(spec)
        probes = Probes(seed)
        x_global = torch.cat([probes.laws_n2["gaussian"], probes.laws_n2["narrow-shifted"]])
        local = x_global[rank * N2 : (rank + 1) * N2]
        result: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                xx = local.clone().requires_grad_(True)
                value = fn(xx, probes.a1)
                (grad,) = torch.autograd.grad(value.double().mean(), xx, allow_unused=True)
                result["value"] = float(value.detach().double().mean())
                result["grad"] = torch.zeros_like(xx) if grad is None else grad.detach()
            except Exception as error:
                result["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"
        torch.save(result, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def ddp_check(fn: Callable, spec: str, probes: Probes) -> tuple[Finding | None, dict]:
    """Two gloo ranks each hold half of a global batch; the callable must return its single-process value on the
    global batch, and a local gradient of W × its single-process gradient there (what DDP's averaging needs)."""
    from ..audit.ddp import spawn_ranks

    x_global = torch.cat([probes.laws_n2["gaussian"], probes.laws_n2["narrow-shifted"]])
    xx = x_global.clone().requires_grad_(True)
    ref_value = fn(xx, probes.a1).double().mean()
    (ref_grad,) = torch.autograd.grad(ref_value, xx)
    with tempfile.TemporaryDirectory(prefix="compare-ddp-") as out_dir:
        spawn_ranks(_ddp_worker, spec, probes.seed, out_dir)
        ranks = [torch.load(Path(out_dir) / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]
    evidence: dict = {"world_size": WORLD, "backend": "gloo", "global_value": float(ref_value.detach()), "ranks": []}
    reasons = []
    for rank, result in enumerate(ranks):
        if "error" in result:
            reasons.append(f"rank {rank} raised {result['error']}")
            evidence["ranks"].append({"error": result["error"]})
            continue
        true = ref_grad[rank * N2 : (rank + 1) * N2].double()
        per_rank = result["grad"].double() / WORLD
        cosine = float(torch.nn.functional.cosine_similarity(per_rank.flatten(), true.flatten(), dim=0))
        row = {
            "value_over_global": result["value"] / float(ref_value.detach()),
            "grad_norm_ratio": float(per_rank.norm() / true.norm()),
            "grad_cosine": cosine,
        }
        evidence["ranks"].append(row)
        if not _within_rtol(row["value_over_global"], 1):
            reasons.append(f"rank {rank}: value {row['value_over_global']:.4g} × the global-batch value")
        if not (_within_rtol(row["grad_norm_ratio"], 1, 1e-3) and cosine > 1 - 1e-4):
            reasons.append(
                f"rank {rank}: gradient/W is {row['grad_norm_ratio']:.4g} × the global one (cosine {cosine:.4f})"
            )
    if not reasons:
        return None, evidence
    return Finding("ddp", "on 2 gloo ranks: " + "; ".join(reasons), evidence), evidence
