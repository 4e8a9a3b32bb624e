"""`python -m repro bench`: the engine (repro/sigreg.py) against the official statistic R1, timed and measured
in the same run, plus scaling fits for claim C4 and the accuracy of the angle-addition recurrence.

Inside, bottom to top (each module's docstring states its part of the method):
- config: `Config` (configurations, repeats, --quick), the targets, the paper's Table 6 timings.
- timing: one implementation at one (N, K, M) in a fresh process (`measure`: time and memory), and where the
  engine's time goes (`engine_profile`).
- interleaved: floor, engine and R1 timed in turn in one process (`measure_interleaved`) and their per-repeat
  ratios (`interleaved_summary`).
- accuracy: the recurrence's phase error and the statistic's error by knots (`recurrence_accuracy`).
- fits: scaling slopes (`fit_slope`), the affine memory fit and the targets (`summarise`).
- cuda: paper Table 6 on CUDA (`table6`) and the GPU bench alone (`cuda_bench`); not-run without CUDA.
- run: the whole CPU bench in a spawned pool (`compute`) and `write` (the record as JSON).
- cli: `register` and `main`, the `bench` subcommand.

Who may import it: `python -m repro` (repro/__main__.py) and tests, through the names below; spawned workers
find `measure`, `measure_interleaved`, `engine_profile` and `recurrence_accuracy` by their modules. `checks` reads
bench.json, never this package. It imports torch, `reference`, `repro.sigreg` and core; its page
(bench.md) is the report's to render (`python -m checks report`).
"""

from __future__ import annotations

from .accuracy import recurrence_accuracy
from .cli import main, register
from .config import Config
from .cuda import cuda_bench, table6
from .fits import fit_slope, summarise
from .interleaved import interleaved_summary, measure_interleaved
from .run import compute, write
from .timing import engine_profile, measure

__all__ = [
    "Config",
    "compute",
    "cuda_bench",
    "engine_profile",
    "fit_slope",
    "interleaved_summary",
    "main",
    "measure",
    "measure_interleaved",
    "recurrence_accuracy",
    "register",
    "summarise",
    "table6",
    "write",
]
