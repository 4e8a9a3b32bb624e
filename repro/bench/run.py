"""The whole CPU bench in one record (`compute`): every configuration in a fresh process of a spawned pool, the
interleaved ratios, the engine's profile, the recurrence's accuracy and Table 6 (not-run without CUDA), with the
machine's CPU and load; and `write`, which renders a record (bench or bench_cuda) before it writes either file."""

from __future__ import annotations

import os
import time
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from core.pool import process_pool
from core.records import EngineBench
from core.results import atomic_write_json, run_record

from .accuracy import recurrence_accuracy
from .config import MIN_MEASUREMENT_S, TARGET_CONFIG, Config
from .cuda import table6
from .fits import summarise
from .interleaved import measure_interleaved
from .timing import engine_profile, measure


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
        futures = [pool.submit(measure, job) for job in jobs]
        profile_target = TARGET_CONFIG if TARGET_CONFIG in config.main else config.main[-1]
        profile_future = pool.submit(engine_profile, *profile_target, config.seed)
        accuracy_future = pool.submit(
            recurrence_accuracy, config.accuracy_knots, config.seed, config.accuracy_max_power
        )
        for future in tqdm(futures, desc="bench", unit="config", disable=not progress):
            measurements.append(future.result())
        profile, accuracy = profile_future.result(), accuracy_future.result()
    # The ratios the targets judge, measured last and alone, also when --quick runs the other jobs two at a time
    # (they shared the cores with a second measurement then: engine/floor 1.93 [1.89, 2.22] against 1.86-1.88
    # alone).
    with process_pool(1, fresh=True) as pool:
        interleaved = pool.submit(measure_interleaved, *TARGET_CONFIG, config.seed, config.interleaved_repeats).result()
    summary = summarise(config, measurements, interleaved)
    return EngineBench.payload(
        config=asdict(config),
        method={
            "time": "median over `repeats` measurements after warm-up; each measurement averages `inner` calls "
            f"(>= {MIN_MEASUREMENT_S * 1e3:.0f} ms); one fresh process per configuration; torch.set_num_threads(1)",
            "memory_torch": "peak of the running sum of torch CPU allocations minus frees during one "
            "forward+backward (torch.profiler memory events)",
            "memory_rss": "ru_maxrss after the first full-size forward+backward minus before (after a tiny "
            "warm-up call)",
            "slopes": "OLS of log(median) on log(size); bootstrap 95% over measurements; OLS standard error",
            "interleaved": "floor (x@A and the gradient matmul (N, M)@(M, K)), engine, R1 and the engine's eager "
            "path (kernel='eager') forward+backward timed in turn in one fresh process, after every other job and "
            "alone, order rotated each repeat; "
            "per-repeat ratios, median with a 95% percentile bootstrap over repeats (core.stats.stratified_bootstrap)",
        },
        measurements=measurements,
        **summary,
        engine_profile={"config": list(profile_target), "ops": profile},
        accuracy=accuracy,
        table6=table6(config.seed),
        cpu=_cpu_model(),
        threads=interleaved["threads"],
        logical_cpus=os.cpu_count(),
        load_average={"start": load_start, "end": _load()},
        runtime_s=round(time.perf_counter() - started, 1),
        **run_record(),
    )


def write(result: dict, out: Path, name: str = "bench") -> Path:
    """The record as <name>.json (its page, <name>.md, is the report's to render: `python -m checks report`)."""
    path = Path(out) / f"{name}.json"
    atomic_write_json(path, result)
    return path


def summary(result: dict) -> str:
    """A few plain lines for the terminal: the targets (CPU) or the GPU run's status and ratios."""
    if result.get("status") == "not-run":
        return f"not-run: {result['reason']}"
    lines = []
    for name, t in (result.get("targets") or {}).items():
        lines.append(f"{name}: {t.get('value')} (target {t.get('target')}): met {t.get('met')}")
    ratios = result.get("interleaved") or {}
    for key in ("wall_engine_over_floor", "wall_R1_over_engine"):
        if isinstance(ratios.get(key), dict):
            low, high = ratios[key]["interval_95"]
            lines.append(f"{key}: {ratios[key]['median']:.3g} [{low:.3g}, {high:.3g}]")
    return "\n".join(lines)
