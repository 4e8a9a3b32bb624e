"""A real torch.distributed run (gloo, CPU, 2 processes spawned here) of four ways to reduce SIGReg across ranks.

The four reductions are written here from the sources' semantics as the reference docstrings and docs/variants.md
describe them (not copied from any source):

- R1-style (official repository HEAD): means of cos and sin over the local batch, all-reduced with the
  autograd-aware `torch.distributed.nn.all_reduce(AVG)`, statistic × N_local · W.
- P1-style (stable-pretraining 0.1.8): the same all_reduce is called and its result discarded, × N_local · W.
- P2-style (lightly 1.6.0): sums of cos and sin all-reduced (autograd-aware SUM), N all-reduced, divided by
  the global N, statistic × N_global.
- listing-style (paper Algorithm 1): complex ECF on the paper grid [−5, 5]×17, reduced with the
  non-differentiable, in-place c10d `torch.distributed.all_reduce(AVG)`, × N_local · W, trapezoid.

Each rank reports its value and the gradient with respect to its local batch; a DistributedDataParallel
linear encoder gives the parameter gradient after DDP's averaging. The single-process reference is the
same function with W = 1 on the concatenated global batch (so the reference of the listing-style reduction
is the listing's own statistic on the global batch). No part of the process group is mocked.
"""

from __future__ import annotations

import datetime
import os
import socket
import tempfile
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from core.directions import unit_directions
from core.pool import one_thread
from core.streams import generator
from reference import folded_trapezoid

from . import battery

WORLD = 2
STYLES = ("R1-style", "P1-style", "P2-style", "listing-style")
#: (N_local per rank, K, M) of docs/variants.md#peers
PROBE_SIZE = (256, 32, 64)
QUICK_SIZE = (64, 8, 16)
# Local batches: "iid" (both ranks N(0, I)), "distinct" (rank 0 N(0, I), rank 1 the anisotropic law, the
# peers' distinct-batch probe), "unequal" (N(0, I) with 3/4 of the global batch on rank 0: D22).
PROBES = ("iid", "distinct", "unequal")


def _official_grid():
    t, phi, weights = folded_trapezoid(3.0, 17)
    return t, phi, weights


def _nn_all_reduce(tensor: torch.Tensor, op) -> torch.Tensor:
    import torch.distributed.nn  # noqa: F401  (registers torch.distributed.nn)

    with warnings.catch_warnings():
        # torch 2.13 marks torch.distributed.nn.all_reduce deprecated; the sources use it, so it is used here.
        warnings.simplefilter("ignore", FutureWarning)
        return torch.distributed.nn.all_reduce(tensor, op=op)


def statistic(style: str, x: torch.Tensor, a: torch.Tensor, world: int) -> torch.Tensor:
    """SIGReg of the local batch x (N_local, K) on directions a (K, M) as `style` reduces it over `world` ranks."""
    proj = x @ a
    if style == "listing-style":
        t = torch.linspace(-5.0, 5.0, 17)
        exp_f = torch.exp(-0.5 * t.square())
        ecf = torch.exp(1j * (proj.unsqueeze(-1) * t)).mean(dim=-3)
        if world > 1:
            dist.all_reduce(ecf, op=dist.ReduceOp.AVG)  # in place, non-differentiable; returns None
        err = (ecf - exp_f).abs().square() * exp_f
        return (torch.trapz(err, t, dim=-1) * x.size(-2) * world).mean()
    t, phi, weights = _official_grid()
    angles = proj.unsqueeze(-1) * t
    if style == "P2-style":
        cos_sum, sin_sum = angles.cos().sum(dim=-3), angles.sin().sum(dim=-3)
        n = torch.tensor(float(x.size(-2)))
        if world > 1:
            cos_sum = _nn_all_reduce(cos_sum, dist.ReduceOp.SUM)
            sin_sum = _nn_all_reduce(sin_sum, dist.ReduceOp.SUM)
            dist.all_reduce(n, op=dist.ReduceOp.SUM)
        err = (cos_sum / n - phi).square() + (sin_sum / n).square()
        return ((err @ weights) * n).mean()
    cos_mean, sin_mean = angles.cos().mean(dim=-3), angles.sin().mean(dim=-3)
    if world > 1:
        if style == "R1-style":
            cos_mean = _nn_all_reduce(cos_mean, dist.ReduceOp.AVG)
            sin_mean = _nn_all_reduce(sin_mean, dist.ReduceOp.AVG)
        elif style == "P1-style":
            _nn_all_reduce(cos_mean, dist.ReduceOp.AVG)  # result discarded, as the source does
            _nn_all_reduce(sin_mean, dist.ReduceOp.AVG)
        else:
            raise ValueError(f"unknown style {style!r}; known: {', '.join(STYLES)}")
    err = (cos_mean - phi).square() + sin_mean.square()
    return ((err @ weights) * x.size(-2) * world).mean()


