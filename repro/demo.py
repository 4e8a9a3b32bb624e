"""E5, the minimum demo (C18): points optimised directly with SIGReg, judged by independent tests.

The N points are the parameters; each step draws M fresh directions (one generator per (seed, step)) and takes
an Adam step on SIGReg as V1 (the listing: EP of the raw coordinates) or R1 (the official, sliced) computes it.
Start clouds (`start_cloud`):
- square2d      uniform on [−1, 1]²                         (independent coordinates: V1's blind spot is moot)
- rotstretch2d  the square scaled by (3, 0.3), rotated 45°   (correlation 0.98: V1 keeps it, R1 must whiten)
- mixed16d      uniform 16-D cube mixed by Q₁·diag(3 … 0.1)·Q₂ (anisotropic, correlated)
- rank1_16d     one N(0,1) variable copied to 16 columns + 1e−3 noise (rank-1 collapse, D1)
- xlaw2d        (g, s·g), g ~ N(0,1), s = ±1: N(0,1) marginals and identity covariance, but an "X" (C18)
The end points are judged by tests that are not SIGReg (the optimiser can drive SIGReg far below a genuine
sample's value while the cloud is not Gaussian, docs/claims.md#c18): covariance spectrum, Mardia's skewness and
kurtosis, Henze–Zirkler, and per-direction Shapiro–Wilk and Kolmogorov–Smirnov (vs N(0, 1)) on random directions. The
same tests on genuine N(0, I) samples of the same size give the reference row (the tests: `core.gaussianity`).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import time
from concurrent.futures import as_completed
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

import reference
from core.cli import add_results, output
from core.directions import unit_directions
from core.gaussianity import gaussianity, looks_gaussian
from core.pool import process_pool
from core.records import Experiment
from core.results import RESULTS, atomic_write_json, run_record
from core.stats import proportion, t_interval
from core.versions import VERSIONS

CLOUDS = ("square2d", "rotstretch2d", "mixed16d", "rank1_16d", "xlaw2d")
VARIANTS = ("V1", "R1")
SEED_STREAM = {"start": 1, "directions": 2, "tests": 3, "reference": 4}
VERSION = VERSIONS["experiment:E5"]


@dataclasses.dataclass(frozen=True)
class DemoPlan:
    n: int  # points
    steps: int
    num_slices: int  # M directions per step
    lr: float
    seeds: tuple[int, ...]
    test_directions: int  # random directions of the per-direction tests
    reference_draws: int  # genuine N(0, I) samples for the reference row
    frame_every: int  # steps between GIF frames


PLANS = {
    "cpu": DemoPlan(500, 800, 32, 0.02, (0, 1, 2), 50, 10, 20),
    "quick": DemoPlan(300, 150, 32, 0.03, (0,), 20, 3, 10),
    "gpu": DemoPlan(1000, 2000, 256, 0.02, (0, 1, 2), 50, 20, 50),
}


def _rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    return np.random.default_rng([seed, SEED_STREAM[stream], *keys])


def _orthogonal(k: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((k, k)))
    return q * np.sign(np.diag(r))


def start_cloud(name: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, K) float64 start points of cloud `name` (see the module docstring)."""
    if name == "square2d":
        return rng.uniform(-1, 1, (n, 2))
    if name == "rotstretch2d":
        c = math.sqrt(0.5)
        return rng.uniform(-1, 1, (n, 2)) * np.array([3.0, 0.3]) @ np.array([[c, c], [-c, c]])
    if name == "mixed16d":
        mix = _orthogonal(16, rng) @ np.diag(np.geomspace(3.0, 0.1, 16)) @ _orthogonal(16, rng)
        return rng.uniform(-1, 1, (n, 16)) @ mix
    if name == "rank1_16d":
        return np.repeat(rng.standard_normal((n, 1)), 16, axis=1) + 1e-3 * rng.standard_normal((n, 16))
    if name == "xlaw2d":
        g = rng.standard_normal(n)
        s = rng.choice([-1.0, 1.0], n)
        return np.stack([g, s * g], axis=1)
    raise ValueError(f"unknown cloud {name!r}; known: {', '.join(CLOUDS)}")


# ---------------------------------------------------------------------------------------------------------------
# Independent tests of multivariate normality
# ---------------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------------
# The optimisation
# ---------------------------------------------------------------------------------------------------------------


