"""`python -m checks compare MODULE:CALLABLE`: which published SIGReg did you write, and how does it differ from R1?

The callable takes (x, directions), x of shape (N, K) or (V, N, K) and directions (K, M) with unit columns, and
returns a tensor (a scalar or per-slice values), like `reference.Variant.evaluate`. It is run on a fixed set of
small probes (float32, seeded); the record (checks/compare/record.py) names the closest registered variant and the
departures from R1. Prints its summary; `--json FILE` also writes the whole record (atomically); `--ddp` also runs
the callable on a real 2-process gloo group.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.cli import seed as seed_type
from core.results import atomic_write_json

from .load import load_callable
from .record import compare


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="which registered SIGReg does your callable equal, and how does it differ from R1",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("callable", help="MODULE:CALLABLE or path/to/file.py:CALLABLE taking (x, directions)")
    parser.add_argument("--json", type=Path, default=None, help="also write the full record here (atomically)")
    parser.add_argument("--ddp", action="store_true", help="also run it on a real 2-process gloo group")
    parser.add_argument("--seed", type=seed_type, default=0, help="seed of the probes")
    parser.set_defaults(run=main, output_files=("json",))  # checked before any work (core.cli)


def main(args: argparse.Namespace) -> int:
    sys.path.insert(0, os.getcwd())  # MODULE:CALLABLE from the current folder, as `python -m` users expect
    fn = load_callable(args.callable)
    record = compare(fn, spec=args.callable, seed=args.seed, ddp=args.ddp)
    if args.json is not None:
        atomic_write_json(args.json, record)
    print(record["summary"])
    return 0
