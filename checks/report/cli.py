"""`python -m checks report`: results/REPORT.md, review tables and figures, rendered from the JSON under results/.

python -m checks report                  # results/REPORT.md, tables/*.{md,tex,csv}, figures/report_*.png
python -m checks report --results DIR    # another results tree (its REPORT.md, tables/ and figures/)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.results import RESULTS

from .build import REPORT_NAME, generate


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="results/REPORT.md, tables (md, tex, csv) and figures from JSON")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results tree to read and write into")
    parser.add_argument("--no-figures", action="store_true", help="skip the report's own figures")
    parser.add_argument(
        "--no-registry", action="store_true", help="do not read the claim list and check versions from the code"
    )
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    rendered = generate(args.results, figures=not args.no_figures, registry=not args.no_registry)
    print(
        f"wrote {args.results / REPORT_NAME}: {len(rendered.tables)} tables, {len(rendered.figures)} figures",
        file=sys.stderr,
    )
    return 0
