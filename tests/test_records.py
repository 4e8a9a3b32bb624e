"""The record types (core/records.py) against the committed results: every file has a type by location, passes it
at the version this code writes, and is what the type's payload would write, byte for byte; broken copies are
reported, never raised on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks.registry import load_claims
from checks.report.load import NOT_RESULTS
from core.records import BY_KIND, RECORD_TYPES, ClaimRecord, record_type

RESULTS = Path(__file__).resolve().parents[1] / "results"
FILES = sorted(
    p.relative_to(RESULTS).as_posix()
    for p in RESULTS.rglob("*.json")
    if p.relative_to(RESULTS).parts[0] not in NOT_RESULTS
)


def _current(rtype, data: dict) -> int:
    if rtype is ClaimRecord:
        return load_claims().get(data["claim"]).version
    return rtype.current(data)


def _rebuilt(rtype, data: dict) -> dict:
    """The payload the type builds from the file's fields (the head keys are the type's, not the file's)."""
    return rtype.payload(**{k: v for k, v in data.items() if k not in rtype.head})


@pytest.mark.parametrize("relative", FILES)
def test_committed_result_round_trips(relative):
    text = (RESULTS / relative).read_text(encoding="utf-8")
    data = json.loads(text)
    rtype = record_type(relative)
    assert rtype is not None, f"{relative}: no record type lies there"
    stem = Path(relative).stem
    assert rtype.problems(data, stem, version=_current(rtype, data)) == []
    assert rtype.dumps(_rebuilt(rtype, data)) == text
    if rtype.names_file:
        assert data[rtype.id_key] == stem


def test_every_kind_has_a_committed_file():
    kinds = {record_type(f).kind for f in FILES}
    assert kinds == set(BY_KIND) - {"audit-check"}  # the audit's --check writes it on demand only


def test_kinds_match_by_location():
    expected = {
        "run.json": "reproduce-run",
        "variants.json": "variants-table",
        "bench.json": "engine-bench",
        "mutations.json": "mutation-matrix",
        "claims/C4-linear-cost.json": "claim",
        "audit/D12.json": "discrepancy",
        "audit/detection.json": "audit-detection",
        "audit/check.json": "audit-check",
        "audit/ddp.json": "audit-section",
        "replication/E1_cpu.json": "experiment",
        "replication/runs/train__scale=cpu.json": "training-run",
    }
    assert {path: record_type(path).kind for path in expected} == expected
    assert record_type("notes.json") is None and record_type("claims/deeper/C4.json") is None


def _sample(kind: str) -> tuple[dict, str]:
    relative = next(f for f in FILES if record_type(f).kind == kind)
    return json.loads((RESULTS / relative).read_text(encoding="utf-8")), Path(relative).stem


@pytest.mark.parametrize("rtype", [t for t in RECORD_TYPES if t.kind != "audit-check"], ids=lambda t: t.kind)
def test_broken_records_are_problems(rtype):
    data, stem = _sample(rtype.kind)
    required = next(k for k, key in rtype.keys.items() if key.required)
    assert rtype.problems({k: v for k, v in data.items() if k != required}, stem)[0].startswith("partial: missing")
    assert rtype.problems({**data, required: object()}, stem)[0] == (
        f"malformed: {required} is not {rtype.keys[required].expected}"
    )
    version = data.get(rtype.version_key)
    assert rtype.problems({**data, rtype.version_key: version + 1}, stem, version=version)[-1].startswith("outdated")
    assert rtype.problems([data], stem) == ["malformed: top level is a JSON list, not an object"]
    if rtype.names_file:
        assert "does not match the file name" in rtype.problems(data, "other")[0]


def test_payload_stamps_head_id_and_version():
    payload = BY_KIND["discrepancy"].payload(title="t", id="D1", verdict="confirmed")
    assert list(payload) == ["id", "version", "title", "verdict"]
    assert payload["version"] == BY_KIND["discrepancy"].version
    claim = ClaimRecord.payload(claim="C1-x", claim_version=3, paper="p")
    assert list(claim) == ["schema", "claim", "claim_version", "paper"]
