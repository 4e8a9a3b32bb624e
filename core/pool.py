"""The one way the suite runs work in parallel: spawned worker processes with one torch thread each."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context


def one_thread() -> None:
    """One torch thread in this process: on 2 cores, two threads per process ran 20x slower, and a fixed thread
    count keeps CPU reductions in one order. Each command, spawned rank and pool worker (as `process_pool`'s
    initializer) calls it once before computing; the functions they run do not repeat it."""
    import torch  # only here: a pool of NumPy work need not load torch

    torch.set_num_threads(1)


def process_pool(
    workers: int, *, fresh: bool = False, initializer: Callable[[], None] = one_thread
) -> ProcessPoolExecutor:
    """`workers` spawned processes (fresh interpreters: no inherited torch thread pools), each running
    `initializer` (by default `one_thread`) first; `fresh`: one task per process (no allocator or caches shared
    between tasks, as timings want)."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=initializer,
        max_tasks_per_child=1 if fresh else None,
    )
