"""Differential audit of the SIGReg variants (`python -m checks audit`).

- `battery`: named, seeded input laws; `measure`: per variant × input values, oracle ratios, gradients and
  Monte Carlo-calibrated detection rates; `probes`, `dtypes`, `ddp`, `official`: targeted measurements;
- `registry`: `@discrepancy` and the entries by id; `discrepancies`: one module per entry D1–D29
  (docs/discrepancies.md plus new ones), each turning measurements into a verdict beside its static text;
- `runner`: scheduling and atomic writing (JSON only: its pages are checks/report/pages/discrepancies.py's);
  `fingerprint`: the regression guard against checks/audit/baseline.json.
- `cli`: `python -m checks audit`.

Who may import it: the rest of `checks` (compare and mutate reuse its measurements) and tests.
"""

from . import discrepancies  # noqa: F401 - registers every entry
from .registry import REGISTRY, SECTIONS

__all__ = ["REGISTRY", "SECTIONS"]