def optimise(
    start: np.ndarray, variant: str, plan: DemoPlan, seed: int, frames: bool = False
) -> tuple[np.ndarray, list[float], list[np.ndarray]]:
    """Adam on the points with SIGReg `variant`; returns the end points, the loss curve and optional frames."""
    x = torch.nn.Parameter(torch.tensor(start, dtype=torch.float32))
    opt = torch.optim.Adam([x], lr=plan.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, plan.steps)
    impl = reference.get(variant)
    losses, snaps = [], [start.copy()] if frames else []
    k = start.shape[1]
    for step in range(plan.steps):
        g = torch.Generator().manual_seed(int(np.random.SeedSequence([seed, SEED_STREAM["directions"], step])
                                              .generate_state(1)[0]))  # fmt: skip
        a = unit_directions(k, plan.num_slices, g)
        loss = impl.evaluate(x, a).mean()  # V1 returns a per-coordinate vector: the paper's loss takes its mean
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if frames and (step + 1) % plan.frame_every == 0:
            snaps.append(x.detach().numpy().astype(np.float64).copy())
    return x.detach().numpy().astype(np.float64), losses, snaps


def _sigreg_values(x: np.ndarray, seed: int) -> dict:
    g = torch.Generator().manual_seed(10_000 + seed)
    a = torch.randn((x.shape[1], 256), generator=g)
    a = a / a.norm(dim=0)
    xt = torch.tensor(x, dtype=torch.float32)
    return {"sigreg_R1": float(reference.get("R1").evaluate(xt, a)), "sigreg_V1": float(
        reference.get("V1").evaluate(xt, a).mean())}  # fmt: skip


def run_one(cloud: str, variant: str, seed: int, plan: DemoPlan, frames: bool) -> dict:
    t0, c0 = time.perf_counter(), time.process_time()
    start = start_cloud(cloud, plan.n, _rng(seed, "start", CLOUDS.index(cloud)))
    end, losses, snaps = optimise(start, variant, plan, seed, frames)
    rng = _rng(seed, "tests", CLOUDS.index(cloud))
    tests_start = {**gaussianity(start, rng, plan.test_directions), **_sigreg_values(start, seed)}
    tests_end = {**gaussianity(end, rng, plan.test_directions), **_sigreg_values(end, seed)}
    return {
        "cloud": cloud,
        "variant": variant,
        "seed": seed,
        "start": tests_start,
        "end": tests_end,
        "end_looks_gaussian": looks_gaussian(tests_end),
        "loss_first": losses[0],
        "loss_last": losses[-1],
        "wall_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),
        "frames": [s.tolist() for s in snaps] if frames else None,
        "end_points": end.tolist() if frames else None,
    }


def reference_rows(plan: DemoPlan) -> dict:
    """The tests on genuine N(0, I) samples of the demo's N, in 2-D and 16-D (mean and [10 %, 90 %])."""
    out = {}
    for k in (2, 16):
        rows = []
        for i in range(plan.reference_draws):
            rng = _rng(i, "reference", k)
            x = rng.standard_normal((plan.n, k))
            rows.append({**gaussianity(x, rng, plan.test_directions), **_sigreg_values(x, i)})
        out[f"N(0,I) {k}-D"] = {
            key: {"mean": float(np.mean([r[key] for r in rows])),
                  "q10": float(np.quantile([r[key] for r in rows], 0.1)),
                  "q90": float(np.quantile([r[key] for r in rows], 0.9))}
            for key in rows[0]
        }  # fmt: skip
        out[f"N(0,I) {k}-D"]["looks_gaussian_frac"] = float(
            np.mean([looks_gaussian({**r}) for r in rows])
        )  # calibration of the verdict itself
    return out


P_VALUE_KEYS = ("mardia_kurt_p", "hz_p")
PROPORTION_KEYS = ("sw_reject_frac", "ks_reject_frac")


