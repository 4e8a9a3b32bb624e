"""The bottom layer: what every package of the suite may import, importing nothing of the suite itself.

- `results`: where commands write, atomic files, plain JSON values, the run record (commit, versions, device) every
  result carries.
- `cli`: the shape of `python -m checks` / `python -m repro` (subcommands, --results, --seed, exit codes).
- `stats`: interval estimates (binomial, bootstrap, t, TOST, rank correlations) with explicit generators.
- `streams`: named random streams derived from (run seed, name, ...).
- `directions`: unit slice directions.
- `gaussianity`: tests of multivariate normality (Mardia, Henze–Zirkler, per direction) and the "looks Gaussian" rule.
- `pool`: spawned worker processes with one torch thread each.
- `versions`: the layout version of every kind of result file.
- `verdicts`: the verdict vocabularies of claims and discrepancies and their shared base (one family).
- `records`: one type per kind of result file (where it lies, its id, version and keys): producers build their
  payloads with it, the report sorts and checks files with it.

Only `directions` imports torch when it is imported, so the report and the claims registry stay light.
"""
