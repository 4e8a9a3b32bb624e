"""`python -m checks reproduce`: every section of the suite in order, then the report; wall times in run.json.

    python -m checks reproduce                    # all sections (budget: 30 min on 2 cores) into build/results/
    python -m checks reproduce --results results  # the same into the committed tree (what `nox -s reproduce` runs)
    python -m checks reproduce --quick            # smoke run (budget: 5 min) into build/results-quick/
    python -m checks reproduce --tier cpu-full    # every replication grid + the training claims' CPU analogues
                                                  # (budget: 90 min on 2 cores; what the committed results/ are)
    python -m checks reproduce --tier gpu         # the replication at GPU scale and the GPU timings (one GPU)
    python -m checks reproduce --only claims-fast report
    python -m checks reproduce --list             # the section table

Each section is one command line in `SECTIONS` (below), run as a child process with one torch thread
(OMP_NUM_THREADS=1) and its output in results/logs/<section>.log. Up to `--parallel` (2) sections run at once
where their cores (`slots`) fit: a section that keeps both cores busy runs alone. A section that fails or runs past its
time limit is recorded in results/run.json as not-run with the
reason, and the other sections go on; run.json is rewritten atomically after every change, so it is valid even if
the run is killed. The report section renders REPORT.md from whatever the sections left.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

from core.records import RunManifest
from core.results import RESULTS, RESULTS_ENV, atomic_write_json, check_writable, run_record

QUICK_RESULTS = Path("build") / "results-quick"  # --quick writes here (under the current folder), never to results/
RUN_JSON = "run.json"
LOGS = "logs"
TIERS = ("cpu", "cpu-full", "gpu")
PARALLEL = 2  # cores of the reference machine
CHILD_ENV = {
    "OMP_NUM_THREADS": "1",  # one torch thread per process: on 2 cores two threads per process ran 20x slower
    "MKL_NUM_THREADS": "1",
    "HF_DATASETS_OFFLINE": "1",  # the hub hangs ~26 s and fails on these machines (docs/variants.md#offline-data)
    "HF_HUB_OFFLINE": "1",
    "PYTHONUNBUFFERED": "1",  # the log shows progress as it happens
    "TQDM_MININTERVAL": "5",  # children's progress bars: a line every 5 s in the log, not hundreds
}


@dataclass(frozen=True)
class Section:
    """One step of the reproduction: a command line, its --quick form, and what it needs."""

    name: str
    command: str  # run with the current interpreter where it starts with `python`
    quick: str | None  # the --quick command; None: not part of --quick (recorded as not-run, saying so)
    slots: int  # cores it keeps busy: 2 runs alone on the reference machine
    expect_s: tuple[float, float]  # rough wall time (full, quick) on 2 cores: the progress bar's scale
    timeout_s: float  # killed after this long (full); --quick allows a third of it
    after: tuple[str, ...] = ()  # sections that must have finished first (whatever their outcome)
    tiers: tuple[str, ...] = ("cpu", "cpu-full", "gpu")  # the --tier runs it is part of
    # It renders run.json itself (the report): run once more when run.json is final, so that what it wrote
    # describes the finished run, its own record included (and `python -m checks report` gives the same bytes).
    renders_run_record: bool = False


# The one table to adjust. Wall times (full / quick, seconds) measured by `nox -s reproduce` on a clean clone on the
# idle 2-core reference machine (results/run.json of 444b2e9; the --quick run right after): variants 46 / 13
# (quick: N = 256, 5 seeds), audit 167 / 30, claims cpu-fast 20 / 16, cpu-slow 34 (quick: one claim of the tier) / 8,
# replicate 476 / 37, demo 95 / 17, bench 23 (its --quick; see the entry) / -, report 5 / 6: 15 min and 2 min in
# all, plus ~1 min to build the nox venv. The same box shared with 5 other jobs ran about twice as long. Every
# section but the report keeps both cores busy (2 workers), so they run one after another.
# fmt: off
SECTIONS: tuple[Section, ...] = (
    Section("variants", "python -m checks variants --seed 0",
            "python -m checks variants --seed 0 --n 256 --seeds 5 --null-reps 100", 2, (46, 13), 600),
    Section("audit", "python -m checks audit --seed 0", "python -m checks audit --quick --seed 0", 2, (167, 30), 900),
    Section("claims-fast", "python -m checks run --tier cpu-fast --seed 0 --workers 2",
            "python -m checks run --tier cpu-fast --seed 0 --workers 2", 2, (20, 16), 600),
    Section("claims-slow", "python -m checks run --tier cpu-slow --seed 0 --workers 2",
            "python -m checks run CAL2-power --seed 0", 2, (34, 8), 900),
    # Reads the stored claim and audit results (their controls), so it runs after them; not part of --quick.
    # Expected time: an estimate (measured 14 min at load 9 with six sessions on the 2 cores), not an idle run.
    Section("mutate", "python -m checks mutate --seed 0 --workers 2", None, 2, (240, 0), 1500,
            after=("audit", "claims-fast", "claims-slow")),
    # --tier cpu-full trains every grid (E1-E8, ~55 min idle); the default tier E1, E2's V = 4 row and E4 (~9 min).
    Section("replication", "python -m repro replicate --workers 2 --tier {tier}",
            "python -m repro replicate --quick --workers 2", 2, (540, 37), 5400),
    # Judges the replication's runs (C5, C23-C28 at the CPU-analogue scale); not-run unless they are cpu-full runs.
    Section("claims-analogue", "python -m checks run --tier cpu-full --seed 0 --workers 1",
            "python -m checks run --tier cpu-full --seed 0 --workers 1", 1, (5, 5), 300,
            after=("replication",)),
    Section("demo", "python -m repro demo", "python -m repro demo --quick", 2, (95, 17), 900),
    # Timings want the machine to themselves (slots 2). The full bench (318 s idle, ~2x that on a shared box) would
    # leave too little of the 30-min budget for a busy machine, so the full run takes its --quick form (23 s: one
    # configuration, two sizes per sweep) and --quick leaves it out; `nox -s bench` measures everything.
    Section("bench", "python -m repro bench --quick --seed 0", None, 2, (23, 0), 600),
    # --tier gpu: the Table 6 timings on the GPU (not-run, saying why, where there is no CUDA device).
    Section("bench-gpu", "python -m repro bench --device cuda --seed 0", None, 2, (120, 0), 600, tiers=("gpu",)),
    Section("report", "python -m checks report", "python -m checks report", 1, (5, 6), 300,
            after=("variants", "audit", "claims-fast", "claims-slow", "mutate", "replication", "claims-analogue",
                   "demo", "bench", "bench-gpu"),
            renders_run_record=True),
)
# fmt: on


def known(sections: Sequence[Section]) -> str:
    return ", ".join(s.name for s in sections)


def argv_of(command: str) -> list[str]:
    argv = shlex.split(command)
    if argv and argv[0] == "python":
        argv[0] = sys.executable  # the interpreter (and environment) this command runs in
    return argv


def _log_tail(path: Path, limit: int = 300) -> str:
    """The last non-empty line of a log (progress-bar carriage returns split lines too)."""
    try:
        text = path.read_bytes()[-8192:].decode("utf-8", errors="replace")
    except OSError:
        return ""
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ""


@dataclass
class _Running:
    section: Section
    process: subprocess.Popen
    started: float
    timeout_s: float
    log: object
    bar: tqdm


def _kill(process: subprocess.Popen) -> None:
    """Stop a child and everything it started (its own session), TERM first, KILL after 10 s."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def reproduce(
    sections: Sequence[Section] = SECTIONS,
    quick: bool = False,
    only: Sequence[str] | None = None,
    root: Path = RESULTS,
    parallel: int = PARALLEL,
    progress: bool = True,
    poll_s: float = 0.2,
    tier: str = "cpu",
) -> dict:
    """Run the selected sections; returns the run record (also written to root/run.json after every change)."""
    sections = _checked(sections, tier, only, parallel)
    names = [s.name for s in sections]
    root = Path(root)
    selected = [s for s in sections if only is None or s.name in only]
    previous = _previous_sections(root / RUN_JSON)
    records: dict[str, dict] = {}
    for s in sections:
        if s in selected:
            command = s.quick if quick else s.command
            records[s.name] = {"name": s.name, "command": command or s.command, "status": "pending", "reason": ""}
        elif s.name in previous:
            records[s.name] = previous[s.name]  # its files are still there: keep what the last run said of them
        else:
            records[s.name] = {"name": s.name, "command": s.command, "status": "not-run",
                               "reason": f"not selected (--only {' '.join(only or ())})"}  # fmt: skip
    started = time.perf_counter()
    record = RunManifest.payload(
        quick=quick,
        tier=tier,
        only=list(only) if only else None,
        parallel=parallel,
        sections=[records[n] for n in names],
        wall_s=0.0,
        **run_record(),
    )

    def save() -> None:
        record["wall_s"] = round(time.perf_counter() - started, 1)
        atomic_write_json(root / RUN_JSON, record)

    def finish(name: str, status: str, reason: str = "", **extra) -> None:
        records[name].update(status=status, reason=reason, **extra)
        save()

    pending: list[Section] = []
    for s in selected:
        if quick and s.quick is None:
            finish(s.name, "not-run", f"not part of --quick (about {s.expect_s[0]:.0f} s in a full run)")
        elif not quick and tier not in s.tiers:
            finish(s.name, "not-run", f"part of --tier {' / '.join(s.tiers)} only (this run: --tier {tier})")
        else:
            pending.append(s)
    save()
    running: dict[str, _Running] = {}
    done: set[str] = {n for n, r in records.items() if r["status"] != "pending"} | {
        n for n in names if n not in {s.name for s in selected}
    }
    positions = iter(range(len(selected)))
    try:
        while pending or running:
            free = parallel - sum(min(r.section.slots, parallel) for r in running.values())
            for s in list(pending):
                if all(d in done for d in s.after) and min(s.slots, parallel) <= free:
                    pending.remove(s)
                    # run.json says "running" before the child starts: the child may read it (the report does)
                    records[s.name].update(status="running", log=f"{LOGS}/{s.name}.log")
                    save()
                    running[s.name] = _start(s, quick, root, root / records[s.name]["log"], next(positions), progress)
                    free -= min(s.slots, parallel)
            time.sleep(poll_s)
            for name, r in list(running.items()):
                elapsed = time.perf_counter() - r.started
                ended = _ended(r, elapsed, root / records[name]["log"])
                if ended is None:
                    continue
                status, reason, code = ended
                r.log.close()
                r.bar.set_postfix_str(status)
                r.bar.close()
                del running[name]
                done.add(name)
                finish(name, status, reason, returncode=code, wall_s=round(elapsed, 1))
    except BaseException:  # Ctrl-C or a crash here: stop the children, leave a truthful run.json
        for name, r in running.items():
            _kill(r.process)
            r.log.close()
            r.bar.close()
            finish(name, "not-run", "interrupted", wall_s=round(time.perf_counter() - r.started, 1))
        for s in pending:
            finish(s.name, "not-run", "interrupted before it started")
        raise
    save()
    for s in selected:
        if s.renders_run_record and records[s.name]["status"] == "done":
            _render_again(s, quick, root, records[s.name], finish)
    return record


