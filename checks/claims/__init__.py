"""One module per paper claim (ids from BRIEF §5); each registers exactly one check with `checks.registry.claim`.

Modules named _* are shared helpers, not claims. `checks.registry.load_claims()` imports them all."""
