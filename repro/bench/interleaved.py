"""The ratios that survive load: the floor, the engine and R1 timed in turn in one process, and their per-repeat
ratios with bootstrap intervals.

Method: in one more fresh process at the target configuration, the floor (the two projection matmuls any
implementation needs: x@A forward and the gradient matmul back), the engine and R1 (forward+backward each) are
timed in turn, the order rotated every repeat, so that a burst of load hits all three alike; engine/floor and
R1/engine are computed per repeat and reported as the median with a bootstrap interval over repeats
(core.stats). The same process times the engine's first call (fresh interpreter, nothing warmed up). On a GPU
(`--device cuda`) the same code synchronises before and after each measurement.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from core.pool import one_thread
from core.results import device_name
from core.stats import stratified_bootstrap

from .config import IMPLS, MIN_MEASUREMENT_S
from .timing import _implementation, _time_calls

INTERLEAVED = ("floor", "engine", "R1")


def measure_interleaved(n: int, k: int, m: int, seed: int, repeats: int, device: str = "cpu") -> dict:
    """The floor, the engine and R1 timed in turn in this process (meant to be a fresh one): per-call wall and
    CPU milliseconds per repeat, each measurement averaging `inner` calls; the order rotates every repeat so
    that each goes first equally often. Also the engine's first call, before anything else ran."""
    one_thread()
    from repro.sigreg import draw_directions

    device = torch.device(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else None
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(n, k, generator=generator).to(device).requires_grad_()
    grad_out = torch.randn(n, m, generator=generator).to(device)
    directions = draw_directions(k, m, step=seed, device=device)
    plain = x.detach()

    def floor() -> None:  # what any implementation must do: project, and carry the gradient back through A
        plain @ directions
        grad_out @ directions.mT

    def fwd_bwd(evaluate):
        def call() -> None:
            x.grad = None
            evaluate(x).backward()

        return call

    calls = {"floor": floor, **{impl: fwd_bwd(_implementation(impl, directions)) for impl in IMPLS}}
    first_call_s = _time_calls(calls["engine"], 1, sync)[0]
    inner = {}
    for name, call in calls.items():  # warm-up, and calls per measurement so that each lasts >= MIN_MEASUREMENT_S
        once = min(_time_calls(call, 1, sync)[0] for _ in range(2))
        inner[name] = max(1, min(200, math.ceil(MIN_MEASUREMENT_S / max(once, 1e-6))))
    wall_ms = {name: [] for name in calls}
    cpu_ms = {name: [] for name in calls}
    for r in range(repeats):
        order = INTERLEAVED[r % 3 :] + INTERLEAVED[: r % 3]
        for name in order:
            wall, cpu = _time_calls(calls[name], inner[name], sync)
            wall_ms[name].append(1e3 * wall)
            cpu_ms[name].append(1e3 * cpu)
    return {
        "n": n,
        "k": k,
        "m": m,
        "device": device_name(device),
        "threads": torch.get_num_threads(),
        "first_call_s": first_call_s,
        "inner": inner,
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
    }


def _median_interval(values, rng: np.random.Generator, reps: int) -> dict:
    result = stratified_bootstrap(np.asarray(values, dtype=np.float64), np.median, rng, reps=reps)
    return {"median": result.estimate, "interval_95": [result.low, result.high]}


def interleaved_summary(raw: dict, rng: np.random.Generator, reps: int) -> dict:
    """Per-repeat ratios (the three measurements of a repeat shared the machine's state), their medians with
    percentile-bootstrap intervals over repeats, and each implementation's median time."""
    out = {key: raw[key] for key in ("n", "k", "m", "device", "threads", "first_call_s", "inner")}
    for clock in ("wall", "cpu"):
        times = {name: np.asarray(v) for name, v in raw[f"{clock}_ms"].items()}
        out[f"{clock}_ms"] = {name: _median_interval(v, rng, reps) for name, v in times.items()}
        out[f"{clock}_engine_over_floor"] = _median_interval(times["engine"] / times["floor"], rng, reps)
        out[f"{clock}_R1_over_engine"] = _median_interval(times["R1"] / times["engine"], rng, reps)
    out["repeats"] = len(raw["wall_ms"]["floor"])
    return out
