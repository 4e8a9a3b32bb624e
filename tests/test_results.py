"""core.results: the run record's dirty flag (code only, never the results it writes), and `jsonable`, through which
the claims, the audit and `checks compare` write every JSON file."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass

import numpy as np
import pytest
import torch

from checks.registry import Control, Tolerance
from core.results import code_dirty, jsonable


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


# (value, what each writer stored before `jsonable` was one function: claims and `checks compare` keep a non-finite
# float as its name; the audit writes null there). The committed results/ came from these rules.
CASES = [
    ({"a": 1, 2: "b", (1, 2): None}, {"a": 1, "2": "b", "(1, 2)": None}),
    ((1, [2.5, (3,)]), [1, [2.5, [3]]]),
    ([True, False, 0, -7, 1e300, 1e-300, -0.0], [True, False, 0, -7, 1e300, 1e-300, -0.0]),
    (np.float64(0.1), 0.1),
    (np.float32(0.1), float(np.float32(0.1))),
    (np.int64(-3), -3),
    (np.bool_(True), True),
    (np.arange(3).reshape(3, 1), [[0], [1], [2]]),
    (np.array([0.5]), [0.5]),
    (np.array(2.5), 2.5),
    (torch.tensor([1.5, 2.0]), [1.5, 2.0]),
    (torch.tensor(3), 3),
    (torch.tensor(True), True),
    (
        {"nested": {"t": torch.tensor([[1.0]]), "a": np.array([1, 2], dtype=np.int32)}},
        {"nested": {"t": [[1.0]], "a": [1, 2]}},
    ),
    (Tolerance(0.1, "why"), {"value": 0.1, "reason": "why"}),
    (
        Control("where false", "not-reproduced", np.float64(0.5)),
        {"what": "where false", "verdict": "not-reproduced", "estimate": 0.5},
    ),
    (np.str_("s"), "s"),
]
# (value, as claims and `checks compare` store it, as the audit stores it)
NON_FINITE = [
    (float("inf"), "inf", None),
    (-math.inf, "-inf", None),
    (math.nan, "nan", None),
    (np.float64("nan"), "nan", None),
    (np.float32("inf"), "inf", None),
    (np.array([np.nan, 1.0]), ["nan", 1.0], [None, 1.0]),
    (torch.tensor([-math.inf]), ["-inf"], [None]),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_jsonable_gives_plain_json_with_the_same_text_every_writer_stored(value, expected):
    for non_finite in ("string", "null"):
        out = jsonable(value, non_finite=non_finite)
        assert json.dumps(out, allow_nan=False) == json.dumps(expected, allow_nan=False)
        assert isinstance(out, type(expected))


@pytest.mark.parametrize(("value", "string", "null"), NON_FINITE)
def test_non_finite_floats_are_named_or_null(value, string, null):
    assert jsonable(value) == string  # claims, `checks compare`
    assert jsonable(value, non_finite="null") == null  # the audit (strict JSON, null where no number is)


def test_what_json_cannot_hold_is_refused_before_writing():
    @dataclass
    class NoRecord:
        x: int = 1

    for value in (object(), NoRecord(), {1, 2}, b"bytes", 1 + 2j):
        with pytest.raises(TypeError, match="cannot store"):
            jsonable(value)
    with pytest.raises(ValueError, match="non_finite"):
        jsonable(1.0, non_finite="none")
