"""`python -m checks list` and `python -m checks run`: the claims registry on the command line.

    python -m checks list                          # every claim: id, version, tier, basis, budget, locus, last verdict
    python -m checks run C15-bounded-gradient      # one claim -> build/results/claims/C15-bounded-gradient.json
    python -m checks run C15-bounded-gradient --seed 7
    python -m checks run --tier cpu-fast           # a tier (cpu-fast, cpu-slow, gpu, full, all), 2 processes

Claims run in two spawned worker processes with one torch thread each (timing claims, marked exclusive, run
afterwards on their own); each result file is written atomically, and a check that raises (or whose process
dies) is recorded as `not-run` with the reason, never as a partial file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from concurrent.futures import as_completed
from pathlib import Path

from tabulate import tabulate
from tqdm import tqdm

from core.cli import add_results, output
from core.cli import seed as seed_type
from core.pool import one_thread, process_pool
from core.records import ClaimRecord
from core.results import RESULTS_ENV, atomic_write_json, jsonable, run_record

from ..registry import CPU_TIERS, TIERS, Claim, Outcome, claim_rng, claim_seed, load_claims

DEFAULT_SEED = 0

#: Keys every result file has (tests/test_claims_registry.py checks them).
RESULT_KEYS = (
    "schema",
    "claim",
    "claim_version",
    "statement",
    "paper",
    "paper_numbers",
    "tier",
    "budget_s",
    "basis",
    "scale",
    "verdict",
    "reason",
    "estimate",
    "interval",
    "interval_method",
    "n",
    "tolerance",
    "control",
    "seeds",
    "detail",
    "runtime_s",
    "over_budget",
    "rerun",
    "suite",
    "env",
)


def evaluate(entry: Claim, seed: int) -> tuple[Outcome, float]:
    """Run one check in this process; any exception becomes a not-run outcome naming it."""
    one_thread()
    started = time.perf_counter()
    try:
        outcome = entry.check(claim_rng(seed, entry.id))
        if not isinstance(outcome, Outcome):
            raise TypeError(f"check returned {type(outcome).__name__}, not Outcome")
        jsonable(outcome.detail)  # an unstorable detail is the check's failure, found before anything is written
    except Exception as error:  # noqa: BLE001 - recorded as the reason, with the last frame for the auditor
        frame = traceback.extract_tb(error.__traceback__)[-1]
        where = f"{Path(frame.filename).name}:{frame.lineno}"
        outcome = Outcome("not-run", reason=f"check failed: {type(error).__name__}: {error} ({where})")
    return outcome, time.perf_counter() - started


def result_payload(entry: Claim, outcome: Outcome, seed: int, runtime_s: float) -> dict:
    """The JSON record of one run (keys: RESULT_KEYS)."""
    tolerance = outcome.tolerance.as_dict() if outcome.tolerance is not None else None
    payload = ClaimRecord.payload(
        claim=entry.id,
        claim_version=entry.version,
        statement=entry.statement,
        paper=entry.paper,
        paper_numbers=entry.paper_numbers,
        discrepancies=list(entry.discrepancies),
        tier=entry.tier,
        budget_s=entry.budget_s,
        basis=entry.basis,
        scale=entry.scale,
        verdict=outcome.verdict,
        reason=outcome.reason,
        estimate=outcome.estimate,
        interval=list(outcome.interval) if outcome.interval is not None else None,
        interval_method=outcome.interval_method,
        n=outcome.n,
        tolerance=tolerance,
        control=outcome.control.as_dict() if outcome.control is not None else None,
        seeds={
            "suite_seed": seed,
            "claim_seed": claim_seed(seed, entry.id),
            "derivation": "SeedSequence(seed, spawn_key=(crc32(claim id),))",
        },
        detail=outcome.detail,
        runtime_s=round(runtime_s, 2),
        over_budget=bool(runtime_s > entry.budget_s),
        rerun=f"python -m checks run {entry.id} --seed {seed}",
        **run_record(),
    )
    return jsonable(payload)


def write_result(path: Path, payload: dict) -> None:
    """Serialise first, then write atomically: a failure leaves the previous file (or none), never a part."""
    json.dumps(payload, allow_nan=False)
    atomic_write_json(path, payload)


def run_claim(entry: Claim, seed: int, out: Path) -> dict:
    """Run one claim in this process and write out/<id>.json; returns the payload."""
    outcome, runtime = evaluate(entry, seed)
    try:
        payload = result_payload(entry, outcome, seed, runtime)
    except (TypeError, ValueError) as error:  # e.g. an estimate that is not a number
        failed = Outcome("not-run", reason=f"result not storable: {type(error).__name__}: {error}")
        payload = result_payload(entry, failed, seed, runtime)
    write_result(Path(out) / f"{entry.id}.json", payload)
    return payload


def _worker(claim_id: str, seed: int, out: str) -> dict:
    entry = load_claims().get(claim_id)
    return run_claim(entry, seed, Path(out))


def run_claims(entries: list[Claim], seed: int, out: Path, workers: int = 2) -> list[dict]:
    """Run claims (in `workers` spawned processes when > 1), writing one JSON each; payloads in input order."""
    out = Path(out)
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    payloads: dict[str, dict] = {}
    bar = tqdm(total=len(entries), desc="claims", unit="claim")
    shared = [e for e in entries if not e.exclusive]
    alone = [e for e in entries if e.exclusive]  # timing checks: after the pool, one at a time, in this process
    if workers == 1 or len(shared) <= 1:
        alone = shared + alone
    else:
        # Longest budgets first so the two workers finish together.
        order = sorted(shared, key=lambda e: -e.budget_s)
        with process_pool(workers) as pool:
            futures = {pool.submit(_worker, e.id, seed, str(out)): e for e in order}
            for future in as_completed(futures):
                entry = futures[future]
                try:
                    payloads[entry.id] = future.result()
                except Exception as error:  # noqa: BLE001 - the worker process died: record it, keep going
                    failed = Outcome("not-run", reason=f"worker failed: {type(error).__name__}: {error}")
                    payload = result_payload(entry, failed, seed, 0.0)
                    write_result(out / f"{entry.id}.json", payload)
                    payloads[entry.id] = payload
                bar.set_postfix_str(entry.id)
                bar.update()
    for entry in alone:
        bar.set_postfix_str(entry.id)
        payloads[entry.id] = run_claim(entry, seed, out)
        bar.update()
    bar.close()
    return [payloads[e.id] for e in entries]


# -- Tables -- #


def format_estimate(payload: dict) -> str:
    estimate = payload.get("estimate")
    if estimate is None:
        return "—"
    text = f"{estimate:.4g}" if isinstance(estimate, float | int) else str(estimate)
    interval = payload.get("interval")
    if interval:
        text += f" [{interval[0]:.4g}, {interval[1]:.4g}]"
    return text


def last_result(out: Path, claim_id: str) -> dict | None:
    path = Path(out) / f"{claim_id}.json"
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def verdict_lines(payload: dict) -> list[str]:
    """A claim's outcome in words: verdict and why, what the paper says, what we measured."""
    from ..report.format import fmt_paper

    lines = [f"{payload['claim']}: {payload['verdict']}"]
    if payload.get("reason"):
        lines.append(f"  why:   {payload['reason']}")
    lines.append(f"  paper: {fmt_paper(payload.get('paper_numbers'), limit=99)} ({payload.get('paper')})")
    if payload.get("estimate") is not None:
        how = f" ({payload['interval_method']})" if payload.get("interval_method") else ""
        lines.append(f"  ours:  {format_estimate(payload)}{how}")
    return lines


