"""Report sections on what the verdicts rest on: basis counts (only measured verdicts are evidence) and the
mutation matrix (`python -m checks mutate`). Self-contained: each takes the loaded results, returns a Section."""

from __future__ import annotations

from collections import Counter

from ..registry import BASES, control_problem
from .context import Section
from .format import DASH, Table
from .load import Results

EVIDENCE = ("reproduced", "confirmed")


def basis_of(data: dict) -> str:
    """The basis a verdict counts under: measured if any part was measured, else derived, else cited."""
    parts = str(data.get("basis") or "").split("+")
    return next((b for b in BASES if b in parts), DASH)


def _records(results: Results) -> list[tuple[str, dict]]:
    return [("claim", r.data) for r in results.of("claim")] + [
        ("discrepancy", r.data) for r in results.of("discrepancy")
    ]


def evidence_counts(results: Results) -> tuple[list[dict], list[dict], list[dict], Counter]:
    """Reproduced/confirmed records: all of them, the measured ones, the measured ones whose stored control
    disagrees (the evidence), and all of them counted by basis."""
    positive = [d for _, d in _records(results) if d.get("verdict") in EVIDENCE]
    measured = [d for d in positive if basis_of(d) == "measured"]
    sound = [d for d in measured if control_problem(d) is None]
    return positive, measured, sound, Counter(basis_of(d) for d in positive)


def evidence_summary(results: Results) -> str:
    """One summary line: how many verdicts are evidence (measured, with a control that disagrees)."""
    positive, measured, sound, bases = evidence_counts(results)
    other = ", ".join(f"{bases[b]} {b}" for b in ("derived", "cited") if bases[b])
    unknown = f", {bases[DASH]} without a recorded basis" if bases[DASH] else ""
    return (
        f"- Evidence: {len(sound)} measured reproduced/confirmed verdicts with a control that disagrees, of "
        f"{len(positive)} reproduced/confirmed in all ({len(measured)} measured{', ' + other if other else ''}"
        f"{unknown}); only the first count is evidence."
    )


def basis_section(results: Results) -> Section:
    section = Section("What the verdicts rest on", anchor="basis")
    section.text(
        "Measured: an experiment whose outcome was not known in advance; derived: an identity, an exact computation "
        "or a fact of the code; cited: recorded from text. Only measured verdicts count as evidence, and a measured "
        "reproduced/confirmed verdict only with its stored control (the same judge where the claim is false) "
        "saying otherwise."
    )
    counts: Counter = Counter()
    for kind, data in _records(results):
        counts[(kind, basis_of(data), data.get("verdict", DASH))] += 1
    verdicts = sorted({v for _, _, v in counts})
    rows = []
    for kind in ("claim", "discrepancy"):
        for basis in (*BASES, DASH):
            row = [counts[(kind, basis, v)] for v in verdicts]
            if sum(row):
                rows.append((kind, basis, *(str(n) for n in row), str(sum(row))))
    section.table(Table("basis_counts", "Verdicts by basis", ("kind", "basis", *verdicts, "total"), tuple(rows)))
    weak = [
        f"{d.get('claim') or d.get('id')}: {problem}"
        for _, d in _records(results)
        if (problem := control_problem(d)) is not None
    ]
    if weak:
        section.text(
            "Measured verdicts not counted as evidence (control missing or agreeing): " + "; ".join(weak) + "."
        )
    return section


def mutations_section(results: Results) -> Section:
    section = Section("Mutation matrix: which check sees which defect")
    record = results.one("mutation-matrix")
    if record is None:
        section.text("No results/mutations.json: run `python -m checks mutate`.")
        return section
    data = record.data
    names = list(data["mutations"])
    section.text(
        "Each defect a published variant has is planted into R1 and the checks that run R1 are rerun at quick "
        "sizes; FLIP marks a verdict that changes from the unmutated run (`python -m checks mutate`). Mutations: "
        + "; ".join(f"{n}: {d}" for n, d in data["mutations"].items())
        + "."
    )
    rows = tuple(
        (check_id, c.get("baseline", DASH), *("FLIP" if c["under"].get(m) != c.get("baseline") else "·" for m in names))
        for check_id, c in data["checks"].items()
    )
    section.table(
        Table("mutation_matrix", "Verdict flips under each planted defect", ("check", "baseline", *names), rows)
    )
    never = [c for c, v in data["checks"].items() if not v.get("flipped_by")]
    if never:
        section.text("Run against every mutation without a flip: " + ", ".join(never) + ".")
    nd = data["non_discriminating"]
    section.text(
        "Non-discriminating measured checks (no mutation and no alternative law flips them): "
        + ("; ".join(f"{c['id']} ({c['why']})" for c in nd) if nd else "none")
        + "."
    )
    return section
