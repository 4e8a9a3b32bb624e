"""`python -m repro <command>`: training runs, the minimum demo, the engine's diagnostic and benchmarks."""

from __future__ import annotations

import sys

from core.cli import build_parser, run

from . import bench, demo, diagnose, experiments
from .train import cli as train

COMMAND_MODULES = (train, experiments, demo, bench, diagnose)


def main(argv: list[str] | None = None) -> int:
    return run(build_parser("python -m repro", __doc__, COMMAND_MODULES), argv)


if __name__ == "__main__":
    sys.exit(main())
