"""The replication experiments, each written to results/replication/E<n>_<scale>.json, on MNIST-5k.

E1  the arms that isolate the cause of collapse: corrected R1, first listing V1, V3 (the listing's paper grid
    with the projection applied: grid and projection separated), R1 without the factor N at λ ∈ {0.01, 0.1}
    (the λ-convention trap, D5), λ = 0, a random-init encoder and raw pixels.
E2  λ × views grid with R1 (C23 analogue; the default tier runs its V = 4 row).
E3  integration range × knots at 64 directions, and more directions at the default grid (C24 analogue).
E4  does the final training loss predict probe accuracy? Spearman over the E2 runs and a random search over λ,
    views, learning rate and batch size (C28 analogue), with the partial correlation given λ.
E6  batch size at fixed epochs, λ fixed and λ ∝ 1/N (C25 analogue; separates the factor-N effect, D5).
E7  what the paper says is not needed: a predictor, an EMA teacher with stop-gradient, a constant learning rate
    (C5 and C27 analogues).
E8  encoder architectures under the same hyperparameters, each with its random-init baseline (C26 analogue).

Tiers (`PLANS`): `cpu` (the default, E1, E2's V = 4 row and E4 over it: ~10 min on 2 cores), `cpu-full` (every
experiment: ~60 min on 2 cores), `gpu` (the default tier's experiments with a CNN at 2,000 steps, one GPU), and
`quick` (a smoke run). Every run trains to `Plan.steps`, a length at which the loss has plateaued by the recorded
criterion (`repro.train.loop.convergence`), and grids share cells: the default cell of one grid is the baseline of
the others, so the same configuration trains once. Runs are cached as runs/<key>.json: a rerun after an
interruption reuses every finished run of the same configuration and commit (resume), and recomputes the rest.

Each condition runs over seeds; results are means with a 95 % t-interval over seeds (E4: percentile bootstrap
over runs with an explicit numpy Generator). Runs go to a pool of spawned processes, one torch thread each.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import time
from concurrent.futures import as_completed
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from core.cli import add_results, output
from core.pool import one_thread, process_pool
from core.records import Experiment, TrainingRun
from core.results import RESULTS, atomic_write_json, run_record
from core.stats import partial_spearman, spearman_bootstrap, t_interval

OUT = RESULTS / "replication"
EXPERIMENTS = ("E1", "E2", "E3", "E4", "E6", "E7", "E8")
TIERS = ("cpu", "cpu-full", "gpu")
BOOTSTRAP_SEED = 20251108  # E4's bootstrap Generator (arXiv 2511.08544)
SEARCH_SEED = 2511  # E4's random-search Generator
# Metrics summarised per condition: (name in the summary, path in a run's result).
METRICS = {
    "linear_probe": ("eval", "backbone", "linear_probe"),
    "linear_probe_10shot": ("eval", "backbone", "linear_probe_10shot"),
    "knn": ("eval", "backbone", "knn"),
    "backbone_effective_rank": ("eval", "backbone", "diagnostics", "effective_rank"),
    "projector_linear_probe": ("eval", "projector", "linear_probe"),
    "projector_effective_rank": ("eval", "projector", "diagnostics", "effective_rank"),
    "projector_top_eigenvalue_fraction": ("eval", "projector", "diagnostics", "top_eigenvalue_fraction"),
    "projector_condition_number": ("eval", "projector", "diagnostics", "condition_number"),
    "projector_std_mean": ("eval", "projector", "diagnostics", "std_mean"),
    "projector_std_min": ("eval", "projector", "diagnostics", "std_min"),
    "projector_collapsed": ("eval", "projector", "diagnostics", "collapsed"),
    "projector_sigreg_R1": ("eval", "projector", "diagnostics", "sigreg_R1"),
    "projector_sigreg_R1_train_views": ("eval", "projector", "diagnostics", "sigreg_R1_train_views"),
    "projector_sigreg_V1": ("eval", "projector", "diagnostics", "sigreg_V1"),
    "projector_ep_p_bonferroni": ("eval", "projector", "diagnostics", "ep_p_bonferroni"),
    "final_loss": ("train", "final_loss"),
    "final_sigreg": ("train", "final_sigreg"),
    "online_probe_acc": ("train", "online_probe_acc"),
    "plateaued": ("train", "convergence", "plateaued"),
    "loss_share_of_fall_in_last_fifth": ("train", "convergence", "share_of_fall_in_last_fifth"),
    "total_s": ("timing", "total_s"),
    "cpu_s": ("timing", "cpu_s"),
}


@dataclasses.dataclass(frozen=True)
class Plan:
    """What a tier runs. Empty tuples leave an experiment's grid out; `experiments` lists what is written."""

    steps: int  # the convergence length at the default batch size (fixed epochs: E6 scales it with the batch)
    seeds: tuple[int, ...]
    dataset: str
    experiments: tuple[str, ...]
    lams: tuple[float, ...] = ()  # E2
    views: tuple[int, ...] = ()  # E2
    t_max: tuple[float, ...] = ()  # E3
    knots: tuple[int, ...] = ()  # E3
    many_slices: tuple[int, ...] = ()  # E3: more directions at the default grid
    batches: tuple[int, ...] = ()  # E6
    encoders: tuple[str, ...] = ()  # E8, beside the default encoder
    search_runs: int = 0  # E4's random search (one seed each)
    ema_momentum: float = 0.99  # E7's teacher: a horizon of ~100 steps, short against the run


