"""The audit's regression guard (`--check` against checks/audit/baseline.json), its bad-input errors, its
atomic writes, and how failures and absent resources become not-run entries."""

from __future__ import annotations

import copy
import json

import pytest

from checks.audit import cli as audit_cli
from checks.audit import fingerprint, official, runner
from checks.audit.plan import make_plan
from checks.audit.registry import REGISTRY, Context
from core import cli


def run_audit(*argv: str) -> int:
    return cli.run(cli.build_parser("python -m checks", "", [audit_cli]), list(argv))


@pytest.fixture(scope="module")
def baseline() -> dict:
    return fingerprint.load_baseline(fingerprint.BASELINE)


@pytest.fixture(scope="module")
def current() -> dict:
    return fingerprint.fingerprint()


def test_committed_baseline_matches_current_behaviour(tmp_path, capsys):
    assert run_audit("audit", "--check", "--out", str(tmp_path)) == 0
    assert "behaviour matches" in capsys.readouterr().out
    assert json.loads((tmp_path / "check.json").read_text())["ok"] is True


def test_check_reports_a_planted_behaviour_change(tmp_path, capsys, baseline):
    planted = copy.deepcopy(baseline)
    fp = planted["fingerprint"]
    fp["values"]["R1"]["gaussian"] *= 1.01  # a 1 % change: 100× the stated tolerance
    fp["dtypes"]["P2"]["float64"] = "raises RuntimeError"
    fp["relations"]["P1"]["views-near"] = "equal"
    path = tmp_path / "planted.json"
    path.write_text(json.dumps(planted))
    assert run_audit("audit", "--check", "--baseline", str(path), "--out", str(tmp_path / "out")) == 1
    err = capsys.readouterr().err
    assert "3 difference(s)" in err
    assert "R1 value on gaussian" in err and "relative; tolerance 0.0001" in err
    assert "P2 with float64 input: raises RuntimeError -> float64" in err
    assert "P1 vs R1 on views-near: equal -> differs" in err


def test_values_within_tolerance_are_not_reported(current, baseline):
    nudged = copy.deepcopy(baseline)
    nudged["fingerprint"]["values"]["R1"]["gaussian"] *= 1 + 1e-6  # float32 reordering scale, well inside 1e-4
    assert fingerprint.compare(current, nudged) == []


def test_an_undocumented_discrepancy_is_reported_whatever_the_baseline(current, baseline):
    # P2 equals R1 bit for bit on 2-D input (docs/variants.md); a difference there is explained by no entry.
    changed = copy.deepcopy(current)
    changed["relations"]["P2"]["uniform"] = "differs"
    assert fingerprint.undocumented(current) == []
    diffs = fingerprint.compare(changed, {"fingerprint": copy.deepcopy(changed)})
    assert any(d.startswith("undocumented discrepancy: P2 differs from R1 on uniform") for d in diffs)


def test_verdict_changes_are_reported_but_absent_resources_are_not(current, baseline):
    base = copy.deepcopy(baseline)
    base["verdicts"] = {"quick": {"D1": "confirmed", "D14": "confirmed"}}
    verdicts = {"D1": ("refuted", None), "D14": ("not-run", "environment")}
    diffs = fingerprint.compare(current, base, verdicts, "quick")
    assert diffs == ["D1: verdict confirmed -> refuted"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["D99"], "unknown audit id 'D99'; known: D1, D2"),
        (["D1", "--variants", "R9"], "unknown variant 'R9'; known: V1"),
        (["D1", "--n", "1"], "--n must be an integer in [8, 8192]"),
        (["D1", "--m", "0"], "--m must be an integer in [1, 4096]"),
        (["D1", "--k", "100000"], "--k must be an integer in [1, 4096]"),
        (["D1", "--seed", "-1"], "--seed must be a non-negative integer"),
        (["D1", "--workers", "0"], "--workers must be a positive integer"),
    ],
)
def test_bad_input_fails_clearly_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "results"
    assert run_audit("audit", *argv, "--quick", "--out", str(out)) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_missing_baseline_fails_clearly(tmp_path, capsys):
    assert run_audit("audit", "--check", "--baseline", str(tmp_path / "none.json"), "--out", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "does not exist; pass the committed one with --baseline" in err
    assert "--write-baseline" not in err  # writing a baseline from the code under test would defeat the guard


def test_unserialisable_payload_leaves_no_file(tmp_path):
    # Every payload is serialised before the first file is written: a failure leaves nothing behind.
    good = {"id": "D4", "value": 1.0}
    with pytest.raises(TypeError):
        runner.write({"D4": good, "D9": {"id": "D9", "value": object()}}, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failed_measurement_becomes_not_run_with_its_reason():
    plan = make_plan(True, 0)
    ctx = Context(plan=plan, results={"ddp": RuntimeError("gloo could not bind a port")})
    payload = runner._entry_payload("D18", ctx, plan)
    assert payload["verdict"] == "not-run" and payload["not_run_kind"] == "error"
    assert "gloo could not bind a port" in payload["reason"]
    assert runner._entry_payload("D1", ctx, plan)["reason"] == "the detection table was not run"


def test_official_suite_entry_degrades_to_not_run_without_the_tree(tmp_path, monkeypatch):
    # The official repository lives outside the project; where it is absent D14 says so instead of failing.
    monkeypatch.setenv("SIGREG_GOLDEN_SRC", str(tmp_path))
    result = official.official_tests_job(quick=True)
    assert result["R1"]["available"] is False
    finding = REGISTRY["D14"].conclude(Context(plan=make_plan(True, 0), results={"official_tests": result}))
    assert finding.verdict == "not-run" and finding.not_run_kind == "environment"
    assert str(tmp_path) in finding.reason


def test_latex_escaping_keeps_spaces_and_maps_symbols_to_ascii():
    # Spaces must stay breakable (p{} columns wrap); specials are escaped; the Unicode the audit writes maps to
    # math macros, so pdflatex takes the table as is.
    from checks.report.format import latex_escape

    assert latex_escape("a_b 95% λ ≈ 1") == r"a\_b 95\% $\lambda$ $\approx$ 1"
    assert latex_escape("exp(−t²/σ²) & {x}").isascii()
