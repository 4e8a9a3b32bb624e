"""The command lines as a user meets them: where results land, file modes, errors before work, the slim install."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest

from checks import __main__ as checks_cli
from checks.audit.fingerprint import BASELINE
from core.results import REPO_ROOT, atomic_write_bytes, check_writable, umask
from repro import __main__ as repro_cli

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
EXTRA_ONLY = ("datasets", "mlxtend", "sklearn", "matplotlib")  # what the [repro] extra brings and the engine must not
CHEAP_CLAIM = "C3-core-fifty-lines"  # reads source files: a second, no torch work


def _python(code_or_args: list[str], cwd: Path, mask: int = 0o022, **env: str) -> subprocess.CompletedProcess:
    inherited = {k: v for k, v in os.environ.items() if k != "SIGREG_RESULTS"}
    environment = {**inherited, "PYTHONPATH": str(REPO_ROOT), "OMP_NUM_THREADS": "1", **env}
    return subprocess.run(
        [sys.executable, *code_or_args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300,
        umask=mask,
    )  # fmt: skip


# -- Files readable by others -- #


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_results_get_the_mode_the_umask_gives(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        assert umask() == mask  # read without being changed
        atomic_write_bytes(tmp_path / "a" / "b.json", b"{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a" / "b.json").stat().st_mode & 0o777 == mode
    assert (tmp_path / "a" / "b.json").read_bytes() == b"{}\n"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.json"]  # no temporary file left


# -- Results where the user is -- #


def test_an_ad_hoc_run_writes_under_the_current_folder_readable_and_leaves_results_alone(tmp_path):
    committed = REPO_ROOT / "results" / "claims" / f"{CHEAP_CLAIM}.json"
    before = committed.read_bytes() if committed.exists() else None
    done = _python(["-m", "checks", "run", CHEAP_CLAIM, "--seed", "3", "--workers", "1"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "build" / "results" / "claims" / f"{CHEAP_CLAIM}.json"
    assert written.stat().st_mode & 0o777 == 0o644
    assert f"results in {Path('build') / 'results' / 'claims'}" in done.stdout
    assert (committed.read_bytes() if committed.exists() else None) == before


def test_results_option_and_environment_pick_the_tree(tmp_path):
    done = _python(["-m", "checks", "run", CHEAP_CLAIM, "--workers", "1", "--results", "mine"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "mine" / "claims" / f"{CHEAP_CLAIM}.json").is_file()
    done = _python(["-m", "checks", "run", CHEAP_CLAIM, "--workers", "1"], cwd=tmp_path, SIGREG_RESULTS="env")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env" / "claims" / f"{CHEAP_CLAIM}.json").is_file()
    assert not (tmp_path / "build").exists()


def test_the_audit_baseline_ships_with_the_package():
    # `audit --check` reads it from the package, so an installed copy (no tests/ folder) still checks.
    assert BASELINE.parent == Path(importlib.import_module("checks.audit").__file__).parent
    assert BASELINE.is_file()
    assert BASELINE.name in PYPROJECT["tool"]["setuptools"]["package-data"]["checks.audit"]


# -- Errors before work: one line, exit 2, nothing written -- #

BAD_ARGUMENTS = [
    (checks_cli, ["run", CHEAP_CLAIM, "--seed", "abc"]),
    (checks_cli, ["run", "C99-nope"]),
    (checks_cli, ["run", CHEAP_CLAIM, "--seed", "-1"]),
    (checks_cli, ["variants", "--n", "x"]),
    (checks_cli, ["audit", "D1", "--workers", "two"]),
    (checks_cli, ["audit", "D99", "--quick"]),
    (checks_cli, ["reproduce", "--only", "nothing"]),
    (checks_cli, ["report", "--no-such-option"]),
    (checks_cli, ["no-such-command"]),
    (checks_cli, []),
    (repro_cli, ["bench", "--repeats", "many"]),
    (repro_cli, ["replicate", "--only", "E9"]),
    (repro_cli, ["demo", "--scale", "tpu"]),
    (repro_cli, ["train", "--steps", "ten"]),
    (repro_cli, ["diagnose", "missing.npy"]),
    (repro_cli, ["diagnose", "e.npy", "--seed", "abc"]),
]


def _exit_code(cli, argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as stop:  # argparse's own errors
        return stop.code


@pytest.mark.parametrize("cli, argv", BAD_ARGUMENTS, ids=lambda v: " ".join(v) if isinstance(v, list) else None)
def test_bad_arguments_are_one_line_exit_2_and_write_nothing(tmp_path, monkeypatch, capsys, cli, argv):
    monkeypatch.chdir(tmp_path)
    assert _exit_code(cli, argv) == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "error: " in captured.err, captured.err
    assert list(tmp_path.iterdir()) == []


def _outputs(tmp_path: Path, blocked: str) -> list[tuple[object, list[str]]]:
    """Every command that writes, each pointed at `blocked` through each of its output options."""
    embeddings = tmp_path / "e.npy"
    return [
        (checks_cli, ["run", CHEAP_CLAIM, "--out", blocked]),
        (checks_cli, ["run", CHEAP_CLAIM, "--results", blocked]),
        (checks_cli, ["variants", "--results", blocked]),
        (checks_cli, ["variants", "--out", blocked]),
        (checks_cli, ["audit", "--quick", "--out", blocked]),
        (checks_cli, ["audit", "--check", "--results", blocked]),
        (checks_cli, ["report", "--results", blocked]),
        (checks_cli, ["reproduce", "--quick", "--results", blocked]),
        (repro_cli, ["bench", "--quick", "--results", blocked]),
        (repro_cli, ["replicate", "--quick", "--out", blocked]),
        (repro_cli, ["demo", "--quick", "--results", blocked]),
        (repro_cli, ["demo", "--quick", "--out", str(tmp_path / "ok"), "--figures", blocked]),
        (repro_cli, ["train", "--steps", "1", "--out", blocked]),
        (repro_cli, ["diagnose", str(embeddings), "--out", blocked]),
    ]


@pytest.mark.parametrize("case", range(14))
def test_an_unwritable_output_fails_before_any_work(tmp_path, monkeypatch, capsys, case):
    import numpy as np

    np.save(tmp_path / "e.npy", np.random.default_rng(0).standard_normal((64, 4)))
    (tmp_path / "file").write_text("a file, not a folder\n")
    monkeypatch.chdir(tmp_path)
    cli, argv = _outputs(tmp_path, str(tmp_path / "file" / "out"))[case]
    started = time.perf_counter()
    assert _exit_code(cli, argv) == 2
    assert time.perf_counter() - started < 5  # refused up front, not after the computation
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the output" in err and "is not a folder" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.npy", "file"]


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_diagnose_into_proc_fails_before_computing(tmp_path, monkeypatch, capsys):
    # The reported case: --out /proc/x.json computed for seconds, then died with a traceback. os.access says yes
    # to root there, so the check tries a real file.
    import numpy as np

    np.save(tmp_path / "e.npy", np.random.default_rng(0).standard_normal((64, 4)))
    assert repro_cli.main(["diagnose", str(tmp_path / "e.npy"), "--out", "/proc/x.json"]) == 2
    assert "cannot write the output file /proc/x.json" in capsys.readouterr().err


def test_check_writable_creates_nothing(tmp_path):
    check_writable(tmp_path / "a" / "b" / "c")
    check_writable(tmp_path / "a" / "x.json", file=True)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "d").mkdir()
    with pytest.raises(ValueError, match="is a folder, expected a file"):
        check_writable(tmp_path / "d", file=True)
    (tmp_path / "f").write_text("")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        check_writable(tmp_path / "f")


# -- Console commands and the slim install -- #


def test_console_scripts_are_the_module_entry_points():
    scripts = PYPROJECT["project"]["scripts"]
    for name, module in (("sigreg-checks", checks_cli), ("sigreg-repro", repro_cli)):
        target, _, function = scripts[name].partition(":")
        assert getattr(importlib.import_module(target), function) is module.main


def test_the_slim_install_carries_none_of_the_extra():
    base = " ".join(PYPROJECT["project"]["dependencies"])
    extra = " ".join(PYPROJECT["project"]["optional-dependencies"]["repro"])
    for name in ("datasets", "mlxtend", "scikit-learn", "matplotlib", "pillow"):
        assert name not in base and name in extra


BLOCK = (
    "import sys, importlib.abc\n"
    "class Block(importlib.abc.MetaPathFinder):\n"
    "    def find_spec(self, name, path, target=None):\n"
    f"        if name.split('.')[0] in {EXTRA_ONLY!r} + ('PIL',):\n"
    "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
    "sys.meta_path.insert(0, Block())\n"
)


def test_engine_and_references_work_without_the_extra(tmp_path):
    # As after `pip install sigreg-repro` (no extra): the packages the extra brings cannot be imported at all.
    code = BLOCK + (
        "import torch, reference\n"
        "from reference import oracle\n"
        "from repro.sigreg import SIGRegLoss\n"
        "z = torch.randn(64, 8, generator=torch.Generator().manual_seed(0))\n"
        "print(float(SIGRegLoss(16)(z, step=0)), float(reference.REGISTRY['R1'].evaluate(z, "
        "reference.REGISTRY['R1'].draw_directions(8, 16))), float(oracle.ep(z[:, 0].double())))\n"
        f"print(sorted(m for m in {EXTRA_ONLY!r} if m in sys.modules))\n"
    )
    done = _python(["-c", code], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"


def test_a_command_that_needs_the_extra_says_how_to_install_it(tmp_path):
    code = BLOCK + "from repro.__main__ import main\nsys.exit(main(sys.argv[1:]))\n"
    done = _python(["-c", code, "train", "--steps", "1", "--out", "run"], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and 'pip install "sigreg-repro[repro]"' in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []
