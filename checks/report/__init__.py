"""The report layer: results/REPORT.md, its tables (Markdown, LaTeX, CSV) and figures, from the JSON under results/.

Inside, bottom to top:
- format: the one number formatter (`fmt`, the report's fixed style or Python's general one) and `Table` with its
  Markdown, LaTeX and CSV writers.
- load: reads a results tree into typed `Record`s by kind, and lists what it skipped and why.
- context: the report's reference commit/device, the staleness marks († ‡) and `Section`.
- sections (claims, discrepancies, variants), replication (E1-E8 and the bench), environment (figures, run,
  provenance, missing, skipped), evidence (what verdicts rest on, mutations): one function per REPORT.md section.
- findings: the opening sentences and README.md's block; figures: the report's own PNGs from JSON data.
- pages/: the pages beside the JSON, one module per family (bench, variants, experiments E1-E8 and E5, the audit's
  discrepancies.md and .tex), each rendered from the records its producer wrote; producers write JSON only.
- build: render a results tree and write it (REPORT.md, tables, figures, then the pages); cli: `python -m checks
  report` (`--pages-only`: the pages alone).

Who may import it: `checks` commands (repro sits beside checks and writes JSON only; tests/test_layout.py checks
it). It imports the claims registry and core, never torch and never a producer: it reads JSON only.
"""
