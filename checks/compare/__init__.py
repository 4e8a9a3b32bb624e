"""A user's SIGReg against the registered variants and R1 (`python -m checks compare MODULE:CALLABLE`).

Inside, bottom to top:
- probes: the probe sizes and tolerances, `CompareError`, the seeded `Probes`, and running a callable on them
  (`evaluate`, `dtype_signature`, `permutation_noise`); load: `load_callable` (MODULE:CALLABLE or file.py:CALLABLE).
- model: the float64 `Model` of R1 with named aspects, its quadrature `GridSpec`s and the catalogue of grids.
- diagnose: `diagnose_differences`, the departures from R1 fitted aspect by aspect, each a `Finding` of DIFFERENCES.
- identify: which registered variant the callable equals, else the nearest; ddp: the opt-in two-process gloo check.
- record: `compare`, the whole comparison record, and its `summary`; cli: `python -m checks compare`.

Who may import it: `checks.__main__` (cli) and tests, through the names below. It imports `reference`, `core` and
the audit's dtype runs and gloo spawner (checks.audit.dtypes, checks.audit.ddp), and writes only the --json record.
"""

from .ddp import WORLD, ddp_check
from .diagnose import COLLAPSE_RTOL, DIFFERENCES, LOOSE_RTOL, Finding, diagnose_differences
from .identify import fingerprint, identify, match
from .load import load_callable
from .model import GRID_KNOTS, GRID_RANGES, PUBLISHED_GRIDS, R1_GRID, GridSpec, Model, per_slice
from .probes import (
    DTYPE_MODES,
    GRAD_RTOL,
    M1,
    M2,
    MODEL_RTOL,
    N1,
    N2,
    VALUE_RTOL,
    CompareError,
    K,
    Probes,
    V,
    dtype_signature,
    evaluate,
    permutation_noise,
)
from .record import compare, summary

__all__ = [
    "COLLAPSE_RTOL",
    "DIFFERENCES",
    "DTYPE_MODES",
    "GRAD_RTOL",
    "GRID_KNOTS",
    "GRID_RANGES",
    "K",
    "LOOSE_RTOL",
    "M1",
    "M2",
    "MODEL_RTOL",
    "N1",
    "N2",
    "PUBLISHED_GRIDS",
    "R1_GRID",
    "V",
    "VALUE_RTOL",
    "WORLD",
    "CompareError",
    "Finding",
    "GridSpec",
    "Model",
    "Probes",
    "compare",
    "ddp_check",
    "diagnose_differences",
    "dtype_signature",
    "evaluate",
    "fingerprint",
    "identify",
    "load_callable",
    "match",
    "per_slice",
    "permutation_noise",
    "summary",
]
