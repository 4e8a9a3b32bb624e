"""C4: SIGReg costs time and memory linear in the batch size N and the dimension K (the directions M: ours).

The paper says "linear in dimension and sample size" (§4.2.3) and O(N) in the minibatch size (§1); it says
nothing about the number of slices M, whose axis we time as well because SIGReg's cost is N·M·knots.

We time forward + backward of our R1 reference (official repository at HEAD) on one CPU thread along each axis,
and measure memory exactly as the bytes autograd saves for the backward pass (saved_tensors_hooks; what a GPU
would have to hold), then fit log-log slopes of the 20 % quantile of each size's timings (load from other processes
only adds time, so a low quantile tracks the algorithm; unlike the minimum it is a valid bootstrap target).
Intervals: percentile bootstrap over the repeated timings, resampled within each size. Kept small (N <= 4096):
the claim is about the exponent, not absolute speed (C22).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

import reference
from core.directions import unit_directions
from core.stats import loglog_slope

from ..registry import Outcome, Tolerance, claim, combine_verdicts, torch_generator, verdict_from_interval
from ._common import with_control

# Small sizes: the working set of the largest (N·M·17 floats, ~4.5 MB) stays near the caches, and a run takes
# seconds. Larger sizes were tried: past the last-level cache each doubling cost up to 3x on this machine.
BASE = {"n": 512, "k": 32, "m": 32}
AXES = {"n": (256, 512, 1024, 2048), "m": (16, 32, 64, 128), "k": (32, 64, 128, 256)}

TIME_QUANTILE = 0.2
TIME_TOLERANCE = 1.5  # slope above which the cost is called super-linear (reason in the Tolerance below)
MEMORY_TOLERANCE = 1.05


def cache_sizes() -> dict:
    """CPU cache sizes as Linux reports them (for the record: they shape CPU timing slopes)."""
    out = {}
    root = Path("/sys/devices/system/cpu/cpu0/cache")
    for index in sorted(root.glob("index*")) if root.exists() else []:
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            out[f"L{level} {kind}"] = (index / "size").read_text().strip()
        except OSError:
            continue
    return out


Step = Callable[[], torch.Tensor]


def r1_step(n: int, k: int, m: int, gen: torch.Generator) -> Step:
    """One forward + backward of R1 on fresh N(0, I) embeddings (built outside the timed call)."""
    variant = reference.get("R1")
    x = torch.randn(n, k, generator=gen).requires_grad_(True)
    a = unit_directions(k, m, gen)

    def step() -> torch.Tensor:
        loss = variant.evaluate(x, a)
        loss.backward()
        return loss

    return step


def pairwise_step(n: int, k: int, m: int, gen: torch.Generator) -> Step:
    """O(N²) time and memory: all pairwise differences are built and saved for backward (the negative control)."""
    x = torch.randn(n, k, generator=gen).requires_grad_(True)

    def step() -> torch.Tensor:
        loss = ((x[:, None, :] - x[None, :, :]) ** 2).exp().neg().mean()
        loss.backward()
        return loss

    return step


def _low_quantile(t: np.ndarray) -> float:
    return float(np.quantile(t, TIME_QUANTILE))


def saved_bytes(step: Step) -> int:
    """Bytes of the distinct tensors autograd saves for backward during one step."""
    seen: dict[tuple, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        seen[(storage.data_ptr(), storage.nbytes())] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    return int(sum(seen.values()))


def measure(make_step: Callable[..., Step], axis: str, sizes, repeats: int, gen: torch.Generator, base: dict):
    """Timings interleaved across sizes (round robin), so a burst of load on a shared machine hits every size
    alike instead of biasing one end of the fit; memory once per size."""
    steps = {}
    for size in sizes:
        shape = {**base, axis: size}
        steps[size] = make_step(shape["n"], shape["k"], shape["m"], gen)
        steps[size]()  # warm-up: first-call allocations and lazy initialisation are not the algorithm's cost
    times = {size: [] for size in sizes}
    for _ in range(repeats):
        for size in sizes:
            started = time.perf_counter()
            steps[size]()
            times[size].append(time.perf_counter() - started)
    memory = {size: saved_bytes(steps[size]) for size in sizes}
    return {size: np.array(t) for size, t in times.items()}, memory


def core(
    rng: np.random.Generator,
    make_step: Callable[..., Step] = r1_step,
    axes: dict | None = None,
    base: dict | None = None,
    repeats: int = 15,
    boot_reps: int = 1000,
) -> Outcome:
    axes = AXES if axes is None else axes
    base = BASE if base is None else base
    gen = torch_generator(rng)
    results, verdicts = {}, []
    for axis, sizes in axes.items():
        times, memory = measure(make_step, axis, sizes, repeats, gen, base)
        # A low quantile per size: other processes on the machine only ever add time (medians moved 2x between
        # runs under load while minima moved ~10 %); the minimum itself is not a valid bootstrap target.
        t_fit = loglog_slope(np.array(sizes), times, rng, summary=_low_quantile, reps=boot_reps)
        q = [_low_quantile(times[s]) for s in sizes]
        local = float(np.log(q[-1] / q[-2]) / np.log(sizes[-1] / sizes[-2]))
        m_slope = float(np.polyfit(np.log(sizes), np.log([memory[s] for s in sizes]), 1)[0])
        verdicts.append(verdict_from_interval(t_fit.low, t_fit.high, below=TIME_TOLERANCE))
        verdicts.append("reproduced" if m_slope <= MEMORY_TOLERANCE else "not-reproduced")
        results[axis] = {
            "sizes": list(sizes),
            "min_ms": [round(float(np.min(times[s])) * 1e3, 3) for s in sizes],
            "q20_ms": [round(v * 1e3, 3) for v in q],
            "last_doubling_time_slope": local,
            "median_ms": [round(float(np.median(times[s])) * 1e3, 3) for s in sizes],
            "time_slope": t_fit.estimate,
            "time_slope_interval": [t_fit.low, t_fit.high],
            "saved_bytes": [memory[s] for s in sizes],
            "memory_slope": m_slope,
        }
    n_fit = results.get("n", next(iter(results.values())))
    return Outcome(
        verdict=combine_verdicts(verdicts),
        estimate=n_fit["time_slope"],
        interval=tuple(n_fit["time_slope_interval"]),
        interval_method=f"log-log slope of the 20 % quantile of the timings in N, percentile bootstrap ({boot_reps}) "
        f"over {repeats} repeats per size, stratified by size",
        n=repeats * sum(len(s) for s in axes.values()),
        tolerance=Tolerance(
            {"time_slope_max": TIME_TOLERANCE, "memory_slope_max": MEMORY_TOLERANCE},
            "linear means slope <= 1; on a CPU a fit over 8x in size also picks up cache transitions (up to 2.6x "
            "per doubling where the working set leaves a cache, measured here) and load from other processes; "
            "1.5 leaves room for that while a quadratic cost (~2) stays outside. Saved-tensor bytes are exact, "
            "so memory only gets margin for the constant-size tensors",
        ),
        reason="; ".join(
            f"{axis}: time slope {r['time_slope']:.2f} [{r['time_slope_interval'][0]:.2f}, "
            f"{r['time_slope_interval'][1]:.2f}] (last doubling {r['last_doubling_time_slope']:.2f}), memory slope "
            f"{r['memory_slope']:.3f}"
            for axis, r in results.items()
        ),
        detail={
            "base": base,
            "axes": results,
            "threads": torch.get_num_threads(),
            "implementation": "R1 forward + backward",
            "caches": cache_sizes(),
        },
    )


@claim(
    id="C4-linear-cost",
    version=2,
    paper="arXiv:2511.08544v3 §1 and §4.2.3 ('linear time and memory complexity')",
    tier="cpu-fast",
    budget_s=30,
    statement="SIGReg has linear time and memory complexity, O(N) in the minibatch size; 'linear in dimension and "
    "sample size' (the slices axis M is timed too, but the paper states nothing about it)",
    paper_numbers={"order_in_N": "O(N)", "order_in_dimension": "linear"},
    exclusive=True,  # timings: a second check on the other core competes for the shared cache and memory bus
)
def check(rng: np.random.Generator) -> Outcome:
    outcome = core(rng)
    control = core(
        rng, make_step=pairwise_step, axes={"n": (64, 128, 256)}, base={"n": 64, "k": 4, "m": 1}, repeats=5,
        boot_reps=300,
    )  # fmt: skip
    return with_control(outcome, "a pairwise O(N²) step in place of R1 (sizes 64–256)", control)
