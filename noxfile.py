"""Sessions of the sigreg-repro suite: `nox -s tests` (CI), `nox -s reproduce` (the main job), `nox -s lock`.

Every session installs through constraints.txt, the lock: the exact versions of the whole environment that the
committed results were made with (pyproject.toml keeps the ranges a library user gets). `nox -s lock` rewrites it."""

import os

import nox

nox.needs_version = ">=2025.02.09"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = "3.11"
LOCK = "constraints.txt"
EXTRA = "repro"  # training, data, figures and the report
COMMITTED = "results"  # the committed results tree: only `reproduce` and `report` write it (other runs: build/)
# One torch thread per process: on 2 cores, two threads per process on a busy box ran 20x slower.
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}


def _groups(*groups: str) -> list[str]:
    return [req for group in groups for req in nox.project.dependency_groups(PYPROJECT, group)]


def _install(session: nox.Session, *groups: str, extra: bool = True) -> None:
    """The suite (editable, so that run records name the clone's commit) and `groups`, pinned by the lock."""
    suite = f".[{EXTRA}]" if extra else "."
    session.install("-c", LOCK, "-e", suite, *_groups(*groups))


def _committed(session: nox.Session) -> list[str]:
    """The session's arguments, writing the committed tree unless they name another (or ask for --quick)."""
    args = list(session.posargs)
    return args if {"--results", "--quick", "--list"} & set(args) else [*args, "--results", COMMITTED]


@nox.session(python=PYTHON, default=False, reuse_venv=False)
def lock(session: nox.Session) -> None:
    """Rewrite constraints.txt: resolve pyproject's ranges (the extra and every group) in a new venv, then freeze it.

    After a new lock, run `nox -s reproduce` and commit results/ with it: figure bytes follow matplotlib's version."""
    session.install(f".[{EXTRA}]", *_groups(*PYPROJECT["dependency-groups"]))
    frozen = session.run("python", "-m", "pip", "freeze", silent=True)
    lines = []
    for line in frozen.splitlines():
        name = line.split("==")[0].split(" @ ")[0].strip().lower()
        if not line or line.startswith(("-e", "#")) or name in ("sigreg-repro", "pip", "setuptools", "wheel"):
            continue  # the suite itself, and the installer's own tools
        # A local label names a build (torch's +cpu wheel); the version is what is locked, so that each machine
        # takes the build it has (pip prefers the CPU wheel lying on disk over the registry's CUDA one).
        lines.append(line.split("+")[0] if "==" in line else line)
    header = (
        "# The lock: exact versions of the suite's whole environment (extra [repro], every dependency group),\n"
        "# for Python 3.11 on Linux x86_64, CPU. Written by `nox -s lock` (pip freeze of a fresh venv): do not edit.\n"
        "# Every nox session installs with `-c constraints.txt`.\n"
    )
    with open(LOCK, "w", encoding="utf-8") as handle:
        handle.write(header + "\n".join(sorted(lines, key=str.lower)) + "\n")
    session.log(f"wrote {LOCK}: {len(lines)} packages")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (what CI runs)."""
    _install(session, "test")
    # Slow tests (minutes) stay out of CI; `nox -s tests -- -m slow` runs them.
    session.run("pytest", *(session.posargs or ["-m", "not slow"]), env=ENV)


@nox.session(python=PYTHON, default=False)
def lint(session: nox.Session) -> None:
    """Lint with ruff (includes F811 redefinitions and PLE0604 non-string __all__)."""
    session.install("-c", LOCK, *_groups("lint"))
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON, default=False)
def claim(session: nox.Session) -> None:
    """List or run the paper's claims: `nox -s claim -- list`, `nox -s claim -- run C15-bounded-gradient --seed 7`
    (results under build/results/; add `--results results` to replace the committed ones)."""
    _install(session)
    session.run("python", "-m", "checks", *(session.posargs or ["list"]), env=ENV)


def _results_of(args: list[str]) -> list[str]:
    """The folder a command wrote into (its `--out DIR`, else its `--results DIR`), as `--results DIR` for the next."""
    for flag in ("--out", "--results"):
        for i, arg in enumerate(args):
            if arg == flag and i + 1 < len(args):
                return ["--results", args[i + 1]]
            if arg.startswith(f"{flag}="):
                return ["--results", arg.split("=", 1)[1]]
    return []


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Time and memory of the SIGReg engine against R1, measured in one run (build/results/bench.json), then its page
    (bench.md) rendered by the report layer."""
    _install(session)
    session.run("python", "-m", "repro", "bench", *session.posargs, env=ENV)
    session.run("python", "-m", "checks", "report", "--pages-only", *_results_of(session.posargs), env=ENV)


@nox.session(python=PYTHON, default=False)
def gpu(session: nox.Session) -> None:
    """The GPU tier as one prepared command (<= 10 min on one GPU, an estimate): the replication at GPU scale and the
    SIGReg timings on the device, into $OUT when set (a lent device machine) or build/results/. Without a CUDA
    device both write not-run results saying so."""
    _install(session)
    out = os.environ.get("OUT") or "build/results"
    session.run("python", "-m", "repro", "replicate", "--tier", "gpu", "--results", out, env=ENV)
    session.run("python", "-m", "repro", "bench", "--device", "cuda", "--seed", "0", "--results", out, env=ENV)
    session.run("python", "-m", "checks", "report", "--pages-only", "--results", out, env=ENV)


@nox.session(python=PYTHON, default=False)
def audit(session: nox.Session) -> None:
    """Discrepancy audit D1-D23 with reproducers: `nox -s audit -- D1 --quick`, `nox -s audit -- --check`; then its
    pages (discrepancies.md, .tex) rendered by the report layer from every entry's JSON."""
    _install(session, "audit")
    session.run("python", "-m", "checks", "audit", *session.posargs, env=ENV)
    session.run("python", "-m", "checks", "report", "--pages-only", *_results_of(session.posargs), env=ENV)


@nox.session(python=PYTHON, default=False)
def reproduce(session: nox.Session) -> None:
    """Regenerate results/ offline on CPU, every section then REPORT.md (`-- --quick`: a 3-minute smoke run into
    build/results-quick/)."""
    _install(session, "audit")
    session.run("python", "-m", "checks", "reproduce", *_committed(session), env=ENV)


@nox.session(python=PYTHON, default=False)
def report(session: nox.Session) -> None:
    """Render results/REPORT.md, tables (md, tex, csv) and figures from the JSON under results/, in seconds."""
    _install(session)
    session.run("python", "-m", "checks", "report", *_committed(session), env=ENV)
