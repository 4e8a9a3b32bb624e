"""The claims registry: one `@claim` per paper claim, a closed set of verdicts, per-claim random streams.

A claim module under `checks/claims/` decorates one function `check(rng) -> Outcome`::

    @claim(id="C15-bounded-gradient", version=1, paper="arXiv:2511.08544v3 §4.2.3, Thm 4", tier="cpu-fast",
           budget_s=10, statement="...", paper_numbers={"bound": "4σ²/N"})
    def check(rng: np.random.Generator) -> Outcome: ...

Randomness reaches a check only through `rng`, derived from (suite seed, claim id) by `claim_rng`, so the same
seed gives the same numbers whatever else runs. Registering an id twice raises; looking up an unknown id raises
ValueError listing the known ids (the lm-evaluation-harness registry rules).
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.streams import stream_seed
from core.verdicts import BASES, CLAIM, POSITIVE, Verdict

#: A claim's verdicts (core/verdicts.py: the family it shares with the audit's).
VERDICTS = CLAIM.verdicts

#: Tier -> the most a single check of that tier may take on 2 CPU cores (None: not run on CPU at all).
#: cpu-full: CPU analogues of the training claims, judged from the runs of `reproduce --tier cpu-full` (reading
#: them takes seconds; the training is the replication section's).
TIERS: dict[str, float | None] = {"cpu-fast": 30.0, "cpu-slow": 300.0, "cpu-full": 60.0, "gpu": None, "full": None}
CPU_TIERS = ("cpu-fast", "cpu-slow")

# Ids are the claim's C-number in docs/claims.md, a dash and a kebab-case name (C15-bounded-gradient); checks of
# the suite's own statistics use another capital prefix (CAL1-...). The id names the result file, so it is kept
# filename-safe.
ID_PATTERN = re.compile(r"^[A-Z]+[0-9]+-[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Tolerance:
    """How far from the paper's statement a result may be and still count, and why exactly that far."""

    value: Any
    reason: str

    def as_dict(self) -> dict:
        return {"value": self.value, "reason": self.reason}


@dataclass(frozen=True)
class Control:
    """The same judge run where the claim is false: a measured verdict is only as good as this one's disagreeing.

    `what` names the setting (e.g. "first listing V1 on rank-1 data"), `verdict` is what the judge said there and
    `estimate` the number it judged.
    """

    what: str
    verdict: str
    estimate: float | None = None

    def __post_init__(self) -> None:
        if not self.what.strip():
            raise ValueError("a control needs `what`: the setting where the claim is false")
        CLAIM.check(self.verdict, "control verdict")

    def as_dict(self) -> dict:
        return {"what": self.what, "verdict": self.verdict, "estimate": self.estimate}


@dataclass
class Outcome(Verdict):
    """What one check found. `interval` is (low, high) around `estimate`, computed as `interval_method` says."""

    vocabulary = CLAIM

    estimate: float | None = None
    interval: tuple[float, float] | None = None
    interval_method: str = ""
    n: int | None = None
    tolerance: Tolerance | None = None
    reason: str = ""
    detail: dict = field(default_factory=dict)
    control: Control | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.interval is not None:
            low, high = (float(v) for v in self.interval)
            if not low <= high:
                raise ValueError(f"interval must be (low, high) with low <= high, got {self.interval}")
            if not self.interval_method:
                raise ValueError("an interval needs interval_method saying how it was computed")
            self.interval = (low, high)
        if self.estimate is not None:
            self.estimate = float(self.estimate)


def control_problem(record: dict) -> str | None:
    """Why a stored measured reproduced/confirmed verdict (a claim or audit result) is not evidence: no control,
    a control that did not run, or one that agrees with it. None when it is evidence or makes no such claim."""
    if "measured" not in str(record.get("basis") or "").split("+"):
        return None
    if record.get("verdict") not in POSITIVE:
        return None
    control = record.get("control")
    if not isinstance(control, dict) or not control.get("what"):
        return "no stored control"
    if control.get("verdict") == "not-run":
        return f"its control did not run ({control['what']})"
    if control.get("verdict") == record["verdict"]:
        return f"its control agrees ({control['what']}: {control['verdict']})"
    return None


def not_run(reason: str, **detail: Any) -> Outcome:
    return Outcome("not-run", reason=reason, detail=dict(detail))


def verdict_from_interval(low: float, high: float, *, above: float | None = None, below: float | None = None) -> str:
    """The claim holds when the quantity lies above `above` and/or below `below`.

    reproduced: the whole interval is inside the claimed region; not-reproduced: the whole interval is outside
    it (beyond one of the bounds); inconclusive: the interval straddles a bound.
    """
    if above is None and below is None:
        raise ValueError("give `above`, `below` or both")
    inside = (above is None or low > above) and (below is None or high < below)
    outside = (above is not None and high <= above) or (below is not None and low >= below)
    if inside:
        return "reproduced"
    if outside:
        return "not-reproduced"
    return "inconclusive"


def combine_verdicts(verdicts: list[str]) -> str:
    """A claim made of parts holds when every part holds; any failing part fails it; otherwise inconclusive."""
    for v in verdicts:
        CLAIM.check(v)
    if "not-reproduced" in verdicts:
        return "not-reproduced"
    if verdicts and all(v == "reproduced" for v in verdicts):
        return "reproduced"
    if "not-run" in verdicts and "inconclusive" not in verdicts and "reproduced" not in verdicts:
        return "not-run"
    return "inconclusive"


