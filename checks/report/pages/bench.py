"""bench.md and bench_cuda.md, the engine benchmark's own pages, from the records `repro.bench` measures (bench.json,
bench_cuda.json). The bench itself writes JSON only. REPORT.md's summary of the same numbers is
`replication.bench_section`."""

from __future__ import annotations

from functools import partial

from tabulate import tabulate

from ..format import fmt

# Keys of bench.json, in table order.
IMPLS = ("engine", "R1")
INTERLEAVED = ("floor", "engine", "R1", "eager")  # "eager": the engine's eager path (bench version >= 3)


_fmt = partial(fmt, style="g")  # the page's numbers: Python's general format, 3 significant figures


def _se(fit: dict) -> str:
    return "±n/a" if fit["ols_se"] is None else f"±{fit['ols_se']:.3f}"


def _loads(load: dict) -> str:
    return ", ".join(f"{load[key]:.2f}" for key in ("1min", "5min", "15min"))


def _with_interval(entry: dict, digits: int = 3) -> str:
    low, high = entry["interval_95"]
    return f"{_fmt(entry['median'], digits)} [{_fmt(low, digits)}, {_fmt(high, digits)}]"


def _interleaved_lines(result: dict) -> list[str]:
    inter = result.get("interleaved")
    if not inter:
        return []
    names = [name for name in INTERLEAVED if name in inter["wall_ms"]]
    ratios = [key for key in ("engine_over_floor", "R1_over_engine", "eager_over_engine") if f"wall_{key}" in inter]
    body = [
        [
            clock,
            *(_with_interval(inter[f"{clock}_ms"][name]) for name in names),
            *(_with_interval(inter[f"{clock}_{key}"]) for key in ratios),
        ]
        for clock in ("wall", "cpu")
    ]
    headers = ["clock", *(f"{name} ms" for name in names), *(key.replace("_over_", "/") for key in ratios)]
    kernel = f"Engine kernel: {inter['engine_kernel']}. " if "engine_kernel" in inter else ""
    first = inter.get("first_calls_s")
    first_fresh = (
        f"; in two more fresh processes sharing an empty numba cache: {first['cold']:.2f} s (the fused kernels "
        f"compile), then {first['cached']:.2f} s (loaded from the cache)"
        if first
        else ""
    )
    return [
        f"## Engine against the matmul floor and R1, interleaved (N, K, M) = ({inter['n']}, {inter['k']}, "
        f"{inter['m']})",
        "",
        f"{result['method']['interleaved']}; {inter['repeats']} repeats, calls per measurement {inter['inner']}; "
        f"device {inter['device']}, {inter['threads']} thread. {kernel}Engine's first call in a fresh process: "
        f"{inter['first_call_s']:.2f} s{first_fresh}.",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
        "",
    ]


def _table6_lines(t6: dict) -> list[str]:
    lines = ["## Paper Table 6 (claim C22, V100)", ""]
    if t6["status"] != "run":
        return [*lines, f"not-run: {t6['reason']}.", ""]
    body = [
        [
            f"({r['n']}, {r['m']}, {r['knots']})",
            r["paper_ms"],
            _fmt(r["engine_forward_mean_ms"]),
            _fmt(r["engine_fwd_bwd_mean_ms"]),
            _fmt(r["R1_forward_mean_ms"]),
            _fmt(r["R1_fwd_bwd_mean_ms"]),
        ]
        for r in t6["rows"]
    ]
    headers = ["(N, M, knots)", "paper ms", "engine fwd", "engine fwd+bwd", "R1 fwd", "R1 fwd+bwd"]
    return [
        *lines,
        f"Device: {t6['device']}; K = {t6['rows'][0]['k']} (not given by the paper); {t6['method']}.",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
        "",
    ]


