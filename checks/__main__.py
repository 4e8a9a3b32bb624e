"""`python -m checks <command>`: the variants table, the paper's claims (list, run), and more."""

from __future__ import annotations

import sys

from core.cli import build_parser, run

from . import audit_cli, claims_cli, compare, lambda_convert, mutate, report, reproduce, variants

COMMAND_MODULES = (variants, claims_cli, audit_cli, compare, lambda_convert, mutate, report, reproduce)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser("python -m checks", __doc__, COMMAND_MODULES), argv)


if __name__ == "__main__":
    sys.exit(main())
