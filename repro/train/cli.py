"""`python -m repro train`: one LeJEPA run from flat config keys (the common ones as flags, any other by --set)."""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path

from .config import make_config, validate
from .loop import train

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
    overrides = _parse_set(args.set)
    for key in _FLAGS:
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    if args.online:
        overrides["online"] = True
    return make_config(args.scale, **overrides)


def run_train(args: argparse.Namespace) -> int:
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


def register(subparsers) -> None:
    p = subparsers.add_parser("train", help="one LeJEPA run (train, then frozen-feature evaluation)")
    add_train_arguments(p)
    p.set_defaults(run=run_train)