CPU_STEPS = 1000  # = TrainConfig.steps: MNIST-5k at batch 128 plateaus by then (repro.train.loop.convergence)
BATCH = 128  # = TrainConfig.batch_size: fixed epochs scale the steps by BATCH / N
PLANS = {
    "cpu": Plan(CPU_STEPS, (0, 1, 2), "mnist5k", ("E1", "E2", "E4"), lams=(0.01, 0.05, 0.2), views=(4,)),
    "cpu-full": Plan(CPU_STEPS, (0, 1, 2), "mnist5k", EXPERIMENTS, lams=(0.01, 0.05, 0.2), views=(2, 4, 8),
                     t_max=(1.0, 3.0, 5.0), knots=(5, 17, 41), many_slices=(512,), batches=(64, 128, 256, 512),
                     encoders=("cnn",), search_runs=24),
    # One GPU in <= 10 min (an estimate: a CNN run of 2,000 steps at batch 512 taking ~30 s; not yet measured on one).
    "gpu": Plan(2000, (0, 1), "mnist5k", ("E1", "E2", "E4"), lams=(0.01, 0.05, 0.2), views=(4,)),
    "quick": Plan(30, (0, 1), "digits", ("E1", "E2", "E4"), lams=(0.01, 0.05, 0.2), views=(4,)),
}  # fmt: skip
#: E8's encoders at a width whose run costs a few MLP runs on CPU (conv widths 8, 16, 32).
ENCODER_OVERRIDES = {"cnn": {"hidden": 64}}
#: E1's arms: condition suffix → (kind, overrides). R1 without N follows the public CIFAR-10 study's convention.
E1_ARMS = {
    "corrected (R1)": ("train", {"variant": "R1"}),
    "listing (V1)": ("train", {"variant": "V1"}),
    "listing with projection (V3)": ("train", {"variant": "V3"}),
    "R1 without N, lambda=0.01": ("train", {"variant": "R1", "sigreg_divide_n": True, "lam": 0.01}),
    "R1 without N, lambda=0.1": ("train", {"variant": "R1", "sigreg_divide_n": True, "lam": 0.1}),
    "lambda=0": ("train", {"variant": "R1", "lam": 0.0}),
    "random-init encoder": ("random-init", {}),
    "raw pixels": ("pixels", {}),
}


def _job_key(kind: str, overrides: dict) -> str:
    parts = [kind] + [f"{k}={overrides[k]}" for k in sorted(overrides)]
    return ",".join(parts)


def _file_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.=," else "_" for c in key).replace(",", "__")


def search_configs(plan: Plan, batch0: int = BATCH) -> list[dict]:
    """E4's random search: λ log-uniform on [0.005, 0.5], views in {2, 4, 8}, learning rate log-uniform on
    [5e-4, 5e-3], batch size in {64, 128, 256} at fixed epochs (as many samples as a `batch0` run of `plan.steps`),
    drawn from a Generator seeded by SEARCH_SEED."""
    rng = np.random.default_rng(SEARCH_SEED)
    out = []
    for _ in range(plan.search_runs):
        batch = int(rng.choice([64, 128, 256]))
        out.append(
            {
                "lam": round(float(np.exp(rng.uniform(np.log(0.005), np.log(0.5)))), 4),
                "views": int(rng.choice([2, 4, 8])),
                "lr": round(float(np.exp(rng.uniform(np.log(5e-4), np.log(5e-3)))), 5),
                "batch_size": batch,
                "steps": round(plan.steps * batch0 / batch),
            }
        )
    return out


