"""`python -m checks report`: results/REPORT.md, review tables and figures, rendered from the JSON under results/.

python -m checks report                  # results/REPORT.md, tables/*.{md,tex,csv}, figures/report_*.png
python -m checks report --results DIR    # another results tree (its REPORT.md, tables/ and figures/)
python -m checks report --pages-only     # only the benchmark's pages (bench.md, bench_cuda.md) from their JSON
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.results import RESULTS

from .bench import write_pages
from .build import REPORT_NAME, generate


def register(subparsers) -> None:
    parser = subparsers.add_parser("report", help="results/REPORT.md, tables (md, tex, csv) and figures from JSON")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results tree to read and write into")
    parser.add_argument("--no-figures", action="store_true", help="skip the report's own figures")
    parser.add_argument(
        "--no-registry", action="store_true", help="do not read the claim list and check versions from the code"
    )
    parser.add_argument(
        "--pages-only", action="store_true", help="only bench.md / bench_cuda.md from bench.json / bench_cuda.json"
    )
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    if args.pages_only:
        pages = write_pages(args.results)
        print(
            f"wrote {', '.join(str(p) for p in pages) or 'no page (no bench.json or bench_cuda.json)'}", file=sys.stderr
        )
        return 0
    rendered = generate(args.results, figures=not args.no_figures, registry=not args.no_registry)
    print(
        f"wrote {args.results / REPORT_NAME}: {len(rendered.tables)} tables, {len(rendered.figures)} figures",
        file=sys.stderr,
    )
    return 0