def _checked(sections: Sequence[Section], tier: str, only: Sequence[str] | None, parallel: int) -> list[Section]:
    """The section table for `tier` ({tier} filled in), after checking the request against it."""
    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; known: {', '.join(TIERS)}")
    sections = [dataclasses.replace(s, command=s.command.replace("{tier}", tier)) for s in sections]
    names = [s.name for s in sections]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate section names in the table: {known(sections)}")
    for i, s in enumerate(sections):  # dependencies point backwards in the table: no cycle, no deadlock
        if any(d not in names[:i] for d in s.after):
            raise ValueError(f"section {s.name!r} must come after the sections it waits for: {', '.join(s.after)}")
    unknown = [n for n in only or () if n not in names]
    if unknown:
        raise ValueError(f"unknown section(s) {', '.join(unknown)}; known: {known(sections)}")
    if parallel < 1:
        raise ValueError(f"--parallel must be >= 1, got {parallel}")
    return sections


def _ended(r: _Running, elapsed: float, log: Path) -> tuple[str, str, int | None] | None:
    """(status, reason, exit code) of a section that has ended or overrun its timeout (then killed), else None;
    advances its progress bar a step per second (a line per second, not per poll, in a log)."""
    if r.bar.n != min(round(elapsed), r.bar.total):
        r.bar.n = min(round(elapsed), r.bar.total)
        r.bar.refresh()
    code = r.process.poll()
    if code is None and elapsed <= r.timeout_s:
        return None
    if code is None:
        _kill(r.process)
        return "not-run", f"timed out after {r.timeout_s:.0f} s (killed); see the log", None
    if code == 0:
        return "done", "", code
    return "not-run", f"failed with exit code {code}: {_log_tail(log)}", code


