"""Reading results/ for the report: every JSON file is found, sorted into a kind by where it lies, and checked for
the keys the report uses. A file that is not JSON, or lacks a required key, or has one of the wrong type, is kept
as `Skipped` with its path and the problem (REPORT.md lists it); nothing is dropped silently and nothing raises.

Where each kind lies (relative to results/) and the keys the report needs from it. `suite` and `env` may also sit
inside a `run` object (the audit writes them there); the reader lifts them to the top.

- run.json (reproduce-run): kind, version, sections [{name, status}]
- variants.json (variants-table): kind, version, config {seeds}, alpha,
  rows [{variant, law, ratio_to_null_mean, ratio_to_R1, detections, detection_rate}]
- bench.json (engine-bench): kind, version, main [...], sweeps {N, M}
- claims/<id>.json (claim): claim (= file name), claim_version, paper, tier, verdict
- audit/D<n>.json (discrepancy): id (= file name), verdict
- audit/detection.json (audit-detection): id, status; if ok, main {size, rows [{variant, law, detections, n_seeds}]}
- audit/check.json (audit-check): ok, differences (no suite/env: it compares with a baseline, measures nothing)
- audit/<section>.json (audit-section): id (= file name), status
- replication/E<n>_<scale>.json (experiment): experiment, scale; conditions (E4: spearman) unless status is not
  done (the demo's E5 has no status: read as done)
- replication/runs/*.json (training-run): config, train
Every kind but audit-check also needs suite {commit, dirty} and env.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..registry import VERDICTS
from .format import is_number

# (folder, file-name glob, kind); a file's kind is the first pattern its location matches.
PATTERNS: tuple[tuple[str, str, str], ...] = (
    ("", "run.json", "reproduce-run"),
    ("", "variants.json", "variants-table"),
    ("", "bench.json", "engine-bench"),
    ("", "mutations.json", "mutation-matrix"),
    ("claims", "*.json", "claim"),
    ("audit", "D[0-9]*.json", "discrepancy"),
    ("audit", "detection.json", "audit-detection"),
    ("audit", "check.json", "audit-check"),
    ("audit", "*.json", "audit-section"),
    ("replication", "E*.json", "experiment"),
    ("replication/runs", "*.json", "training-run"),
)
FIGURE_SUFFIXES = (".png", ".gif")
NOT_RESULTS = ("tables", "logs")  # folders the report and reproduce write themselves (no results in them)


def _str(v) -> bool:
    return isinstance(v, str)


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _dict(v) -> bool:
    return isinstance(v, dict)


def _list(v) -> bool:
    return isinstance(v, list)


def _opt(check: Callable) -> Callable:
    return lambda v: v is None or check(v)


def _numlike(v) -> bool:
    return is_number(v) or v in ("inf", "-inf", "nan")  # claims store non-finite floats as strings


def _pair(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(is_number(x) for x in v) and v[0] <= v[1]


def _suite(v) -> bool:
    return isinstance(v, dict) and "commit" in v and (v["commit"] is None or isinstance(v["commit"], str))


def _rows_of(*keys: str, numbers: tuple[str, ...] = (), names: tuple[str, ...] = ("variant", "law")) -> Callable:
    """A list of objects with `keys`, numbers under `numbers` and strings under `names` (they label rows)."""

    def check(v) -> bool:
        return isinstance(v, list) and all(
            isinstance(r, dict)
            and all(k in r for k in keys)
            and all(is_number(r.get(k)) for k in numbers)
            and all(isinstance(r.get(k), str) for k in names if k in keys)
            for r in v
        )

    return check


def _sections(v) -> bool:
    return isinstance(v, list) and all(isinstance(s, dict) and _str(s.get("name")) and _str(s.get("status")) for s in v)


# kind -> {key: (check, what it must be, required)}
Schema = dict[str, tuple[Callable, str, bool]]
COMMON: Schema = {
    "suite": (_suite, "{commit, dirty}", True),
    "env": (_dict, "an object", True),
}
SCHEMAS: dict[str, Schema] = {
    "reproduce-run": {
        "kind": (lambda v: v == "reproduce-run", '"reproduce-run"', True),
        "version": (_int, "an integer", True),
        "sections": (_sections, "a list of {name, status}", True),
        "wall_s": (_opt(is_number), "a number", False),
    },
    "variants-table": {
        "kind": (lambda v: v == "variants-table", '"variants-table"', True),
        "version": (_int, "an integer", True),
        "config": (lambda v: _dict(v) and _int(v.get("seeds")), "an object with integer seeds", True),
        "alpha": (is_number, "a number", True),
        "rows": (
            _rows_of(
                "variant",
                "law",
                "detections",
                numbers=("ratio_to_null_mean", "ratio_to_R1", "detection_rate"),
            ),
            "a list of {variant, law, ratio_to_null_mean, ratio_to_R1, detections, detection_rate}",
            True,
        ),
        "runtime_s": (_opt(is_number), "a number", False),
    },
    "engine-bench": {
        "kind": (lambda v: v == "engine-bench", '"engine-bench"', True),
        "version": (_int, "an integer", True),
        "main": (_list, "a list", True),
        "sweeps": (_dict, "an object", True),
        "runtime_s": (_opt(is_number), "a number", False),
    },
    "claim": {
        "claim": (_str, "a string", True),
        "claim_version": (_int, "an integer", True),
        "paper": (_str, "a string", True),
        "tier": (_str, "a string", True),
        "verdict": (lambda v: v in VERDICTS, f"one of {', '.join(VERDICTS)}", True),
        "estimate": (_opt(_numlike), "a number", False),
        "interval": (_opt(_pair), "[low, high] with low <= high", False),
        "n": (_opt(_int), "an integer", False),
        "runtime_s": (_opt(is_number), "a number", False),
        "rerun": (_opt(_str), "a string", False),
        "paper_numbers": (_opt(_dict), "an object", False),
    },
    "discrepancy": {
        "verdict": (_str, "a string", True),
        "estimate": (_opt(_numlike), "a number", False),
        "interval": (_opt(_pair), "[low, high] with low <= high", False),
        "rerun": (_opt(_str), "a string", False),
    },
    "audit-detection": {
        "id": (lambda v: v == "detection", '"detection"', True),
        "status": (_str, "a string", True),
        "alpha": (_opt(is_number), "a number", False),
        "main": (
            _opt(
                lambda v: (
                    _dict(v)
                    and _dict(v.get("size"))
                    and _rows_of("variant", "law", "detections", "n_seeds")(v.get("rows"))
                )
            ),
            "{size, rows [{variant, law, detections, n_seeds}]}",
            False,
        ),
    },
    "audit-check": {
        "ok": (lambda v: isinstance(v, bool), "true or false", True),
        "differences": (_list, "a list", True),
    },
    "audit-section": {
        "status": (_str, "a string", True),
    },
    "experiment": {
        "experiment": (_str, "a string", True),
        "scale": (_str, "a string", True),
        "status": (_str, "a string", False),  # the demo (E5) writes none: read as done
        "conditions": (_opt(_dict), "an object", False),
        "spearman": (_opt(_dict), "an object", False),
    },
    "mutation-matrix": {
        "kind": (lambda v: v == "mutation-matrix", '"mutation-matrix"', True),
        "mutations": (_dict, "an object", True),
        "checks": (_dict, "an object", True),
        "non_discriminating": (_list, "a list", True),
    },
    "training-run": {
        "config": (_dict, "an object", True),
        "train": (_dict, "an object", True),
    },
}
ID_KEYS = {"claim": ("claim",), "discrepancy": ("id", "discrepancy"), "audit-section": ("id",)}  # = file name
NO_PROVENANCE = ("audit-check",)  # kinds that record no suite/env


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
            if _str(self.data.get(key)):
                return self.data[key]
        if self.kind == "experiment":
            return f"{self.data['experiment']}_{self.data['scale']}"
        return PurePosixPath(self.path).stem

    @property
    def version(self) -> int | None:
        for key in ("claim_version", "discrepancy_version", "version"):
            if _int(self.data.get(key)):
                return self.data[key]
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
    path = PurePosixPath(relative)
    folder = str(path.parent) if str(path.parent) != "." else ""
    for pattern_folder, glob, kind in PATTERNS:
        if folder == pattern_folder and fnmatch.fnmatchcase(path.name, glob):
            return kind
    return None


def validate(kind: str, data, stem: str) -> str | None:
    """None if `data` has what the report needs from a `kind` file named `stem`, else the problem."""
    if not isinstance(data, dict):
        return f"malformed: top level is a JSON {type(data).__name__}, not an object"
    schema = {**SCHEMAS[kind], **({} if kind in NO_PROVENANCE else COMMON)}
    missing = [k for k, (_, _, required) in schema.items() if required and k not in data]
    id_keys = ID_KEYS.get(kind, ())
    if id_keys and not any(k in data for k in id_keys):
        missing.insert(0, " or ".join(id_keys))
    if missing:
        return f"partial: missing {', '.join(missing)}"
    for key, (check, expected, _) in schema.items():
        if key in data and not check(data[key]):
            return f"malformed: {key} is not {expected}"
    for key in id_keys:
        if key in data:
            if data[key] != stem:
                return f"malformed: {key} {data[key]!r} does not match the file name {stem!r}"
            break
    if kind == "audit-detection" and data["status"] == "ok" and data.get("main") is None:
        return "partial: status ok but no main"
    if kind == "experiment" and data.get("status", "done") == "done":
        needed = "spearman" if data["experiment"] == "E4" else "conditions"
        if data.get(needed) is None:
            return f"partial: status done but no {needed}"
    return None


def lift_provenance(data):
    """`suite` and `env` from a nested `run` object to the top (as every other result file has them)."""
    if isinstance(data, dict) and isinstance(data.get("run"), dict):
        lifted = {k: data["run"][k] for k in ("suite", "env") if k in data["run"] and k not in data}
        if lifted:
            return {**data, **lifted}
    return data


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
        data = lift_provenance(data)
        problem = validate(kind, data, path.stem)
        if problem is None:
            results.records.append(Record(rel, kind, data))
        else:
            results.skipped.append(Skipped(rel, problem))
    return results
