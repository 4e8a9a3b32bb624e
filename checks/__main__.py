"""`python -m checks <command>`: the variants table, the paper's claims (list, run), and more."""

from __future__ import annotations

import sys

from core.cli import build_parser, run

from . import lambda_convert, mutate, reproduce, variants
from .audit import cli as audit_cli
from .claims import cli as claims_cli
from .compare import cli as compare_cli
from .report import cli as report

COMMAND_MODULES = (variants, claims_cli, audit_cli, compare_cli, lambda_convert, mutate, report, reproduce)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser("python -m checks", __doc__, COMMAND_MODULES), argv)


if __name__ == "__main__":
    sys.exit(main())