def _child_env(root: Path) -> dict[str, str]:
    return {**os.environ, **CHILD_ENV, RESULTS_ENV: str(Path(root).resolve())}  # every section writes under root


def _render_again(section: Section, quick: bool, root: Path, record: dict, finish) -> None:
    """Run a section that renders run.json once more, now that run.json is final (its output otherwise shows
    itself as running); appended to its log. A failure here is recorded like any other."""
    command = section.quick if quick and section.quick else section.command
    with open(root / record["log"], "a", encoding="utf-8") as log:
        log.write(f"$ {command}  # again, with run.json final\n")
        log.flush()
        env = _child_env(root)
        try:
            code = subprocess.run(argv_of(command), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  env=env, timeout=section.timeout_s).returncode  # fmt: skip
        except subprocess.TimeoutExpired:
            code = None
    if code != 0:
        why = "timed out" if code is None else f"failed with exit code {code}: {_log_tail(root / record['log'])}"
        finish(section.name, "not-run", f"second rendering (with run.json final) {why}")


def _start(section: Section, quick: bool, root: Path, log_path: Path, position: int, progress: bool) -> _Running:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed when the section ends
    command = section.quick if quick and section.quick else section.command
    log.write(f"$ {command}\n")
    log.flush()
    env = _child_env(root)
    process = subprocess.Popen(
        argv_of(command),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env=env,
        start_new_session=True,  # its own process group: a timeout stops it and everything it started
    )
    expected = max(1, round(section.expect_s[1] if quick else section.expect_s[0]))
    bar = tqdm(
        total=expected,
        desc=f"{section.name:<12}",
        unit="s",
        position=position,
        leave=True,
        disable=not progress,
        bar_format="{desc} {bar} {n_fmt}/{total_fmt} s expected{postfix}",
    )
    timeout = section.timeout_s / 3 if quick else section.timeout_s
    return _Running(section, process, time.perf_counter(), timeout, log, bar)


