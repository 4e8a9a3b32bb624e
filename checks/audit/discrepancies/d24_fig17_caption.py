"""D24: Fig. 17's caption contradicts Lemma 2."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D24",
    title="Fig. 17's caption contradicts Lemma 2",
    statement="The Fig. 17 caption says the anisotropic version has much lower variance than the isotropic one; Lemma "
    "2 and Fig. 3 say the anisotropic probe has the higher variance.",
    variants=(),
    locus="paper Fig. 17 caption; §3.1 Lemma 2, Fig. 3",
    new=True,
    paper_says="Fig. 17 caption: the 'anisotropic version (blue) provides much lower variance compared to the "
    "isotropic case (red)'; Lemma 2 (§3.1) and Fig. 3: the anisotropic embedding gives the larger "
    "probe variance (Fig. 3: 0.0801 vs 0.0056)",
    code_does="not applicable (paper text); C7 measures the direction of Lemma 2",
)
def conclude(ctx: Context) -> Finding:
    return textual(
        "textual: the caption and Lemma 2 disagree on their face, nothing to execute; the direction Lemma 2 "
        "states (anisotropic probe variance higher) is what C7 measures"
    )
