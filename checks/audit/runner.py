"""Runs the audit: schedules the measurements the requested ids need on worker processes (spawn context, one
torch thread each), runs the gloo DDP comparison from the main process meanwhile, turns measurements into
findings, and writes `results/audit/<id>.json`, every file atomically (the report renders the tables)."""

from __future__ import annotations

import json
import resource
import time
from concurrent.futures import as_completed
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm import tqdm

import reference
from core.pool import one_thread, process_pool
from core.records import AuditDetection, AuditSection, Discrepancy
from core.results import atomic_write_json, atomic_write_text, jsonable, run_record
from core.versions import VERSIONS

from . import battery, ddp, dtypes, fingerprint, measure, official, probes
from ._common import ALPHA
from .plan import Plan
from .registry import REGISTRY, SECTIONS, Context, Missing, control_record, get, not_run

VERSION = VERSIONS["audit"]
DTYPE_LAWS = ("gaussian", "rank1", "wide", "views-near")


def job_specs(plan: Plan) -> dict:
    """Named probes: name -> (function, kwargs, rough cost for scheduling longest first)."""
    main = plan.main
    return {
        "window": (probes.window_job, {"n": plan.d3[0], "reps": plan.d3[1], "seed": plan.seed}, 1),
        "factor_n": (
            probes.factor_n_job,
            {"ns": list(plan.d5[0]), "k": plan.d5[1], "m": plan.d5[2], "reps": plan.d5[3], "seed": plan.seed},
            20,
        ),
        "gradient_bound": (
            probes.gradient_bound_job,
            {"ns": list(plan.d6[0]), "reps": plan.d6[1], "seed": plan.seed},
            5,
        ),
        "bias": (probes.bias_job, {"ns": list(plan.d7[0]), "reps": plan.d7[1], "seed": plan.seed}, 5),
        "r0_r1": (
            probes.r0_r1_job,
            {
                "ns": list(plan.d13[0]),
                "k": main.k,
                "m": main.m,
                "reps": plan.d13[1],
                "seed": plan.seed,
                "laws": ("gaussian", "wide", "views-near"),
            },
            30,
        ),
        "official_tests": (official.official_tests_job, {"quick": plan.mode == "quick"}, 200),
        "official_driver": (official.official_driver_job, {"quick": plan.mode == "quick"}, 40),
        "dtypes": (
            dtypes.dtype_job,
            {"size": asdict(plan.dtype_size), "laws": list(DTYPE_LAWS), "seed": plan.seed},
            10,
        ),
    }


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(fn, kwargs: dict):
    """Run one job in a worker and time it (wall seconds, for the run record and for tuning the plan)."""
    started = time.perf_counter()
    result = fn(**kwargs)
    return result, round(time.perf_counter() - started, 2)


def _variant_weight(variant_id: str, size: measure.Size) -> float:
    # Relative cost per batch on one core (measured): V3's complex exponential is ≈8× R1; V1 scales with K, not M.
    if variant_id == "V1":
        return 3.0 * size.n * size.k * 17
    return (8.0 if variant_id == "V3" else 1.0) * size.n * size.m * 17


def resolve(ids: list[str]) -> tuple[list[str], list[str]]:
    """Split requested ids into discrepancy ids and section names (ValueError for unknown ids)."""
    entries, sections = [], []
    for entry_id in ids:
        if entry_id in SECTIONS:
            sections.append(entry_id)
        else:
            get(entry_id)
            entries.append(entry_id)
    return list(dict.fromkeys(entries)), list(dict.fromkeys(sections))


def _needs(entries: list[str], sections: list[str], plan: Plan):
    variants, laws, jobs = [], [], []
    if "detection" in sections:
        variants += list(plan.detection_variants or reference.REGISTRY)
        laws += list(battery.LAWS)
    if "ddp" in sections:
        jobs.append("ddp")
    if "dtypes" in sections:
        jobs.append("dtypes")
    for entry_id in entries:
        d = get(entry_id)
        variants += d.detection_variants
        laws += d.detection_laws
        jobs += d.jobs
    order = list(reference.REGISTRY)
    variants = sorted(set(variants), key=order.index)
    laws = [law for law in battery.LAWS if law in set(laws)]
    return variants, laws, list(dict.fromkeys(jobs))


def _reuse_v1(main_raw: dict, laws: list[str], null_reps: int, size: measure.Size) -> dict:
    """V1 ignores the directions and the data streams depend on (N, K) only, so an M-sweep of V1 is the main
    configuration's V1 numbers (the first `null_reps` null batches)."""
    v1 = main_raw["V1"]
    return {
        "variant": "V1",
        "size": asdict(size),
        "null": v1["null"][:null_reps],
        "null_mv": [],
        "laws": {law: [{"value": r["value"]} for r in v1["laws"][law]] for law in laws},
        "reused_from": "main",
    }


def compute(plan: Plan, entries: list[str], sections: list[str], progress: bool = True) -> dict:
    """Run every measurement the request needs; return the payloads to write, keyed by file stem."""
    started = time.perf_counter()
    cpu_started = _cpu_seconds()
    one_thread()  # this process also spawns the gloo ranks and concludes the entries
    variants, laws, jobs = _needs(entries, sections, plan)
    sweeps = plan.sweeps if "detection" in sections else ()
    sweep_laws = list(battery.SWEEP_LAWS)
    tasks = _detection_tasks(plan, variants, laws, sweeps, sweep_laws)
    specs = job_specs(plan)
    tasks += [(name, *specs[name][:2], specs[name][2] * 1e7) for name in jobs if name != "ddp"]
    tasks.sort(key=lambda t: -t[3])
    results, seconds = _run_tasks(plan, tasks, with_ddp="ddp" in jobs, progress=progress)

    detection = None
    if variants and laws:
        detection = _assemble_detection(plan, variants, laws, results, sweeps, sweep_laws)
    ctx = Context(plan=plan, detection=detection, results=results)
    payloads: dict[str, dict] = {}
    record = run_record()
    for entry_id in entries:
        payloads[entry_id] = _entry_payload(entry_id, ctx, plan)
    if "detection" in sections:
        payloads["detection"] = _detection_payload(plan, detection)
    if "ddp" in sections:
        payloads["ddp"] = _section_payload(
            "ddp",
            plan,
            results.get("ddp"),
            {"world_size": ddp.WORLD, "styles": list(ddp.STYLES), "probes": list(ddp.PROBES)},
        )
    if "dtypes" in sections:
        payloads["dtypes"] = _section_payload("dtypes", plan, results.get("dtypes"), {"modes": list(dtypes.MODES)})
    runtime = round(time.perf_counter() - started, 1)
    cpu = round(_cpu_seconds() - cpu_started, 1)
    for payload in payloads.values():
        payload["run"] = {
            "runtime_s_whole_call": runtime,
            # CPU seconds of this process and all its finished children (workers, gloo ranks, subprocesses): on a
            # shared machine the wall time depends on other load, this does not (quiet 2 cores: ≈ cpu_s / 2).
            "cpu_s_whole_call": cpu,
            "job_seconds": dict(sorted(seconds.items())),
            **record,
        }
    return payloads


def _detection_tasks(plan: Plan, variants, laws, sweeps, sweep_laws) -> list[tuple[str, object, dict, float]]:
    """(name, function, kwargs, cost) of the detection jobs: the main size for every variant (with the oracle's
    exact values in two halves), then each sweep size for the sweep variants."""
    tasks: list[tuple[str, object, dict, float]] = []
    main = plan.main

    def detect(name: str, vid: str, size, laws, null_reps: int, grad_seeds: int, evals: int) -> None:
        kwargs = {"variant_id": vid, "size": asdict(size), "laws": laws, "seeds": plan.seeds,
                  "null_reps": null_reps, "grad_seeds": grad_seeds, "seed": plan.seed}  # fmt: skip
        tasks.append((name, measure.detect_job, kwargs, evals * _variant_weight(vid, size)))

    if variants and laws:
        evals = plan.null_reps * (1 + any(battery.get(law).multiview for law in laws)) + plan.seeds * len(laws)
        for vid in variants:
            detect(f"detect:main:{vid}", vid, main, laws, plan.null_reps, plan.grad_seeds, evals)
        half = (len(laws) + 1) // 2
        for i, chunk in enumerate((laws[:half], laws[half:])):
            if chunk:
                kwargs = {"size": asdict(main), "laws": chunk, "seeds": plan.oracle_seeds, "seed": plan.seed}
                cost = plan.oracle_seeds * len(chunk) * main.n * main.n * main.m * 0.5
                tasks.append((f"oracle:main:{i}", measure.oracle_job, kwargs, cost))
    for index, (axis, size) in enumerate(sweeps):
        for vid in plan.sweep_variants:
            if vid == "V1" and axis == "M" and "V1" in variants and (size.n, size.k) == (main.n, main.k):
                continue  # reused from the main configuration (see _reuse_v1)
            if vid == "V1" and size.k > plan.v1_sweep_max_k:
                continue  # see Plan.v1_sweep_max_k
            evals = plan.sweep_null_reps + plan.seeds * len(sweep_laws)
            detect(f"detect:sweep{index}:{vid}", vid, size, sweep_laws, plan.sweep_null_reps, 0, evals)
    return tasks