def list_table(entries: list[Claim], out: Path) -> str:
    rows = []
    for e in entries:
        last = last_result(out, e.id)
        status = "—" if last is None else last["verdict"]
        if last is not None and last.get("claim_version") != e.version:
            status += f" (v{last.get('claim_version')})"
        rows.append([e.id, e.version, e.tier, e.basis, f"{e.budget_s:g}", e.paper, status])
    headers = ["id", "v", "tier", "basis", "budget s", "paper", "last verdict"]
    return tabulate(rows, headers=headers, tablefmt="github")


def results_table(payloads: list[dict]) -> str:
    rows = [
        [p["claim"], p["claim_version"], p["tier"], p["verdict"], format_estimate(p), p["n"], f"{p['runtime_s']:g}"]
        for p in payloads
    ]
    return tabulate(
        rows, headers=["id", "v", "tier", "verdict", "estimate [interval]", "n", "runtime s"], tablefmt="github"
    )


# -- Command line -- #


def register(subparsers) -> None:
    lister = subparsers.add_parser("list", help="every registered claim with its tier and last verdict")
    lister.add_argument("--tier", default="all", choices=[*TIERS, "all"], help="only this tier")
    add_results(lister)
    lister.add_argument("--out", type=Path, default=None, help="where result files are read from (<results>/claims)")
    lister.set_defaults(run=main_list, inputs=("out", "results"))

    runner = subparsers.add_parser("run", help="run claims by id or by tier; writes <results>/claims/<id>.json")
    runner.add_argument("ids", nargs="*", help="claim ids (see `list`)")
    runner.add_argument("--tier", choices=[*TIERS, "all", "cpu"], help="run a whole tier (cpu = cpu-fast and cpu-slow)")
    runner.add_argument(
        "--seed", type=seed_type, default=DEFAULT_SEED, help="suite seed (per-claim streams derive from it)"
    )
    runner.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    add_results(runner)
    runner.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/claims)")
    runner.set_defaults(run=main_run)


def main_list(args: argparse.Namespace) -> int:
    registry = load_claims()
    print(list_table(registry.by_tier(args.tier), output(args, "claims")))
    return 0


def selected(args: argparse.Namespace) -> list[Claim]:
    registry = load_claims()
    if bool(args.ids) == bool(args.tier):
        raise ValueError("give claim ids or --tier (not both); `python -m checks list` shows them")
    if args.tier == "cpu":
        return [e for t in CPU_TIERS for e in registry.by_tier(t)]
    if args.tier:
        return registry.by_tier(args.tier)
    return [registry.get(i) for i in dict.fromkeys(args.ids)]


def main_run(args: argparse.Namespace) -> int:
    entries = selected(args)
    started = time.perf_counter()
    out = output(args, "claims")
    # The cpu-full analogues read the replication's runs from this results tree (their workers inherit it).
    os.environ[RESULTS_ENV] = str(Path(args.results).resolve())
    payloads = run_claims(entries, args.seed, out, workers=args.workers)
    print(results_table(payloads))
    for payload in payloads:
        print()
        print("\n".join(verdict_lines(payload)))
    over = [p["claim"] for p in payloads if p["over_budget"]]
    if over:
        print(f"over budget: {', '.join(over)}", file=sys.stderr)
    print(f"{len(payloads)} claim(s) in {time.perf_counter() - started:.1f} s; results in {out}")
    return 0
