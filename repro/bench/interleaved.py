"""The ratios that survive load: the floor, the engine and R1 timed in turn in one process, and their per-repeat
ratios with bootstrap intervals.

Method: in one more fresh process at the target configuration, the floor (the two projection matmuls any
implementation needs: x@A forward and the gradient matmul back), the engine and R1 (forward+backward each) are
timed in turn, the order rotated every repeat, so that a burst of load hits all three alike; engine/floor and
R1/engine are computed per repeat and reported as the median with a bootstrap interval over repeats
(core.stats). The engine's eager path (`kernel="eager"`, the CUDA path) takes its turn too, so eager/engine
says what the fused CPU kernels are worth in the same run. The same process times the engine's first call
(fresh interpreter, nothing warmed up); `first_calls` times it in two more interpreters, the first with an empty
numba cache (the kernels compile) and the second loading what the first cached. On a GPU (`--device cuda`) the
same code synchronises before and after each measurement.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

from core.pool import one_thread
from core.results import REPO_ROOT, device_name
from core.stats import stratified_bootstrap

from .config import MIN_MEASUREMENT_S
from .timing import _implementation, _time_calls

INTERLEAVED = ("floor", "engine", "R1", "eager")
# A fresh interpreter's first engine call (imports excluded, numba's import and compile included), printed in s.
_FIRST_CALL = """
import time, torch
from core.pool import one_thread
from repro.sigreg import draw_directions, sigreg
one_thread()
n, k, m, seed = {n}, {k}, {m}, {seed}
x = torch.randn(n, k, generator=torch.Generator().manual_seed(seed)).requires_grad_()
directions = draw_directions(k, m, step=seed)
start = time.perf_counter()
sigreg(x, directions).backward()
print(time.perf_counter() - start)
"""


def measure_interleaved(n: int, k: int, m: int, seed: int, repeats: int, device: str = "cpu") -> dict:
    """The floor, the engine, R1 and the engine's eager path timed in turn in this process (meant to be a fresh
    one): per-call wall and CPU milliseconds per repeat, each measurement averaging `inner` calls; the order
    rotates every repeat so that each goes first equally often. Also the engine's first call, before anything
    else ran."""
    one_thread()
    from repro.sigreg import _kernel, draw_directions

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

    calls = {"floor": floor, **{impl: fwd_bwd(_implementation(impl, directions)) for impl in INTERLEAVED[1:]}}
    first_call_s = _time_calls(calls["engine"], 1, sync)[0]
    inner = {}
    for name, call in calls.items():  # warm-up, and calls per measurement so that each lasts >= MIN_MEASUREMENT_S
        once = min(_time_calls(call, 1, sync)[0] for _ in range(2))
        inner[name] = max(1, min(200, math.ceil(MIN_MEASUREMENT_S / max(once, 1e-6))))
    wall_ms = {name: [] for name in calls}
    cpu_ms = {name: [] for name in calls}
    for r in range(repeats):
        order = INTERLEAVED[r % len(INTERLEAVED) :] + INTERLEAVED[: r % len(INTERLEAVED)]
        for name in order:
            wall, cpu = _time_calls(calls[name], inner[name], sync)
            wall_ms[name].append(1e3 * wall)
            cpu_ms[name].append(1e3 * cpu)
    extra = {"first_calls_s": first_calls(n, k, m, seed)} if device.type == "cpu" else {}
    return {
        "n": n,
        "k": k,
        "m": m,
        "device": device_name(device),
        "threads": torch.get_num_threads(),
        "engine_kernel": _kernel("auto", x),
        "first_call_s": first_call_s,
        "inner": inner,
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
        **extra,
    }


def first_calls(n: int, k: int, m: int, seed: int) -> dict:
    """The engine's first call in two fresh interpreters sharing an empty numba cache folder: "cold" compiles the
    fused kernels, "cached" loads them (what every later process does). Seconds."""
    out = {}
    with tempfile.TemporaryDirectory(prefix="sigreg-numba-cache.") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        code = _FIRST_CALL.format(n=n, k=k, m=m, seed=seed)
        for name in ("cold", "cached"):
            done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            out[name] = float(done.stdout.strip().splitlines()[-1])
    return out


def _median_interval(values, rng: np.random.Generator, reps: int) -> dict:
    result = stratified_bootstrap(np.asarray(values, dtype=np.float64), np.median, rng, reps=reps)
    return {"median": result.estimate, "interval_95": [result.low, result.high]}


def interleaved_summary(raw: dict, rng: np.random.Generator, reps: int) -> dict:
    """Per-repeat ratios (the measurements of a repeat shared the machine's state), their medians with
    percentile-bootstrap intervals over repeats, and each implementation's median time."""
    out = {key: raw[key] for key in ("n", "k", "m", "device", "threads", "engine_kernel", "first_call_s", "inner")}
    if "first_calls_s" in raw:  # CPU only
        out["first_calls_s"] = raw["first_calls_s"]
    for clock in ("wall", "cpu"):
        times = {name: np.asarray(v) for name, v in raw[f"{clock}_ms"].items()}
        out[f"{clock}_ms"] = {name: _median_interval(v, rng, reps) for name, v in times.items()}
        out[f"{clock}_engine_over_floor"] = _median_interval(times["engine"] / times["floor"], rng, reps)
        out[f"{clock}_R1_over_engine"] = _median_interval(times["R1"] / times["engine"], rng, reps)
        if "eager" in times:
            out[f"{clock}_eager_over_engine"] = _median_interval(times["eager"] / times["engine"], rng, reps)
    out["repeats"] = len(raw["wall_ms"]["floor"])
    return out