def plan_jobs(plan: Plan, scale: str, experiments: tuple[str, ...]) -> tuple[dict, dict]:
    """{experiment: {condition: [job keys over seeds]}} and the job table {key: (kind, overrides)}.

    A key names only the overrides that differ from the scale's defaults, so the same run planned by two
    experiments (E1's corrected run is E2's λ = 0.05, V = 4 cell, E3's default grid, E6's N = 128 ...) runs once."""
    from .train.config import make_config

    base = make_config(scale).flat()
    jobs: dict[str, tuple[str, dict]] = {}
    conditions: dict[str, dict[str, list[str]]] = {}
    ds = plan.dataset
    batch0 = base["batch_size"]  # fixed epochs: a batch of N trains steps × batch0 / N steps

    def add(exp: str, condition: str, kind: str, seeds: tuple[int, ...] = plan.seeds, **overrides) -> None:
        keys = []
        for seed in seeds:
            ov = {"scale": scale, "steps": plan.steps, "seed": seed, "dataset": ds, **overrides}
            key = _job_key(kind, {k: v for k, v in ov.items() if k == "scale" or base.get(k) != v})
            jobs[key] = (kind, ov)
            keys.append(key)
        conditions.setdefault(exp, {})[f"{ds}/{condition}"] = keys

    if "E1" in experiments:
        for name, (kind, overrides) in E1_ARMS.items():
            add("E1", name, kind, **overrides)
    if {"E2", "E4"} & set(experiments):
        for views in plan.views:
            for lam in plan.lams:
                add("E2", f"lambda={lam:g},V={views}", "train", variant="R1", lam=lam, views=views)
    if "E3" in experiments:
        for t_max in plan.t_max:
            for knots in plan.knots:
                add("E3", f"M=64,T={knots},t_max={t_max:g}", "train", variant="R1", num_knots=knots, t_max=t_max)
        for m in plan.many_slices:
            add("E3", f"M={m},T=17,t_max=3", "train", variant="R1", num_slices=m)
    if "E4" in experiments:
        for i, cfg in enumerate(search_configs(plan, batch0)):
            label = ",".join(f"{k}={v:g}" for k, v in cfg.items() if k != "steps")
            add("E4", f"search {i:02d}: {label}", "train", seeds=(plan.seeds[0],), variant="R1", **cfg)
    if "E6" in experiments:
        for batch in plan.batches:
            steps = round(plan.steps * batch0 / batch)  # fixed epochs: as many samples as the default run sees
            for rule, lam in (("fixed", 0.05), ("1/N", 0.05 * batch0 / batch)):
                add("E6", f"N={batch},lambda={lam:g} ({rule})", "train", variant="R1", batch_size=batch,
                    steps=steps, lam=lam)  # fmt: skip
    if "E7" in experiments:
        add("E7", "baseline", "train", variant="R1")
        add("E7", "+ predictor", "train", variant="R1", predictor=True)
        add("E7", f"+ EMA teacher ({plan.ema_momentum:g})", "train", variant="R1", ema_teacher=plan.ema_momentum)
        add("E7", "constant learning rate", "train", variant="R1", lr_schedule="constant")
    if "E8" in experiments:
        add("E8", "encoder=mlp", "train", variant="R1")
        add("E8", "encoder=mlp, random init", "random-init")
        for encoder in plan.encoders:
            extra = ENCODER_OVERRIDES.get(encoder, {})
            add("E8", f"encoder={encoder}", "train", variant="R1", encoder=encoder, **extra)
            add("E8", f"encoder={encoder}, random init", "random-init", encoder=encoder, **extra)
    return conditions, jobs


def _worker_init() -> None:
    one_thread()
    for flag in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        os.environ.setdefault(flag, "1")


_DATA: dict = {}


def run_job(kind: str, overrides: dict) -> dict:
    """One job in a worker: a training run or a baseline evaluation; the data are loaded once per process."""
    from . import data as data_mod
    from .train.config import make_config
    from .train.loop import run_baseline, train

    scale = overrides["scale"]
    cfg = make_config(scale, **{k: v for k, v in overrides.items() if k != "scale"})
    key = (cfg.data.dataset, cfg.data.test_fraction, cfg.data.split_seed)
    if key not in _DATA:
        _DATA[key] = data_mod.load(key[0], test_fraction=key[1], split_seed=key[2])
    data = _DATA[key]
    if kind == "train":
        return train(cfg, progress=False, data=data)
    return run_baseline(cfg, kind, data=data)


