"""Every registered id has its section in docs/: the links that code, CLI output and the report build from an id
(`docs/claims.md#c15`, `docs/discrepancies.md#d6`, `docs/variants.md#p2`) must land on a section about that id.

A section is the text from its `<a id="…"></a>` to the next anchor; it must name the id (a claim's full id, so two
claims sharing a number both need a mention), and where a claim's section states a basis it must be the registry's.
"""

from __future__ import annotations

import re

import reference
from checks.audit import REGISTRY as DISCREPANCIES
from checks.registry import BASES, load_claims
from checks.report.sections import claim_anchor
from core.results import REPO_ROOT

DOCS = REPO_ROOT / "docs"
BASIS = re.compile(r"\bbasis (" + "|".join(BASES) + r")\b")


def sections(text: str) -> dict[str, str]:
    """Anchor -> the text from that anchor to the next one."""
    marks = list(re.finditer(r'<a id="([^"]+)"></a>', text))
    return {
        m.group(1): text[m.end() : (marks[i + 1].start() if i + 1 < len(marks) else len(text))]
        for i, m in enumerate(marks)
    }


def missing(text: str, entries: dict[str, str], basis: dict[str, str] | None = None) -> list[str]:
    """Problems with `entries` (id -> anchor) in one docs file: no anchor, a section that does not name its id, or a
    stated basis other than `basis[id]`."""
    found = sections(text)
    problems = []
    for ident, anchor in entries.items():
        if anchor not in found:
            problems.append(f"{ident}: no section with anchor #{anchor}")
        elif not re.search(rf"(?<![\w-]){re.escape(ident)}(?![\w-])", found[anchor]):
            problems.append(f"{ident}: the section #{anchor} does not name it")
        elif basis and (stated := BASIS.search(found[anchor])) and stated.group(1) != basis[ident]:
            problems.append(f"{ident}: the section says basis {stated.group(1)}, the registry {basis[ident]}")
    return problems


def test_every_claim_has_its_section():
    claims = load_claims()
    entries = {c: claim_anchor(c) for c in claims.ids()}
    basis = {c: claims.get(c).basis for c in claims.ids()}
    assert not missing((DOCS / "claims.md").read_text(encoding="utf-8"), entries, basis)


def test_every_discrepancy_has_its_section():
    entries = {d: d.lower() for d in DISCREPANCIES}
    assert not missing((DOCS / "discrepancies.md").read_text(encoding="utf-8"), entries)


def test_every_variant_has_its_section():
    entries = {v: v.lower() for v in reference.REGISTRY}
    assert not missing((DOCS / "variants.md").read_text(encoding="utf-8"), entries)


def test_the_docs_check_catches_what_it_should():
    text = '<a id="c7"></a>\n### C7-probe-variance\n- **Tier:** cpu-fast; basis derived\n<a id="d1"></a>\n## D1: x\n'
    assert missing(text, {"C7-probe-variance": "c7", "D1": "d1"}, {"C7-probe-variance": "derived", "D1": ""}) == []
    assert missing(text, {"D2": "d2"})  # no anchor
    assert missing(text, {"D11": "d1"})  # the anchor exists but its section is about another id
    assert missing(text, {"C7-fig3-values": "c7"})  # a second claim with the same number, not mentioned
    assert missing(text, {"C7": "c7"})  # a prefix of a longer id is not a mention
    assert missing(text, {"C7-probe-variance": "c7"}, {"C7-probe-variance": "measured"})  # stale basis
