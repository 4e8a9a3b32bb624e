"""`python -m checks <command>`: the variants table (more checks register here as they land)."""

from __future__ import annotations

import sys

from . import variants
from ._cli import build_parser, run

COMMAND_MODULES = (variants,)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser("python -m checks", __doc__, COMMAND_MODULES), argv)


if __name__ == "__main__":
    sys.exit(main())
