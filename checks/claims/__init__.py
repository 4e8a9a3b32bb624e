"""One module per paper claim (ids from docs/claims.md); each registers exactly one check with `checks.registry.claim`.

Modules named _* are shared helpers and `cli` is the command line (`python -m checks list|run`), not claims;
`checks.registry.load_claims()` imports all the others.

Who may import it: `checks.registry` (by module name), the command line, the report's registry lookup, tests."""
