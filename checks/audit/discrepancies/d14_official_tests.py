"""D14: official tests target R0's API."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy, not_run


@discrepancy(
    id="D14",
    title="official tests target R0's API",
    statement="At HEAD 483 pass, 27 fail, 6 error; nothing tests the slicing path.",
    variants=("R1", "R0"),
    locus="docs/discrepancies.md#d14; lejepa tests/",
    jobs=("official_tests",),
    paper_says="paper: silent (no claim about the repository's tests); README: silent on tests/",
    code_does="R1 at eddffdd: tests/test_epps_pulley.py still calls R0's API (t_range, weight_type, "
    "empirical_cf, normal_cf, even n_points); no test file exercises SlicingUnivariateTest (the "
    "SIGReg path); at 4a4d111 (R0) the same file passes",
)
def conclude(ctx: Context) -> Finding:
    res = ctx.get("official_tests")
    head = res["R1"]
    if not head.get("available"):
        return not_run(
            f"{head['reason']}; unpack the official repository at eddffdd there "
            "(tests/golden/README.md) to run its test suite",
            kind="environment",
        )
    if not head.get("ran"):
        return not_run(f"the official test suite did not run: {head.get('reason', '')}")
    totals = head["totals"]
    quick = ctx.plan.mode == "quick"
    expected_pass = 48 if quick else 483
    confirmed = totals["failed"] == 27 and totals["errors"] == 6 and totals["passed"] == expected_pass
    slicing = res["slicing"]
    contrast = res.get("R0", {})
    contrast_text = (
        f"; the same test_epps_pulley.py at 4a4d111: {contrast['totals']['passed']} passed, "
        f"{contrast['totals']['failed']} failed, {contrast['totals']['errors']} errors"
        if contrast.get("ran")
        else ""
    )
    scope = "tests/test_epps_pulley.py only (--quick)" if quick else "all of tests/"
    behaviour = {
        "R1": f"official tests at eddffdd ({scope}): {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors; {len(slicing.get('mention_slicing', []))} of {slicing.get('test_files')} test "
        "files mention SlicingUnivariateTest"
    }
    if contrast.get("ran"):
        behaviour["R0"] = (
            f"test_epps_pulley.py at 4a4d111: {contrast['totals']['passed']} passed, {contrast['totals']['failed']} "
            f"failed, {contrast['totals']['errors']} errors"
        )
    return Finding(
        verdict="confirmed" if confirmed else "refuted",
        effect=f"official tests at eddffdd ({scope}): {totals['passed']} passed, {totals['failed']} failed, "
        f"{totals['errors']} errors{contrast_text}; test files mentioning SlicingUnivariateTest: "
        f"{len(slicing.get('mention_slicing', []))} of {slicing.get('test_files')}",
        estimate=float(totals["failed"] + totals["errors"]),
        interval=None,
        basis="derived",
        interval_method="count of failed + erroring tests (deterministic)",
        criterion=f"confirmed when HEAD gives {expected_pass} passed, 27 failed, 6 errors "
        "(docs/discrepancies.md#d14: 483 / 27 / 6 for the whole suite; all failures are in test_epps_pulley.py)",
        variant_behaviour=behaviour,
        measurements=res,
    )
