"""The discrepancy registry: one module per entry under `checks/audit/discrepancies/`, each registering its verdict
function with `@discrepancy`, the entry's static text (what the paper says, what the code does) beside it::

    @discrepancy(id="D5", title="...", statement="...", variants=("R1",), locus="docs/discrepancies.md#d5",
                 jobs=("factor_n",), paper_says="...", code_does="...")
    def conclude(ctx: Context) -> Finding: ...

    @negative_control("D5")
    def control(ctx: Context) -> dict: ...

`conclude` turns the run's measurements (`Context`) into a `Finding`, the audit's member of the verdict family
(core/verdicts.py: confirmed / refuted / not-run, beside the claims' `Outcome`); the criterion is recorded with the
verdict, so a reader can recompute it from the numbers in the entry's JSON. `negative_control`, where an entry has
one, is the same rule where the discrepancy is absent: a measured `confirmed` is evidence only if it says `refuted`
there. Registering an id twice raises, as in the claims registry.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np

import reference
from core.verdicts import BASES, DISCREPANCY, Verdict

from ._common import as_float
from .plan import Plan

#: Ids that name a whole measurement table instead of an entry (`python -m checks audit detection`).
SECTIONS = ("detection", "ddp", "dtypes")


def control_record(what: str, verdict: str, estimate: float | None = None) -> dict:
    """The same verdict rule run where the discrepancy is absent (it must not say confirmed there)."""
    if not what.strip():
        raise ValueError("a control needs `what`: the setting where the discrepancy is absent")
    DISCREPANCY.check(verdict, "control verdict")
    return {"what": what, "verdict": verdict, "estimate": as_float(estimate) if estimate is not None else None}


@dataclass
class Finding(Verdict):
    """What one audit entry found. `estimate` and `interval` quantify `effect` (see `interval_method`)."""

    vocabulary = DISCREPANCY

    effect: str
    estimate: float | None = None
    interval: tuple[float, float] | None = None
    interval_method: str = ""
    basis: str = "measured"
    criterion: str = ""
    reason: str = ""  # for not-run: why; otherwise optional remarks
    not_run_kind: str | None = None  # "environment" (a resource is absent) or "error" (the check failed)
    paper_vs_measured: str = ""  # where the paper's text and the measurement disagree, both with numbers
    # variant id -> what was measured for it, in words with numbers (keys: the entry's variants only)
    variant_behaviour: dict[str, str] = field(default_factory=dict)
    measurements: dict = field(default_factory=dict)
    # the same rule where the discrepancy is absent: {what, verdict, estimate} (see `control_record`)
    control: dict | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.basis not in BASES and not all(b in BASES for b in self.basis.split("+")):
            raise ValueError(f"basis must combine {BASES}, got {self.basis!r}")
        if self.control is not None:
            self.control = control_record(**self.control)
        if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in self.variant_behaviour.items()):
            raise ValueError("variant_behaviour maps variant ids to non-empty strings")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["interval"] = list(self.interval) if self.interval is not None else None
        return d


def not_run(reason: str, kind: str = "error", basis: str = "measured") -> Finding:
    return Finding(verdict="not-run", effect="not measured", reason=reason, not_run_kind=kind, basis=basis)


class Missing(RuntimeError):
    """A measurement an entry needs did not run or failed (the entry becomes not-run with this reason)."""


@dataclass
class Context:
    """Everything measured in one run, as the entries read it."""

    plan: Plan
    detection: dict | None = None  # {"main": {"size", "raw", "oracle", "rows"}, "sweeps": [...]}
    results: dict = field(default_factory=dict)  # job name -> result, or the exception it raised

    def get(self, name: str):
        if name not in self.results:
            raise Missing(f"measurement {name!r} was not run")
        value = self.results[name]
        if isinstance(value, BaseException):
            raise Missing(f"measurement {name!r} failed: {type(value).__name__}: {value}")
        return value

    def main(self) -> dict:
        if self.detection is None:
            raise Missing("the detection table was not run")
        return self.detection["main"]

    def row(self, variant: str, law: str) -> dict:
        for row in self.main()["rows"]:
            if row["variant"] == variant and row["law"] == law:
                return row
        raise Missing(f"no detection row for {variant} on {law}")

    def values(self, variant: str, law: str) -> np.ndarray:
        raw = self.main()["raw"]
        if variant not in raw or law not in raw[variant]["laws"]:
            raise Missing(f"no values for {variant} on {law}")
        return np.asarray([r["value"] if r["value"] is not None else np.nan for r in raw[variant]["laws"][law]])


@dataclass(frozen=True)
class Discrepancy:
    id: str
    title: str
    statement: str
    variants: tuple[str, ...]
    locus: str  # where the discrepancy is stated (docs/discrepancies.md, paper section, source file)
    conclude: Callable[[Context], Finding]
    jobs: tuple[str, ...] = ()  # named probes (runner.JOBS) this entry reads
    detection_variants: tuple[str, ...] = ()
    detection_laws: tuple[str, ...] = ()
    new: bool = False
    # Static text: what the paper (or, for code-only entries, the README or the code's own docs) states, and what
    # the official code (R0/R1/R2) and the packages (P1/P2) do. The measured numbers go into Finding.
    paper_says: str = field(kw_only=True)
    code_does: str = field(kw_only=True)
    control: Callable[[Context], dict] | None = field(default=None, kw_only=True)
    module: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        if not self.paper_says.strip() or not self.code_does.strip():
            raise ValueError(f"{self.id}: paper_says and code_does must be non-empty")

    @property
    def reproducer(self) -> str:
        return f"python -m checks audit {self.id}"

    def sources(self) -> dict:
        return {v: reference.get(v).source.as_dict() for v in self.variants if v in reference.REGISTRY}


#: Entries by id, in the order their modules are imported (checks/audit/discrepancies/__init__.py: D1 … D29).
REGISTRY: dict[str, Discrepancy] = {}


def discrepancy(
    *,
    id: str,
    title: str,
    statement: str,
    variants: tuple[str, ...],
    locus: str,
    paper_says: str,
    code_does: str,
    jobs: tuple[str, ...] = (),
    detection_variants: tuple[str, ...] = (),
    detection_laws: tuple[str, ...] = (),
    new: bool = False,
) -> Callable[[Callable], Callable]:
    """Register the decorated `conclude(ctx) -> Finding` as entry `id` (see the module docstring)."""

    def decorate(fn: Callable) -> Callable:
        if id in REGISTRY:
            raise ValueError(f"duplicate discrepancy id {id!r}: already registered by {REGISTRY[id].module}")
        REGISTRY[id] = Discrepancy(
            id,
            title,
            statement,
            tuple(variants),
            locus,
            fn,
            jobs=tuple(jobs),
            detection_variants=tuple(detection_variants),
            detection_laws=tuple(detection_laws),
            new=new,
            paper_says=paper_says,
            code_does=code_does,
            module=fn.__module__,
        )
        return fn

    return decorate


def negative_control(entry_id: str) -> Callable[[Callable], Callable]:
    """Attach the decorated `control(ctx) -> dict` (see `_common.control`) to the already registered entry."""

    def decorate(fn: Callable) -> Callable:
        entry = get(entry_id)
        if entry.control is not None:
            raise ValueError(f"{entry_id} already has a negative control")
        REGISTRY[entry_id] = dataclasses.replace(entry, control=fn)
        return fn

    return decorate


def get(entry_id: str) -> Discrepancy:
    try:
        return REGISTRY[entry_id]
    except KeyError:
        raise ValueError(f"unknown audit id {entry_id!r}; known: {', '.join([*REGISTRY, *SECTIONS])}") from None
