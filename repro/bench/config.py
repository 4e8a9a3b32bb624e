"""What the bench measures and what it must meet: the CPU configurations (`Config`: the main table, the sweeps
in N and M, repeats and seeds, the --quick variant and one job per implementation and shape), the targets at
the reference configuration, and the paper's Table 6 timings (claim C22)."""

from __future__ import annotations

from dataclasses import dataclass

from core.versions import VERSIONS

VERSION = VERSIONS["engine-bench"]
IMPLS = ("engine", "R1")
# Targets at the reference configuration, fp32, 1 thread: the engine within 2x of the floor and >= 10x faster
# than R1 (ratios measured interleaved in one process), its first call under 5 s (no compilation on the default
# path), and >= 10x less memory than R1.
TARGET_CONFIG = (1024, 512, 1024)
TARGET_OVER_FLOOR = 2.0
TARGET_TIME_RATIO = 10.0
TARGET_FIRST_CALL_S = 5.0
TARGET_MEMORY_RATIO = 10.0
TARGET_SLOPE = (0.85, 1.15)
TARGET_AFFINE_RESIDUAL = 0.05  # memory: linear growth above a constant workspace, every size within 5 % of the line
# Paper Table 6 (arXiv 2511.08544 v3; V100-SXM2-16GB, 10 runs): (N, M, integration points) -> mean ms. The
# paper gives no embedding dimension K; K = 512 here is our assumption.
TABLE6_MS = {
    (512, 512, 16): 0.465236,
    (512, 512, 64): 0.461317,
    (512, 512, 256): 0.627644,
    (2048, 512, 16): 1.406441,
    (8192, 512, 16): 6.188304,
    (8192, 8192, 16): 8.685009,
    (32768, 512, 16): 26.373118,
    (512, 2048, 16): 0.465614,
    (512, 8192, 16): 0.670379,
}
TABLE6_K = 512
NO_CUDA = "CUDA is not available on this machine (torch.cuda.is_available() is False)"
MIN_MEASUREMENT_S = 0.05  # each timed measurement lasts at least this long (averaging `inner` calls)


@dataclass(frozen=True)
class Config:
    main: tuple[tuple[int, int, int], ...] = ((256, 128, 256), (1024, 512, 1024), (4096, 1024, 1024))
    sweep_n: tuple[int, ...] = (1024, 2048, 4096, 8192, 16384)  # at K = M = sweep_km
    sweep_m: tuple[int, ...] = (256, 512, 1024, 2048, 4096)  # at N = 1024, K = sweep_km
    sweep_km: int = 256
    sweep_n_for_m: int = 1024
    repeats: int = 7
    interleaved_repeats: int = 21  # rounds of floor, engine, R1 at the target configuration
    warmup: int = 2
    seed: int = 0
    bootstrap: int = 2000
    accuracy_knots: tuple[int, ...] = (17, 65, 257, 1025, 4097)
    accuracy_max_power: int = 12  # phase errors at k = 1, 2, 4, …, 2**accuracy_max_power
    workers: int = 1  # configurations measured at once; 1 for timings that do not share the 2 cores
    quick: bool = False

    @classmethod
    def quick_config(cls, seed: int = 0) -> Config:
        return cls(
            main=(TARGET_CONFIG,),
            sweep_n=(512, 1024),
            sweep_m=(128, 256),
            sweep_km=128,
            sweep_n_for_m=512,
            repeats=3,
            interleaved_repeats=7,
            warmup=0,
            seed=seed,
            bootstrap=500,
            accuracy_knots=(17, 257),
            accuracy_max_power=8,
            workers=2,  # a smoke run: speed over clean timings
            quick=True,
        )

    def validate(self) -> None:
        if self.repeats < 2 or self.interleaved_repeats < 3 or self.warmup < 0 or self.bootstrap < 100:
            raise ValueError("need repeats >= 2, interleaved_repeats >= 3, warmup >= 0 and bootstrap >= 100")
        if self.workers < 1:
            raise ValueError("need workers >= 1")
        if len(self.sweep_n) < 2 or len(self.sweep_m) < 2:
            raise ValueError("each sweep needs at least 2 sizes to fit a slope")
        if TARGET_CONFIG not in self.main and not self.quick:
            raise ValueError(f"the main configurations must include the target {TARGET_CONFIG}")

    def jobs(self) -> list[dict]:
        shapes: dict[tuple[int, int, int], set[str]] = {}
        for shape in self.main:
            shapes.setdefault(tuple(shape), set()).add("main")
        for n in self.sweep_n:
            shapes.setdefault((n, self.sweep_km, self.sweep_km), set()).add("sweep_n")
        for m in self.sweep_m:
            shapes.setdefault((self.sweep_n_for_m, self.sweep_km, m), set()).add("sweep_m")
        return [
            {
                "impl": impl,
                "n": n,
                "k": k,
                "m": m,
                "roles": sorted(roles),
                "repeats": self.repeats,
                "warmup": self.warmup,
                "seed": self.seed,
            }
            for (n, k, m), roles in shapes.items()
            for impl in IMPLS
        ]
