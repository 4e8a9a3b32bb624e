"""Run `train` in W local processes (gloo, file rendezvous: no network), as torchrun would; for tests and checks.

`torchrun --nproc_per_node=W -m repro.train ...` is the user-facing path; this helper starts the same training
code under `torch.multiprocessing.spawn` so that a test can compare a W-process run with one process.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from core.pool import one_thread


def _worker(rank: int, world: int, init_file: str, cfg_fields: dict, out_dir: str, data) -> None:
    from .config import TrainConfig
    from .loop import train

    one_thread()
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        train(TrainConfig.from_flat(cfg_fields), out_dir, progress=False, evaluate_after=False, data=data)
    finally:
        dist.destroy_process_group()


def spawn_train(cfg, world: int, out_dir: Path | str, data=None) -> dict:
    """Train `cfg` on `world` processes; returns rank 0's checkpoint (config, step, model, history).

    `data` (an ImageData) is sent to every process; without it each loads the dataset itself."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        init_file = os.path.join(tmp, "rendezvous")
        mp.spawn(_worker, args=(world, init_file, cfg.flat(), str(out_dir), data), nprocs=world, join=True)
    return torch.load(out_dir / "checkpoint.pt", map_location="cpu", weights_only=True)
