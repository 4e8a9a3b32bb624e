"""The discrepancy registry's static text (paper_says, code_does) and the per-variant summaries its conclusions
write (variant_behaviour), on the entries that need no pool job."""

from __future__ import annotations

import dataclasses

import pytest

from checks._report_format import latex_escape
from checks.audit import REGISTRY, discrepancies, runner
from checks.audit._common import Finding
from checks.audit.discrepancies import Context
from checks.audit.plan import make_plan

# Conclusions computed in-process from the plan alone (D10 and D12 are cited-only, hence not-run).
IN_PROCESS = ("D4", "D9", "D10", "D12", "D17")


@pytest.mark.parametrize("entry_id", list(REGISTRY))
def test_every_entry_says_what_the_paper_says_and_the_code_does(entry_id):
    d = REGISTRY[entry_id]
    assert d.paper_says.strip() and d.code_does.strip()
    for text in (d.paper_says, d.code_does):
        # every symbol maps to pdflatex-safe ASCII (an unmapped one would print as [U+XXXX])
        assert "[U+" not in latex_escape(text) and latex_escape(text).isascii(), text


def test_an_entry_without_paper_or_code_text_is_rejected():
    with pytest.raises(ValueError, match="D4: paper_says and code_does must be non-empty"):
        dataclasses.replace(REGISTRY["D4"], code_does=" ")


@pytest.fixture(scope="module")
def payloads() -> dict:
    plan = make_plan(True, 0)
    return {entry_id: runner._entry_payload(entry_id, Context(plan=plan), plan) for entry_id in IN_PROCESS}


def test_payload_carries_paper_code_and_behaviour_of_its_own_variants(payloads):
    for entry_id, payload in payloads.items():
        d = REGISTRY[entry_id]
        assert payload["version"] == runner.VERSION == 2
        assert (payload["paper_says"], payload["code_does"]) == (d.paper_says, d.code_does)
        behaviour = payload["variant_behaviour"]
        assert set(behaviour) <= set(d.variants), entry_id
        assert all(isinstance(text, str) and text for text in behaviour.values())
        if payload["verdict"] == "not-run":
            assert behaviour == {}, entry_id
        else:
            assert behaviour, entry_id
    m = make_plan(True, 0).dtype_size.m
    assert payloads["D4"]["variant_behaviour"]["V3"].startswith(f"returns [{m}] (one value per direction, M={m})")
    assert "0.05263 at λ=0.05" in payloads["D17"]["variant_behaviour"]["P2"]
    assert "0.05 at λ=0.05" in payloads["D17"]["variant_behaviour"]["P1"]


def test_behaviour_of_a_variant_outside_the_entry_makes_it_not_run(monkeypatch):
    def conclude(ctx):
        return Finding(verdict="confirmed", effect="planted", variant_behaviour={"P1": "planted"})

    monkeypatch.setitem(discrepancies.REGISTRY, "D4", dataclasses.replace(REGISTRY["D4"], conclude=conclude))
    plan = make_plan(True, 0)
    payload = runner._entry_payload("D4", Context(plan=plan), plan)
    assert payload["verdict"] == "not-run" and payload["not_run_kind"] == "error"
    assert "variant_behaviour names ['P1']" in payload["reason"]


def test_empty_behaviour_text_is_rejected():
    with pytest.raises(ValueError, match="non-empty strings"):
        Finding(verdict="confirmed", effect="x", variant_behaviour={"R1": ""})
