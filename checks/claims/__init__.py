"""One module per paper claim (ids from docs/claims.md); each registers exactly one check with `checks.registry.claim`.

Modules named _* are shared helpers, not claims. `checks.registry.load_claims()` imports them all."""
