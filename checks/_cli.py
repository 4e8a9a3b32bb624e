"""The shared shape of the suite's command lines (`python -m checks`, `python -m repro`).

Each command module exposes `register(subparsers)`, which adds its subcommand(s) and sets `run` to a
function of the parsed arguments that returns an exit code (None meaning 0)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType


def build_parser(prog: str, description: str, modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in modules:
        module.register(commands)
    return parser


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except ValueError as error:  # bad input: say what is wrong, write nothing
        print(f"error: {error}", file=sys.stderr)
        return 2