def _previous_sections(path: Path) -> dict[str, dict]:
    """Section records of the last run.json (unfinished ones become not-run: that run ended without them)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        sections = {s["name"]: dict(s) for s in data["sections"] if isinstance(s, dict) and "name" in s}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    for s in sections.values():
        if s.get("status") in ("pending", "running"):
            s.update(status="not-run", reason="interrupted in an earlier run")
    return sections


def table(sections: Sequence[Section] = SECTIONS) -> str:
    from tabulate import tabulate

    rows = [
        (s.name, s.command, s.quick or "(not in --quick)", s.slots, f"{s.expect_s[0]:.0f} / {s.expect_s[1]:.0f}")
        for s in sections
    ]
    return tabulate(rows, headers=["section", "command", "--quick", "cores", "expected s"], tablefmt="github")


def register(subparsers) -> None:
    parser = subparsers.add_parser("reproduce", help="every section (variants … report) in order; run.json")
    parser.add_argument("--quick", action="store_true", help="smoke run (≤ 5 min): --quick or reduced arguments")
    parser.add_argument("--only", nargs="+", metavar="SECTION", help=f"a subset: {known(SECTIONS)}")
    parser.add_argument("--parallel", type=int, default=PARALLEL, help="sections at once, as cores allow")
    parser.add_argument(
        "--tier",
        default="cpu",
        choices=TIERS,
        help="cpu: the default (≤ 30 min on 2 cores); cpu-full: every replication grid and the CPU analogues of the "
        "training claims (≤ 90 min); gpu: the replication at GPU scale and the GPU timings (one CUDA device)",
    )
    parser.add_argument(
        "--results",
        type=Path,
        help=f"results tree to write (default: {RESULTS}/, with --quick {QUICK_RESULTS}/; "
        "`--results results`: the committed tree)",
    )
    parser.add_argument("--list", action="store_true", help="print the section table and exit")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    if args.list:
        print(table())
        return 0
    root = args.results or (QUICK_RESULTS if args.quick else RESULTS)
    check_writable(root)
    record = reproduce(
        quick=args.quick,
        only=args.only,
        root=root,
        parallel=args.parallel,
        progress=not args.no_progress,
        tier=args.tier,
    )
    failed = [
        s
        for s in record["sections"]
        if s["status"] == "not-run" and s["reason"].startswith(("failed", "timed out", "interrupted"))
    ]
    for s in record["sections"]:
        print(f"{s['name']:<12} {s['status']:<8} {s.get('wall_s', ''):>7} {s['reason']}", file=sys.stderr)
    print(f"run record: {root / RUN_JSON}; report: {root / 'REPORT.md'}", file=sys.stderr)
    return 1 if failed else 0
