"""One record type per kind of result file: where it lies under results/, the key that names it, its layout
version and the keys a reader may rely on, each with its type. Producers build the dict they write through their
type (`payload`), so the opening keys (kind, id, version) are stamped in one place; the report sorts files into
kinds by location and checks them with the same types (`problems`), so a kind's keys are declared once, here.

A file's kind is the first type whose (folder, file-name glob) its location matches (RECORD_TYPES order). `suite`
and `env` (the run record of core.results) may sit inside a `run` object (the audit writes them there); `lifted`
reads them from there. Checking a dict never raises: a bad file is a list of problems, worst first.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from .verdicts import CLAIM
from .versions import VERSIONS

CLAIM_VERDICTS = CLAIM.verdicts


def _str(v) -> bool:
    return isinstance(v, str)


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _dict(v) -> bool:
    return isinstance(v, dict)


def _list(v) -> bool:
    return isinstance(v, list)


def _opt(check: Callable) -> Callable:
    return lambda v: v is None or check(v)


def _numlike(v) -> bool:
    return _number(v) or v in ("inf", "-inf", "nan")  # claims store non-finite floats as strings


def _pair(v) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(_number(x) for x in v) and v[0] <= v[1]


def _suite(v) -> bool:
    return isinstance(v, dict) and "commit" in v and (v["commit"] is None or isinstance(v["commit"], str))


def _rows_of(*keys: str, numbers: tuple[str, ...] = (), names: tuple[str, ...] = ("variant", "law")) -> Callable:
    """A list of objects with `keys`, numbers under `numbers` and strings under `names` (they label rows)."""

    def check(v) -> bool:
        return isinstance(v, list) and all(
            isinstance(r, dict)
            and all(k in r for k in keys)
            and all(_number(r.get(k)) for k in numbers)
            and all(isinstance(r.get(k), str) for k in names if k in keys)
            for r in v
        )

    return check


def _sections(v) -> bool:
    return isinstance(v, list) and all(isinstance(s, dict) and _str(s.get("name")) and _str(s.get("status")) for s in v)


@dataclass(frozen=True)
class Key:
    """One key a reader relies on: its check, what it must be (for the problem's words), whether it must be there."""

    check: Callable[[object], bool]
    expected: str
    required: bool = True


def _optional(check: Callable, expected: str) -> Key:
    return Key(_opt(check), expected, required=False)


def _constant(value: str) -> Key:
    return Key(lambda v: v == value, json.dumps(value))


STRING = Key(_str, "a string")
INTEGER = Key(_int, "an integer")
NUMBER = Key(_number, "a number")
OBJECT = Key(_dict, "an object")
LIST = Key(_list, "a list")
PROVENANCE = {"suite": Key(_suite, "{commit, dirty}"), "env": OBJECT}


def lifted(data):
    """`suite` and `env` from a nested `run` object to the top (as every other result file has them)."""
    if isinstance(data, dict) and isinstance(data.get("run"), dict):
        found = {k: data["run"][k] for k in ("suite", "env") if k in data["run"] and k not in data}
        if found:
            return {**data, **found}
    return data


class RecordType:
    """A kind of result file. Subclasses declare the class attributes; nothing is instantiated."""

    kind: ClassVar[str]
    folder: ClassVar[str]  # under results/ ("" for the top)
    pattern: ClassVar[str]  # file-name glob inside `folder`
    id_key: ClassVar[str | None] = None  # the key that names the record (None: one file of its kind)
    id_aliases: ClassVar[tuple[str, ...]] = ()  # older names of the id key, still read
    names_file: ClassVar[bool] = False  # whether the id must equal the file name
    version_key: ClassVar[str | None] = "version"
    version: ClassVar[int | None] = None  # the layout version this code writes (None: per record, see `current`)
    head: ClassVar[dict] = {}  # constant keys the file opens with, before the id and the version
    keys: ClassVar[dict[str, Key]] = {}
    provenance: ClassVar[bool] = True  # whether it carries the run record (suite, env)
    indent: ClassVar[int] = 2  # of the JSON text its producer writes

    @classmethod
    def id_keys(cls) -> tuple[str, ...]:
        return (cls.id_key, *cls.id_aliases) if cls.names_file else ()

    @classmethod
    def matches(cls, relative: str) -> bool:
        path = PurePosixPath(relative)
        folder = str(path.parent) if str(path.parent) != "." else ""
        return folder == cls.folder and fnmatch.fnmatchcase(path.name, cls.pattern)

    @classmethod
    def payload(cls, **fields) -> dict:
        """The dict a producer writes: `head`, the id, the version (stamped unless given: claims carry their own),
        then `fields` in the order given (a producer ends them with its run record, `**run_record()`)."""
        data = dict(cls.head)
        if cls.id_key is not None and cls.id_key in fields:
            data[cls.id_key] = fields.pop(cls.id_key)
        if cls.version_key is not None and (cls.version_key in fields or cls.version is not None):
            data[cls.version_key] = fields.pop(cls.version_key, cls.version)
        data.update(fields)
        return data

    @classmethod
    def dumps(cls, payload: dict) -> str:
        """The file's text, as its producer writes it."""
        return json.dumps(payload, indent=cls.indent) + "\n"

    @classmethod
    def current(cls, data: dict) -> int | None:
        """The version this code writes for `data`'s record (None: not known here)."""
        return cls.version

    @classmethod
    def problems(cls, data, stem: str | None = None, *, version: int | None = None) -> list[str]:
        """What a reader cannot rely on in `data` (a file named `stem`), worst first; [] if nothing. With `version`,
        a record of another version is a problem too (the report keeps older records and marks them instead)."""
        if not isinstance(data, dict):
            return [f"malformed: top level is a JSON {type(data).__name__}, not an object"]
        data = lifted(data)
        keys = {**cls.keys, **(PROVENANCE if cls.provenance else {})}
        id_keys = cls.id_keys()
        missing = [k for k, key in keys.items() if key.required and k not in data]
        if id_keys and not any(k in data for k in id_keys):
            missing = [" or ".join(id_keys), *(k for k in missing if k not in id_keys)]
        if missing:
            return [f"partial: missing {', '.join(missing)}"]
        found = [
            f"malformed: {k} is not {key.expected}" for k, key in keys.items() if k in data and not key.check(data[k])
        ]
        named = next((k for k in id_keys if k in data), None)
        if named is not None and stem is not None and data[named] != stem:
            found.append(f"malformed: {named} {data[named]!r} does not match the file name {stem!r}")
        found += cls._consistency(data)
        if version is not None and cls.version_key is not None and data.get(cls.version_key) != version:
            found.append(f"outdated: {cls.version_key} {data.get(cls.version_key)!r}, this code writes {version}")
        return found

    @classmethod
    def _consistency(cls, data: dict) -> list[str]:
        """Problems between keys (each key alone is fine)."""
        return []


class RunManifest(RecordType):
    """results/run.json: what `python -m checks reproduce` ran, section by section."""

    kind, folder, pattern = "reproduce-run", "", "run.json"
    version = 2  # 2: the tier
    head = {"kind": kind}
    keys = {
        "kind": _constant(kind),
        "version": INTEGER,
        "sections": Key(_sections, "a list of {name, status}"),
        "wall_s": _optional(_number, "a number"),
    }


class VariantsTable(RecordType):
    """results/variants.json: every published variant on the detection battery."""

    kind, folder, pattern = "variants-table", "", "variants.json"
    version = VERSIONS[kind]
    head = {"kind": kind}
    keys = {
        "kind": _constant(kind),
        "version": INTEGER,
        "config": Key(lambda v: _dict(v) and _int(v.get("seeds")), "an object with integer seeds"),
        "alpha": NUMBER,
        "rows": Key(
            _rows_of("variant", "law", "detections", numbers=("ratio_to_null_mean", "ratio_to_R1", "detection_rate")),
            "a list of {variant, law, ratio_to_null_mean, ratio_to_R1, detections, detection_rate}",
        ),
        "runtime_s": _optional(_number, "a number"),
    }


class EngineBench(RecordType):
    """results/bench.json: the engine's timings and memory against R1."""

    kind, folder, pattern = "engine-bench", "", "bench.json"
    version = VERSIONS[kind]
    head = {"kind": kind}
    keys = {
        "kind": _constant(kind),
        "version": INTEGER,
        "main": LIST,
        "sweeps": OBJECT,
        "runtime_s": _optional(_number, "a number"),
    }


class MutationMatrix(RecordType):
    """results/mutations.json: which verdicts flip under each planted defect."""

    kind, folder, pattern = "mutation-matrix", "", "mutations.json"
    version = 1
    head = {"kind": kind}
    keys = {
        "kind": _constant(kind),
        "mutations": OBJECT,
        "checks": OBJECT,
        "non_discriminating": LIST,
    }


class ClaimRecord(RecordType):
    """results/claims/<id>.json: one paper claim's verdict. Its version is the claim's own (the registry's)."""

    kind, folder, pattern = "claim", "claims", "*.json"
    id_key, names_file = "claim", True
    version_key = "claim_version"
    head = {"schema": 1}  # the layout of the file (claim_version: of the check)
    keys = {
        "claim": STRING,
        "claim_version": INTEGER,
        "paper": STRING,
        "tier": STRING,
        "verdict": Key(lambda v: v in CLAIM_VERDICTS, f"one of {', '.join(CLAIM_VERDICTS)}"),
        "estimate": _optional(_numlike, "a number"),
        "interval": _optional(_pair, "[low, high] with low <= high"),
        "n": _optional(_int, "an integer"),
        "runtime_s": _optional(_number, "a number"),
        "rerun": _optional(_str, "a string"),
        "paper_numbers": _optional(_dict, "an object"),
    }


class _AuditRecord(RecordType):
    """What every audit file shares: `id`, the audit's version, one-space indent, the run record under `run`."""

    folder = "audit"
    id_key = "id"
    version = VERSIONS["audit"]
    indent = 1


class Discrepancy(_AuditRecord):
    """results/audit/D<n>.json: one discrepancy between the paper and its code, with its verdict."""

    kind, pattern = "discrepancy", "D[0-9]*.json"
    id_aliases, names_file = ("discrepancy",), True
    keys = {
        "verdict": STRING,
        "estimate": _optional(_numlike, "a number"),
        "interval": _optional(_pair, "[low, high] with low <= high"),
        "rerun": _optional(_str, "a string"),
    }


class AuditDetection(_AuditRecord):
    """results/audit/detection.json: the detection experiment every variant runs."""

    kind, pattern = "audit-detection", "detection.json"
    keys = {
        "id": _constant("detection"),
        "status": STRING,
        "alpha": _optional(_number, "a number"),
        "main": _optional(
            lambda v: (
                _dict(v) and _dict(v.get("size")) and _rows_of("variant", "law", "detections", "n_seeds")(v.get("rows"))
            ),
            "{size, rows [{variant, law, detections, n_seeds}]}",
        ),
    }

    @classmethod
    def _consistency(cls, data: dict) -> list[str]:
        return ["partial: status ok but no main"] if data["status"] == "ok" and data.get("main") is None else []


class AuditCheck(_AuditRecord):
    """results/audit/check.json: the audit compared with its baseline (it measures nothing: no run record)."""

    kind, pattern = "audit-check", "check.json"
    id_key, version_key, version = None, None, None
    keys = {"ok": Key(lambda v: isinstance(v, bool), "true or false"), "differences": LIST}
    provenance = False
    indent = 2


class AuditSection(_AuditRecord):
    """results/audit/<section>.json: one other section of the audit (ddp, dtypes)."""

    kind, pattern = "audit-section", "*.json"
    names_file = True
    keys = {"status": STRING}


class Experiment(RecordType):
    """results/replication/E<n>_<scale>.json: one replication experiment (E5: the demo's) over its runs."""

    kind, folder, pattern = "experiment", "replication", "E*.json"
    id_key = "experiment"
    version = VERSIONS[kind]
    keys = {
        "experiment": STRING,
        "scale": STRING,
        "status": Key(_str, "a string", required=False),  # the demo (E5) writes none: read as done
        "conditions": _optional(_dict, "an object"),
        "spearman": _optional(_dict, "an object"),
    }

    @classmethod
    def current(cls, data: dict) -> int | None:
        return VERSIONS["experiment:E5"] if data.get("experiment") == "E5" else cls.version

    @classmethod
    def _consistency(cls, data: dict) -> list[str]:
        if data.get("status", "done") != "done":
            return []
        needed = "spearman" if data["experiment"] == "E4" else "conditions"
        return [f"partial: status done but no {needed}"] if data.get(needed) is None else []


class TrainingRun(RecordType):
    """results/replication/runs/<key>.json: one training run (or baseline evaluation) of the replication."""

    kind, folder, pattern = "training-run", "replication/runs", "*.json"
    version = VERSIONS[kind]
    keys = {"config": OBJECT, "train": OBJECT}


#: Every kind, in the order a location is matched (the first match wins: audit/*.json is a section last).
RECORD_TYPES: tuple[type[RecordType], ...] = (
    RunManifest,
    VariantsTable,
    EngineBench,
    MutationMatrix,
    ClaimRecord,
    Discrepancy,
    AuditDetection,
    AuditCheck,
    AuditSection,
    Experiment,
    TrainingRun,
)
BY_KIND: dict[str, type[RecordType]] = {t.kind: t for t in RECORD_TYPES}


def record_type(relative: str) -> type[RecordType] | None:
    """The type of the file at `relative` (POSIX, under results/), or None if no kind lies there."""
    return next((t for t in RECORD_TYPES if t.matches(relative)), None)
