"""The whole comparison (`compare`) and its few lines of text (`summary`). The record holds

- `closest`: the callable compared with every registered variant on the same probes: equal when every output agrees
  to VALUE_RTOL and every input gradient to GRAD_RTOL (relative to the largest entry) and its dtype behaviour
  (float64, bfloat16, autocast) is the same; otherwise the nearest variant by the median value ratio (`identify`).
- `differences` (only when it equals no registered variant): the departures from R1, each measured against a
  float64 model of R1 with that one aspect changed, from the closed set DIFFERENCES (`diagnose`), and with `--ddp`
  a real two-process gloo run (value and gradient against the callable's own single-process result on the global
  batch; `ddp`).
- `departures_from_R1`, `ddp`, `measured`, `registry_table`, `model_tolerance` and the run record.
"""

from __future__ import annotations

from collections.abc import Callable

from core.pool import one_thread
from core.results import jsonable, run_record

from .ddp import ddp_check
from .diagnose import diagnose_differences
from .identify import identify
from .probes import GRAD_RTOL, M1, M2, MODEL_RTOL, N1, N2, VALUE_RTOL, K, Probes, V, evaluate, permutation_noise


def compare(fn: Callable, *, spec: str = "<callable>", seed: int = 0, ddp: bool = False) -> dict:
    """The comparison record (see the module docstring). CompareError when the callable cannot be compared."""
    one_thread()
    probes = Probes(seed)
    evaluate(fn, probes.laws["gaussian"], probes.a1, "first probe")  # fail early and clearly
    identity = identify(fn, probes)
    noise = permutation_noise(fn, probes)
    tolerance = max(MODEL_RTOL, 20 * noise)
    findings, measured, model = diagnose_differences(fn, probes, tolerance)
    ddp_record: dict = {"status": "not-run (pass --ddp)"}
    ddp_finding = None
    if ddp:
        ddp_finding, evidence = ddp_check(fn, spec, probes)
        ddp_record = {"status": "measured", **evidence}
        if ddp_finding is not None:
            findings.append(ddp_finding)
    departures = [f.as_dict() for f in findings]
    equal = identity["equal_to"]
    # The references are single-process (their deviation 1): equal to one of them says nothing about a process
    # group, so a measured ddp departure stays a difference.
    differences = departures if not equal else ([ddp_finding.as_dict()] if ddp_finding is not None else [])
    record = {
        "kind": "sigreg-compare",
        "version": 1,
        "callable": spec,
        "probes": {
            "seed": seed,
            "n": [N1, N2],
            "k": K,
            "m": [M1, M2],
            "views": V,
            "laws": list(probes.laws),
            "view_laws": list(probes.views),
            "near_point_mass_spread": 1e-3,
        },
        "closest": {
            "id": equal[0] if equal else None,
            "equal_to": equal,
            "nearest": identity["nearest"],
            "nearest_value_ratio": identity["nearest_value_ratio"],
            "tolerance": identity["tolerance"],
        },
        # Equal to a registered variant: no differences from it; its own departures from R1 are listed apart.
        "differences": differences,
        "departures_from_R1": departures,
        "ddp": ddp_record,
        "measured": jsonable(measured),
        "registry_table": jsonable(identity["table"]),
        "model_tolerance": tolerance,
        **run_record(),
    }
    record["summary"] = summary(record)
    return record


def summary(record: dict) -> str:
    closest = record["closest"]
    lines = [f"compare {record['callable']}"]
    if closest["equal_to"]:
        same = closest["equal_to"]
        ids = " = ".join(same)
        lines.append(
            f"closest: {ids} (equal on every probe: value within {VALUE_RTOL:g}, gradient within {GRAD_RTOL:g} "
            "relative, same dtype behaviour)"
        )
        if len(same) > 1:
            lines.append(f"  {', '.join(same)} compute the same function in one process (they differ outside it)")
        for d in record["differences"]:
            lines.append(f"difference: {d['difference']}: {d['detail']}")
        if not record["differences"]:
            lines.append("differences: none")
        if record["departures_from_R1"] and "R1" not in same:
            names = ", ".join(d["difference"] for d in record["departures_from_R1"])
            lines.append(f"  ({same[0]} itself departs from R1 by: {names})")
    else:
        lines.append(
            f"closest: none equal; nearest {closest['nearest']} (value ratio {closest['nearest_value_ratio']:.4g})"
        )
        diffs = record["differences"]
        lines.append(f"differences from R1 ({len(diffs)}):" if diffs else "differences from R1: none found")
        for d in diffs:
            lines.append(f"  - {d['difference']}: {d['detail']}")
    if record["ddp"]["status"] != "measured":
        lines.append(f"ddp: {record['ddp']['status']}")
    unexplained = record["measured"].get("unexplained")
    if unexplained:
        lines.append(f"note: {unexplained}")
    return "\n".join(lines)
