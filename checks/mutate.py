"""`python -m checks mutate`: plant each known defect into R1 and record which verdicts flip (the mutation matrix).

Each mutation replaces the R1 reference (the official code at HEAD) by a copy with one defect the audit found in a
published variant: the projection dropped (V1), the factor N dropped (R0), the paper's grid, R0's [−3, 3]×10 grid,
views flattened (P1), a non-autograd all_reduce (the listing's c10d call: value right, DDP gradient 1/W), directions
in the input's dtype, no 1/|A| mean over directions. The checks that run R1 are then rerun at quick sizes, in this
process (the audit with one worker, so the planted R1 is what runs), and every verdict is compared with the
unmutated run at the same sizes and seeds. Results: results/mutations.json.

A measured check that flips under no mutation and whose stored control (the same judge on an alternative law)
does not flip it either cannot tell a correct implementation from a broken one: it is listed as non-discriminating.
Checks that never call R1 cannot flip here; for them the stored control is the only evidence of discrimination.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType

import torch
from tabulate import tabulate

import reference
from core.cli import seed as seed_type
from core.pool import one_thread, process_pool
from core.records import MutationMatrix
from core.results import RESULTS, atomic_write_json, run_record
from reference import Variant, cos_sin_error, folded_trapezoid, oracle
from reference.official_r1 import OfficialR1

from .registry import claim_rng

OUT = RESULTS / "mutations.json"
WORLD = 2  # the all_reduce mutation: what a 2-rank DDP run's averaged gradient gets (1/W of the true one)

MUTATIONS: dict[str, str] = {
    "projection-dropped": "EP on the raw coordinates (no x @ A), averaged over coordinates (V1)",
    "factor-N-dropped": "the statistic without its prefactor N (R0)",
    "paper-grid": "[−5, 5] with 17 knots, trapezoid (Algorithm 1) instead of [0, 3] folded",
    "grid-[-3,3]x10": "[−3, 3] with 10 knots, trapezoid (R0's grid)",
    "views-flattened": "(V, N, K) input pooled into one batch of V·N samples before EP (P1)",
    "non-autograd-all-reduce": f"ECF means reduced without autograd: value right, gradient 1/W (W = {WORLD})",
    "directions-input-dtype": "directions cast to the input's dtype instead of float32",
    "no-direction-mean": "the sum over directions instead of the mean (no 1/|A|)",
}

# Audit entries whose rule reads R1 without the gloo ranks or the official tree (those run in other processes or
# need files that may be absent, so a planted R1 would not reach them).
AUDIT_ENTRIES = ("D1", "D5", "D6", "D7", "D8", "D13", "D16", "D20", "D21")


def _grid(name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(knots, φ(knots), weights·φ) in float32 for the grid a mutation uses."""
    if name == "paper-grid":
        knots, weights = oracle.PAPER_GRID
    elif name == "grid-[-3,3]x10":
        knots, weights = oracle.R0_GRID
    else:
        return folded_trapezoid(3.0, 17)
    t = torch.tensor(list(knots), dtype=torch.float32)
    phi = torch.exp(-0.5 * t.square())
    return t, phi, torch.tensor(list(weights), dtype=torch.float32) * phi