def _global_batch(probe: str, seed: int, size: tuple[int, int, int]) -> tuple[torch.Tensor, list[int]]:
    n_local, k, _ = size
    if probe == "unequal":
        counts = [3 * n_local // 2, n_local // 2]
    else:
        counts = [n_local] * WORLD
    parts = []
    for rank, count in enumerate(counts):
        law = "anisotropic" if (probe == "distinct" and rank == 1) else "gaussian"
        parts.append(battery.sample(law, count, k, generator(seed, "ddp", probe, rank, count, k)))
    return torch.cat(parts), counts


def _encoder(k: int, seed: int) -> torch.nn.Linear:
    model = torch.nn.Linear(k, k, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.randn(k, k, generator=generator(seed, "ddp-encoder", k)) / k**0.5 + torch.eye(k))
    return model


def _cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a.flatten().double(), b.flatten().double(), dim=0))


def _single_process(style: str, x: torch.Tensor, a: torch.Tensor) -> tuple[float, torch.Tensor]:
    x = x.clone().requires_grad_(True)
    value = statistic(style, x, a, 1)
    value.backward()
    return float(value.detach()), x.grad


def _listing_probes() -> dict:
    """What the listing's `ecf = all_reduce(ecf, op="AVG")` does with the c10d API (D2)."""
    t = torch.ones(3)
    out = {"c10d_all_reduce_returns": repr(dist.all_reduce(t.clone(), op=dist.ReduceOp.AVG))}
    try:
        dist.all_reduce(t.clone(), op="AVG")
        out["string_op"] = "accepted"
    except Exception as error:
        out["string_op"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:160]}"
    return out


def _worker(rank: int, port: int, seed: int, size: tuple[int, int, int], out_dir: str) -> None:
    one_thread()
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=datetime.timedelta(seconds=120))
    try:
        k, m = size[1], size[2]
        a = unit_directions(k, m, generator(seed, "ddp-A", k, m))
        result: dict = {"probes": {}, "listing": _listing_probes()}
        for probe in PROBES:
            x_global, counts = _global_batch(probe, seed, size)
            start = sum(counts[:rank])
            x_local = x_global[start : start + counts[rank]]
            result["probes"][probe] = {"counts": counts}
            for style in STYLES:
                ref_value, ref_grad = _single_process(style, x_global, a)
                local_value, _ = _single_process(style, x_local, a)
                xx = x_local.clone().requires_grad_(True)
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    value = statistic(style, xx, a, WORLD)
                    value.backward()
                true_slice = ref_grad[start : start + counts[rank]]
                per_rank = xx.grad / WORLD  # what DDP's averaging over W ranks makes of it
                # The parameter gradient after DDP averaging, against the single-process one on the global batch.
                encoder = _encoder(k, seed)
                ddp_model = torch.nn.parallel.DistributedDataParallel(encoder)
                with warnings.catch_warnings(record=True) as caught_ddp:
                    warnings.simplefilter("always")
                    statistic(style, ddp_model(x_local), a, WORLD).backward()
                reference_encoder = _encoder(k, seed)
                statistic(style, reference_encoder(x_global), a, 1).backward()
                param_grad, param_ref = encoder.weight.grad, reference_encoder.weight.grad
                result["probes"][probe][style] = {
                    "value": float(value.detach()),
                    "global_reference": ref_value,
                    "local_statistic": local_value,
                    "value_over_reference": float(value.detach()) / ref_value,
                    "value_over_w_times_local": float(value.detach()) / (WORLD * local_value),
                    "input_grad_norm_ratio": float(per_rank.norm() / true_slice.norm()),
                    "input_grad_cosine": _cosine(per_rank, true_slice),
                    "param_grad_norm_ratio": float(param_grad.norm() / param_ref.norm()),
                    "param_grad_cosine": _cosine(param_grad, param_ref),
                    "warnings": sorted({str(w.message).splitlines()[0][:160] for w in [*caught, *caught_ddp]}),
                }
        torch.save(result, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_ranks(worker, *args) -> None:
    """Run `worker(rank, port, *args)` on WORLD spawned gloo ranks. A free port can be taken between probing and
    binding, and gloo can abort a rank at teardown: one failed start is retried on a fresh port."""
    last_error = None
    for _attempt in range(2):
        try:
            mp.start_processes(worker, args=(free_port(), *args), nprocs=WORLD, join=True, start_method="spawn")
            return
        except Exception as error:  # the ranks' own exceptions arrive here as ProcessRaisedException
            last_error = error
    raise RuntimeError(f"gloo run failed: {type(last_error).__name__}: {last_error}") from last_error


def run(seed: int, size: tuple[int, int, int] = PROBE_SIZE) -> dict:
    """Spawn the 2 gloo ranks, gather their reports: {"rank0": ..., "rank1": ..., "size": ...}."""
    with tempfile.TemporaryDirectory(prefix="audit-ddp-") as out_dir:
        spawn_ranks(_worker, seed, size, out_dir)
        ranks = {f"rank{r}": torch.load(Path(out_dir) / f"rank{r}.pt", weights_only=False) for r in range(WORLD)}
    return {"world_size": WORLD, "backend": "gloo", "size": {"n_local": size[0], "k": size[1], "m": size[2]}, **ranks}
