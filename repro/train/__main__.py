"""One LeJEPA run: train on augmented views with (1 − λ)·pred + λ·SIGReg, then evaluate frozen features.

The entry point torchrun needs (`-m` takes a module, and `python -m repro train` does not join a process group):

    python -m repro.train --dataset digits --steps 50                      # one process
    torchrun --nproc_per_node=2 -m repro.train --dataset digits --steps 50  # DDP, gloo on CPU, nccl on CUDA

The options are `python -m repro train`'s (cli.py); this module adds only the process group around the run.
"""

from __future__ import annotations

import argparse
import os
import sys

import torch

from core.cli import run
from core.pool import one_thread

from . import cli
from . import distributed as tdist


def _init_process_group() -> bool:
    """Join the process group torchrun describes (WORLD_SIZE > 1); gloo on CPU, nccl with CUDA."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or tdist.is_distributed():
        return False
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    torch.distributed.init_process_group(backend=backend)
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m repro.train", description=__doc__.splitlines()[0])
    cli.add_train_arguments(parser)
    parser.set_defaults(run=cli.run_train)
    one_thread()
    started = _init_process_group()
    try:
        return run(parser, argv)
    finally:
        if started:
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