def _get(result: dict, path: tuple[str, ...]):
    if path[:2] == ("eval", "backbone") and "pixels" in (result.get("eval") or {}):
        path = ("eval", "pixels", *path[2:])  # the raw-pixel baseline's features stand in for the backbone
    for p in path:
        if not isinstance(result, dict) or result.get(p) is None:
            return None
        result = result[p]
    return result


#: Yes/no metrics: summarised as a count of runs, not a t-interval.
COUNTED = ("projector_collapsed", "plateaued")


def summarise(keys: list[str], results: dict[str, dict]) -> dict:
    out = {}
    for name, path in METRICS.items():
        values = [_get(results[k], path) for k in keys]
        if name in COUNTED:
            known = [bool(v) for v in values if v is not None]
            out[name] = {"count": sum(known), "n": len(known), "mean": sum(known) / len(known) if known else None}
        else:
            out[name] = t_interval(values)
    return out


def _e4(conditions: dict, results: dict, rng: np.random.Generator) -> dict:
    """Spearman ρ of final loss vs probe accuracy (plain, loss/λ^0.4, and the partial ρ given λ: E2's grid
    confounds loss with λ, since a larger λ weighs the larger SIGReg term more), over E2's runs and the search."""
    groups = {
        "E2": [k for c in conditions.get("E2", {}).values() for k in c],
        "search": [k for c in conditions.get("E4", {}).values() for k in c],
    }
    out = {}
    for name, keys in groups.items():
        if len(keys) < 3:
            continue
        loss = [results[k]["train"]["final_loss"] for k in keys]
        lam = [results[k]["config"]["lam"] for k in keys]
        scaled = [lo / la**0.4 for lo, la in zip(loss, lam, strict=True)]
        entry = {"runs_from": name, "n_runs": len(keys), "dataset": results[keys[0]]["config"]["dataset"]}
        for metric in ("linear_probe", "linear_probe_10shot", "knn"):
            acc = [_get(results[k], METRICS[metric]) for k in keys]
            entry[metric] = {
                "plain": spearman_bootstrap(loss, acc, rng),
                "loss_over_lambda^0.4": spearman_bootstrap(scaled, acc, rng),
                "partial_given_lambda": {"rho": partial_spearman(loss, acc, lam)},
            }
        out[name] = entry
    return out


def not_run(scale: str, reason: str, out: Path = OUT, experiments: tuple[str, ...] = EXPERIMENTS) -> None:
    for exp in experiments:
        payload = Experiment.payload(experiment=exp, scale=scale, status="not-run", reason=reason)
        atomic_write_json(out / f"{exp}_{scale}.json", {**payload, **run_record()})


def _reusable(path: Path, cfg: dict, suite: dict) -> dict | None:
    """A finished run stored at `path` for config `cfg` by the code `suite` (run_record's: commit, dirty) describes,
    when that code is a clean commit, else None (the resume rule)."""
    try:
        stored = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    same = (
        stored.get("config") == cfg and stored.get("version") == TrainingRun.version and stored.get("status") == "done"
    )
    clean = suite["commit"] is not None and not suite["dirty"] and stored.get("suite") == suite
    return stored if same and clean else None


