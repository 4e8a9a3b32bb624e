"""Sessions of the sigreg-repro suite: `nox -s tests` (CI) and `nox -s reproduce` (the main job)."""

import nox

nox.needs_version = ">=2025.02.09"
nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = "3.11"
# One torch thread per process: on 2 cores, two threads per process on a busy box ran 20x slower.
ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_OFFLINE": "1"}


def _install(session: nox.Session, *groups: str) -> None:
    session.install("-e", ".")
    for group in groups:
        session.install(*nox.project.dependency_groups(PYPROJECT, group))


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (what CI runs)."""
    _install(session, "test")
    # Slow tests (minutes) stay out of CI; `nox -s tests -- -m slow` runs them.
    session.run("pytest", *(session.posargs or ["-m", "not slow"]), env=ENV)


@nox.session(python=PYTHON, default=False)
def lint(session: nox.Session) -> None:
    """Lint with ruff (includes F811 redefinitions and PLE0604 non-string __all__)."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", ".", *session.posargs)
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON, default=False)
def claim(session: nox.Session) -> None:
    """List or run the paper's claims: `nox -s claim -- list`, `nox -s claim -- run C15-bounded-gradient --seed 7`."""
    _install(session)
    session.run("python", "-m", "checks", *(session.posargs or ["list"]), env=ENV)


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Time and memory of the SIGReg engine against R1, measured in one run (results/bench.json, bench.md)."""
    _install(session)
    session.run("python", "-m", "repro", "bench", *session.posargs, env=ENV)


@nox.session(python=PYTHON, default=False)
def audit(session: nox.Session) -> None:
    """Discrepancy audit D1-D23 with reproducers: `nox -s audit -- D1 --quick`, `nox -s audit -- --check`."""
    _install(session, "audit")
    session.run("python", "-m", "checks", "audit", *session.posargs, env=ENV)


@nox.session(python=PYTHON, default=False)
def reproduce(session: nox.Session) -> None:
    """Regenerate results/ offline on CPU, every section then REPORT.md (`-- --quick`: a 5-minute smoke run)."""
    _install(session, "audit")
    session.run("python", "-m", "checks", "reproduce", *session.posargs, env=ENV)


@nox.session(python=PYTHON, default=False)
def report(session: nox.Session) -> None:
    """Render results/REPORT.md, tables (md, tex, csv) and figures from the JSON under results/, in seconds."""
    _install(session)
    session.run("python", "-m", "checks", "report", *session.posargs, env=ENV)
