"""D26: Theorem 1/7's remainder is of the order of its leading term."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D26",
    title="Theorem 1/7's remainder is of the order of its leading term",
    statement="ISB_kNN = r0⁴/(K+2)²·τ_g²·J(p) + O(r0⁴): an O(r0⁴) remainder is as large as the leading term, so the "
    "expansion says nothing as r0 -> 0; o(r0⁴) is presumably meant.",
    variants=(),
    locus="paper §3.2 Theorem 1; App. A Theorem 7",
    new=True,
    paper_says="Theorem 1 (§3.2) and Theorem 7 (App. A): ISB_kNN = r0⁴/(K+2)²·τ_g²·J(p) + O(r0⁴); the "
    "notation also switches between d and K for the dimension",
    code_does="not applicable (paper text); C8 records the expansion as printed",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual: a statement about the order of a remainder, nothing to execute; C8 checks the leading "
        "term's minimiser numerically"
    )