def _run_tasks(plan: Plan, tasks: list, with_ddp: bool, progress: bool) -> tuple[dict, dict]:
    """Run the tasks (in a pool of plan.workers, or in this process for one worker) and the DDP comparison;
    returns each job's result (or the exception it raised) and its seconds."""
    results: dict = {}
    seconds: dict = {}
    bar = tqdm(total=len(tasks) + with_ddp, desc="audit", unit="job", disable=not progress)

    def run_ddp() -> None:
        ddp_started = time.perf_counter()
        try:
            results["ddp"] = ddp.run(plan.seed, plan.ddp_size)
        except Exception as error:  # recorded: the entries needing it become not-run with this reason
            results["ddp"] = error
        seconds["ddp"] = round(time.perf_counter() - ddp_started, 2)
        bar.update()

    if plan.workers == 1:  # in this process: what `checks mutate` needs, so that a planted defect is what runs
        for name, fn, kwargs, _ in tasks:
            try:
                results[name], seconds[name] = _timed(fn, kwargs)
            except Exception as error:
                results[name] = error
            bar.update()
        if with_ddp:
            run_ddp()
    else:
        with process_pool(plan.workers) as pool:
            futures = {pool.submit(_timed, fn, kwargs): name for name, fn, kwargs, _ in tasks}
            if with_ddp:  # the main process is idle meanwhile: the gloo ranks are its children
                run_ddp()
            for future in as_completed(futures):
                name = futures[future]
                try:
                    results[name], seconds[name] = future.result()
                except Exception as error:
                    results[name] = error
                bar.update()
    bar.close()
    return results, seconds


def _assemble_detection(plan, variants, laws, results, sweeps, sweep_laws) -> dict:
    raw = {}
    for vid in variants:
        value = results.get(f"detect:main:{vid}")
        if isinstance(value, BaseException):
            raise RuntimeError(f"detection of {vid} failed: {type(value).__name__}: {value}") from value
        raw[vid] = value
    oracles: dict = {}
    for key in ("oracle:main:0", "oracle:main:1"):
        value = results.get(key)
        if isinstance(value, dict):
            oracles.update(value)
    main = {
        "size": asdict(plan.main),
        "raw": raw,
        "oracle": oracles,
        "rows": measure.summarize(raw, oracles, plan.main),
    }
    sweep_out = []
    for index, (axis, size) in enumerate(sweeps):
        sweep_raw = {}
        for vid in plan.sweep_variants:
            value = results.get(f"detect:sweep{index}:{vid}")
            same_data = axis == "M" and (size.n, size.k) == (plan.main.n, plan.main.k)
            if value is None and vid == "V1" and "V1" in raw and same_data:
                value = _reuse_v1(raw, sweep_laws, plan.sweep_null_reps, size)
            if isinstance(value, dict):
                sweep_raw[vid] = value
        sweep_out.append(
            {
                "axis": axis,
                "size": asdict(size),
                "rows": measure.summarize(sweep_raw, None, size),
                "reused": {v: r.get("reused_from") for v, r in sweep_raw.items() if r.get("reused_from")},
            }
        )
    return {"main": main, "sweeps": sweep_out}


def _entry_payload(entry_id: str, ctx: Context, plan: Plan) -> dict:
    d = get(entry_id)
    try:
        finding = d.conclude(ctx)
        stray = sorted(set(finding.variant_behaviour) - set(d.variants))
        if stray:
            raise ValueError(f"variant_behaviour names {stray}, not among the entry's variants {list(d.variants)}")
        _attach_control(d, ctx, finding)
    except Missing as error:
        finding = not_run(str(error), kind="error")
    except Exception as error:  # a failed check is recorded as not-run with its reason, never half-written
        finding = not_run(f"{type(error).__name__}: {error}", kind="error")
    return Discrepancy.payload(
        id=d.id,
        title=d.title,
        statement=d.statement,
        new=d.new,
        variants=list(d.variants),
        locus=d.locus,
        paper_says=d.paper_says,
        code_does=d.code_does,
        sources=d.sources(),
        reproducer=d.reproducer,
        **finding.as_dict(),
        seed=plan.seed,
        mode=plan.mode,
    )


