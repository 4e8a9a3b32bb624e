"""Writing results: atomic files and the run record every result carries (commit, versions, config)."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_ENV = "SIGREG_RESULTS"  # another results tree for every command (relative paths: to the repository root)


def results_root() -> Path:
    """results/, or $SIGREG_RESULTS: `reproduce --quick` points its children there so that a smoke run never
    overwrites the committed results of a full run."""
    override = os.environ.get(RESULTS_ENV)
    return REPO_ROOT / override if override else REPO_ROOT / "results"


RESULTS = results_root()
PACKAGES = ("torch", "numpy", "scipy", "datasets")


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader never sees a half-written file (rename is atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_writable(path: Path) -> None:
    """ValueError unless a file can be written at `path` (an existing, writable folder; not a folder itself): commands
    call it before computing, so that a bad --out fails in a second with nothing written."""
    path = Path(path)
    folder = path.parent
    if path.is_dir():
        raise ValueError(f"cannot write {path}: it is a folder; give a file path")
    if not folder.is_dir():
        raise ValueError(f"cannot write {path}: folder {folder} does not exist")
    try:  # a real write: os.access says yes to root on read-only mounts such as /proc
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".probe")
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror or error}") from None
    os.close(fd)
    Path(probe).unlink()
    if path.exists() and not os.access(path, os.W_OK):
        raise ValueError(f"cannot write {path}: permission denied")


def atomic_write_json(path: Path, payload: dict) -> None:
    atomic_write_text(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def _git(*args: str, root: Path = REPO_ROOT) -> str | None:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def code_dirty(root: Path = REPO_ROOT) -> bool | None:
    """Whether tracked files other than results/ differ from the commit (None: not a git checkout). Results are
    outputs: a run that rewrites the committed results/ is still a run of a clean commit."""
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results", root=root)
    return bool(status) if status is not None else None


def device_name(device) -> str:
    """A torch device as run_record names it: "cpu", or a CUDA device's model name (timings depend on it)."""
    if getattr(device, "type", None) == "cuda":
        import torch  # only here: the report and the audit record no device and need not import torch for it

        return torch.cuda.get_device_name(device)
    return str(device)


def run_record(device: str = "cpu") -> dict:
    """Suite commit (with a dirty flag), package versions and the device the numbers were computed on (a CUDA
    device by name); no hostname, no repository URL."""
    dirty = code_dirty()
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "suite": {"commit": _git("rev-parse", "HEAD"), "dirty": dirty},
        "env": {"python": platform.python_version(), **versions, "device": device},
    }
