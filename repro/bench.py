"""`python -m repro bench`: the engine (repro/sigreg.py) against the official statistic R1, timed and measured
in the same run, plus scaling fits for claim C4 and the accuracy of the angle-addition recurrence.

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
- Ratios that survive load: in one more fresh process at the target configuration, the floor (the two
  projection matmuls any implementation needs: x@A forward and the gradient matmul back), the engine and R1
  (forward+backward each) are timed in turn, the order rotated every repeat, so that a burst of load hits all
  three alike; engine/floor and R1/engine are computed per repeat and reported as the median with a bootstrap
  interval over repeats (core.stats). The same process times the engine's first call (fresh interpreter,
  nothing warmed up).
- Scaling: least-squares slope of log(median time) on log N (and log M), with a bootstrap interval over
  repeats and the regression standard error. Memory is affine (a fixed block workspace plus buffers linear in
  N and M), so it gets a straight-line fit a + b·size and its largest relative residual besides the log-log
  slope, which the constant pulls below 1.
- Paper Table 6 (claim C22, V100 timings): timed on CUDA when available, otherwise recorded as not-run.
- `--device cuda`: the GPU bench alone (the interleaved floor/engine/R1 repeats and Table 6 on the GPU, a few
  minutes), written to bench_cuda.json/.md; without CUDA it records not-run and says why.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import itertools
import json
import math
import os
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from checks.report.bench import render_cuda_markdown, render_markdown
from core.cli import add_results, output
from core.pool import process_pool
from core.results import atomic_write_json, atomic_write_text, device_name, run_record
from core.stats import loglog_slope, ols_fit, stratified_bootstrap
from core.versions import VERSIONS

VERSION = VERSIONS["engine-bench"]
IMPLS = ("engine", "R1")
# Targets at the reference configuration, fp32, 1 thread: the engine within 2x of the floor and >= 10x faster
# than R1 (ratios measured interleaved in one process), its first call under 5 s (no compilation on the default
# path), and >= 10x less memory than R1.
TARGET_CONFIG = (1024, 512, 1024)
TARGET_OVER_FLOOR = 2.0
TARGET_TIME_RATIO = 10.0
TARGET_FIRST_CALL_S = 5.0
TARGET_MEMORY_RATIO = 10.0
TARGET_SLOPE = (0.85, 1.15)
TARGET_AFFINE_RESIDUAL = 0.05  # memory: linear growth above a constant workspace, every size within 5 % of the line
# Paper Table 6 (arXiv 2511.08544 v3; V100-SXM2-16GB, 10 runs): (N, M, integration points) -> mean ms. The
# paper gives no embedding dimension K; K = 512 here is our assumption.
TABLE6_MS = {
    (512, 512, 16): 0.465236,
    (512, 512, 64): 0.461317,
    (512, 512, 256): 0.627644,
    (2048, 512, 16): 1.406441,
    (8192, 512, 16): 6.188304,
    (8192, 8192, 16): 8.685009,
    (32768, 512, 16): 26.373118,
    (512, 2048, 16): 0.465614,
    (512, 8192, 16): 0.670379,
}
TABLE6_K = 512
NO_CUDA = "CUDA is not available on this machine (torch.cuda.is_available() is False)"
MIN_MEASUREMENT_S = 0.05  # each timed measurement lasts at least this long (averaging `inner` calls)


@dataclass(frozen=True)
class Config:
    main: tuple[tuple[int, int, int], ...] = ((256, 128, 256), (1024, 512, 1024), (4096, 1024, 1024))
    sweep_n: tuple[int, ...] = (1024, 2048, 4096, 8192, 16384)  # at K = M = sweep_km
    sweep_m: tuple[int, ...] = (256, 512, 1024, 2048, 4096)  # at N = 1024, K = sweep_km
    sweep_km: int = 256
    sweep_n_for_m: int = 1024
    repeats: int = 7
    interleaved_repeats: int = 21  # rounds of floor, engine, R1 at the target configuration
    warmup: int = 2
    seed: int = 0
    bootstrap: int = 2000
    accuracy_knots: tuple[int, ...] = (17, 65, 257, 1025, 4097)
    accuracy_max_power: int = 12  # phase errors at k = 1, 2, 4, …, 2**accuracy_max_power
    workers: int = 1  # configurations measured at once; 1 for timings that do not share the 2 cores
    quick: bool = False

    @classmethod
    def quick_config(cls, seed: int = 0) -> Config:
        return cls(
            main=(TARGET_CONFIG,),
            sweep_n=(512, 1024),
            sweep_m=(128, 256),
            sweep_km=128,
            sweep_n_for_m=512,
            repeats=3,
            interleaved_repeats=7,
            warmup=0,
            seed=seed,
            bootstrap=500,
            accuracy_knots=(17, 257),
            accuracy_max_power=8,
            workers=2,  # a smoke run: speed over clean timings
            quick=True,
        )

    def validate(self) -> None:
        if self.repeats < 2 or self.interleaved_repeats < 3 or self.warmup < 0 or self.bootstrap < 100:
            raise ValueError("need repeats >= 2, interleaved_repeats >= 3, warmup >= 0 and bootstrap >= 100")
        if self.workers < 1:
            raise ValueError("need workers >= 1")
        if len(self.sweep_n) < 2 or len(self.sweep_m) < 2:
            raise ValueError("each sweep needs at least 2 sizes to fit a slope")
        if TARGET_CONFIG not in self.main and not self.quick:
            raise ValueError(f"the main configurations must include the target {TARGET_CONFIG}")

    def jobs(self) -> list[dict]:
        shapes: dict[tuple[int, int, int], set[str]] = {}
        for shape in self.main:
            shapes.setdefault(tuple(shape), set()).add("main")
        for n in self.sweep_n:
            shapes.setdefault((n, self.sweep_km, self.sweep_km), set()).add("sweep_n")
        for m in self.sweep_m:
            shapes.setdefault((self.sweep_n_for_m, self.sweep_km, m), set()).add("sweep_m")
        return [
            {
                "impl": impl,
                "n": n,
                "k": k,
                "m": m,
                "roles": sorted(roles),
                "repeats": self.repeats,
                "warmup": self.warmup,
                "seed": self.seed,
            }
            for (n, k, m), roles in shapes.items()
            for impl in IMPLS
        ]


# -- One configuration, in a fresh process -- #


def _implementation(impl: str, directions: torch.Tensor):
    if impl == "engine":
        from repro.sigreg import sigreg

        return lambda x: sigreg(x, directions)
    if impl == "R1":
        import reference

        r1 = reference.REGISTRY["R1"]
        return lambda x: r1.evaluate(x, directions)
    raise ValueError(f"unknown implementation {impl!r}; known: {IMPLS}")


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
    torch.set_num_threads(1)
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


INTERLEAVED = ("floor", "engine", "R1")


def measure_interleaved(n: int, k: int, m: int, seed: int, repeats: int, device: str = "cpu") -> dict:
    """The floor, the engine and R1 timed in turn in this process (meant to be a fresh one): per-call wall and
    CPU milliseconds per repeat, each measurement averaging `inner` calls; the order rotates every repeat so
    that each goes first equally often. Also the engine's first call, before anything else ran."""
    torch.set_num_threads(1)
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


def engine_profile(n: int, k: int, m: int, seed: int) -> list[dict]:
    """Self CPU time per operator of one engine forward+backward (where the time goes; for the report)."""
    torch.set_num_threads(1)
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


# -- Accuracy of the recurrence -- #


def recurrence_accuracy(knots: tuple[int, ...], seed: int, max_power: int = 12) -> dict:
    """Phase error of (e^{ihy})^k against long-double cos/sin, and the statistic's error against float64
    direct evaluation (oracle.grid_ep), as functions of the number of knots."""
    torch.set_num_threads(1)
    from reference import oracle
    from reference.official_r1 import EppsPulley
    from repro.sigreg import ANCHOR_EVERY, Grid, epps_pulley

    rng = np.random.default_rng(seed)
    y = 2.0 * rng.standard_normal(20_000)  # |y| up to ~8: the phases t·y reach hundreds of radians at k = 4096
    h = 3.0 / 16.0  # the official step
    powers = [2**j for j in range(max_power + 1)]
    phase = {}
    for dtype in (torch.float32, torch.float64):
        yt = torch.from_numpy(y).to(dtype)
        y_rounded = yt.double().numpy().astype(np.longdouble)  # exact value of the rounded input
        z = torch.complex(torch.cos(yt * h), torch.sin(yt * h))
        p = z.clone()
        rows = []
        for kk in range(1, powers[-1] + 1):
            if kk > 1:
                p = p * z
            if kk in powers:
                arg = np.longdouble(kk) * np.longdouble(h) * y_rounded
                re = p.real.double().numpy() - np.cos(arg)
                im = p.imag.double().numpy() - np.sin(arg)
                err = np.sqrt((re * re + im * im).astype(np.float64))
                direct = torch.complex(torch.cos(yt * (kk * h)), torch.sin(yt * (kk * h)))
                dre = direct.real.double().numpy() - np.cos(arg)
                dim = direct.imag.double().numpy() - np.sin(arg)
                derr = np.sqrt((dre * dre + dim * dim).astype(np.float64))
                rows.append(
                    {
                        "k": kk,
                        "max": float(err.max()),
                        "mean": float(err.mean()),
                        "direct_max": float(derr.max()),
                        "direct_mean": float(derr.mean()),
                    }
                )
        slope = np.polyfit(np.log([r["k"] for r in rows[3:]]), np.log([r["mean"] for r in rows[3:]]), 1)[0]
        phase[str(dtype).replace("torch.", "")] = {"rows": rows, "loglog_slope_mean_error_k>=8": float(slope)}

    data = torch.from_numpy(rng.standard_normal((1024, 16)))
    statistic = []
    for t in knots:
        grid = Grid.folded(3.0, t)
        truth = oracle.grid_ep(data.numpy(), *oracle.folded_trapezoid_grid(3.0, t))
        row = {"knots": t}
        unanchored = dataclasses.replace(grid, anchor_every=t)  # one recurrence over all knots
        for name, dtype, g in (
            ("engine_float32", torch.float32, grid),
            ("engine_float32_no_anchor", torch.float32, unanchored),
            ("engine_float64", torch.float64, grid),
        ):
            value = epps_pulley(data.to(dtype), grid=g, sync=False).double().numpy()
            row[name] = float(np.max(np.abs(value / truth - 1)))
        r1 = EppsPulley(t_max=3.0, n_points=t if t % 2 else t + 1)(data.float()).double().numpy()
        truth_r1 = truth if t % 2 else oracle.grid_ep(data.numpy(), *oracle.folded_trapezoid_grid(3.0, t + 1))
        row["R1_float32"] = float(np.max(np.abs(r1 / truth_r1 - 1)))
        statistic.append(row)
    return {
        "phase_error": phase,
        "phase_setup": "y = 2·N(0,1), 20000 values, step h = 3/16 (official); error |z^k − e^{i k h y}| against "
        "long-double cos/sin of the rounded input; 'direct' evaluates cos/sin(k h y) in the same dtype",
        "statistic_relative_error": statistic,
        "anchor_every": ANCHOR_EVERY,
        "statistic_setup": "N = 1024, M = 16 columns of N(0,1); max over columns of |value/truth − 1|, truth = "
        "oracle.grid_ep (float64, direct cos/sin) on the folded [0, 3] grid with that many knots",
    }


