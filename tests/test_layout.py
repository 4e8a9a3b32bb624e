"""The house plan, checked on the source: which package may import which, no private module of another package,
no import by string, and the size limits (files ≤ 600 lines, functions ≤ 100 lines). Static (ast): nothing is
imported, so a violation is named by file and line, not found by a failing import."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "reference", "repro", "checks")
# Who may import whom. core is the bottom layer; reference (the published variants and the oracle) builds on it;
# repro (training, the engine, the bench, the demo) and checks (claims, audit, report) are siblings above both:
# checks runs repro's commands as child processes (checks/reproduce.py), never in-process.
ALLOWED = {
    "core": set(),
    "reference": {"core"},
    "repro": {"core", "reference"},
    "checks": {"core", "reference"},
}
# import_module by design: the claims registry imports its claim modules by the names it discovers on disk, and
# `checks compare` imports the implementation a user names on the command line.
IMPORT_BY_NAME = {"checks/registry.py", "checks/compare/load.py"}
MAX_FILE_LINES = 600
LONG_FILES = {"reference/oracle.py"}  # the exact closed forms, one derivation per function, kept together
MAX_FUNCTION_LINES = 100
LONG_FUNCTIONS = {("repro/train/loop.py", "train")}  # the training loop reads best as one piece


def _sources() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def _module(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, dotted name) of every module or name imported, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _module(path) if path.name == "__init__.py" else _module(path)[:-1]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def test_every_package_imports_only_the_layers_below_it():
    wrong = []
    for path in _sources():
        own = _rel(path).split("/")[0]
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top in PACKAGES and top != own and top not in ALLOWED[own]:
                wrong.append(f"{_rel(path)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_no_module_imports_a_private_module_of_another_package():
    wrong = []
    for path in _sources():
        own = _rel(path).split("/")[0]
        for line, name in _imports(path):
            parts = name.split(".")
            if (
                parts[0] in PACKAGES
                and parts[0] != own
                and any(p.startswith("_") and not p.startswith("__") for p in parts)
            ):
                wrong.append(f"{_rel(path)}:{line} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_imports_by_name_only_where_the_name_comes_from_outside():
    found = set()
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module",
                "__import__",
            ):
                found.add(_rel(path))
    assert found <= IMPORT_BY_NAME, sorted(found - IMPORT_BY_NAME)


def test_no_file_over_the_line_limit():
    long = {_rel(p): n for p in _sources() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_FILE_LINES}
    assert set(long) <= LONG_FILES, long


def test_no_function_over_the_line_limit():
    long = {}
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES and (_rel(path), node.name) not in LONG_FUNCTIONS:
                    long[f"{_rel(path)}::{node.name}"] = lines
    assert not long, long


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_opens_with_a_map(package):
    init = ROOT / package / "__init__.py"
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 10, f"{package}/__init__.py needs a docstring saying what is inside"
