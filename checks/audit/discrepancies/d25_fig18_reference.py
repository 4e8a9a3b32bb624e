"""D25: Fig. 18's caption cites Theorem 6 for Lemma 1."""

from __future__ import annotations

from ..registry import Context, Finding, discrepancy
from .shared import textual


@discrepancy(
    id="D25",
    title="Fig. 18's caption cites Theorem 6 for Lemma 1",
    statement="The Fig. 18 caption attributes the ridge-bias statement to 'thm. 6'; the statement is Lemma 1 (§3.1), "
    "Theorem 6 being the minibatch-bias result (§5.1).",
    variants=(),
    locus="paper Fig. 18 caption; §3.1 Lemma 1; §5.1 Theorem 6",
    new=True,
    paper_says="Fig. 18 caption: cites 'thm. 6' for the ridge (OLS) bias of anisotropic embeddings; that "
    "statement is Lemma 1 (§3.1); Theorem 6 (§5.1) is about the minibatch bias of the loss",
    code_does="not applicable (paper text)",
)
def conclude(ctx: Context) -> Finding:
    return textual("textual: a wrong cross-reference, nothing to execute; C6 and C34 test Lemma 1 itself")
