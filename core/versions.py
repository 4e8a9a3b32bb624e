"""The layout version of every kind of result file, in one table: each producer stamps its files with its entry
and the report marks results of an older version without importing the producers (claims carry their own
version in the claims registry). Bump an entry when the layout or the numbers of its files change."""

from __future__ import annotations

VERSIONS: dict[str, int] = {
    # variants.json (checks.variants); 2: measured by the audit's detection experiment (its laws, names, streams)
    "variants-table": 2,
    # bench.json (repro.bench); 2: interleaved ratios, targets; 3: the engine's fused CPU kernels, the eager path
    # interleaved too, first calls with an empty and a filled numba cache
    "engine-bench": 3,
    # E<n>_<scale>.json (repro.experiments); 3: tiers, E6-E8, convergence and scale-aware collapse metrics,
    # E4 partial ρ
    "experiment": 3,
    # E5_<scale>.json (repro.demo); 2: intervals that stay inside [0, 1] for p-values and proportions; 3: figure
    # paths relative to the JSON's folder (they named the checkout's absolute path)
    "experiment:E5": 3,
    # one training run (repro.train); 2: covariance eigenvalues in eval.<features>.diagnostics, the device by name
    "training-run": 2,
    # every file the audit writes (checks.audit.runner); 2: entries carry paper_says, code_does, variant_behaviour;
    # 3: D6's negative control uses the verdict's bound 4σ²/N with σ² = 2 (it used 4/N)
    "audit": 3,
}
#: The kinds of record the audit writes, all at VERSIONS["audit"].
AUDIT_KINDS = ("discrepancy", "audit-detection", "audit-section")
