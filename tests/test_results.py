"""core.results: the run record's dirty flag (code only, never the results it writes)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from core.results import code_dirty


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_dirty_flag_sees_code_changes_but_not_rewritten_results(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "a.json").write_text("{}\n")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    assert code_dirty(tmp_path) is False
    (tmp_path / "results" / "a.json").write_text('{"rerun": true}\n')  # a run rewrites committed results
    assert code_dirty(tmp_path) is False
    (tmp_path / "code.py").write_text("x = 2\n")
    assert code_dirty(tmp_path) is True
    assert code_dirty(tmp_path / "results" / "a.json") is None  # not a directory: no git answer
