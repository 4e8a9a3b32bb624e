"""`python -m checks <command>`: the suite's command line."""

from __future__ import annotations

import argparse
import sys

from . import variants


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m checks", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    variants_parser = commands.add_parser("variants", help="every SIGReg variant on the seeded battery")
    variants.add_arguments(variants_parser)
    variants_parser.set_defaults(run=variants.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except ValueError as error:  # bad input: say what is wrong, write nothing
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
