"""Experiments E1–E4: small-scale LeJEPA replications, each written to results/replication/E<n>_<scale>.json.

E1  listing (V1) vs corrected (R1) vs λ = 0 vs random-init encoder vs raw pixels, on MNIST-5k and digits
    (a prototype, docs/variants.md#v1: projector effective rank ≈ 14–16/16 corrected vs ≈ 3/16 listing; 10-shot
    +8 points on MNIST-5k).
E2  λ sweep 0.005–0.2 with R1 on MNIST-5k (C23 analogue: is the probe accuracy flat over a decade of λ?).
E3  directions M and quadrature knots/range sweep with R1 on digits (C24 analogue).
E4  Spearman correlation of the final training loss with probe accuracy over the E2 (and E3) runs, plain and
    with loss/λ^0.4 (C28 analogue); bootstrap intervals over runs.

Each condition runs over seeds; results are means with a 95 % t-interval over seeds (E4: percentile bootstrap
over runs with an explicit numpy Generator). Runs go to a pool of spawned processes, one torch thread each.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from scipy import stats
from tqdm.auto import tqdm

from checks._results import RESULTS, atomic_write_json, atomic_write_text, run_record

OUT = RESULTS / "replication"
VERSION = 2  # of E<n>_<scale>.json; 2: a version field, and runs that carry covariance spectra
EXPERIMENTS = ("E1", "E2", "E3", "E4")
BOOTSTRAP_SEED = 20251108  # E4's bootstrap Generator (arXiv 2511.08544)
E2_FLAT_TOLERANCE = 2.0  # points: "flat" if the mean probe accuracy moves less than this over λ ∈ [0.01, 0.1]
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
    "projector_sigreg_R1": ("eval", "projector", "diagnostics", "sigreg_R1"),
    "projector_sigreg_V1": ("eval", "projector", "diagnostics", "sigreg_V1"),
    "projector_ep_p_bonferroni": ("eval", "projector", "diagnostics", "ep_p_bonferroni"),
    "final_loss": ("train", "final_loss"),
    "final_sigreg": ("train", "final_sigreg"),
    "online_probe_acc": ("train", "online_probe_acc"),
    "total_s": ("timing", "total_s"),
    "cpu_s": ("timing", "cpu_s"),
}


@dataclasses.dataclass(frozen=True)
class Plan:
    steps: int
    seeds: tuple[int, ...]
    e1_datasets: tuple[str, ...]
    e2_dataset: str
    e2_lams: tuple[float, ...]
    e3_dataset: str
    e3_slices: tuple[int, ...]
    e3_knots: tuple[int, ...]
    e3_tmax: tuple[float, ...]


PLANS = {
    # ~15 min on 2 cores with 2 worker processes (see README numbers in the report).
    "cpu": Plan(300, (0, 1, 2), ("mnist5k", "digits"), "mnist5k", (0.005, 0.01, 0.02, 0.05, 0.1, 0.2), "digits",
                (16, 64, 256), (5, 17), (5.0,)),
    "quick": Plan(30, (0, 1), ("digits",), "digits", (0.005, 0.05, 0.2), "digits", (16, 64), (5, 17), ()),
    "gpu": Plan(3000, (0, 1, 2), ("mnist5k", "digits"), "mnist5k", (0.005, 0.01, 0.02, 0.05, 0.1, 0.2), "digits",
                (64, 256, 1024), (5, 9, 17), (5.0,)),
}  # fmt: skip


def _job_key(kind: str, overrides: dict) -> str:
    parts = [kind] + [f"{k}={overrides[k]}" for k in sorted(overrides)]
    return ",".join(parts)


def _file_key(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-_.=," else "_" for c in key).replace(",", "__")


def plan_jobs(plan: Plan, scale: str, experiments: tuple[str, ...]) -> tuple[dict, dict]:
    """{experiment: {condition: [job keys over seeds]}} and the job table {key: (kind, overrides)}.

    A key names only the overrides that differ from the scale's defaults, so the same run planned by two
    experiments (E1's corrected run is E2's λ = 0.05 and E3's M = 64) runs once."""
    from .train import make_config

    base = dataclasses.asdict(make_config(scale))
    jobs: dict[str, tuple[str, dict]] = {}
    conditions: dict[str, dict[str, list[str]]] = {}

    def add(exp: str, condition: str, kind: str, **overrides) -> None:
        keys = []
        for seed in plan.seeds:
            ov = {"scale": scale, "steps": plan.steps, "seed": seed, **overrides}
            key = _job_key(kind, {k: v for k, v in ov.items() if k == "scale" or base.get(k) != v})
            jobs[key] = (kind, ov)
            keys.append(key)
        conditions.setdefault(exp, {})[condition] = keys

    if "E1" in experiments:
        for ds in plan.e1_datasets:
            add("E1", f"{ds}/corrected (R1)", "train", dataset=ds, variant="R1")
            add("E1", f"{ds}/listing (V1)", "train", dataset=ds, variant="V1")
            add("E1", f"{ds}/lambda=0", "train", dataset=ds, variant="R1", lam=0.0)
            add("E1", f"{ds}/random-init encoder", "random-init", dataset=ds)
            add("E1", f"{ds}/raw pixels", "pixels", dataset=ds)
    if "E2" in experiments or "E4" in experiments:
        for lam in plan.e2_lams:
            add("E2", f"{plan.e2_dataset}/lambda={lam:g}", "train", dataset=plan.e2_dataset, variant="R1", lam=lam)
    if "E3" in experiments or "E4" in experiments:
        ds = plan.e3_dataset
        for m in plan.e3_slices:
            add("E3", f"{ds}/M={m},T=17,t_max=3", "train", dataset=ds, variant="R1", num_slices=m)
        for t in plan.e3_knots:
            add("E3", f"{ds}/M=64,T={t},t_max=3", "train", dataset=ds, variant="R1", num_knots=t)
        for tmax in plan.e3_tmax:
            add("E3", f"{ds}/M=64,T=17,t_max={tmax:g}", "train", dataset=ds, variant="R1", t_max=tmax)
    return conditions, jobs


def _worker_init() -> None:
    import torch

    torch.set_num_threads(1)
    for flag in ("HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"):
        os.environ.setdefault(flag, "1")


_DATA: dict = {}


def run_job(kind: str, overrides: dict) -> dict:
    """One job in a worker: a training run or a baseline evaluation; the data are loaded once per process."""
    from . import data as data_mod
    from .train import make_config, run_baseline, train

    scale = overrides["scale"]
    cfg = make_config(scale, **{k: v for k, v in overrides.items() if k != "scale"})
    key = (cfg.dataset, cfg.test_fraction, cfg.split_seed)
    if key not in _DATA:
        _DATA[key] = data_mod.load(cfg.dataset, test_fraction=cfg.test_fraction, split_seed=cfg.split_seed)
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


def t_interval(values: list[float], confidence: float = 0.95) -> dict:
    """Mean with a two-sided t-interval over seeds (half-width 0 for one value: no spread to estimate)."""
    x = np.asarray([v for v in values if v is not None], dtype=np.float64)
    if x.size == 0:
        return {"mean": None, "n": 0}
    mean = float(x.mean())
    if x.size < 2:
        return {"mean": mean, "sd": None, "half_width": None, "low": None, "high": None, "n": 1, "values": x.tolist()}
    sd = float(x.std(ddof=1))
    half = float(stats.t.ppf(0.5 + confidence / 2, x.size - 1) * sd / math.sqrt(x.size))
    return {"mean": mean, "sd": sd, "half_width": half, "low": mean - half, "high": mean + half, "n": int(x.size),
            "values": x.tolist()}  # fmt: skip


def summarise(keys: list[str], results: dict[str, dict]) -> dict:
    return {name: t_interval([_get(results[k], path) for k in keys]) for name, path in METRICS.items()}


def spearman_bootstrap(x: list[float], y: list[float], rng: np.random.Generator, reps: int = 2000) -> dict:
    """Spearman ρ with a percentile bootstrap 95 % interval over runs (pairs resampled with `rng`)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if np.unique(x).size < 2 or np.unique(y).size < 2:  # ρ undefined for a constant input
        return {"rho": None, "low": None, "high": None, "n_runs": int(x.size), "bootstrap_reps": 0}
    rho = float(stats.spearmanr(x, y).statistic)
    boot = []
    for _ in range(reps):
        idx = rng.integers(0, x.size, x.size)
        if np.unique(x[idx]).size > 1 and np.unique(y[idx]).size > 1:  # skip resamples with a constant input
            boot.append(stats.spearmanr(x[idx], y[idx]).statistic)
    low, high = (float(v) for v in np.percentile(boot, [2.5, 97.5])) if boot else (None, None)
    return {"rho": rho, "low": low, "high": high, "n_runs": int(x.size), "bootstrap_reps": len(boot)}


def _e4(conditions: dict, results: dict, rng: np.random.Generator) -> dict:
    out = {}
    for exp in ("E2", "E3"):
        keys = [k for c in conditions.get(exp, {}).values() for k in c]
        if len(keys) < 3:
            continue
        loss = [results[k]["train"]["final_loss"] for k in keys]
        lam = [results[k]["config"]["lam"] for k in keys]
        scaled = [lo / la**0.4 for lo, la in zip(loss, lam, strict=True)]
        entry = {"runs_from": exp, "dataset": results[keys[0]]["config"]["dataset"]}
        for metric in ("linear_probe", "linear_probe_10shot", "knn"):
            acc = [_get(results[k], METRICS[metric]) for k in keys]
            entry[metric] = {
                "plain": spearman_bootstrap(loss, acc, rng),
                "loss_over_lambda^0.4": spearman_bootstrap(scaled, acc, rng),
            }
        out[exp] = entry
    return out


def _e2_flatness(summary: dict) -> dict:
    out = {}
    for metric in ("linear_probe", "linear_probe_10shot", "knn"):
        means = {}
        for cond, s in summary.items():
            lam = float(cond.split("lambda=")[1])
            means[lam] = s[metric]["mean"]
        decade = {lam: m for lam, m in means.items() if 0.01 <= lam <= 0.1 and m is not None}
        spread = max(decade.values()) - min(decade.values()) if len(decade) >= 2 else None
        out[metric] = {
            "best_lambda": max(means, key=lambda k: means[k]) if means else None,
            "spread_over_0.01-0.1": spread,
            "flat": None if spread is None else bool(spread <= E2_FLAT_TOLERANCE),
            "tolerance_points": E2_FLAT_TOLERANCE,
        }
    return out


def _fmt(s: dict, digits: int = 1) -> str:
    if s.get("mean") is None:
        return "-"
    if s.get("half_width") is None:
        return f"{s['mean']:.{digits}f}"
    return f"{s['mean']:.{digits}f} ± {s['half_width']:.{digits}f}"


def _markdown(exp: str, summary: dict) -> str:
    from tabulate import tabulate

    cols = [
        ("linear probe %", "linear_probe", 1),
        ("10-shot %", "linear_probe_10shot", 1),
        ("kNN %", "knn", 1),
        ("proj. probe %", "projector_linear_probe", 1),
        ("proj. erank /16", "projector_effective_rank", 2),
        ("proj. top eig", "projector_top_eigenvalue_fraction", 2),
        ("proj. SIGReg R1", "projector_sigreg_R1", 1),
        ("proj. SIGReg V1", "projector_sigreg_V1", 1),
        ("final loss", "final_loss", 3),
    ]
    rows = [[cond] + [_fmt(s[key], d) for _, key, d in cols] for cond, s in summary.items()]
    return (
        f"# {exp}: mean ± 95 % t-interval over seeds\n\n"
        + tabulate(rows, headers=["condition"] + [c for c, _, _ in cols], tablefmt="github")
        + "\n"
    )


def not_run(scale: str, reason: str, out: Path = OUT, experiments: tuple[str, ...] = EXPERIMENTS) -> None:
    for exp in experiments:
        payload = {"experiment": exp, "version": VERSION, "scale": scale, "status": "not-run", "reason": reason}
        atomic_write_json(out / f"{exp}_{scale}.json", {**payload, **run_record()})


def replicate(
    scale: str = "cpu",
    quick: bool = False,
    out: Path = OUT,
    experiments: tuple[str, ...] | None = None,
    workers: int = 2,
    progress: bool = True,
) -> dict:
    """Run E1–E4 (or a subset) at `scale`, write E<n>_<scale>.json (+ .md) and per-run JSON under out/runs."""
    import torch

    experiments = tuple(experiments or EXPERIMENTS)
    if scale not in ("cpu", "gpu"):
        raise ValueError(f"unknown scale {scale!r}; known: cpu, gpu")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    out = Path(out)
    tag = f"{scale}-quick" if quick else scale
    if scale == "gpu" and not torch.cuda.is_available():
        reason = "no CUDA device here (torch.cuda.is_available() is False); rerun with --scale gpu on a GPU"
        not_run(tag, reason, out, experiments)
        print(f"gpu scale not run: {reason}")
        return {"status": "not-run", "reason": reason}
    plan = PLANS["quick" if quick else scale]
    conditions, jobs = plan_jobs(plan, scale, experiments)
    t0 = time.perf_counter()
    from . import data as data_mod

    for ds in sorted({ov["dataset"] for _, ov in jobs.values()}):
        data_mod.load_splits(ds)  # build the caches once, before the workers race for them
    # Longest first: MNIST training runs, then digits, then the evaluation-only baselines.
    order = sorted(jobs, key=lambda k: (jobs[k][0] != "train", jobs[k][1]["dataset"] != "mnist5k", k))
    results: dict[str, dict] = {}
    runs_dir = out / "runs"
    if workers == 1 or scale == "gpu":  # one GPU: run in this process
        for key in tqdm(order, desc=f"replicate {tag}", disable=not progress):
            results[key] = run_job(*jobs[key])
            atomic_write_json(runs_dir / f"{_file_key(key)}.json", results[key])
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init) as ex:
            futures = {ex.submit(run_job, *jobs[key]): key for key in order}
            for fut in tqdm(as_completed(futures), total=len(futures), desc=f"replicate {tag}", disable=not progress):
                key = futures[fut]
                results[key] = fut.result()
                atomic_write_json(runs_dir / f"{_file_key(key)}.json", results[key])
    wall = time.perf_counter() - t0
    written = {}
    for exp in experiments:
        payload = {
            "experiment": exp,
            "version": VERSION,
            "scale": tag,
            "status": "done",
            "plan": dataclasses.asdict(plan),
        }
        if exp == "E4":
            payload["spearman"] = _e4(conditions, results, np.random.default_rng(BOOTSTRAP_SEED))
            payload["bootstrap_seed"] = BOOTSTRAP_SEED
        else:
            summary = {c: summarise(keys, results) for c, keys in conditions.get(exp, {}).items()}
            payload["conditions"] = summary
            payload["runs"] = {c: [_file_key(k) for k in keys] for c, keys in conditions.get(exp, {}).items()}
            if exp == "E2":
                payload["flatness"] = _e2_flatness(summary)
            atomic_write_text(out / f"{exp}_{tag}.md", _markdown(exp, summary))
        payload["wall_s_all_experiments"] = round(wall, 1)
        payload.update(run_record())
        atomic_write_json(out / f"{exp}_{tag}.json", payload)
        written[exp] = payload
    print(f"replicate {tag}: {len(jobs)} jobs in {wall:.0f} s wall; wrote {', '.join(written)} to {out}")
    return written
