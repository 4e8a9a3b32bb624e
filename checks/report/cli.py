"""`python -m checks report`: results/REPORT.md, review tables and figures, rendered from the JSON under results/.

python -m checks report                  # results/REPORT.md, tables/*.{md,tex,csv}, figures/report_*.png
python -m checks report --results DIR    # another results tree (its REPORT.md, tables/ and figures/)
python -m checks report --pages-only     # only the pages beside the JSON (bench, variants, replication/E*, audit)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.results import RESULTS

from .build import REPORT_NAME, generate
from .pages import write_pages


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="results/REPORT.md, tables (md, tex, csv) and figures from JSON")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results tree to read and write into")
    parser.add_argument("--no-figures", action="store_true", help="skip the report's own figures")
    parser.add_argument(
        "--no-registry", action="store_true", help="do not read the claim list and check versions from the code"
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="only the pages beside the JSON (bench.md, variants.md, replication/E*.md, audit/discrepancies.md/.tex)",
    )
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    if args.pages_only:
        pages = write_pages(args.results)
        print(f"wrote {', '.join(str(p) for p in pages) or 'no page (no records for one)'}", file=sys.stderr)
        return 0
    rendered = generate(args.results, figures=not args.no_figures, registry=not args.no_registry)
    print(
        f"wrote {args.results / REPORT_NAME}: {len(rendered.tables)} tables, {len(rendered.figures)} figures",
        file=sys.stderr,
    )
    return 0
