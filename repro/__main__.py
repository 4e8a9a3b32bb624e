"""`python -m repro <command>`: training runs, the minimum demo, the engine's diagnostic and benchmarks.

Each command module exposes `register(subparsers)`, which adds its subcommand(s) and sets `run` to a
function of the parsed arguments that returns an exit code (None meaning 0)."""

from __future__ import annotations

import argparse
import sys

COMMAND_MODULES: tuple = ()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m repro", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args) or 0
    except ValueError as error:  # bad input: say what is wrong, write nothing
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