def _main_lines(result: dict) -> list[str]:
    lines = [
        "## Time and memory",
        "",
        f"Time: {result['method']['time']}; 95 % bootstrap interval of the median. Memory: torch = "
        f"{result['method']['memory_torch']}; RSS = {result['method']['memory_rss']}.",
        "",
    ]
    body = [
        [
            f"({r['n']}, {r['k']}, {r['m']})",
            _fmt(r["engine_forward_median_ms"]),
            _fmt(r["R1_forward_median_ms"]),
            f"{_fmt(r['engine_fwd_bwd_median_ms'])} [{_fmt(r['engine_fwd_bwd_95'][0])}, "
            f"{_fmt(r['engine_fwd_bwd_95'][1])}]",
            f"{_fmt(r['R1_fwd_bwd_median_ms'])} [{_fmt(r['R1_fwd_bwd_95'][0])}, {_fmt(r['R1_fwd_bwd_95'][1])}]",
            f"{r['time_ratio_fwd_bwd']:.1f}x ({r['cpu_time_ratio_fwd_bwd']:.1f}x)",
            f"{r['engine_torch_peak_mib']:.1f} / {r['R1_torch_peak_mib']:.1f}",
            f"{r['memory_ratio_torch']:.1f}x",
            f"{r['engine_rss_delta_mib']:.1f} / {r['R1_rss_delta_mib']:.1f}",
            f"{r['value_relative_difference']:.1e}",
        ]
        for r in result["main"]
    ]
    headers = [
        "(N, K, M)",
        "fwd engine ms",
        "fwd R1 ms",
        "fwd+bwd engine ms [95%]",
        "fwd+bwd R1 ms [95%]",
        "R1/engine wall (CPU time)",
        "torch peak MiB engine / R1",
        "R1/engine",
        "RSS Δ MiB engine / R1",
        "|value rel diff|",
    ]
    return [*lines, tabulate(body, headers=headers, tablefmt="github", disable_numparse=True), ""]


def _scaling_lines(result: dict) -> list[str]:
    lines = ["## Scaling (claim C4)", ""]
    body = []
    for var, sweep in result["sweeps"].items():
        for impl in IMPLS:
            s = sweep[impl]
            fb, fw, mem = s["slope_fwd_bwd"], s["slope_forward"], s["slope_torch_peak"]
            body.append(
                [
                    var,
                    impl,
                    f"{fb['slope']:.3f} [{fb['bootstrap_95'][0]:.3f}, {fb['bootstrap_95'][1]:.3f}] {_se(fb)}",
                    f"{fw['slope']:.3f} [{fw['bootstrap_95'][0]:.3f}, {fw['bootstrap_95'][1]:.3f}] {_se(fw)}",
                    f"{mem['slope']:.3f} {_se(mem)}; {mem['intercept_mib']:.1f} MiB + {mem['mib_per_unit'] * 1024:.3g} "
                    f"MiB per 1024 (residual ≤ {mem['max_relative_residual']:.1%}, slope above intercept "
                    f"{_fmt(mem['slope_above_intercept'])})",
                    ", ".join(_fmt(v) for v in s["fwd_bwd_median_ms"]),
                ]
            )
    return [
        *lines,
        f"Sweep in N: (N, K, M) = (N, {result['config']['sweep_km']}, {result['config']['sweep_km']}), "
        f"N ∈ {result['sweeps']['N']['sizes']}; sweep in M: ({result['config']['sweep_n_for_m']}, "
        f"{result['config']['sweep_km']}, M), M ∈ {result['sweeps']['M']['sizes']}. Slope of log median on "
        "log size, [bootstrap 95 %] ± OLS standard error.",
        "",
        tabulate(
            body,
            headers=[
                "sweep",
                "impl",
                "fwd+bwd time slope",
                "forward time slope",
                "torch peak: log-log slope; affine fit",
                "fwd+bwd medians (ms)",
            ],
            tablefmt="github",
            disable_numparse=True,
        ),
        "",
    ]


def _verdict(t: dict) -> str:
    if t["met"] is None:
        return "inconclusive (interval straddles the target)" if "interval_95" in t else "not evaluated (--quick)"
    return "met" if t["met"] else "NOT met"


def _target_value(t: dict) -> str:
    interval = t.get("interval_95")
    return _fmt(t["value"], 4) + ("" if interval is None else f" [{_fmt(interval[0])}, {_fmt(interval[1])}]")


def _targets_lines(result: dict) -> list[str]:
    body = [[name, _target_value(t), t["target"], _verdict(t)] for name, t in result["targets"].items()]
    return [
        "## Targets",
        "",
        tabulate(body, headers=["target", "value", "wanted", ""], tablefmt="github", disable_numparse=True),
        "",
    ]


def _profile_lines(prof: dict) -> list[str]:
    """Where the engine's time goes (closes the Targets section)."""
    lines = [f"Where the engine's time goes at (N, K, M) = {tuple(prof['config'])} (self CPU time, top ops):", ""]
    body = [[o["op"], o["calls"], f"{o['self_ms']:.2f}", f"{o['share']:.0%}"] for o in prof["ops"]]
    return [
        *lines,
        tabulate(body, headers=["op", "calls", "ms", "share"], tablefmt="github", disable_numparse=True),
        "",
    ]


