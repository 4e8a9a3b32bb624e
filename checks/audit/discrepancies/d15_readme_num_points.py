"""D15: README's EppsPulley(num_points=17) raises TypeError."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy


@discrepancy(
    id="D15",
    title="README's EppsPulley(num_points=17) raises TypeError",
    statement="The README quick start passes num_points; the keyword is n_points.",
    variants=("R1",),
    locus="docs/discrepancies.md#d15; lejepa README.md, PR #47",
    jobs=("official_driver",),
    paper_says="README quick start (eddffdd): `lejepa.univariate.EppsPulley(num_points=17)`; paper: silent "
    "(its listing is self-contained)",
    code_does="R1's EppsPulley(t_max=3, n_points=17, integration='trapezoid') and R0's shadowing class "
    "(t_range, n_points=10, weight_type) have no num_points keyword: both raise TypeError (open PR "
    "lejepa#47 fixes the README)",
)
def conclude(ctx: Context) -> Finding:
    from reference.official_r1 import EppsPulley

    try:
        EppsPulley(num_points=17)
        ours = "accepted"
    except TypeError as error:
        ours = f"TypeError: {error}"
    res = ctx.get("official_driver")
    official = {name: res[name].get("num_points") for name in ("R1", "R0") if res[name].get("ran")}
    readme = {
        name: res[f"static_{name}"].get("readme_calls")
        for name in ("R1", "R0")
        if res[f"static_{name}"].get("available")
    }
    raises = ours.startswith("TypeError") and all(v.startswith("TypeError") for v in official.values())
    basis = "derived" if official else "derived+cited"  # whether a keyword raises is a fact of the code
    return Finding(
        verdict="confirmed" if raises else "refuted",
        effect=f"`EppsPulley(num_points=17)` on R1's signature-compatible class: {ours}"
        + "".join(f"; official {name}: {text}" for name, text in official.items())
        + (f"; README calls EppsPulley({readme.get('R1', ['?'])[0]})" if readme else ""),
        estimate=None,
        interval=None,
        interval_method="exception raised or not (deterministic)",
        basis=basis,
        criterion="confirmed when the README's keyword raises TypeError (on the re-implementation, and on the "
        "official package wherever its tree is on this machine)",
        variant_behaviour={
            "R1": f"EppsPulley(num_points=17): reference {ours.split(':')[0]}"
            + (f"; official eddffdd {official['R1'].split(':')[0]}" if "R1" in official else "")
        },
        measurements={
            "reference": ours,
            "official": official,
            "readme_calls": readme,
            "official_signatures": {
                name: res[f"static_{name}"].get("classes_named_EppsPulley") for name in ("R1", "R0")
            },
        },
    )
