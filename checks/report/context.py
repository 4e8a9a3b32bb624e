"""What every section of REPORT.md shares: the report's reference (commit, device, environment), the staleness marks
(† another commit or device than the report's, ‡ an older version of the check than the code's), and `Section`, the
lines and tables one heading holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .format import DASH, Table, to_markdown
from .load import ID_KEYS, Record, Results

FIGURES = "figures"
STALE = "†"  # produced at another commit or on another device than the report's
OUTDATED = "‡"  # produced by an older version of its check than the code's


def short(commit) -> str:
    return commit[:7] if isinstance(commit, str) else DASH


# -- Reference environment and staleness -- #


@dataclass(frozen=True)
class Reference:
    """The report's own commit and device, against which each result is judged."""

    commit: str | None
    dirty: bool | None
    device: str | None
    env: dict
    source: str


def reference_of(results: Results) -> Reference:
    """From run.json if there is one; otherwise the commit and device most result files share (ties: sorted)."""
    run = results.one("reproduce-run")
    if run is not None:
        return Reference(run.commit, run.dirty, run.device, run.data["env"], run.path)
    records = [r for r in results.records if r.has_provenance]
    if not records:
        return Reference(None, None, None, {}, "nothing: no result files")
    counts = Counter((r.commit or "", r.device or "") for r in records)
    (commit, device), _ = min(counts.items(), key=lambda item: (-item[1], item[0]))
    first = next(r for r in records if (r.commit or "", r.device or "") == (commit, device))
    return Reference(
        commit or None,
        first.dirty,
        device or None,
        first.data["env"],
        "the result files (no run.json: the commit and device most of them share)",
    )


def version_key(record: Record) -> str:
    if record.kind == "experiment":  # E5 (the demo) has its own producer; E1-E4 and E6-E8 share one
        return f"experiment:{record.data['experiment']}"
    return f"{record.kind}:{record.ident}" if record.kind in ID_KEYS else record.kind


def current_version(record: Record, versions: dict[str, int]) -> int | None:
    """The code's version of the check that wrote `record`: by id (claim:C4-…), else by kind (one for the audit)."""
    return versions.get(version_key(record), versions.get(record.kind))


def outdated(records: Iterable[Record], versions: dict[str, int]) -> list[tuple[Record, int | None, int]]:
    """Records whose check version is older than (or missing against) the code's: (record, theirs, current)."""
    found = []
    for record in records:
        current = current_version(record, versions)
        if current is not None and (record.version is None or record.version < current):
            found.append((record, record.version, current))
    return found


@dataclass
class Context:
    """What every section needs: the reference, the code's versions, and the marks handed out so far."""

    reference: Reference
    versions: dict[str, int]
    marked: dict[str, list[str]] = field(default_factory=dict)
    figures: dict[str, str] = field(default_factory=dict)  # the report's drawn figures: name -> caption
    placed: list[str] = field(default_factory=list)  # figures shown next to their table (the rest: Figures)

    def figure(self, section: Section, name: str, caption: str | None = None) -> None:
        """Show figure `name` (under figures/) here, with its caption, if it was drawn or lies in results/."""
        caption = caption if caption is not None else self.figures.get(name)
        if caption is None or name in self.placed:
            return
        self.placed.append(name)
        section.lines += [f"![{name}]({FIGURES}/{name})", "", f"*{caption}*", ""]

    def mark(self, record: Record | None) -> str:
        """† and/or ‡ for a record, remembering why (the Provenance section lists it)."""
        if record is None:
            return ""
        reasons, marks = [], ""
        ref = self.reference
        if not record.has_provenance:  # nothing to compare (audit/check.json records no suite)
            pass
        elif ref.commit is not None and record.commit != ref.commit:
            reasons.append(f"{STALE} commit {short(record.commit)}, report {short(ref.commit)}")
        if record.has_provenance and ref.device is not None and record.device != ref.device:
            reasons.append(f"{STALE} device {record.device or DASH}, report {ref.device}")
        if reasons:
            marks += STALE
        current = current_version(record, self.versions)
        if current is not None and (record.version is None or record.version < current):
            reasons.append(f"{OUTDATED} check version {record.version or DASH}, code {current}")
            marks += OUTDATED
        if reasons:
            self.marked[record.path] = reasons
        return marks

    def source_note(self, *records: Record | None) -> str:
        parts = [f"{r.path}{self.mark(r)}" for r in records if r is not None]
        return "Source: " + ", ".join(parts) + "."


def legend(rows: Iterable[Iterable[str]]) -> tuple[str, ...]:
    text = " ".join(str(c) for row in rows for c in row)
    notes = []
    if STALE in text:
        notes.append(f"{STALE} produced at another commit or on another device than this report (see Provenance).")
    if OUTDATED in text:
        notes.append(f"{OUTDATED} produced by an older version of its check than the current code (see Provenance).")
    return tuple(notes)


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    anchor: str = ""  # an HTML anchor before the heading, for links from the findings

    def table(self, table: Table, heading: str | None = None) -> None:
        if heading:
            self.lines += [f"### {heading}", ""]
        self.lines += [to_markdown(table)]
        self.tables.append(table)

    def text(self, *lines: str) -> None:
        self.lines += [*lines, ""]


def sentence(text) -> str:
    text = str(text).strip()
    return text if text.endswith((".", "?", "!")) else text + "."
