"""The variants table: every registered SIGReg variant on one seeded battery, against its own null.

The measurement is the audit's detection experiment (`checks.audit.measure.detect_job`: same laws, law names and
random streams) on the laws below, so at the audit's main size and seed both show the same values. For each variant
and input law, S data seeds (each with fresh directions shared by all variants) give the value; its ratio to the
exact null mean E[EP] = √(2π)(1 − 1/√3) (docs/oracle.md#o2), its ratio to R1 on the same data and directions, and
the fraction of seeds detected at the 1 % level by a Monte Carlo null of the *same* implementation at the same
(N, K, M) (never a guessed constant: docs/oracle.md#o5). Variants that return a vector (V1, V3) are summarised by
its mean, which is what Definition 2 of the paper and any `.mean()` would take.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import reference
from core.cli import add_results, output
from core.pool import process_pool
from core.records import VariantsTable
from core.results import atomic_write_json, run_record
from reference.oracle import NULL_MEAN

from .audit.measure import ALPHA, detect_job, p_value
from .report.pages import variants as variants_page

#: The laws of the table, named as in the audit's battery (checks/audit/battery.py).
LAWS = ("gaussian", "uniform", "rank1", "equicorr-0.5", "anisotropic", "zeros")


@dataclass(frozen=True)
class Config:
    n: int = 512
    k: int = 64
    m: int = 256
    seeds: int = 20
    null_reps: int = 199  # p = (1 + #null >= value) / (R + 1) can reach 0.005 < ALPHA with R = 199
    seed: int = 0
    variants: tuple[str, ...] = tuple(reference.REGISTRY)
    workers: int = 2

    def validate(self) -> None:
        if self.n < 2:
            raise ValueError(f"--n must be >= 2 samples, got {self.n}")
        if self.k < 1 or self.m < 1:
            raise ValueError(f"--k and --m must be >= 1, got {self.k}, {self.m}")
        if self.seeds < 1:
            raise ValueError(f"--seeds must be >= 1, got {self.seeds}")
        if self.null_reps < int(np.ceil(1 / ALPHA)):
            raise ValueError(f"--null-reps must be >= {int(np.ceil(1 / ALPHA))} to reach p <= {ALPHA}")
        if self.workers < 1:
            raise ValueError(f"--workers must be >= 1, got {self.workers}")
        for variant_id in self.variants:
            reference.get(variant_id)  # raises with the list of known ids
        if "R1" not in self.variants:
            raise ValueError("the table reports ratios to R1: include R1 in --variants")


def _evaluate_variant(variant_id: str, config: Config) -> dict:
    """All values one variant produces: its null sample and each law's seeds (runs in a worker process)."""
    size = {"n": config.n, "k": config.k, "m": config.m}
    raw = detect_job(variant_id, size, list(LAWS), config.seeds, config.null_reps, 0, config.seed)

    # detect_job stores a non-finite or failed value as None; the table's arithmetic wants NaN there.
    def floats(values: list) -> list[float]:
        return [np.nan if v is None else v for v in values]

    return {
        "null": floats(raw["null"]),
        "laws": {law: floats([r["value"] for r in rs]) for law, rs in raw["laws"].items()},
    }


def compute(config: Config) -> dict:
    """Evaluate every variant (one process each, one torch thread each) and summarise."""
    config.validate()
    started = time.perf_counter()
    raw: dict[str, dict] = {}
    with process_pool(config.workers) as pool:
        futures = {v: pool.submit(_evaluate_variant, v, config) for v in config.variants}
        for variant_id in tqdm(futures, desc="variants", unit="variant"):
            raw[variant_id] = futures[variant_id].result()

    rows = []
    for variant_id in config.variants:
        null = np.asarray(raw[variant_id]["null"])
        for law in LAWS:
            values = np.asarray(raw[variant_id]["laws"][law])
            r1 = np.asarray(raw["R1"]["laws"][law])
            detections = int(sum(p_value(v, null) <= ALPHA for v in values))
            rows.append(
                {
                    "variant": variant_id,
                    "law": law,
                    "mean": float(values.mean()),
                    "sd": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                    "ratio_to_null_mean": float(values.mean() / NULL_MEAN),
                    "ratio_to_R1": float(np.mean(values / r1)),
                    "detections": detections,
                    "detection_rate": detections / len(values),
                    "null_mean": float(null.mean()),
                    "null_q99": float(np.quantile(null, 1 - ALPHA)),
                }
            )
    variants = {v: reference.get(v).describe() for v in config.variants}
    return VariantsTable.payload(
        config={**asdict(config), "variants": list(config.variants)},
        alpha=ALPHA,
        oracle_null_mean=NULL_MEAN,
        rows=rows,
        variants=variants,
        runtime_s=round(time.perf_counter() - started, 1),
        **run_record(),
    )


def register(subparsers) -> None:
    parser = subparsers.add_parser("variants", help="every SIGReg variant on the seeded battery")
    defaults = Config()
    parser.add_argument("--n", type=int, default=defaults.n, help="samples per batch")
    parser.add_argument("--k", type=int, default=defaults.k, help="embedding dimension")
    parser.add_argument("--m", type=int, default=defaults.m, help="slice directions")
    parser.add_argument("--seeds", type=int, default=defaults.seeds, help="data seeds per law")
    parser.add_argument("--null-reps", type=int, default=defaults.null_reps, help="Monte Carlo null batches")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="run seed")
    parser.add_argument("--variants", nargs="+", default=list(defaults.variants), help="variant ids")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="worker processes")
    add_results(parser)
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: the --results tree)")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> None:
    config = Config(
        n=args.n,
        k=args.k,
        m=args.m,
        seeds=args.seeds,
        null_reps=args.null_reps,
        seed=args.seed,
        variants=tuple(args.variants),
        workers=args.workers,
    )
    result = compute(config)
    atomic_write_json(output(args) / "variants.json", result)
    print(variants_page.render_markdown(result))  # its page (variants.md) is the report's to write
