"""Checks of the paper against the code and the references: `python -m checks <command>`.

Inside:
- registry: the claim contract (`@claim`, tolerances, verdicts, per-claim seed streams); claims/: one module per
  paper claim, claims/cli.py `list` and `run`.
- audit/: the differential audit of the SIGReg variants (discrepancies D1-D29), audit/cli.py `audit`.
- variants, battery: the detection table of every variant on one seeded battery (`variants`).
- compare/: a user's SIGReg against the references, compare/cli.py `compare`; mutate, lambda_convert: the
  mutation matrix, λ conversion.
- report/: REPORT.md and its tables from the JSON under results/ (`report`); reproduce: every section in order,
  then the report (`reproduce`, run.json).

Who may import it: tests. It imports `core` (results, command line, statistics, streams, directions, pool) and
`reference`; it reaches `repro` only by running its commands as processes (reproduce). tests/test_layout.py holds
both rules.
"""
