"""Writing results: atomic files, plain JSON values (`jsonable`) and the run record every result carries (commit,
versions, config)."""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

REPO_ROOT = Path(__file__).resolve().parent.parent  # where the code is (a clone, or site-packages when installed)
RESULTS_ENV = "SIGREG_RESULTS"  # another results tree for every command (a relative path: to the current folder)


def results_root() -> Path:
    """Where a command writes when not told: build/results/ under the current folder (the user's, never the
    package's), or $SIGREG_RESULTS: `reproduce` points its children at its own tree that way."""
    return Path(os.environ.get(RESULTS_ENV) or Path("build") / "results")


RESULTS = results_root()
PACKAGES = ("torch", "numpy", "scipy", "datasets", "numba")  # numba: the engine's fused CPU kernels


def umask() -> int:
    """The process umask, read without changing it where the kernel tells it (os.umask can only set it, and
    setting it for a moment would give files that other threads create meanwhile the wrong mode)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(path: Path, file: bool = False) -> None:
    """Raise ValueError unless `path` (a folder, or with `file` a file) can be written, creating nothing that
    stays: commands call it on their outputs before they compute anything."""
    path = Path(path)
    what = "file" if file else "folder"
    if path.exists():
        if file and path.is_dir():
            raise ValueError(f"output {path} is a folder, expected a file")
        if not file and not path.is_dir():
            raise ValueError(f"output folder {path} exists and is not a folder")
    existing = path if path.is_dir() else path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ValueError(f"cannot write the output {what} {path}: {existing} is not a folder")
    try:  # os.access says yes to root on read-only and virtual file systems (/proc): try it for real
        fd, probe = tempfile.mkstemp(dir=existing, prefix=".sigreg-write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ValueError(
            f"cannot write the output {what} {path}: {existing} is not writable ({error.strerror or error})"
        ) from None


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader never sees a half-written file (rename is atomic), with the mode an
    ordinary open() would give (0644 under umask 0022; mkstemp alone gives 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fchmod(handle.fileno(), 0o666 & ~umask())
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def jsonable(value: Any, *, non_finite: Literal["string", "null"] = "string") -> Any:
    """`value` in plain JSON types: keys as strings, tuples as lists, NumPy and torch scalars and arrays as Python
    numbers and lists (found by their `tolist`, so that this layer imports neither), records by their `as_dict()`.
    A non-finite float becomes "inf", "-inf" or "nan" (which one it was stays readable), or null with
    non_finite="null" (the audit's files). Anything else raises TypeError, before any file is written."""
    if non_finite not in ("string", "null"):
        raise ValueError(f"non_finite must be 'string' or 'null', got {non_finite!r}")
    if isinstance(value, dict):
        return {str(k): jsonable(v, non_finite=non_finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v, non_finite=non_finite) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        value = float(value)
        if math.isfinite(value):
            return value
        return repr(value) if non_finite == "string" else None
    if value is None or isinstance(value, str):
        return value
    if hasattr(value, "tolist"):  # numpy.ndarray, numpy scalars (bool_, integer, floating), torch.Tensor
        return jsonable(value.tolist(), non_finite=non_finite)
    if hasattr(value, "as_dict"):
        return jsonable(value.as_dict(), non_finite=non_finite)
    raise TypeError(f"cannot store {type(value).__name__} in a result file")


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