# -- CUDA: paper Table 6 -- #


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


# -- Fits and summaries -- #


def fit_slope(sizes: list[int], samples: list[list[float]], rng: np.random.Generator, reps: int) -> dict:
    """Slope of log median(sample) on log size, a bootstrap interval (measurements resampled within each size,
    core.stats.loglog_slope) and the OLS standard error."""
    arrays = [np.asarray(s, dtype=np.float64) for s in samples]
    fit = loglog_slope(np.asarray(sizes), dict(zip(sizes, arrays, strict=True)), rng, reps=reps)
    se = ols_fit(np.log(np.asarray(sizes, dtype=np.float64)), np.log([np.median(a) for a in arrays]))[1]
    return {"slope": fit.estimate, "bootstrap_95": [fit.low, fit.high], "ols_se": se}


def _memory_fit(sizes, peaks_mib) -> dict:
    """Memory is affine in the size (a fixed block workspace plus linear buffers), so besides the log-log slope
    (which a constant term pulls below 1) report the least-squares line a + b·size, its largest relative
    residual, and the log-log slope of the part above the intercept (1 for linear growth)."""
    x, y = np.asarray(sizes, dtype=np.float64), np.asarray(peaks_mib, dtype=np.float64)
    slope, se = ols_fit(np.log(x), np.log(y))
    b, a = np.polyfit(x, y, 1)
    residual = float(np.max(np.abs(a + b * x - y) / y))
    above = y - a
    marginal = ols_fit(np.log(x), np.log(above))[0] if np.all(above > 0) else None
    return {
        "slope": slope,
        "ols_se": se,
        "intercept_mib": float(a),
        "mib_per_unit": float(b),
        "max_relative_residual": residual,
        "slope_above_intercept": marginal,
    }


def _bounded(interval: list[float], bound: float, at_most: bool) -> bool | None:
    """met (True) when the whole interval is on the wanted side of the bound, not met (False) when the whole
    interval is on the other side, None (inconclusive) when it straddles the bound."""
    low, high = interval
    if (high <= bound) if at_most else (low >= bound):
        return True
    if (low > bound) if at_most else (high < bound):
        return False
    return None


def summarise(config: Config, measurements: list[dict], interleaved: dict | None = None) -> dict:
    rng = np.random.default_rng(config.seed)
    by_key = {(r["impl"], r["n"], r["k"], r["m"]): r for r in measurements}

    def median_interval(values: list[float]) -> list[float]:
        return _median_interval(values, rng, config.bootstrap)["interval_95"]

    main = []
    for n, k, m in config.main:
        engine, r1 = by_key["engine", n, k, m], by_key["R1", n, k, m]
        main.append(
            {
                "n": n,
                "k": k,
                "m": m,
                **{
                    f"{impl}_{metric}": by_key[impl, n, k, m][metric]
                    for impl in IMPLS
                    for metric in ("forward_median_ms", "fwd_bwd_median_ms", "torch_peak_mib", "rss_delta_mib")
                },
                "engine_fwd_bwd_95": median_interval(engine["fwd_bwd_ms"]),
                "R1_fwd_bwd_95": median_interval(r1["fwd_bwd_ms"]),
                "time_ratio_forward": r1["forward_median_ms"] / engine["forward_median_ms"],
                "time_ratio_fwd_bwd": r1["fwd_bwd_median_ms"] / engine["fwd_bwd_median_ms"],
                "cpu_time_ratio_fwd_bwd": r1["fwd_bwd_cpu_median_ms"] / engine["fwd_bwd_cpu_median_ms"],
                "memory_ratio_torch": r1["torch_peak_mib"] / max(engine["torch_peak_mib"], 1e-9),
                "memory_ratio_rss": r1["rss_delta_mib"] / max(engine["rss_delta_mib"], 1e-9),
                "value_relative_difference": abs(engine["value"] / r1["value"] - 1),
            }
        )

    def sweep(name: str, sizes: tuple[int, ...], key_of) -> dict:
        out = {"sizes": list(sizes)}
        for impl in IMPLS:
            rows = [by_key[(impl, *key_of(s))] for s in sizes]
            out[impl] = {
                "fwd_bwd_median_ms": [r["fwd_bwd_median_ms"] for r in rows],
                "forward_median_ms": [r["forward_median_ms"] for r in rows],
                "torch_peak_mib": [r["torch_peak_mib"] for r in rows],
                "slope_fwd_bwd": fit_slope(list(sizes), [r["fwd_bwd_ms"] for r in rows], rng, config.bootstrap),
                "slope_forward": fit_slope(list(sizes), [r["forward_ms"] for r in rows], rng, config.bootstrap),
                "slope_torch_peak": _memory_fit(sizes, [r["torch_peak_mib"] for r in rows]),
            }
        out["variable"] = name
        return out

    km, n_for_m = config.sweep_km, config.sweep_n_for_m
    sweeps = {
        "N": sweep("N", config.sweep_n, lambda s: (s, km, km)),
        "M": sweep("M", config.sweep_m, lambda s: (n_for_m, km, s)),
    }
    targets = {}
    ratios = interleaved_summary(interleaved, rng, config.bootstrap) if interleaved is not None else None
    if ratios is not None:
        for name, key, bound, at_most in (
            ("engine_over_floor_fwd_bwd", "wall_engine_over_floor", TARGET_OVER_FLOOR, True),
            ("R1_over_engine_fwd_bwd", "wall_R1_over_engine", TARGET_TIME_RATIO, False),
        ):
            value, interval = ratios[key]["median"], ratios[key]["interval_95"]
            targets[name] = {
                "value": value,
                "interval_95": interval,
                "target": f"{'<=' if at_most else '>='} {bound} (interleaved, whole 95 % interval)",
                "met": _bounded(interval, bound, at_most),
            }
        targets["first_call_s"] = {
            "value": ratios["first_call_s"],
            "target": f"< {TARGET_FIRST_CALL_S} (fresh process)",
            "met": ratios["first_call_s"] < TARGET_FIRST_CALL_S,
        }
    target_rows = [r for r in main if (r["n"], r["k"], r["m"]) == TARGET_CONFIG]
    if target_rows:
        row = target_rows[0]
        for name in ("memory_ratio_torch", "memory_ratio_rss"):
            value = row[name]
            targets[name] = {"value": value, "target": f">= {TARGET_MEMORY_RATIO}", "met": value >= TARGET_MEMORY_RATIO}
    for var, result in sweeps.items():
        slope = result["engine"]["slope_fwd_bwd"]["slope"]
        targets[f"engine_time_slope_in_{var}"] = {
            "value": slope,
            "target": f"in [{TARGET_SLOPE[0]}, {TARGET_SLOPE[1]}]",
            # --quick: two small sizes measured two at a time, dominated by fixed costs: no verdict
            "met": None if config.quick else TARGET_SLOPE[0] <= slope <= TARGET_SLOPE[1],
        }
        memory = result["engine"]["slope_torch_peak"]
        targets[f"engine_memory_affine_in_{var}"] = {
            "value": memory["max_relative_residual"],
            "target": f"a + b·{var} fits every size within {TARGET_AFFINE_RESIDUAL:.0%}",
            "met": None
            if config.quick  # two sizes always fit a line
            else memory["max_relative_residual"] <= TARGET_AFFINE_RESIDUAL and memory["mib_per_unit"] > 0,
        }
    return {"main": main, "sweeps": sweeps, "interleaved": ratios, "targets": targets}


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _load() -> dict:
    one, five, fifteen = os.getloadavg()
    return {"1min": one, "5min": five, "15min": fifteen}