def _interval(values: list[float], kind: str = "value", trials: int | None = None) -> dict:
    """Mean and 95 % interval over seeds that respects the quantity's range: a t-interval for values, a t-interval
    on the logit scale mapped back for p-values (bounds inside (0, 1)), Clopper–Pearson on the count pooled over
    seeds for proportions of `trials` directions each (bounds inside [0, 1])."""
    if kind == "proportion":
        x = np.asarray(values, dtype=np.float64)
        hits = int(round(float(np.sum(x)) * trials))
        p = proportion(hits, trials * x.size)
        return {"mean": p.estimate, "low": p.low, "high": p.high, "n": int(x.size), "values": x.tolist(),
                "method": f"Clopper-Pearson 95 % on the pooled count ({trials} directions per seed)"}  # fmt: skip
    if kind == "p-value":
        x = np.clip(np.asarray(values, dtype=np.float64), 1e-300, 1 - 1e-16)
        logit = t_interval(list(np.log(x) - np.log1p(-x)))
        out = {"mean": float(x.mean()), "n": int(x.size), "values": x.tolist(), "method": "t-interval on logit(p)"}
        if logit.get("low") is not None:
            out["low"], out["high"] = (float(1 / (1 + np.exp(-logit[b]))) for b in ("low", "high"))
        return out
    return {**t_interval(values), "method": "t-interval"}


def _kind(key: str) -> str:
    return "p-value" if key in P_VALUE_KEYS else "proportion" if key in PROPORTION_KEYS else "value"


def _figures(runs: list[dict], plan: DemoPlan, figures: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation, PillowWriter

    figures.mkdir(parents=True, exist_ok=True)
    first = {(r["cloud"], r["variant"]): r for r in runs if r["frames"] is not None}
    two_d = [c for c in CLOUDS if c.endswith("2d")]
    written = []
    fig, axes = plt.subplots(len(two_d), 3, figsize=(9, 3 * len(two_d)), squeeze=False)
    for i, cloud in enumerate(two_d):
        panels = [("start", first[(cloud, "V1")]["frames"][0])] + [
            (f"{v} after {plan.steps} steps", first[(cloud, v)]["end_points"]) for v in VARIANTS
        ]
        for j, (title, pts) in enumerate(panels):
            pts = np.asarray(pts)
            ax = axes[i, j]
            ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5)
            ax.set_xlim(-4, 4)
            ax.set_ylim(-4, 4)
            ax.set_aspect("equal")
            ax.set_title(f"{cloud}: {title}", fontsize=8)
            ax.set_xlabel("coordinate 1", fontsize=7)
            ax.set_ylabel("coordinate 2", fontsize=7)
    fig.tight_layout()
    path = figures / "demo_clouds_2d.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(str(path))

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    for ax, cloud in zip(axes, ("mixed16d", "rank1_16d"), strict=True):
        for variant, marker in zip(VARIANTS, ("o", "s"), strict=True):
            x = np.asarray(first[(cloud, variant)]["end_points"])
            eig = np.sort(np.linalg.eigvalsh(np.cov(x.T)))[::-1]
            ax.semilogy(range(1, len(eig) + 1), eig, marker=marker, label=f"{variant} end")
        x0 = np.asarray(first[(cloud, "V1")]["frames"][0])
        ax.semilogy(range(1, 17), np.clip(np.sort(np.linalg.eigvalsh(np.cov(x0.T)))[::-1], 1e-8, None), "k:",
                    label="start")  # fmt: skip
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_title(f"{cloud}: covariance eigenvalues", fontsize=9)
        ax.set_xlabel("eigenvalue rank")
        ax.set_ylabel("eigenvalue (log scale; target 1)")
        ax.legend(fontsize=7, loc="upper right" if cloud == "mixed16d" else "center right")
    fig.tight_layout()
    path = figures / "demo_spectra_16d.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    written.append(str(path))

    fig, axes = plt.subplots(len(VARIANTS), len(two_d), figsize=(3 * len(two_d), 3 * len(VARIANTS)), squeeze=False)
    scatters = {}
    for i, variant in enumerate(VARIANTS):
        for j, cloud in enumerate(two_d):
            ax = axes[i, j]
            pts = np.asarray(first[(cloud, variant)]["frames"][0])
            scatters[(i, j)] = ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5)
            ax.set_xlim(-4, 4)
            ax.set_ylim(-4, 4)
            ax.set_aspect("equal")
            ax.set_title(f"{cloud} / {variant}", fontsize=8)
    n_frames = len(first[(two_d[0], VARIANTS[0])]["frames"])
    text = fig.suptitle("step 0")

    def update(f):
        for i, variant in enumerate(VARIANTS):
            for j, cloud in enumerate(two_d):
                scatters[(i, j)].set_offsets(np.asarray(first[(cloud, variant)]["frames"][f]))
        text.set_text(f"step {f * plan.frame_every}")
        return list(scatters.values())

    anim = FuncAnimation(fig, update, frames=n_frames, blit=False)
    path = figures / "demo_2d.gif"
    tmp = path.with_name(".demo_2d.tmp.gif")
    anim.save(tmp, writer=PillowWriter(fps=8))
    tmp.replace(path)
    plt.close(fig)
    written.append(str(path))
    return written


