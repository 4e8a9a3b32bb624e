"""Probes that run the official repository's own code and tests (D14, D15, D19), outside this repository.

The official trees are looked up under $SIGREG_GOLDEN_SRC (default /work/golden/src), as unpacked by the
golden-value helper (`<root>/R1` = eddffdd, `<root>/R0` = 4a4d111; see tests/golden/README.md for how to
recreate them). Nothing of them is copied here: they run in a subprocess with their tree on PYTHONPATH,
bytecode writing disabled and a private pycache prefix (the trees ship stale .pyc files that must never load).
Where a tree is absent the probes say so and the entries degrade to not-run with that reason.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

TREES = {"R1": "eddffdd857a19726342ef6526e01021fb3c32cae", "R0": "4a4d111d283dd9f6506b350c94dada2b158cb77e"}
TIMEOUT_S = 600


def golden_root() -> Path:
    return Path(os.environ.get("SIGREG_GOLDEN_SRC", "/work/golden/src"))


def tree(name: str) -> Path | None:
    """The unpacked official tree `name` (R1 or R0), or None when it is not on this machine."""
    path = golden_root() / name
    return path if (path / "lejepa" / "univariate" / "epps_pulley.py").is_file() else None


def _env(root: Path, cache: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        PYTHONPATH=str(root),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPYCACHEPREFIX=cache,
        OMP_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def run_official_tests(name: str, files: list[str] | None = None) -> dict:
    """pytest on the official tree `name` (all of tests/, or `files`): counts overall and per file."""
    root = tree(name)
    if root is None:
        return {"available": False, "reason": f"official tree {name} not found under {golden_root()}"}
    with tempfile.TemporaryDirectory(prefix="audit-official-") as tmp:
        report = Path(tmp) / "junit.xml"
        targets = files or ["tests"]
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *targets]
        done = subprocess.run(
            command, cwd=root, env=_env(root, str(Path(tmp) / "pyc")), capture_output=True, text=True, timeout=TIMEOUT_S
        )
        if not report.is_file():
            return {
                "available": True,
                "ran": False,
                "returncode": done.returncode,
                "reason": (done.stdout + done.stderr).strip()[-500:],
            }
        per_file: dict[str, dict[str, int]] = {}
        for case in ElementTree.parse(report).getroot().iter("testcase"):
            module = case.get("classname", "").split(".")
            file = next((part for part in module if part.startswith("test_")), "?") + ".py"
            outcome = "passed"
            for tag in ("failure", "error", "skipped"):
                if case.find(tag) is not None:
                    outcome = {"failure": "failed", "error": "errors", "skipped": "skipped"}[tag]
            counts = per_file.setdefault(file, {"passed": 0, "failed": 0, "errors": 0, "skipped": 0})
            counts[outcome] += 1
    totals = {key: sum(c[key] for c in per_file.values()) for key in ("passed", "failed", "errors", "skipped")}
    summary = re.findall(r"\d+ \w+", done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else []
    return {
        "available": True,
        "ran": True,
        "tree": name,
        "commit": TREES[name],
        "targets": targets,
        "totals": totals,
        "per_file": per_file,
        "pytest_summary": ", ".join(summary),
        "returncode": done.returncode,
    }


def slicing_tested(name: str) -> dict:
    """Static: which official test files mention SlicingUnivariateTest (the SIGReg composition)."""
    root = tree(name)
    if root is None:
        return {"available": False}
    files = sorted(p.name for p in (root / "tests").glob("test_*.py") if "SlicingUnivariateTest" in p.read_text())
    return {"available": True, "test_files": len(list((root / "tests").glob("test_*.py"))), "mention_slicing": files}


def readme_and_signature(name: str) -> dict:
    """Static (D15): the README's keyword for EppsPulley and the constructor parameters of every class named
    EppsPulley in lejepa/univariate/epps_pulley.py (parsed with ast, not imported)."""
    root = tree(name)
    if root is None:
        return {"available": False}
    readme = (root / "README.md").read_text()
    calls = sorted(set(re.findall(r"EppsPulley\(([^)]*)\)", readme)))
    module = ast.parse((root / "lejepa" / "univariate" / "epps_pulley.py").read_text())
    signatures = []
    for node in module.body:
        if isinstance(node, ast.ClassDef) and node.name == "EppsPulley":
            init = next(f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__")
            signatures.append({"line": node.lineno, "parameters": [a.arg for a in init.args.args[1:]]})
    return {"available": True, "readme_calls": calls, "classes_named_EppsPulley": signatures}


_DRIVER = """
import json, torch
from lejepa.univariate import EppsPulley
from lejepa.multivariate import SlicingUnivariateTest
out = {}
try:
    EppsPulley(num_points=17)
    out["num_points"] = "accepted"
except TypeError as error:
    out["num_points"] = "TypeError: " + str(error)
if hasattr(SlicingUnivariateTest, "forward"):
    m = SlicingUnivariateTest(EppsPulley(), num_slices=8)
    x = torch.randn(16, 4, generator=torch.Generator().manual_seed(0))
    steps = [int(m.global_step)]
    m(x); steps.append(int(m.global_step))
    m.eval()
    with torch.no_grad():
        m(x)
    steps.append(int(m.global_step))
    with torch.inference_mode():
        m(x)
    steps.append(int(m.global_step))
    out["global_step_after_train_eval_inference"] = steps
    out["global_step_in_state_dict"] = "global_step" in m.state_dict()
print(json.dumps(out))
"""


def run_driver(name: str) -> dict:
    """Our own small driver against the official package (D15 keyword, D19 step counter)."""
    root = tree(name)
    if root is None:
        return {"available": False, "reason": f"official tree {name} not found under {golden_root()}"}
    with tempfile.TemporaryDirectory(prefix="audit-official-") as tmp:
        done = subprocess.run(
            [sys.executable, "-c", _DRIVER],
            cwd=tmp,
            env=_env(root, str(Path(tmp) / "pyc")),
            capture_output=True,
            text=True,
            timeout=120,
        )
    if done.returncode != 0:
        return {"available": True, "ran": False, "reason": done.stderr.strip()[-500:]}
    return {"available": True, "ran": True, "tree": name, "commit": TREES[name], **json.loads(done.stdout)}


def official_tests_job(quick: bool) -> dict:
    """D14: the official test suite at HEAD; --quick runs only the file where every HEAD failure lives
    (tests/test_epps_pulley.py). For contrast, the same file at 4a4d111 (full mode only)."""
    epps = ["tests/test_epps_pulley.py"]
    out = {"R1": run_official_tests("R1", epps if quick else None), "slicing": slicing_tested("R1")}
    if not quick:
        out["R0"] = run_official_tests("R0", epps)
    return out


def official_driver_job(quick: bool) -> dict:
    """D15 and D19 on the official package at HEAD (and at 4a4d111 unless --quick: one torch import less)."""
    skipped = {"available": False, "reason": "not run in --quick mode"}
    return {
        "R1": run_driver("R1"),
        "R0": skipped if quick else run_driver("R0"),
        "static_R1": readme_and_signature("R1"),
        "static_R0": readme_and_signature("R0"),
    }
