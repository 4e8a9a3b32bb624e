"""The variants table command (`python -m checks variants`, run by `nox -s reproduce`)."""

from __future__ import annotations

import argparse
import json

import pytest

import reference
from checks import variants
from checks.__main__ import main
from checks.audit import battery, measure
from checks.report import cli as report_cli
from checks.variants import LAWS

TINY = ["--n", "64", "--k", "8", "--m", "16", "--seeds", "3", "--null-reps", "100", "--workers", "1"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--n", "1"], "--n must be >= 2"),
        (["--m", "0"], "--k and --m must be >= 1"),
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--null-reps", "10"], "--null-reps must be >= 100"),
        (["--variants", "R9"], "unknown variant 'R9'; known: V1"),
        (["--variants", "V1"], "include R1"),
    ],
)
def test_bad_arguments_fail_clearly_and_write_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "results"
    assert main(["variants", *argv, "--out", str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_tiny_run_writes_complete_table_deterministically(tmp_path):
    # Every (variant, law) row is present, the command writes its JSON only (the report renders variants.md
    # beside it), no temporary file is left behind, and the same seed gives the same numbers.
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["variants", *TINY, "--out", str(first)]) == 0
    assert main(["variants", *TINY, "--out", str(second)]) == 0
    assert sorted(p.name for p in first.iterdir()) == ["variants.json"]
    result = json.loads((first / "variants.json").read_text())
    assert {(r["variant"], r["law"]) for r in result["rows"]} == {(v, law) for v in reference.REGISTRY for law in LAWS}
    assert json.loads((second / "variants.json").read_text())["rows"] == result["rows"]
    rows = {(r["variant"], r["law"]): r for r in result["rows"]}
    # R0 has no factor N (D13): about N times smaller than R1 on identical data and directions.
    assert rows["R0", "gaussian"]["ratio_to_R1"] == pytest.approx(1 / 64, rel=0.05)
    report_cli.main(argparse.Namespace(results=first, pages_only=True))
    assert "| R1 " in (first / "variants.md").read_text()


def test_the_table_is_the_audits_detection_experiment():
    # One experiment: the table's laws are the audit's, by name, and its values and detections are those the
    # audit's detection measures at the same size and seed.
    assert set(LAWS) <= set(battery.LAWS)
    size = {"n": 64, "k": 8, "m": 16}
    config = variants.Config(**size, seeds=3, null_reps=100, variants=("R1", "V1"), workers=1)
    table = {(r["variant"], r["law"]): r for r in variants.compute(config)["rows"]}
    raw = {v: measure.detect_job(v, size, list(LAWS), 3, 100, 0, 0) for v in ("R1", "V1")}
    for row in measure.summarize(raw, None, measure.Size(**size)):
        mine = table[row["variant"], row["law"]]
        assert mine["mean"] == pytest.approx(row["mean"], rel=1e-12, abs=1e-300)
        assert (mine["detections"], mine["null_q99"]) == (row["detections"], row["null_q99"])
