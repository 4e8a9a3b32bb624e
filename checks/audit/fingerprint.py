"""Regression guard: a fingerprint of every reference's behaviour on the battery, compared with a committed
baseline (checks/audit/baseline.json, shipped as package data so that an installed copy checks too).

The fingerprint is cheap and deterministic (seconds): every variant on one batch of every law at
(N, K, M) = (64, 8, 16), its value and gradient norm, its dtype behaviour (raises / output dtype), and its
relation to R1 on the same data and directions ("equal" to 1e-6 relative, else "differs"). A relation that
differs must be explained by a documented discrepancy (DOCUMENTED); one that is not is reported as an
undocumented discrepancy whatever the baseline says.

Regenerate the baseline (after a deliberate change, reviewed): `python -m checks audit --quick --write-baseline`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import reference
from core.directions import unit_directions
from core.pool import one_thread
from core.streams import generator

from . import battery
from .dtypes import MODES, run_mode
from .measure import scalar

BASELINE = Path(__file__).resolve().parent / "baseline.json"
SIZE = (64, 8, 16)
#: Values: relative tolerance. float32 sums of N·T terms reorder differently across CPU instruction sets and
#: BLAS builds (≈1e-6 relative seen between vectorised and scalar paths); every semantic change the audit
#: knows (grid, factor N, pooling, dtype) moves a value by >= 1e-3, so 1e-4 separates the two with margin.
VALUE_RTOL = 1e-4
#: Absolute floor for values near 0 (the gradients at the all-zero input are exactly 0).
VALUE_ATOL = 1e-6
#: Relation "equal": the variants agree bit for bit on identical directions (docs/variants.md); 1e-6 allows one ulp.
EQUAL_RTOL = 1e-6

#: Which differences from R1 are documented, and by which entries: (variant, kind of input) -> ids.
DOCUMENTED = {
    ("V1", "2d"): "D1, D8, D20 (per-coordinate statistic on the paper grid)",
    ("V1", "multiview"): "D1, D8, D20",
    ("V3", "2d"): "D8 (paper grid [-5,5]x17)",
    ("V3", "multiview"): "D8",
    ("R0", "2d"): "D13 (no factor N, [-3,3]x10 grid)",
    ("R0", "multiview"): "D13, D21 (ECF over the view axis)",
    ("P1", "multiview"): "D16 (views flattened)",
}


def _kind(law: str) -> str:
    return "multiview" if battery.get(law).multiview else "2d"


def fingerprint(seed: int = 0) -> dict:
    """The behaviour of every registered variant on the battery (deterministic for a seed)."""
    one_thread()
    n, k, m = SIZE
    a = unit_directions(k, m, generator(seed, "fingerprint-A", k, m))
    values: dict = {}
    grads: dict = {}
    for law in battery.LAWS:
        x = battery.sample(law, n, k, generator(seed, "fingerprint-x", law, n, k))
        for vid, variant in reference.REGISTRY.items():
            xx = x.clone().requires_grad_(True)
            try:
                out = variant.evaluate(xx, a)
                (out.mean() if out.dim() else out).backward()
                values.setdefault(vid, {})[law] = scalar(out)
                grads.setdefault(vid, {})[law] = float(xx.grad.double().norm())
            except Exception as error:
                values.setdefault(vid, {})[law] = f"raises {type(error).__name__}"
                grads.setdefault(vid, {})[law] = f"raises {type(error).__name__}"
    relations = {}
    for vid in values:
        relations[vid] = {}
        for law, value in values[vid].items():
            ref = values["R1"][law]
            if isinstance(value, str) or isinstance(ref, str):
                relations[vid][law] = "differs"
            else:
                same = math.isclose(value, ref, rel_tol=EQUAL_RTOL, abs_tol=0.0) or value == ref
                relations[vid][law] = "equal" if same else "differs"
    x = battery.sample("gaussian", n, k, generator(seed, "fingerprint-x", "gaussian", n, k))
    dtypes = {}
    for vid, variant in reference.REGISTRY.items():
        dtypes[vid] = {}
        for mode in MODES:
            run = run_mode(variant, x, a, mode)
            dtypes[vid][mode] = (
                f"raises {run['exception']}"
                if run["status"] == "raises"
                else f"{run['out_dtype']} (grad {run['grad_dtype']})"
            )
    return {
        "seed": seed,
        "size": list(SIZE),
        "values": values,
        "grad_norms": grads,
        "relations": relations,
        "dtypes": dtypes,
    }


def undocumented(fp: dict) -> list[str]:
    """Differences from R1 that no registry entry documents."""
    out = []
    for vid, rel in fp["relations"].items():
        for law, relation in rel.items():
            if relation == "differs" and (vid, _kind(law)) not in DOCUMENTED:
                out.append(
                    f"undocumented discrepancy: {vid} differs from R1 on {law} "
                    f"({_show(fp['values'][vid][law])} vs {_show(fp['values']['R1'][law])})"
                )
    return out


def _show(v) -> str:
    return v if isinstance(v, str) else f"{v:.9g}"


def _unchanged(old, new) -> bool:
    """A baseline entry still holds: a "raises ..." entry exactly, a number within VALUE_RTOL of either side with
    the VALUE_ATOL floor (exact zeros stay zeros). Not `checks.compare`'s `_within_rtol`: that one compares ratios
    with a nonzero target, relative to the target alone."""
    if isinstance(old, str) or isinstance(new, str):
        return old == new
    return math.isclose(old, new, rel_tol=VALUE_RTOL, abs_tol=VALUE_ATOL)


def compare(current: dict, baseline: dict, verdicts: dict | None = None, mode: str | None = None) -> list[str]:
    """Readable differences between the current fingerprint (and verdicts of this run) and the baseline."""
    diffs: list[str] = []
    base = baseline.get("fingerprint", {})
    if base.get("size") != current["size"] or base.get("seed") != current["seed"]:
        diffs.append(
            f"fingerprint setup changed: size/seed {base.get('size')}/{base.get('seed')} -> "
            f"{current['size']}/{current['seed']}"
        )
    for key, label in (("values", "value"), ("grad_norms", "gradient norm")):
        for vid in sorted(set(base.get(key, {})) | set(current[key])):
            old, new = base.get(key, {}).get(vid), current[key].get(vid)
            if old is None or new is None:
                diffs.append(f"variant {vid}: {'added' if old is None else 'removed'} since the baseline")
                continue
            for law in sorted(set(old) | set(new)):
                if law not in old or law not in new:
                    diffs.append(f"{vid} on {law}: input {'added' if law not in old else 'removed'}")
                elif not _unchanged(old[law], new[law]):
                    rel = (
                        ""
                        if isinstance(old[law], str) or isinstance(new[law], str) or old[law] == 0
                        else f" ({new[law] / old[law] - 1:+.2e} relative; tolerance {VALUE_RTOL:g})"
                    )
                    diffs.append(f"{vid} {label} on {law}: {_show(old[law])} -> {_show(new[law])}{rel}")
    for vid, rel in current["relations"].items():
        for law, relation in rel.items():
            old = base.get("relations", {}).get(vid, {}).get(law)
            if old is not None and old != relation:
                diffs.append(f"{vid} vs R1 on {law}: {old} -> {relation}")
    for vid, modes in current["dtypes"].items():
        for dtype_mode, behaviour in modes.items():
            old = base.get("dtypes", {}).get(vid, {}).get(dtype_mode)
            if old is not None and old != behaviour:
                diffs.append(f"{vid} with {dtype_mode} input: {old} -> {behaviour}")
    diffs += undocumented(current)
    if verdicts and mode:
        expected = baseline.get("verdicts", {}).get(mode, {})
        for entry_id, (verdict, kind) in sorted(verdicts.items()):
            old = expected.get(entry_id)
            if old is None or old == verdict:
                continue
            if verdict == "not-run" and kind in ("environment", "textual"):
                continue  # an absent resource (the official tree) is not a behaviour change
            diffs.append(f"{entry_id}: verdict {old} -> {verdict}")
    return diffs


def load_baseline(path: Path) -> dict:
    path = Path(path)
    if not path.is_file():
        # No advice to write one: a baseline written from the code under test would pass whatever that code does.
        raise ValueError(
            f"baseline file {path} does not exist; pass the committed one with --baseline "
            f"(the default, {BASELINE}, ships with the package)"
        )
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ValueError(f"baseline file {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or "fingerprint" not in data:
        raise ValueError(f"baseline file {path} has no 'fingerprint' section")
    return data
