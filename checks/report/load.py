"""Reading results/ for the report: every JSON file is found, sorted into a kind by where it lies, and checked for
the keys the report uses. A file that is not JSON, or lacks a required key, or has one of the wrong type, is kept
as `Skipped` with its path and the problem (REPORT.md lists it); nothing is dropped silently and nothing raises.

Where each kind lies and the keys the report needs from it are the record types' (core/records.py); `suite` and
`env` may also sit inside a `run` object (the audit writes them there): the reader lifts them to the top.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from core.records import BY_KIND, RECORD_TYPES, lifted, record_type

FIGURE_SUFFIXES = (".png", ".gif")
NOT_RESULTS = ("tables", "logs")  # folders the report and reproduce write themselves (no results in them)
ID_KEYS = {t.kind: t.id_keys() for t in RECORD_TYPES if t.names_file}  # kinds named by an id (= file name)


@dataclass(frozen=True)
class Record:
    """One valid result file: its path under results/ (POSIX), its kind and its content."""

    path: str
    kind: str
    data: dict

    @property
    def has_provenance(self) -> bool:
        return isinstance(self.data.get("suite"), dict)

    @property
    def commit(self) -> str | None:
        return (self.data.get("suite") or {}).get("commit")

    @property
    def dirty(self) -> bool | None:
        return (self.data.get("suite") or {}).get("dirty")

    @property
    def device(self) -> str | None:
        return (self.data.get("env") or {}).get("device")

    @property
    def ident(self) -> str:
        """The id a reader quotes: claim or discrepancy id, experiment tag, else the file name."""
        for key in ID_KEYS.get(self.kind, ()):
            if isinstance(self.data.get(key), str):
                return self.data[key]
        if self.kind == "experiment":
            return f"{self.data['experiment']}_{self.data['scale']}"
        return PurePosixPath(self.path).stem

    @property
    def version(self) -> int | None:
        for key in ("claim_version", "discrepancy_version", "version"):
            value = self.data.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None


@dataclass(frozen=True)
class Skipped:
    path: str
    problem: str


@dataclass
class Results:
    """Everything the report read from one results tree."""

    root: Path
    records: list[Record] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    unrecognised: list[str] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)

    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def one(self, kind: str) -> Record | None:
        found = self.of(kind)
        return found[0] if found else None


def dig(data, *keys):
    """data[k1][k2]…, or None where a level is missing or not an object."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def kind_of(relative: str) -> str | None:
    found = record_type(relative)
    return found.kind if found is not None else None


def validate(kind: str, data, stem: str) -> str | None:
    """None if `data` has what the report needs from a `kind` file named `stem`, else the (first) problem. An older
    version is no problem here: the report marks it."""
    problems = BY_KIND[kind].problems(data, stem)
    return problems[0] if problems else None


def read(root: Path) -> Results:
    """Read every JSON file under `root` (hidden files, such as atomic writes in progress, excluded)."""
    root = Path(root)
    results = Results(root=root)
    if not root.is_dir():
        return results
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        if relative.parts[0] in NOT_RESULTS:
            continue
        rel = relative.as_posix()
        if relative.parts[0] == "figures" and path.suffix in FIGURE_SUFFIXES:
            results.figures.append(rel)
            continue
        if path.suffix != ".json":
            continue
        kind = kind_of(rel)
        if kind is None:
            results.unrecognised.append(rel)
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, RecursionError) as error:
            results.skipped.append(Skipped(rel, f"unreadable: {type(error).__name__}: {error}"))
            continue
        except json.JSONDecodeError as error:
            results.skipped.append(
                Skipped(rel, f"malformed: not JSON ({error.msg}: line {error.lineno}, column {error.colno})")
            )
            continue
        data = lifted(data)
        problem = validate(kind, data, path.stem)
        if problem is None:
            results.records.append(Record(rel, kind, data))
        else:
            results.skipped.append(Skipped(rel, problem))
    return results
