"""The verdict family: claims and discrepancies ask different questions and answer them in one shape.

A claim (`checks.registry.Outcome`) asks whether a statement of the paper holds here: reproduced, not-reproduced or
inconclusive. A discrepancy (`checks.audit.registry.Finding`) asks whether paper and code differ as its entry states:
confirmed or refuted. Both may be not-run, which needs a reason; both rest on a basis; and a positive verdict that
rests on a measurement is evidence only with a stored control that disagrees with it (`checks.registry.
control_problem`). Imports nothing of the suite.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

NOT_RUN = "not-run"

#: What a verdict rests on. Only `measured` verdicts (an experiment whose outcome was not known in advance) count as
#: evidence; `derived` ones follow from an identity, an exact computation or a fact of the code that holds by
#: construction, `cited` ones are recorded from text. A discrepancy may combine them ("measured+cited").
BASES = ("measured", "derived", "cited")


@dataclass(frozen=True)
class Vocabulary:
    """The closed set of verdicts of one kind of result: its positive and negative answers, the undecided ones,
    then not-run."""

    positive: str
    negative: str
    undecided: tuple[str, ...] = ()

    @property
    def verdicts(self) -> tuple[str, ...]:
        return (self.positive, self.negative, *self.undecided, NOT_RUN)

    def check(self, verdict: str, what: str = "verdict") -> None:
        if verdict not in self.verdicts:
            raise ValueError(f"{what} {verdict!r} is not one of {', '.join(self.verdicts)}")


CLAIM = Vocabulary("reproduced", "not-reproduced", ("inconclusive",))
DISCREPANCY = Vocabulary("confirmed", "refuted")
#: The verdicts that assert something was found (what a control must disagree with).
POSITIVE = (CLAIM.positive, DISCREPANCY.positive)


@dataclass
class Verdict:
    """Base of the result records: a verdict from the subclass's vocabulary; not-run needs a `reason`."""

    vocabulary: ClassVar[Vocabulary]

    verdict: str

    def __post_init__(self) -> None:
        self.vocabulary.check(self.verdict)
        if self.verdict == NOT_RUN and not getattr(self, "reason", ""):
            raise ValueError(f"a not-run {type(self).__name__.lower()} needs a reason")