@dataclass(frozen=True)
class Claim:
    id: str
    version: int
    paper: str
    tier: str
    budget_s: float
    statement: str
    paper_numbers: dict
    check: Callable[[np.random.Generator], Outcome]
    module: str
    discrepancies: tuple[str, ...] = ()
    exclusive: bool = False  # timing claims: run alone, after the parallel pool, so no other check competes
    basis: str = "measured"
    scale: str | None = None  # "cpu-analogue": a small-scale analogue of a claim the paper makes at its own scale

    def describe(self) -> dict:
        return {
            "claim": self.id,
            "claim_version": self.version,
            "basis": self.basis,
            "scale": self.scale,
            "paper": self.paper,
            "tier": self.tier,
            "budget_s": self.budget_s,
            "statement": self.statement,
            "paper_numbers": self.paper_numbers,
            "discrepancies": list(self.discrepancies),
            "exclusive": self.exclusive,
            "module": self.module,
        }


class Registry:
    """Claims by id. Adding an id twice raises; an unknown id raises ValueError listing the known ones."""

    def __init__(self) -> None:
        self._claims: dict[str, Claim] = {}

    def add(self, entry: Claim) -> None:
        if entry.id in self._claims:
            raise ValueError(
                f"duplicate claim id {entry.id!r}: already registered by {self._claims[entry.id].module}, "
                f"again by {entry.module}"
            )
        self._claims[entry.id] = entry

    def get(self, claim_id: str) -> Claim:
        try:
            return self._claims[claim_id]
        except KeyError:
            known = ", ".join(self.ids()) or "(none)"
            raise ValueError(f"unknown claim {claim_id!r}; known: {known}") from None

    def ids(self) -> list[str]:
        return sorted(self._claims, key=sort_key)

    def by_tier(self, tier: str) -> list[Claim]:
        if tier == "all":
            return [self._claims[i] for i in self.ids()]
        if tier not in TIERS:
            raise ValueError(f"unknown tier {tier!r}; known: {', '.join(TIERS)}, all")
        return [self._claims[i] for i in self.ids() if self._claims[i].tier == tier]

    def __iter__(self) -> Iterator[Claim]:
        return (self._claims[i] for i in self.ids())

    def __len__(self) -> int:
        return len(self._claims)

    def __contains__(self, claim_id: object) -> bool:
        return claim_id in self._claims


def sort_key(claim_id: str) -> tuple:
    """C2 before C10; the suite's own checks (CAL…) after the paper's."""
    match = re.match(r"^([A-Z]+)([0-9]+)", claim_id)
    if not match:
        return (2, claim_id, 0)
    prefix, number = match.groups()
    return (0 if prefix == "C" else 1, prefix, int(number), claim_id)


REGISTRY = Registry()


def claim(
    *,
    id: str,
    version: int,
    paper: str,
    tier: str,
    budget_s: float,
    statement: str,
    paper_numbers: dict | None = None,
    discrepancies: tuple[str, ...] = (),
    exclusive: bool = False,
    basis: str = "measured",
    scale: str | None = None,
    registry: Registry | None = None,
) -> Callable[[Callable], Callable]:
    """Register the decorated `check(rng) -> Outcome` as claim `id` (see the module docstring)."""
    if not ID_PATTERN.match(id):
        raise ValueError(f"claim id {id!r} must look like C15-bounded-gradient (pattern {ID_PATTERN.pattern})")
    if tier not in TIERS:
        raise ValueError(f"tier {tier!r} is not one of {', '.join(TIERS)}")
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive integer, got {version!r}")
    limit = TIERS[tier]
    if not budget_s > 0 or (limit is not None and budget_s > limit):
        raise ValueError(f"budget_s {budget_s} must be in (0, {limit}] for tier {tier}")
    if not paper or not statement:
        raise ValueError("a claim needs its paper locus and a statement")
    if basis not in BASES:
        raise ValueError(f"basis {basis!r} is not one of {', '.join(BASES)}")
    target = REGISTRY if registry is None else registry

    def decorate(fn: Callable) -> Callable:
        target.add(
            Claim(
                id=id,
                version=version,
                paper=paper,
                tier=tier,
                budget_s=float(budget_s),
                statement=statement,
                paper_numbers=dict(paper_numbers or {}),
                check=fn,
                module=fn.__module__,
                discrepancies=tuple(discrepancies),
                exclusive=bool(exclusive),
                basis=basis,
                scale=scale,
            )
        )
        return fn

    return decorate


def claim_modules() -> list[str]:
    """Every claim module under checks/claims (private helpers, named _*, and the command line, cli, excluded)."""
    from . import claims

    return sorted(
        f"{claims.__name__}.{info.name}"
        for info in pkgutil.iter_modules(claims.__path__)
        if not info.name.startswith("_") and info.name != "cli"
    )


def load_claims() -> Registry:
    """Import every claim module (each registers itself once) and return the registry."""
    for name in claim_modules():
        importlib.import_module(name)
    return REGISTRY


def get(claim_id: str) -> Claim:
    return load_claims().get(claim_id)


def claim_seed(seed: int, claim_id: str) -> int:
    """The 64-bit seed of claim `claim_id`'s stream under suite seed `seed` (same inputs, same number)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a nonnegative integer, got {seed!r}")
    return stream_seed(seed, claim_id, bits=64)


def claim_rng(seed: int, claim_id: str) -> np.random.Generator:
    return np.random.default_rng(claim_seed(seed, claim_id))


def torch_generator(rng: np.random.Generator):
    """A torch.Generator seeded from `rng` (draws one number from it)."""
    import torch

    return torch.Generator().manual_seed(int(rng.integers(0, 2**63 - 1)))
