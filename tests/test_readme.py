"""The README's documented commands and example must keep working (docs nobody runs rot)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_readme_python_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "README has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    assert "tensor(" in capsys.readouterr().out


def test_readme_nox_sessions_exist():
    # Every `nox -s NAME` the README mentions is a session in noxfile.py.
    sessions = set(re.findall(r"nox -s ([\w-]+)", README))
    noxfile = (ROOT / "noxfile.py").read_text()
    defined = set(re.findall(r"^def ([\w]+)\(session", noxfile, flags=re.M))
    assert {"tests", "reproduce"} <= sessions
    assert sessions <= defined, sessions - defined


def test_torch_is_pinned_exactly():
    # A range would let pip pull a newer, multi-GB CUDA build of torch on CPU machines.
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert "torch==2.13.0" in dependencies
