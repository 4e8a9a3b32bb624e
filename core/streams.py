"""Named random streams: a seed for (run seed, stream name, ...) that never depends on what else runs.

A part is a string (hashed with crc32) or an integer; the parts are SeedSequence's spawn key, so two streams with
different names or indices are independent, and the same inputs give the same bytes on every machine."""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def stream_seed(seed: int, *parts: str | int, bits: int = 32) -> int:
    """The seed of one named stream under run seed `seed`: 32 bits (torch's manual_seed, the audit), or 64."""
    if bits not in (32, 64):
        raise ValueError(f"bits must be 32 or 64, got {bits}")
    key = [zlib.crc32(p.encode()) if isinstance(p, str) else int(p) for p in parts]
    state = np.random.SeedSequence(int(seed), spawn_key=key).generate_state(
        1, dtype=np.uint32 if bits == 32 else np.uint64
    )
    return int(state[0])


def generator(seed: int, *parts: str | int) -> torch.Generator:
    """A CPU torch.Generator for the named stream."""
    import torch  # only here: the claims registry and the report use the NumPy streams without torch

    return torch.Generator().manual_seed(stream_seed(seed, *parts))


def np_rng(seed: int, *parts: str | int) -> np.random.Generator:
    """A NumPy generator for the named stream."""
    return np.random.default_rng(stream_seed(seed, *parts))
