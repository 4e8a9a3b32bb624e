"""`python -m checks audit [ID ...] [--quick] [--check] [--seed S]`: the differential audit of the SIGReg variants.

IDs are discrepancy ids (D1 … D29) or sections (detection, ddp, dtypes); none means all of them. Writes
<results>/audit/<id>.json for each (--results: build/results/ unless told); `python -m checks report` (or its
--pages-only) rebuilds discrepancies.md and .tex there from every JSON there.

- `--quick`: small sizes (under a minute on 2 cores), for tests and CI.
- `--check`: compare every reference's behaviour with checks/audit/baseline.json (and, at seed 0, the
  verdicts of the ids run in the same call with the baseline's verdicts for that mode); exit 1 with a readable
  diff on any change beyond tolerance or any undocumented discrepancy. Alone (no ids, no --quick) it runs only
  that comparison (seconds).
- `--write-baseline`: rewrite the baseline from the current behaviour (after a reviewed, deliberate change):
  `python -m checks audit --quick --write-baseline`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli import add_results, output
from core.records import AuditCheck
from core.results import atomic_write_json, check_writable

from . import SECTIONS, runner
from .fingerprint import BASELINE
from .plan import make_plan


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="differential audit of the SIGReg variants: discrepancy registry, detection, DDP, dtypes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help=f"discrepancy ids (D1 …) or sections ({', '.join(SECTIONS)}); default: all"
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument("--check", action="store_true", help="compare with the committed baseline; exit 1 on change")
    parser.add_argument("--write-baseline", action="store_true", help="rewrite the baseline from this run")
    parser.add_argument("--baseline", type=Path, default=BASELINE, help="baseline file (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="run seed (same seed, same numbers)")
    parser.add_argument("--n", type=int, default=None, help="samples per batch at the main size")
    parser.add_argument("--k", type=int, default=None, help="embedding dimension at the main size")
    parser.add_argument("--m", type=int, default=None, help="slice directions at the main size")
    parser.add_argument("--variants", nargs="+", default=None, help="variants of the detection table (default: all)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (one torch thread each)")
    add_results(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/audit)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    from .registry import REGISTRY

    out = output(args, "audit")
    plan = make_plan(
        args.quick, args.seed, args.n, args.k, args.m, tuple(args.variants) if args.variants else None, args.workers
    )
    only_check = args.check and not args.ids and not args.quick and not args.write_baseline
    ids = args.ids or ([] if only_check else [*REGISTRY, *SECTIONS])
    entries, sections = runner.resolve(ids)  # ValueError listing the known ids before anything runs
    if args.check:
        runner.fingerprint.load_baseline(args.baseline)  # fail early on a missing or broken baseline
    if args.write_baseline:
        check_writable(args.baseline, file=True)
    payloads = runner.compute(plan, entries, sections, progress=not args.no_progress) if ids else {}
    if payloads:
        runner.write(payloads, out)
        for stem in payloads:
            payload = payloads[stem]
            if stem in REGISTRY:
                said = payload["effect"] if payload["verdict"] != "not-run" else payload["reason"]
                print(f"{stem:4s} {payload['verdict']:10s} {said}")
        print(f"wrote {len(payloads)} result files to {out} (its pages: python -m checks report --pages-only)")
    if args.write_baseline:
        runner.write_baseline(payloads, args.baseline, plan)
        print(f"wrote baseline {args.baseline}")
    if args.check:
        diffs, _ = runner.check(payloads, args.baseline, plan)
        atomic_write_json(
            out / "check.json", AuditCheck.payload(baseline=str(args.baseline), ok=not diffs, differences=diffs)
        )
        if diffs:
            print(f"audit --check: {len(diffs)} difference(s) from {args.baseline}:", file=sys.stderr)
            for line in diffs:
                print(f"  - {line}", file=sys.stderr)
            return 1
        print(f"audit --check: behaviour matches {args.baseline}")
    return 0
