"""Subcommands `train` (one LeJEPA run), `replicate` (experiments E1–E8) and `demo` (E5, the minimum demo)."""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

from core.cli import add_results, output

from .experiments import EXPERIMENTS, TIERS

# CLI flag -> config key, for the options every run has; any other key goes through --set key=value.
_FLAGS = {
    "dataset": str,
    "variant": str,
    "lam": float,
    "views": int,
    "global_views": int,
    "batch_size": int,
    "steps": int,
    "seed": int,
    "encoder": str,
    "num_slices": int,
}


def add_train_arguments(parser: argparse.ArgumentParser) -> None:
    for key, kind in _FLAGS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=kind, default=None, help=f"config {key}")
    parser.add_argument("--scale", default="cpu", help="preset: cpu (default) or gpu")
    parser.add_argument("--online", action="store_true", help="allow Hugging Face hub datasets (network)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any other config key")
    parser.add_argument("--out", type=Path, default=None, help="run folder (checkpoint.pt, result.json)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--no-progress", action="store_true")


def _parse_set(items: list[str]) -> dict:
    overrides = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            value = text  # a bare string
        overrides[key.strip().replace("-", "_")] = value
    return overrides


def config_from_args(args: argparse.Namespace):
    from .train import make_config

    overrides = _parse_set(args.set)
    for key in _FLAGS:
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    if args.online:
        overrides["online"] = True
    return make_config(args.scale, **overrides)


def run_train(args: argparse.Namespace) -> int:
    from .train import train, validate

    cfg = validate(config_from_args(args))
    result = train(cfg, args.out, resume=args.resume, progress=not args.no_progress)
    if result is not None:
        summary = {
            "status": result["status"],
            "final_loss": result["train"]["final_loss"],
            **{
                f"{part}.{key}": value
                for part, res in (result["eval"] or {}).items()
                for key, value in res.items()
                if isinstance(value, float)
            },
        }
        print(json.dumps(summary, indent=1))
    return 0


def run_replicate(args: argparse.Namespace) -> int:
    from .experiments import replicate

    replicate(
        tier=args.tier,
        quick=args.quick,
        out=output(args, "replication"),
        experiments=tuple(args.only) if args.only else None,
        workers=args.workers,
        progress=not args.no_progress,
    )
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo as demo

    figures = args.figures if args.figures is not None else args.results / "figures"
    demo(scale=args.scale, quick=args.quick, out=output(args, "replication"), figures=figures,
         progress=not args.no_progress)  # fmt: skip
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="one LeJEPA run (train, then frozen-feature evaluation)")
    add_train_arguments(p)
    p.set_defaults(run=run_train)

    p = subparsers.add_parser("replicate", help="experiments E1-E8 (<results>/replication/*.json)")
    p.add_argument(
        "--tier", default="cpu", choices=TIERS,
        help="cpu: E1, E2's V = 4 row, E4 (~10 min); cpu-full: every experiment (~60 min); gpu: cpu-full larger",
    )  # fmt: skip
    p.add_argument("--quick", action="store_true", help="a < 3 min smoke run (fewer steps, seeds and points)")
    p.add_argument("--only", nargs="+", choices=EXPERIMENTS, help="a subset of the experiments")
    p.add_argument("--workers", type=int, default=2, help="parallel processes (spawn), one torch thread each")
    add_results(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/replication)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run_replicate)

    p = subparsers.add_parser("demo", help="E5: point clouds optimised with SIGReg (V1 vs R1), tested")
    p.add_argument("--scale", default="cpu", choices=("cpu", "gpu"))
    p.add_argument("--quick", action="store_true", help="fewer points and steps")
    add_results(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/replication)")
    p.add_argument("--figures", type=Path, default=None, help="figures folder (default: <results>/figures)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run_demo)
