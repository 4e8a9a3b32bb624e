"""One implementation at one (N, K, M), meant to run in its own fresh process: its time, its memory, and where
the engine's time goes.

Method (written into results/bench.md):
- One fresh interpreter per (implementation, N, K, M), `torch.set_num_threads(1)`, configurations run one after
  another. Inputs x ~ N(0, I) (seeded), directions `draw_directions(K, M, step=0)`; both implementations see the
  same x and directions and their values are compared.
- Time: after warm-up, `repeats` measurements of forward (no_grad) and of forward+backward (x.grad cleared);
  each measurement averages `inner` calls so that it lasts >= ~50 ms; the median is reported with a bootstrap
  interval over the measurements.
- Memory, two ways: (a) torch allocations: the peak of the running sum of the bytes torch allocates and frees
  during one forward+backward, read from torch.profiler's memory events (exact for tensors, blind to library
  scratch space); (b) process: ru_maxrss after the first full-size forward+backward minus before it, after a
  tiny warm-up call that triggers lazy initialisation (includes allocator slack; noise floor a few MiB).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import os
import resource
import sys
import tempfile
import time

import numpy as np
import torch

from .config import IMPLS, MIN_MEASUREMENT_S


def _implementation(impl: str, directions: torch.Tensor):
    """x -> the statistic by `impl`: one of IMPLS, or "eager", the engine's eager path (timed interleaved only)."""
    if impl in ("engine", "eager"):
        from repro.sigreg import sigreg

        kernel = "auto" if impl == "engine" else "eager"
        return lambda x: sigreg(x, directions, kernel=kernel)
    if impl == "R1":
        import reference

        r1 = reference.REGISTRY["R1"]
        return lambda x: r1.evaluate(x, directions)
    raise ValueError(f"unknown implementation {impl!r}; known: {(*IMPLS, 'eager')}")


@contextlib.contextmanager
def _quiet_stderr():
    """Send file descriptor 2 to /dev/null: the profiler's C++ side logs two lines per session there."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _torch_peak_bytes(fn) -> int:
    """Peak of the running sum of torch's CPU allocations minus frees during fn(), from profiler memory events."""
    from torch.profiler import ProfilerActivity, profile

    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        with open(path, encoding="utf-8") as handle:
            events = json.load(handle)["traceEvents"]
    finally:
        os.unlink(path)
    memory = sorted((e for e in events if e.get("name") == "[memory]"), key=lambda e: (e["ts"], e["args"]["Ev Idx"]))
    running = list(itertools.accumulate(int(e["args"]["Bytes"]) for e in memory))
    return max([0, *running])


def _time_calls(fn, inner: int, sync=None) -> tuple[float, float]:
    """(wall, process CPU) seconds per call over `inner` calls. With one thread, CPU time is the compute time
    and is less sensitive than wall time to other processes sharing the cores. `sync` (torch.cuda.synchronize
    on a GPU) is called before and after, so that wall time covers the queued kernels."""
    if sync is not None:
        sync()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(inner):
        fn()
    if sync is not None:
        sync()
    return (time.perf_counter() - wall) / inner, (time.process_time() - cpu) / inner


def measure(job: dict) -> dict:
    """Time and memory of one implementation at one (N, K, M); meant to run in its own process."""
    from repro.sigreg import draw_directions

    n, k, m = job["n"], job["k"], job["m"]
    generator = torch.Generator().manual_seed(job["seed"])
    x = torch.randn(n, k, generator=generator).requires_grad_()
    directions = draw_directions(k, m, step=job["seed"])
    evaluate = _implementation(job["impl"], directions)

    def fwd_bwd() -> None:
        x.grad = None
        evaluate(x).backward()

    def fwd() -> None:
        with torch.no_grad():
            evaluate(x)

    # Lazy initialisation (kernels, thread pool, allocator arenas) on a tiny input, then the process memory
    # high-water mark of the first full-size forward+backward.
    tiny = torch.randn(8, k, generator=generator).requires_grad_()
    evaluate(tiny).backward()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    fwd_bwd()
    first_s = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with torch.no_grad():
        value = float(evaluate(x))
    inner = max(1, min(200, math.ceil(MIN_MEASUREMENT_S / max(first_s, 1e-6))))
    for _ in range(job["warmup"]):
        _time_calls(fwd_bwd, inner)
        _time_calls(fwd, inner)
    fwd_bwd_s, fwd_s = [], []
    for _ in range(job["repeats"]):  # interleaved, so that a burst of load hits both modes alike
        fwd_bwd_s.append(_time_calls(fwd_bwd, inner))
        fwd_s.append(_time_calls(fwd, inner))
    x.grad = None  # freed outside the profiled call: the profiler cannot see frees of earlier allocations
    torch_peak = _torch_peak_bytes(lambda: evaluate(x).backward())
    return {
        **{key: job[key] for key in ("impl", "n", "k", "m", "roles")},
        "value": value,
        "inner": inner,
        "forward_ms": [1e3 * wall for wall, _ in fwd_s],
        "fwd_bwd_ms": [1e3 * wall for wall, _ in fwd_bwd_s],
        "forward_median_ms": 1e3 * float(np.median([wall for wall, _ in fwd_s])),
        "fwd_bwd_median_ms": 1e3 * float(np.median([wall for wall, _ in fwd_bwd_s])),
        "forward_cpu_median_ms": 1e3 * float(np.median([cpu for _, cpu in fwd_s])),
        "fwd_bwd_cpu_median_ms": 1e3 * float(np.median([cpu for _, cpu in fwd_bwd_s])),
        "torch_peak_mib": torch_peak / 2**20,
        "rss_delta_mib": (rss_after - rss_before) / 1024,  # ru_maxrss is in KiB on Linux
    }


def engine_profile(n: int, k: int, m: int, seed: int) -> list[dict]:
    """Self CPU time per operator of one engine forward+backward (where the time goes; for the report)."""
    from torch.profiler import ProfilerActivity, profile

    from repro.sigreg import draw_directions, sigreg

    x = torch.randn(n, k, generator=torch.Generator().manual_seed(seed)).requires_grad_()
    directions = draw_directions(k, m, step=seed)
    for _ in range(2):
        sigreg(x, directions).backward()
    x.grad = None
    with _quiet_stderr(), profile(activities=[ProfilerActivity.CPU]) as prof:
        sigreg(x, directions).backward()
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in rows)
    return [
        {"op": e.key, "calls": e.count, "self_ms": e.self_cpu_time_total / 1e3, "share": e.self_cpu_time_total / total}
        for e in rows[:8]
    ]
