"""The GPU side: paper Table 6 (claim C22, V100 timings) re-timed on CUDA, and `cuda_bench`, the GPU bench alone
(`python -m repro bench --device cuda`: the interleaved floor/engine/R1 repeats and Table 6 on the GPU, a few
minutes), written to bench_cuda.json/.md. Without CUDA both record not-run and say why; `device` and `configs`
run the same code on a CPU with small sizes (tests/test_engine.py)."""

from __future__ import annotations

import time

import numpy as np
import torch

from core.results import device_name, run_record

from .config import NO_CUDA, TABLE6_K, TABLE6_MS, TARGET_CONFIG, VERSION
from .interleaved import interleaved_summary, measure_interleaved

CUDA_KIND = "engine-bench-cuda"


def table6(seed: int, device: str | None = None, configs: dict | None = None) -> dict:
    """Paper Table 6 on CUDA (claim C22); not-run without CUDA. `device`/`configs` exist to smoke-test the code
    path on a CPU with small configurations (timed with perf_counter there instead of CUDA events)."""
    if device is None:
        if not torch.cuda.is_available():
            return {
                "status": "not-run",
                "reason": f"{NO_CUDA}; the paper's numbers are V100 timings (claim C22)",
                "paper_ms": _table6_paper(),
            }
        device = "cuda"
    from reference.official_r1 import EppsPulley
    from repro.sigreg import Grid, draw_directions, sigreg

    device = torch.device(device)
    rows = []
    for (n, m, knots), paper in (configs or TABLE6_MS).items():
        x = torch.randn(n, TABLE6_K, generator=torch.Generator().manual_seed(seed)).to(device).requires_grad_()
        directions = draw_directions(TABLE6_K, m, step=seed, device=device)
        r1_points = knots if knots % 2 else knots + 1  # the official class asserts an odd number of knots
        r1 = EppsPulley(t_max=3.0, n_points=r1_points)
        r1.t, r1.phi, r1.weights = r1.t.to(device), r1.phi.to(device), r1.weights.to(device)  # buffers, as in source
        grid = Grid.folded(3.0, knots)
        impls = {
            "engine": lambda x, g=grid, a=directions: sigreg(x, a, grid=g),
            "R1": lambda x, f=r1, a=directions: f(x @ a).mean(),
        }
        row = {"n": n, "m": m, "knots": knots, "k": TABLE6_K, "paper_ms": paper, "r1_knots": r1_points}
        for name, fn in impls.items():
            for mode in ("forward", "fwd_bwd"):
                times = _device_times(fn, x, backward=mode == "fwd_bwd")
                row[f"{name}_{mode}_mean_ms"] = float(np.mean(times))
                row[f"{name}_{mode}_std_ms"] = float(np.std(times, ddof=1))
        rows.append(row)
        del x
    return {
        "status": "run",
        "device": device_name(device),
        "rows": rows,
        "method": "3 warm-up calls then 10 timed calls (the paper's count; CUDA events on a GPU), mean and std",
    }


def _table6_paper() -> list[dict]:
    return [{"n": n, "m": m, "knots": t, "paper_ms": ms} for (n, m, t), ms in TABLE6_MS.items()]


def _device_times(fn, x: torch.Tensor, backward: bool) -> list[float]:
    def call() -> None:
        if backward:
            x.grad = None
            fn(x).backward()
        else:
            with torch.no_grad():
                fn(x)

    for _ in range(3):
        call()
    times = []
    for _ in range(10):
        if x.device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            call()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            begin = time.perf_counter()
            call()
            times.append(1e3 * (time.perf_counter() - begin))
    return times


def cuda_bench(seed: int, device: str | None = None, repeats: int = 21, target=TARGET_CONFIG, configs=None) -> dict:
    """Floor, engine and R1 interleaved at `target` and the paper's Table 6 configurations, on the GPU (a few
    minutes on one). Without CUDA: a not-run record that says why. `device`, `target` and `configs` exist to run
    the same code on a CPU with small sizes (tests/test_engine.py)."""
    started = time.perf_counter()
    record = {"kind": CUDA_KIND, "version": VERSION, "seed": seed}
    if device is None and not torch.cuda.is_available():
        return {**record, "status": "not-run", "reason": NO_CUDA, "table6": table6(seed), **run_record()}
    device = torch.device(device or "cuda")
    interleaved = measure_interleaved(*target, seed, repeats, str(device))
    return {
        **record,
        "status": "run",
        "method": {
            "interleaved": "floor (x@A and the gradient matmul (N, M)@(M, K)), engine, R1 and the engine's eager "
            "path (the engine itself on a GPU) forward+backward timed in turn in one process (synchronised before "
            "and after each measurement), order rotated each "
            "repeat; per-repeat ratios, median with a 95% percentile bootstrap over repeats",
        },
        "interleaved": interleaved_summary(interleaved, np.random.default_rng(seed), 2000),
        "table6": table6(seed, str(device), configs),
        "runtime_s": round(time.perf_counter() - started, 1),
        **run_record(device_name(device)),
    }
