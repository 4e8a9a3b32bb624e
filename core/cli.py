"""The shared shape of the suite's command lines (`sigreg-checks` = `python -m checks`, `sigreg-repro` =
`python -m repro`).

Each command module exposes `register(subparsers)`, which adds its subcommand(s) and sets `run` to a
function of the parsed arguments that returns an exit code (None meaning 0). A command that writes results takes
`--results DIR` (`add_results`): by default build/results/ under the current folder, so that an ad-hoc run never
touches the committed results/ (only `--results results`, as `nox -s reproduce` passes, does). Before a command
runs, every output it names (`--out`, `--results`, `--figures`) is checked for writability; a bad argument or a
bad input is one line on stderr and exit 2, with nothing written."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .results import RESULTS, RESULTS_ENV, check_writable

# The arguments that name where a command writes (folders unless the command declares them files).
OUTPUTS = ("out", "results", "figures", "json")
EXTRA = "repro"  # pyproject's optional dependencies for training, data, figures and the report
EXTRA_MODULES = ("datasets", "matplotlib", "sklearn", "mlxtend", "PIL")


class Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line (no usage block): `prog: error: …`, exit 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def seed(text: str) -> int:
    """argparse type of every --seed: an integer >= 0 (a negative one would wrap around in torch's generators)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def add_results(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        metavar="DIR",
        help=f"results tree to write (default: %(default)s under the current folder, or ${RESULTS_ENV}; "
        "`--results results` writes the committed tree)",
    )


def output(args: argparse.Namespace, *parts: str) -> Path:
    """Where a command writes: its --out when given, else that part of its --results tree."""
    out = getattr(args, "out", None)
    return Path(out) if out is not None else Path(args.results).joinpath(*parts)


def build_parser(prog: str, description: str, modules: Sequence[ModuleType]) -> argparse.ArgumentParser:
    parser = Parser(prog=_prog(prog), description=description)
    commands = parser.add_subparsers(dest="command", required=True)
    for module in modules:
        module.register(commands)
    return parser


def _prog(module_form: str) -> str:
    """The name the user typed: a console script's (`sigreg-checks`), else the module form (`python -m checks`)."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return name if name.startswith("sigreg-") else module_form


def check_outputs(args: argparse.Namespace) -> None:
    """Every output the parsed command names can be written (ValueError otherwise); nothing is created. A command
    lists its outputs that are files (not folders) in `output_files`, and the ones it only reads in `inputs`."""
    files = set(getattr(args, "output_files", ()))
    skip = set(getattr(args, "inputs", ()))
    if getattr(args, "out", None) is not None and getattr(args, "figures", "") is not None:
        skip.add("results")  # --out (and --figures) replace the --results tree: only they are written
    for name in OUTPUTS:
        value = getattr(args, name, None)
        if isinstance(value, Path) and name not in skip:
            check_writable(value, file=name in files)


def run(parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # a bad argument (exit 2, one line already printed) or --help (exit 0)
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    try:
        check_outputs(args)
        return args.run(args) or 0
    except ValueError as error:  # bad input: say what is wrong, write nothing
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if (error.name or "").split(".")[0] not in EXTRA_MODULES:
            raise
        print(
            f"error: {parser.prog} {args.command} needs {error.name}, which comes with the [{EXTRA}] extra: "
            f'pip install "sigreg-repro[{EXTRA}]"',
            file=sys.stderr,
        )
        return 2
