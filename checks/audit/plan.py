"""How much the audit computes: the full plan (about 8 CPU-minutes, 4–5 minutes on 2 quiet cores) and --quick
(under a minute).

Size grid (documented subset of N ∈ {16, 128, 512, 2048}, K ∈ {2, 16, 64, 512}, M ∈ {16, 256, 1024}): the whole
battery at the main configuration (N, K, M) = (512, 64, 256) of docs/variants.md#peers, and one axis at a time
around it for the sweep laws (N ∈ {16, 128, 2048}; K ∈ {2, 16, 512}; M ∈ {16, 1024}) with V1 and R1, the
per-coordinate and the sliced statistic (R2, P1, P2 equal R1 bit for bit on 2-D input, which the main
configuration checks on every batch; V1 ignores M, so its M sweep reuses the main numbers, and it is not run
at K = 512, see `v1_sweep_max_k`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from .measure import Size

#: Bounds on --n/--k/--m: the multi-view laws need N/4 >= 2 samples per view; the upper bounds keep one batch
#: of every law within the 10-minute budget on 2 cores (R1 at (8192, 64, 256) takes about a second).
N_RANGE = (8, 8192)
K_RANGE = (1, 4096)
M_RANGE = (1, 4096)


@dataclass(frozen=True)
class Plan:
    mode: str
    seed: int
    main: Size
    seeds: int  # data seeds per law (detection rate over these)
    # Monte Carlo null batches at the main size. R = 99 is the least with p-value floor 1/(R+1) <= ALPHA = 0.01;
    # the test is exact-level for any R (exchangeability), a larger R only sharpens the threshold.
    null_reps: int
    grad_seeds: int  # seeds per law with gradient statistics
    oracle_seeds: int  # seeds per law compared with the exact oracle (O(N²M) each)
    sweeps: tuple[tuple[str, Size], ...]
    sweep_null_reps: int
    sweep_variants: tuple[str, ...]
    # V1 costs ∝ K (a complex exponential per coordinate) and its blindness is per coordinate, so it does not
    # depend on K: above this K the sweep runs R1 only (V1 at K = 512 alone would take a third of the budget).
    v1_sweep_max_k: int
    d3: tuple[int, int]  # (N, reps)
    d5: tuple[tuple[int, ...], int, int, int]  # (Ns, K, M, reps)
    d6: tuple[tuple[int, ...], int]  # (Ns, reps)
    d7: tuple[tuple[int, ...], int]  # (Ns, reps)
    d13: tuple[tuple[int, ...], int]  # (Ns, reps) at the main K, M
    dtype_size: Size
    ddp_size: tuple[int, int, int]  # (N_local, K, M)
    detection_variants: tuple[str, ...] | None = None  # None: all registered variants
    workers: int = 2

    def as_dict(self) -> dict:
        d = asdict(self)
        d["sweeps"] = [{"axis": axis, **asdict(size)} for axis, size in self.sweeps]
        return d


FULL = Plan(
    mode="full",
    seed=0,
    main=Size(512, 64, 256),
    seeds=20,
    null_reps=99,
    grad_seeds=3,
    oracle_seeds=1,
    sweeps=(
        ("N", Size(16, 64, 256)),
        ("N", Size(128, 64, 256)),
        ("N", Size(2048, 64, 256)),
        ("K", Size(512, 2, 256)),
        ("K", Size(512, 16, 256)),
        ("K", Size(512, 512, 256)),
        ("M", Size(512, 64, 16)),
        ("M", Size(512, 64, 1024)),
    ),
    sweep_null_reps=99,
    sweep_variants=("V1", "R1"),
    v1_sweep_max_k=64,
    d3=(512, 200),
    d5=((16, 128, 512, 2048), 16, 64, 20),
    d6=((16, 128, 256, 512, 2048), 10),
    d7=((16, 128, 512, 2048), 400),
    d13=((16, 128, 512, 2048), 6),
    dtype_size=Size(512, 64, 256),
    ddp_size=(256, 32, 64),
)

QUICK = Plan(
    mode="quick",
    seed=0,
    main=Size(128, 16, 64),
    seeds=20,
    null_reps=99,
    grad_seeds=1,
    oracle_seeds=1,
    sweeps=(("N", Size(32, 16, 64)), ("K", Size(128, 4, 64)), ("K", Size(128, 32, 64)), ("M", Size(128, 16, 16))),
    sweep_null_reps=99,
    sweep_variants=("V1", "R1"),
    v1_sweep_max_k=16,
    d3=(128, 50),
    d5=((16, 64, 256, 1024), 8, 32, 10),
    d6=((16, 128, 512), 5),
    d7=((16, 128, 512), 200),
    d13=((16, 64, 128), 5),
    dtype_size=Size(128, 16, 32),
    ddp_size=(64, 8, 16),
)


def _check_range(name: str, value: int | None, bounds: tuple[int, int], why: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"--{name} must be an integer in [{bounds[0]}, {bounds[1]}] ({why}), got {value!r}")


def make_plan(
    quick: bool,
    seed: int,
    n: int | None = None,
    k: int | None = None,
    m: int | None = None,
    variants: tuple[str, ...] | None = None,
    workers: int = 2,
) -> Plan:
    """The plan for one run; ValueError (naming the allowed values) for impossible settings."""
    import reference  # late: keep `plan` importable without building the registry

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {seed!r}")
    _check_range("n", n, N_RANGE, "the multi-view laws need N/4 >= 2 samples per view")
    _check_range("k", k, K_RANGE, "embedding dimension")
    _check_range("m", m, M_RANGE, "slice directions")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"--workers must be a positive integer, got {workers!r}")
    if variants is not None:
        for variant_id in variants:
            reference.get(variant_id)  # ValueError listing the known ids
    base = QUICK if quick else FULL
    main = Size(n or base.main.n, k or base.main.k, m or base.main.m)
    return replace(
        base, seed=seed, main=main, detection_variants=tuple(variants) if variants else None, workers=workers
    )
