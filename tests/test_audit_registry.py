"""The discrepancy registry's static text (paper_says, code_does) and the per-variant summaries its conclusions
write (variant_behaviour), on the entries that need no pool job."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from checks.audit import REGISTRY, discrepancies, registry, runner
from checks.audit.plan import make_plan
from checks.audit.registry import Context, Finding
from checks.report.format import latex_escape

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
        assert payload["version"] == runner.VERSION >= 2  # 2 brought paper_says, code_does, variant_behaviour
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

    monkeypatch.setitem(registry.REGISTRY, "D4", dataclasses.replace(REGISTRY["D4"], conclude=conclude))
    plan = make_plan(True, 0)
    payload = runner._entry_payload("D4", Context(plan=plan), plan)
    assert payload["verdict"] == "not-run" and payload["not_run_kind"] == "error"
    assert "variant_behaviour names ['P1']" in payload["reason"]


def test_empty_behaviour_text_is_rejected():
    with pytest.raises(ValueError, match="non-empty strings"):
        Finding(verdict="confirmed", effect="x", variant_behaviour={"R1": ""})


PAPER_TEXT = ("D24", "D25", "D26", "D27", "D28", "D29")


@pytest.mark.parametrize("entry_id", PAPER_TEXT)
def test_paper_text_defects_are_cited_never_counted_as_measured(entry_id):
    # Defects of the paper's own text: recorded from reading it, so not-run (textual) with basis cited, never a
    # verdict that could be counted as evidence; each is new and names no variant.
    plan = make_plan(True, 0)
    payload = runner._entry_payload(entry_id, Context(plan=plan), plan)
    assert (payload["verdict"], payload["not_run_kind"], payload["basis"]) == ("not-run", "textual", "cited")
    assert payload["new"] and payload["variants"] == []
    assert payload["reason"].startswith("textual:")


def test_no_entry_presents_the_v1_or_v2_listing_as_read():
    # The v1/v2 listing texts were not read: every entry that speaks of those arXiv versions (or of the "first
    # listing") says what it rests on (lejepa#2, or that it was not read).
    # "Both listings" / "v1 and v3 listings" put an unread text beside a read one as if both had been read.
    for d in REGISTRY.values():
        for text in (d.statement, d.paper_says):
            if re.search(r"\bv[12]\b|first listing|before v3", text):
                assert "lejepa#2" in text or "not read" in text, (d.id, text)
        assert "as printed in v1" not in d.paper_says and "v1/v2" not in d.paper_says, d.id
        for text in (d.title, d.statement, d.paper_says, d.code_does):
            assert not re.search(r"both listings|v1 and v3 listings", text), (d.id, text)


def test_every_entry_module_registers_exactly_one_entry():
    # The package imports its modules by name; a module missing from that list would register nothing.
    modules = sorted(p.stem for p in (Path(discrepancies.__file__).parent).glob("d[0-9][0-9]_*.py"))
    registered = sorted(d.module.rsplit(".", 1)[1] for d in REGISTRY.values())
    assert registered == modules
    assert [int(i[1:]) for i in REGISTRY] == sorted(int(i[1:]) for i in REGISTRY)


def test_an_id_registered_twice_is_rejected():
    with pytest.raises(ValueError, match="duplicate discrepancy id 'D4'"):
        registry.discrepancy(id="D4", title="t", statement="s", variants=(), locus="l", paper_says="p", code_does="c")(
            lambda ctx: None
        )
    with pytest.raises(ValueError, match="D1 already has a negative control"):
        registry.negative_control("D1")(lambda ctx: None)
