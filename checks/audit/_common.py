"""Shared pieces of the audit: its level, its verdicts and the finding record.

Randomness reaches the audit only through `core.streams` generators derived from (run seed, stream name, ...), so
a stream never depends on what else runs: the same seed gives the same numbers whatever subset of ids is run.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from checks.registry import BASES

#: Level of every detection in the audit: the 1 % level of docs/variants.md#peers ("H0 q99").
ALPHA = 0.01
#: Closed set of verdicts for a discrepancy (docs/discrepancies.md entries and the new ones found here).
VERDICTS = ("confirmed", "refuted", "not-run")
# How a verdict was reached: BASES from the claims registry (measured: an experiment whose outcome was not known
# in advance; derived: an identity, an exact computation or a fact of the code that holds by construction; cited:
# recorded from text). A finding may combine them ("measured+cited").


def control(what: str, verdict: str, estimate: float | None = None) -> dict:
    """The same verdict rule run where the discrepancy is absent (it must not say confirmed there)."""
    if not what.strip():
        raise ValueError("a control needs `what`: the setting where the discrepancy is absent")
    if verdict not in VERDICTS:
        raise ValueError(f"control verdict must be one of {VERDICTS}, got {verdict!r}")
    return {"what": what, "verdict": verdict, "estimate": as_float(estimate) if estimate is not None else None}


def as_float(x) -> float:
    """A finite float, or None where JSON would otherwise get NaN/Inf."""
    v = float(x)
    return v if math.isfinite(v) else None


@dataclass
class Finding:
    """What one audit entry found. `estimate` and `interval` quantify `effect` (see `interval_method`)."""

    verdict: str
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
    # the same rule where the discrepancy is absent: {what, verdict, estimate} (see `control`)
    control: dict | None = None

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")
        if self.basis not in BASES and not all(b in BASES for b in self.basis.split("+")):
            raise ValueError(f"basis must combine {BASES}, got {self.basis!r}")
        if self.verdict == "not-run" and not self.reason:
            raise ValueError("a not-run finding needs a reason")
        if self.control is not None:
            self.control = control(**self.control)
        if not all(isinstance(k, str) and isinstance(v, str) and v for k, v in self.variant_behaviour.items()):
            raise ValueError("variant_behaviour maps variant ids to non-empty strings")

    def as_dict(self) -> dict:
        d = asdict(self)
        d["interval"] = list(self.interval) if self.interval is not None else None
        return d


def not_run(reason: str, kind: str = "error", basis: str = "measured") -> Finding:
    return Finding(verdict="not-run", effect="not measured", reason=reason, not_run_kind=kind, basis=basis)