def run_demo(
    scale: str = "cpu",
    quick: bool = False,
    out: Path = RESULTS / "replication",
    figures: Path | None = RESULTS / "figures",
    progress: bool = True,
    workers: int = 2,
) -> dict:
    """Run E5 and write E5_<scale>.json, PNG figures and the GIF of the 2-D runs (the page, E5_<scale>.md, is the
    report's to write: `python -m checks report`)."""
    if scale not in PLANS:
        raise ValueError(f"unknown scale {scale!r}; known: cpu, gpu")
    plan = PLANS["quick" if quick else scale]
    tag = f"{scale}-quick" if quick else scale
    out = Path(out)
    t0 = time.perf_counter()
    jobs = [(c, v, s, plan, figures is not None and s == plan.seeds[0]) for s in plan.seeds for c in CLOUDS
            for v in VARIANTS]  # fmt: skip
    runs = []
    with process_pool(workers) as ex:
        futures = [ex.submit(run_one, *job) for job in jobs]
        for fut in tqdm(as_completed(futures), total=len(futures), desc=f"demo {tag}", disable=not progress):
            runs.append(fut.result())
    runs.sort(key=lambda r: (CLOUDS.index(r["cloud"]), VARIANTS.index(r["variant"]), r["seed"]))
    written = _figures(runs, plan, Path(figures)) if figures is not None else []
    keys = ("eig_min", "eig_max", "max_abs_corr", "mardia_kurt_p", "hz_p", "sw_reject_frac", "ks_reject_frac",
            "sigreg_R1", "sigreg_V1")  # fmt: skip
    summary = {}
    for cloud in CLOUDS:
        for variant in VARIANTS:
            rs = [r for r in runs if r["cloud"] == cloud and r["variant"] == variant]
            summary[f"{cloud}/{variant}"] = {
                "start": {k: _interval([r["start"][k] for r in rs], _kind(k), plan.test_directions) for k in keys},
                "end": {k: _interval([r["end"][k] for r in rs], _kind(k), plan.test_directions) for k in keys},
                "end_looks_gaussian": [r["end_looks_gaussian"] for r in rs],
                "end_looks_gaussian_share": proportion(sum(r["end_looks_gaussian"] for r in rs), len(rs)).as_dict(),
                "wall_s": _interval([r["wall_s"] for r in rs]),
                "cpu_s": _interval([r["cpu_s"] for r in rs]),
            }
    payload = Experiment.payload(
        experiment="E5",
        version=VERSION,
        claim="C18",
        scale=tag,
        plan=dataclasses.asdict(plan),
        verdict_rule="end_looks_gaussian: covariance eigenvalues inside (1 ± 1.5·sqrt(K/N))² and HZ, Mardia "
        "skewness and kurtosis p >= 0.01",
        reference_gaussian=reference_rows(plan),
        conditions=summary,
        runs=[{k: v for k, v in r.items() if k not in ("frames", "end_points")} for r in runs],
        figures=[Path(os.path.relpath(path, out)).as_posix() for path in written],  # not where the tree lies
        wall_s=round(time.perf_counter() - t0, 1),
        **run_record(),
    )
    atomic_write_json(out / f"E5_{tag}.json", payload)
    print(f"demo {tag}: {len(runs)} runs in {payload['wall_s']:.0f} s wall; wrote {out / f'E5_{tag}.json'}")
    return payload


# -- Command line -- #


def _command(args: argparse.Namespace) -> int:
    figures = args.figures if args.figures is not None else args.results / "figures"
    out = output(args, "replication")
    run_demo(scale=args.scale, quick=args.quick, out=out, figures=figures, progress=not args.no_progress)
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("demo", help="E5: point clouds optimised with SIGReg (V1 vs R1), tested")
    p.add_argument("--scale", default="cpu", choices=("cpu", "gpu"))
    p.add_argument("--quick", action="store_true", help="fewer points and steps")
    add_results(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/replication)")
    p.add_argument("--figures", type=Path, default=None, help="figures folder (default: <results>/figures)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=_command)