def compute(config: Config, progress: bool = True) -> dict:
    config.validate()
    started, load_start = time.perf_counter(), _load()
    jobs = config.jobs()
    measurements = []
    with process_pool(config.workers, fresh=True) as pool:  # a fresh interpreter per configuration
        interleaved_future = pool.submit(measure_interleaved, *TARGET_CONFIG, config.seed, config.interleaved_repeats)
        futures = [pool.submit(measure, job) for job in jobs]
        profile_target = TARGET_CONFIG if TARGET_CONFIG in config.main else config.main[-1]
        profile_future = pool.submit(engine_profile, *profile_target, config.seed)
        accuracy_future = pool.submit(
            recurrence_accuracy, config.accuracy_knots, config.seed, config.accuracy_max_power
        )
        for future in tqdm(futures, desc="bench", unit="config", disable=not progress):
            measurements.append(future.result())
        profile, accuracy = profile_future.result(), accuracy_future.result()
        interleaved = interleaved_future.result()
    summary = summarise(config, measurements, interleaved)
    return {
        "kind": "engine-bench",
        "version": VERSION,
        "config": asdict(config),
        "method": {
            "time": "median over `repeats` measurements after warm-up; each measurement averages `inner` calls "
            f"(>= {MIN_MEASUREMENT_S * 1e3:.0f} ms); one fresh process per configuration; torch.set_num_threads(1)",
            "memory_torch": "peak of the running sum of torch CPU allocations minus frees during one "
            "forward+backward (torch.profiler memory events)",
            "memory_rss": "ru_maxrss after the first full-size forward+backward minus before (after a tiny "
            "warm-up call)",
            "slopes": "OLS of log(median) on log(size); bootstrap 95% over measurements; OLS standard error",
            "interleaved": "floor (x@A and the gradient matmul (N, M)@(M, K)), engine and R1 forward+backward timed "
            "in turn in one fresh process, order rotated each repeat; per-repeat ratios, median with a 95% "
            "percentile bootstrap over repeats (core.stats.stratified_bootstrap)",
        },
        "measurements": measurements,
        **summary,
        "engine_profile": {"config": list(profile_target), "ops": profile},
        "accuracy": accuracy,
        "table6": table6(config.seed),
        "cpu": _cpu_model(),
        "threads": interleaved["threads"],
        "logical_cpus": os.cpu_count(),
        "load_average": {"start": load_start, "end": _load()},
        "runtime_s": round(time.perf_counter() - started, 1),
        **run_record(),
    }


def write(result: dict, out: Path, name: str = "bench") -> None:
    render = render_cuda_markdown if result["kind"] == CUDA_KIND else render_markdown
    markdown = render(result)  # render first: a rendering error must leave no file behind
    atomic_write_json(out / f"{name}.json", result)
    atomic_write_text(out / f"{name}.md", markdown)


# -- The GPU bench: `python -m repro bench --device cuda` -- #

CUDA_KIND = "engine-bench-cuda"


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
            "interleaved": "floor (x@A and the gradient matmul (N, M)@(M, K)), engine and R1 forward+backward "
            "timed in turn in one process (synchronised before and after each measurement), order rotated each "
            "repeat; per-repeat ratios, median with a 95% percentile bootstrap over repeats",
        },
        "interleaved": interleaved_summary(interleaved, np.random.default_rng(seed), 2000),
        "table6": table6(seed, str(device), configs),
        "runtime_s": round(time.perf_counter() - started, 1),
        **run_record(device_name(device)),
    }


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="time and memory of the engine against R1 (fresh process each)")
    parser.add_argument("--quick", action="store_true", help="smoke run (well under a minute)")
    parser.add_argument("--repeats", type=int, default=None, help="timed measurements per configuration")
    parser.add_argument("--seed", type=int, default=0, help="seed of inputs, directions and bootstrap")
    add_results(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the --results tree)")
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="cuda: the GPU bench alone (engine vs R1 and paper Table 6, bench_cuda.json); not-run without CUDA",
    )
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> None:
    if args.device == "cuda":
        if args.quick or args.repeats is not None:
            raise ValueError("--device cuda takes neither --quick nor --repeats (it is a few minutes on a GPU)")
        result = cuda_bench(args.seed)
        write(result, output(args), "bench_cuda")
        print(render_cuda_markdown(result))
        return
    config = Config.quick_config(args.seed) if args.quick else Config(seed=args.seed)
    if args.repeats is not None:
        config = Config(**{**asdict(config), "repeats": args.repeats})
    result = compute(config)
    write(result, output(args))
    print(render_markdown(result))


__all__ = [
    "Config",
    "compute",
    "cuda_bench",
    "fit_slope",
    "measure",
    "measure_interleaved",
    "recurrence_accuracy",
    "register",
]
