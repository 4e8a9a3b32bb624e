"""`python -m repro bench`: the CPU bench (`--quick`, `--repeats`, `--seed`) into bench.json, or with `--device cuda`
the GPU bench alone into bench_cuda.json; `python -m checks report --pages-only` renders their pages (.md)."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from pathlib import Path

from core.cli import add_results, output

from .config import Config
from .cuda import cuda_bench
from .run import compute, summary, write


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="time and memory of the engine against R1 (fresh process each)")
    parser.add_argument("--quick", action="store_true", help="smoke run (well under a minute)")
    parser.add_argument("--repeats", type=int, default=None, help="timed measurements per configuration")
    parser.add_argument("--seed", type=int, default=0, help="seed of inputs, directions and bootstrap")
    add_results(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the --results tree)")
    parser.add_argument(
        "--device",
        choices=("cpu", "cuda"),
        default="cpu",
        help="cuda: the GPU bench alone (engine vs R1 and paper Table 6, bench_cuda.json); not-run without CUDA",
    )
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> None:
    if args.device == "cuda":
        if args.quick or args.repeats is not None:
            raise ValueError("--device cuda takes neither --quick nor --repeats (it is a few minutes on a GPU)")
        result = cuda_bench(args.seed)
        print(f"wrote {write(result, output(args), 'bench_cuda')}")
        print(summary(result))
        return
    config = Config.quick_config(args.seed) if args.quick else Config(seed=args.seed)
    if args.repeats is not None:
        config = Config(**{**asdict(config), "repeats": args.repeats})
    result = compute(config)
    print(f"wrote {write(result, output(args))}")
    print(summary(result))