def replicate(
    tier: str = "cpu",
    quick: bool = False,
    out: Path = OUT,
    experiments: tuple[str, ...] | None = None,
    workers: int = 2,
    progress: bool = True,
) -> dict:
    """Run a tier's experiments (or a subset), write E<n>_<scale>.json and per-run JSON under out/runs (the pages,
    E<n>_<scale>.md, are the report's to write: `python -m checks report`)."""
    import torch

    from .train.config import make_config

    if tier not in TIERS:
        raise ValueError(f"unknown tier {tier!r}; known: {', '.join(TIERS)}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    scale = "gpu" if tier == "gpu" else "cpu"
    out = Path(out)
    tag = f"{scale}-quick" if quick else scale
    plan = PLANS["quick" if quick else tier]
    wanted = tuple(experiments or plan.experiments)
    if tier == "gpu" and not torch.cuda.is_available():
        reason = "no CUDA device here (torch.cuda.is_available() is False); rerun with --tier gpu on a GPU"
        not_run(tag, reason, out, wanted)
        print(f"gpu tier not run: {reason}")
        return {"status": "not-run", "reason": reason}
    skipped = [e for e in wanted if e not in plan.experiments]
    if skipped:
        not_run(tag, f"not part of the {tier} tier; run `python -m repro replicate --tier cpu-full`", out, skipped)
    wanted = tuple(e for e in wanted if e in plan.experiments)
    conditions, jobs = plan_jobs(plan, scale, wanted)
    t0 = time.perf_counter()
    from . import data as data_mod

    for ds in sorted({ov["dataset"] for _, ov in jobs.values()}):
        data_mod.load_splits(ds)  # build the caches once, before the workers race for them
    runs_dir = out / "runs"
    results: dict[str, dict] = {}
    suite = run_record()["suite"]  # one git query for every job, not one per job
    for key, (_, ov) in jobs.items():
        cfg = make_config(scale, **{k: v for k, v in ov.items() if k != "scale"}).flat()
        stored = _reusable(runs_dir / f"{_file_key(key)}.json", cfg, suite)
        if stored is not None:
            results[key] = stored
    # Most expensive first (more views and steps × batch, CNNs), baselines last: the pool drains evenly.
    todo = sorted((k for k in jobs if k not in results), key=lambda k: (-_cost(*jobs[k]), k))
    if results:
        print(f"replicate {tag}: resuming, {len(results)} of {len(jobs)} runs reused from {runs_dir}")
    bar = tqdm(total=len(todo), desc=f"replicate {tier}{'-quick' if quick else ''}", disable=not progress)
    if workers == 1 or scale == "gpu":  # one GPU: run in this process
        for key in todo:
            results[key] = run_job(*jobs[key])
            atomic_write_json(runs_dir / f"{_file_key(key)}.json", results[key])
            bar.update()
    else:
        with process_pool(workers, initializer=_worker_init) as ex:
            futures = {ex.submit(run_job, *jobs[key]): key for key in todo}
            for fut in as_completed(futures):
                key = futures[fut]
                results[key] = fut.result()
                atomic_write_json(runs_dir / f"{_file_key(key)}.json", results[key])
                bar.update()
    bar.close()
    wall = time.perf_counter() - t0
    written = {}
    for exp in wanted:
        payload = Experiment.payload(experiment=exp, scale=tag, tier=tier, status="done", plan=dataclasses.asdict(plan))
        if exp == "E4":
            payload["spearman"] = _e4(conditions, results, np.random.default_rng(BOOTSTRAP_SEED))
            payload["bootstrap_seed"] = BOOTSTRAP_SEED
            payload["search_seed"] = SEARCH_SEED
        if exp != "E4" or conditions.get("E4"):
            summary = {c: summarise(keys, results) for c, keys in conditions.get(exp, {}).items()}
            payload["conditions"] = summary
            payload["runs"] = {c: [_file_key(k) for k in keys] for c, keys in conditions.get(exp, {}).items()}
        payload["wall_s_all_experiments"] = round(wall, 1)
        payload["runs_reused"] = len(jobs) - len(todo)
        payload.update(run_record())
        atomic_write_json(out / f"{exp}_{tag}.json", payload)
        written[exp] = payload
    done = f"{len(jobs)} jobs ({len(todo)} run, the rest reused) in {wall:.0f} s wall"
    print(f"replicate {tag} ({tier}): {done}; wrote {', '.join(written)}")
    return written


def _cost(kind: str, ov: dict) -> float:
    """Rough relative CPU cost of a job (for the order only): views × steps × batch, ×4 for a CNN."""
    if kind != "train":
        return 0.0
    cnn = 4 if ov.get("encoder") == "cnn" else 1
    return ov.get("views", 4) * ov.get("steps", 1) * ov.get("batch_size", BATCH) * cnn


# -- Command line -- #


def run_replicate(args: argparse.Namespace) -> int:
    replicate(
        tier=args.tier,
        quick=args.quick,
        out=output(args, "replication"),
        experiments=tuple(args.only) if args.only else None,
        workers=args.workers,
        progress=not args.no_progress,
    )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("replicate", help="experiments E1-E8 (<results>/replication/*.json)")
    p.add_argument(
        "--tier", default="cpu", choices=TIERS,
        help="cpu: E1, E2's V = 4 row, E4 (~10 min); cpu-full: every experiment (~60 min); gpu: cpu-full larger",
    )  # fmt: skip
    p.add_argument("--quick", action="store_true", help="a < 3 min smoke run (fewer steps, seeds and points)")
    p.add_argument("--only", nargs="+", choices=EXPERIMENTS, help="a subset of the experiments")
    p.add_argument("--workers", type=int, default=2, help="parallel processes (spawn), one torch thread each")
    add_results(p)
    p.add_argument("--out", type=Path, default=None, help="output folder (default: <results>/replication)")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(run=run_replicate)