class MutantR1(Variant):
    """R1 with one planted defect (`mutation` a key of MUTATIONS, or None for R1 itself, rebuilt here)."""

    id = "R1"
    title = OfficialR1.title
    source = OfficialR1.source
    deviations = ()

    def __init__(self, mutation: str | None) -> None:
        if mutation is not None and mutation not in MUTATIONS:
            raise ValueError(f"unknown mutation {mutation!r}; known: {', '.join(MUTATIONS)}")
        self.mutation = mutation
        self.t, self.phi, self.weights = _grid(mutation or "")

    def _evaluate(self, x: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        m = self.mutation
        if m == "views-flattened" and x.dim() == 3:
            x = x.reshape(-1, x.shape[-1])
        dtype = x.dtype if m == "directions-input-dtype" else torch.float32
        a = directions.detach().to(device=x.device, dtype=dtype)
        proj = x if m == "projection-dropped" else x @ a
        err = cos_sin_error(proj, self.t.to(proj.dtype), self.phi.to(proj.dtype))
        stat = err @ self.weights.to(device=proj.device, dtype=proj.dtype)
        if m == "non-autograd-all-reduce":  # value unchanged, gradient 1/W: an in-place reduce outside autograd
            stat = stat / WORLD + (stat - stat / WORLD).detach()
        if m != "factor-N-dropped":
            stat = stat * proj.size(-2)
        return stat.sum(-1).mean() if m == "no-direction-mean" else stat.mean()


@contextmanager
def planted(mutation: str | None) -> Iterator[None]:
    """Within the block, reference.get("R1") returns the mutant (None: R1 rebuilt, the baseline)."""
    saved = reference.REGISTRY
    reference.REGISTRY = MappingProxyType({**saved, "R1": MutantR1(mutation)})
    try:
        yield
    finally:
        reference.REGISTRY = saved


def _claim_probes() -> dict[str, Callable]:
    """Claim id -> check at quick sizes, for every claim whose check runs R1 (C4 times it: not a verdict on R1's
    values, left out)."""
    from .claims import c17_resampled_directions as c17
    from .claims import c18_x_law_and_point_cloud as c18
    from .claims import f01_collapse_gradient as f01
    from .claims import f02_cluster_centres as f02
    from .claims import pr1_zero_saddle as pr1

    return {
        "C17-resampled-directions": lambda rng: c17.core(
            rng, n=64, k=16, m_fixed=(256,), steps=100, seeds=2, held_out=64, boot_reps=200
        ),
        "C18-x-law-point-cloud": lambda rng: c18.core(
            rng, steps=300, seeds=5, reps=40, null_reps=80, n_detect=200, small_n=None
        ),
        "F1-collapse-gradient-vanishes": lambda rng: f01.core(rng, batches=6, boot_reps=300),
        "F2-clusters-pulled-together": lambda rng: f02.core(rng, steps=150, seeds=2, boot_reps=300),
        "PR1-zero-saddle": lambda rng: pr1.core(),
    }


def run_configuration(mutation: str | None, seed: int) -> dict[str, str]:
    """Verdicts of the R1-reading checks (claims and audit entries) with `mutation` planted."""
    from .audit import runner
    from .audit.plan import make_plan

    verdicts: dict[str, str] = {}
    with planted(mutation):
        for claim_id, probe in _claim_probes().items():
            try:
                verdicts[claim_id] = probe(claim_rng(seed, claim_id)).verdict
            except Exception as error:  # noqa: BLE001 - a mutant the check cannot run on: recorded as such
                verdicts[claim_id] = f"error: {type(error).__name__}"
        payloads = runner.compute(make_plan(True, seed, workers=1), list(AUDIT_ENTRIES), [], progress=False)
        verdicts.update({entry: payloads[entry]["verdict"] for entry in AUDIT_ENTRIES})
    return verdicts


def _stored(results: Path) -> dict[str, dict]:
    """Stored claim and audit results (id -> record), for the basis and the control of each check."""
    out = {}
    for path in sorted((results / "claims").glob("*.json")) + sorted((results / "audit").glob("D*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        out[record.get("claim") or record.get("id") or path.stem] = record
    return out


def matrix(configurations: dict[str | None, dict[str, str]], stored: dict[str, dict]) -> dict:
    """Assemble the matrix: per check the baseline verdict, the verdict under each mutation, what flips it;
    and the measured checks that nothing flips (non-discriminating)."""
    baseline = configurations[None]
    checks = {}
    for check_id, verdict in baseline.items():
        under = {m: configurations[m][check_id] for m in MUTATIONS}
        checks[check_id] = {
            "kind": "claim" if check_id[0] != "D" else "discrepancy",
            "basis": stored.get(check_id, {}).get("basis"),
            "baseline": verdict,
            "under": under,
            "flipped_by": [m for m, v in under.items() if v != verdict],
        }
    non_discriminating = []
    for check_id, record in stored.items():
        if "measured" not in str(record.get("basis", "")).split("+") or record.get("verdict") == "not-run":
            continue
        flipped = bool(checks.get(check_id, {}).get("flipped_by"))
        control = record.get("control") or {}
        control_flips = bool(control) and control.get("verdict") not in (record.get("verdict"), "not-run")
        if not flipped and not control_flips:
            non_discriminating.append(
                {
                    "id": check_id,
                    "verdict": record.get("verdict"),
                    "why": ("flips under no mutation" if check_id in checks else "does not run R1")
                    + ("; its stored control agrees with it" if control else "; no stored control"),
                }
            )
    return {"checks": checks, "non_discriminating": non_discriminating}


def run(seed: int, workers: int, results: Path) -> dict:
    started = time.perf_counter()
    names: list[str | None] = [None, *MUTATIONS]
    if workers == 1:
        one_thread()  # in the pool, its initialiser does this
        configurations = {name: run_configuration(name, seed) for name in names}
    else:
        with process_pool(workers) as pool:
            futures = {name: pool.submit(run_configuration, name, seed) for name in names}
            configurations = {name: future.result() for name, future in futures.items()}
    return MutationMatrix.payload(
        seed=seed,
        sizes="quick (claims: the sizes in checks/mutate.py; audit: --quick plan, one worker)",
        mutations=MUTATIONS,
        **matrix(configurations, _stored(results)),
        runtime_s=round(time.perf_counter() - started, 1),
        rerun=f"python -m checks mutate --seed {seed}",
        **run_record(),
    )


def table(payload: dict) -> str:
    names = list(payload["mutations"])
    rows = [
        [check_id, c["baseline"], *("FLIP" if c["under"][m] != c["baseline"] else "·" for m in names)]
        for check_id, c in payload["checks"].items()
    ]
    return tabulate(rows, headers=["check", "baseline", *names], tablefmt="github")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "mutate", help="plant known defects into R1 and record which verdicts flip -> results/mutations.json"
    )
    parser.add_argument("--seed", type=seed_type, default=0, help="seed of every check (same seed, same numbers)")
    parser.add_argument("--workers", type=int, default=2, help="processes, one configuration each at a time")
    parser.add_argument("--results", type=Path, default=RESULTS, help="results folder (stored claims and audit)")
    parser.add_argument("--out", type=Path, default=None, help="output file (default: <results>/mutations.json)")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise ValueError(f"--workers must be >= 1, got {args.workers}")
    payload = run(args.seed, args.workers, args.results)
    out = args.out or args.results / "mutations.json"
    atomic_write_json(out, payload)
    print(table(payload))
    if payload["non_discriminating"]:
        print("non-discriminating: " + ", ".join(c["id"] for c in payload["non_discriminating"]))
    print(f"wrote {out} in {payload['runtime_s']} s")
    return 0