def _attach_control(d, ctx: Context, finding) -> None:
    """Store the entry's negative control with a measured confirmed finding (a failing control is recorded as
    not-run, and tests/test_claims_controls.py then fails on it)."""
    if finding.verdict != "confirmed" or "measured" not in finding.basis.split("+") or d.control is None:
        return
    try:
        finding.control = d.control(ctx)
    except Exception as error:  # noqa: BLE001 - recorded, and the controls test then fails on it
        finding.control = control_record(f"control failed: {type(error).__name__}: {error}", "not-run")


def _detection_payload(plan: Plan, detection: dict | None) -> dict:
    if detection is None:
        return {"id": "detection", "status": "not-run", "reason": "no variants or laws to evaluate"}
    main = detection["main"]
    raw_values = {
        vid: {
            "null": r["null"],
            "null_mv": r["null_mv"],
            "laws": {law: [x["value"] for x in recs] for law, recs in r["laws"].items()},
            "errors": sorted({x["error"] for recs in r["laws"].values() for x in recs if "error" in x}),
        }
        for vid, r in main["raw"].items()
    }
    return AuditDetection.payload(
        id="detection",
        status="ok",
        alpha=ALPHA,
        seed=plan.seed,
        mode=plan.mode,
        plan=plan.as_dict(),
        laws={
            name: {"description": law.description, "kind": law.kind, "multiview": law.multiview}
            for name, law in battery.LAWS.items()
        },
        main={"size": main["size"], "rows": main["rows"], "oracle": main["oracle"], "values": raw_values},
        sweeps=detection["sweeps"],
        variants={vid: reference.get(vid).describe() for vid in main["raw"]},
        reproducer="python -m checks audit detection",
    )


def _section_payload(name: str, plan: Plan, result, extra: dict) -> dict:
    base = AuditSection.payload(
        id=name,
        seed=plan.seed,
        mode=plan.mode,
        reproducer=f"python -m checks audit {name}",
    )
    if result is None or isinstance(result, BaseException):
        reason = "not run" if result is None else f"{type(result).__name__}: {result}"
        return {**base, "status": "not-run", "reason": reason}
    return {**base, "status": "ok", **extra, "result": result}


# -- Writing ---------------------------------------------------------------------------------------------


def write(payloads: dict, out: Path) -> None:
    """Serialise everything first (an error leaves no file), then write each file atomically. The pages
    (discrepancies.md, .tex) are the report's to write from every JSON in `out` (`python -m checks report`)."""
    texts = {
        stem: json.dumps(jsonable(payload, non_finite="null"), indent=1, sort_keys=False, allow_nan=False) + "\n"
        for stem, payload in payloads.items()
    }
    for stem, text in texts.items():
        atomic_write_text(Path(out) / f"{stem}.json", text)


def check(payloads: dict, baseline_path: Path, plan: Plan) -> tuple[list[str], dict]:
    current = fingerprint.fingerprint()
    baseline = fingerprint.load_baseline(baseline_path)
    verdicts = {k: (p["verdict"], p.get("not_run_kind")) for k, p in payloads.items() if k in REGISTRY}
    if plan.seed != 0:
        verdicts = {}  # the baseline's verdicts are those of seed 0; another seed is an independent replicate
    return fingerprint.compare(current, baseline, verdicts, plan.mode), current


def write_baseline(payloads: dict, path: Path, plan: Plan) -> dict:
    path = Path(path)
    existing = json.loads(path.read_text()) if path.is_file() else {}
    verdicts = dict(existing.get("verdicts", {}))
    run = {k: p["verdict"] for k, p in payloads.items() if k in REGISTRY}
    if run:
        verdicts[plan.mode] = {**verdicts.get(plan.mode, {}), **run}
    data = {
        "what": "behaviour of every SIGReg reference on the audit battery (regression guard of `python -m checks "
        "audit --check`); fingerprint at (N, K, M) = (64, 8, 16), seed 0; verdicts of the audit by mode",
        "command": "python -m checks audit --quick --write-baseline   (full-mode verdicts: python -m checks audit "
        "--write-baseline)",
        "torch": torch.__version__,
        "fingerprint": fingerprint.fingerprint(),
        "verdicts": verdicts,
    }
    atomic_write_json(path, data)
    return data
