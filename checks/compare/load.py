"""`load_callable`: MODULE:CALLABLE or path/to/file.py:CALLABLE -> the callable to compare, or a `CompareError`."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path

from .probes import CompareError


def load_callable(spec: str) -> Callable:
    """`package.module:name` or `path/to/file.py:name` -> the callable; CompareError saying what is wrong."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise CompareError(f"expected MODULE:CALLABLE or path/to/file.py:CALLABLE, got {spec!r}")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise CompareError(f"no such file: {target}")
        module_name = f"_compared_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            raise CompareError(f"importing {target} raised {type(error).__name__}: {error}") from None
    else:
        try:
            module = importlib.import_module(target)
        except Exception as error:
            raise CompareError(f"cannot import module {target!r}: {type(error).__name__}: {error}") from None
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise CompareError(f"{target} has no attribute {name!r}")
        obj = getattr(obj, part)
    if isinstance(obj, type):
        raise CompareError(f"{spec} is a class; point at a function or an instance taking (x, directions)")
    if not callable(obj):
        raise CompareError(f"{spec} is a {type(obj).__name__}, not a callable")
    return obj