def _accuracy_lines(acc: dict) -> list[str]:
    lines = ["## Accuracy of the angle-addition recurrence", "", acc["phase_setup"] + ".", ""]
    body = []
    f32, f64 = acc["phase_error"]["float32"], acc["phase_error"]["float64"]
    for a, b in zip(f32["rows"], f64["rows"], strict=True):
        body.append(
            [
                a["k"],
                f"{a['max']:.1e}",
                f"{a['mean']:.1e}",
                f"{a['direct_max']:.1e}",
                f"{b['max']:.1e}",
                f"{b['mean']:.1e}",
                f"{b['direct_max']:.1e}",
            ]
        )
    headers = ["k", "fp32 max", "fp32 mean", "fp32 direct max", "fp64 max", "fp64 mean", "fp64 direct max"]
    lines += [
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
        "",
        f"Log-log slope of the mean error in k (k ≥ 8): fp32 {f32['loglog_slope_mean_error_k>=8']:.2f}, "
        f"fp64 {f64['loglog_slope_mean_error_k>=8']:.2f} (1 = linear growth).",
        "",
        acc["statistic_setup"] + ":",
        "",
    ]
    body = [
        [
            r["knots"],
            f"{r['engine_float32']:.1e}",
            f"{r['engine_float32_no_anchor']:.1e}",
            f"{r['engine_float64']:.1e}",
            f"{r['R1_float32']:.1e}",
        ]
        for r in acc["statistic_relative_error"]
    ]
    headers = [
        "knots",
        f"engine fp32 (anchor every {acc['anchor_every']})",
        "engine fp32, no anchor",
        "engine fp64",
        "R1 fp32 (odd knots: T+1 when T is even)",
    ]
    return [*lines, tabulate(body, headers=headers, tablefmt="github", disable_numparse=True), ""]


def _footer_lines(result: dict) -> list[str]:
    suite = result["suite"]
    rerun = "python -m repro bench" + (" --quick" if result["config"]["quick"] else "")
    return [
        f"Suite commit {suite['commit']}{' (dirty)' if suite['dirty'] else ''}; torch {result['env']['torch']}; "
        f"runtime {result['runtime_s']} s. Rerun: `{rerun}`.",
        "",
    ]


def render_markdown(result: dict) -> str:
    lines = [
        "# SIGReg engine vs the official statistic (R1)",
        "",
        f"CPU: {result['cpu']} ({result['logical_cpus']} logical CPUs), {result['threads']} torch thread per "
        "process, one fresh process per configuration; fp32. "
        f"{'Quick smoke run. ' if result['config']['quick'] else ''}"
        f"Engine: `repro/sigreg.py`; R1: `reference/official_r1.py` (official HEAD eddffdd). Load average (1, 5, "
        f"15 min) {_loads(result['load_average']['start'])} at the start and {_loads(result['load_average']['end'])} "
        "at the end (above ~1 per core other processes shared the cores, which inflates wall times, and CPU "
        "times less so).",
        "",
        *_interleaved_lines(result),
        *_main_lines(result),
        *_scaling_lines(result),
        *_targets_lines(result),
        *_profile_lines(result["engine_profile"]),
        *_accuracy_lines(result["accuracy"]),
        *_table6_lines(result["table6"]),
        *_footer_lines(result),
    ]
    return "\n".join(lines)


def render_cuda_markdown(result: dict) -> str:
    lines = ["# SIGReg engine vs R1 on a GPU", ""]
    if result["status"] != "run":
        lines += [
            f"not-run: {result['reason']}. Rerun on a machine with CUDA: `python -m repro bench --device cuda`.",
            "",
        ]
        return "\n".join(lines)
    suite = result["suite"]
    lines += [
        *_interleaved_lines(result),
        *_table6_lines(result["table6"]),
        f"Suite commit {suite['commit']}{' (dirty)' if suite['dirty'] else ''}; torch {result['env']['torch']}; "
        f"runtime {result['runtime_s']} s. Rerun: `python -m repro bench --device cuda`.",
        "",
    ]
    return "\n".join(lines)


#: Page name -> renderer; each page is written from <name>.json when that file is there.
PAGES = {"bench": render_markdown, "bench_cuda": render_cuda_markdown}
