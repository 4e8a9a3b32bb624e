"""Provenance records: where each reference comes from and where it deliberately departs from it."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Source:
    """One published artefact a reference re-implements (read, never copied)."""

    name: str  # what a reviewer would call it, e.g. "official repository, HEAD"
    origin: str  # repository "owner/name", package "name==version", or document "arXiv:ID vN"
    revision: str  # full commit hash, package version or arXiv version
    path: str  # file (or listing / markdown section) inside the origin
    lines: tuple[int, int] | None  # inclusive line span at that revision; None where it has no lines
    license: str
    retrieved: str  # ISO date on which we read it
    note: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Deviation:
    """A numbered, deliberate difference between a reference and its source, with the test that pins it."""

    id: str  # "<variant>-<n>", e.g. "R1-1"
    what: str
    why: str
    effect: str
    test: str  # "tests/<file>.py::<test name>"

    def as_dict(self) -> dict:
        return asdict(self)
