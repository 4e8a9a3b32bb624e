"""One LeJEPA run: train on augmented views with (1 − λ)·pred + λ·SIGReg, then evaluate frozen features.

nanoGPT-flat: `train(cfg)` (the loop, checkpoint/resume, evaluation) for a `config.TrainConfig`; the same loop
runs in one process or as one rank of a torchrun process group (`python -m repro.train`, see __main__.py).

Randomness: one run seed; every random draw comes from a torch.Generator seeded by (seed, step, stream) through
numpy's SeedSequence (batch indices, augmentations, SIGReg directions: one draw per step shared by all views),
so a resumed run, and each rank of a multi-process run, draws exactly what an uninterrupted single process draws.
On CPU with one torch thread the same seed gives the same bytes (`state_sha256` in the result).
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

import reference
from core.directions import unit_directions
from core.records import TrainingRun
from core.results import atomic_write_json, device_name, run_record

from .. import data as data_mod
from ..models import LeJEPA
from . import distributed as tdist
from .augment import make_views, spec_for
from .config import RESUME_FREE, TrainConfig, validate
from .evaluation import _finite, diagnostics, probes
from .loss import lejepa_loss, make_sigreg

CHECKPOINT_FORMAT = 1
STREAMS = {"batch": 1, "augment": 2, "directions": 3, "init": 4, "eval": 5, "fewshot": 6}


def generator(seed: int, *keys: int) -> torch.Generator:
    """A CPU generator seeded by (seed, *keys) through SeedSequence (independent streams, no collisions)."""
    state = np.random.SeedSequence([int(seed), *map(int, keys)]).generate_state(2, dtype=np.uint32)
    g = torch.Generator()
    g.manual_seed((int(state[0]) << 31) ^ int(state[1]))
    return g


def lr_at(cfg: TrainConfig, step: int) -> float:
    warm = max(1, round(cfg.optim.warmup_frac * cfg.optim.steps))
    if step < warm:
        return cfg.optim.lr * (step + 1) / warm
    if cfg.optim.lr_schedule == "constant":
        return cfg.optim.lr
    progress = (step - warm) / max(1, cfg.optim.steps - warm)
    return cfg.optim.lr * 0.5 * (1 + math.cos(math.pi * progress))


def resolve_device(cfg: TrainConfig) -> torch.device:
    if cfg.device == "auto":
        return torch.device("cuda" if cfg.scale == "gpu" and torch.cuda.is_available() else "cpu")
    return torch.device(cfg.device)


@dataclass
class Prepared:
    """Data as float tensors on the device, normalised by the train split's channel statistics."""

    data: data_mod.ImageData
    train: torch.Tensor  # (N, C, H, W) in [0, 1]
    mean: torch.Tensor  # (1, C, 1, 1)
    std: torch.Tensor

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean.to(x.device)) / self.std.to(x.device)

    def clean(self, images: torch.Tensor) -> torch.Tensor:
        return self.normalise(images.float() / self.data.max_value)


def prepare(cfg: TrainConfig, data: data_mod.ImageData | None = None) -> Prepared:
    if data is None:
        data = data_mod.load(
            cfg.data.dataset,
            test_fraction=cfg.data.test_fraction,
            split_seed=cfg.data.split_seed,
            image_size=cfg.data.image_size,
            channels=cfg.data.channels,
            online=cfg.data.online,
        )
    spec_for(cfg.data.dataset, data.image_shape)  # raises if the images are too small for the crops
    train = data.train_images.float() / data.max_value
    mean = train.mean(dim=(0, 2, 3), keepdim=True)
    std = train.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return Prepared(data, train, mean, std)


def build_model(cfg: TrainConfig, data: data_mod.ImageData) -> LeJEPA:
    return LeJEPA(
        cfg.model.encoder,
        data.image_shape,
        data.num_classes,
        cfg.model.hidden,
        cfg.model.embed_dim,
        cfg.model.proj_hidden,
        cfg.model.proj_dim,
        generator(cfg.seed, STREAMS["init"]),
        predictor=cfg.model.predictor,
    )


def state_sha256(model: torch.nn.Module) -> str:
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _save_checkpoint(path: Path, cfg: TrainConfig, step: int, model, opt, history: dict, teacher=None) -> None:
    payload = {
        "format": CHECKPOINT_FORMAT,
        "config": cfg.flat(),
        "step": step,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "history": history,
    }
    if teacher is not None:
        payload["teacher"] = teacher.state_dict()
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    torch.save(payload, tmp)
    os.replace(tmp, path)  # atomic: a reader (or a resume after a kill) never sees half a checkpoint


def load_checkpoint(path: Path, cfg: TrainConfig) -> dict:
    """The checkpoint at `path`, after checking that it was written by a run of the same config."""
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint {path} has format {payload.get('format')}, expected {CHECKPOINT_FORMAT}")
    mine, theirs = cfg.flat(), payload["config"]
    diff = sorted(k for k in set(mine) | set(theirs) if k not in RESUME_FREE and mine.get(k) != theirs.get(k))
    if diff:
        detail = ", ".join(f"{k}: checkpoint {theirs.get(k)!r} vs now {mine.get(k)!r}" for k in diff)
        raise ValueError(f"checkpoint {path} is from another config ({detail})")
    return payload


def _tail_mean(values: list[float], frac: float = 0.1) -> float:
    k = max(1, int(len(values) * frac))
    return float(np.mean(values[-k:]))


#: When a run counts as converged (recorded per run, judged from its loss history, never assumed): the loss
#: smoothed over a tenth of the steps fell by less than 5 % of its total fall (first window to last) during the last
#: fifth of training. The stricter "< 1 % relative change over the last fifth" is recorded beside it but not used:
#: under a cosine schedule the loss keeps falling as the learning rate anneals (MNIST-5k pilots: 5-6 % at 700, 1000
#: and 1400 steps alike, while the share of the total fall was 2 %).
PLATEAU = {"window_frac": 0.1, "from_frac": 0.8, "share_of_fall_below": 0.05}


def convergence(losses: list[float]) -> dict:
    """Has the training loss plateaued by `PLATEAU`'s criterion? The smoothed loss at the start, at 80 % of the
    steps and at the end; plateaued when |L(80 %) − L(end)| ≤ 5 % of |L(start) − L(end)|."""
    n = len(losses)
    window = max(1, round(PLATEAU["window_frac"] * n))
    cut = round(PLATEAU["from_frac"] * n)
    record = {"criterion": dict(PLATEAU), "steps": n}
    if n < 10 or cut < window:
        return {**record, "plateaued": None, "reason": f"{n} steps: too few to judge"}
    start, before, end = (float(np.mean(losses[i : i + window])) for i in (0, cut - window, n - window))
    fall, last = abs(start - end), abs(before - end)
    share = last / fall if fall > 0 else math.inf
    return {**record, "smoothed_start": start, "smoothed_at_80pct": before, "smoothed_end": end,
            "share_of_fall_in_last_fifth": _finite(share),
            "relative_change_last_fifth": _finite(last / abs(before)) if before else None,
            "plateaued": bool(share < PLATEAU["share_of_fall_below"])}  # fmt: skip


def evaluate(cfg: TrainConfig, prep: Prepared, model: LeJEPA | None, device: torch.device) -> dict:
    """Frozen features (clean images, eval mode) → probes and diagnostics; model None means raw pixels."""
    data = prep.data
    xtr, xte = prep.clean(data.train_images), prep.clean(data.test_images)
    g_dir = generator(cfg.seed, STREAMS["eval"])
    out: dict = {}
    if model is None:
        feats = {"pixels": (xtr.flatten(1), xte.flatten(1))}
    else:
        model.eval()
        htr, ztr = model.embed(xtr.to(device))
        hte, zte = model.embed(xte.to(device))
        feats = {"backbone": (htr.cpu(), hte.cpu()), "projector": (ztr.cpu(), zte.cpu())}
    for name, (ftr, fte) in feats.items():
        g_few = generator(cfg.seed, STREAMS["fewshot"])  # the same k-shot draws for every feature set
        res = probes(
            ftr, data.train_labels, fte, data.test_labels, data.num_classes, cfg.eval.fewshot, cfg.eval.fewshot_draws,
            g_few, cfg.eval.knn_k,
        )  # fmt: skip
        directions = unit_directions(fte.shape[1], cfg.eval.eval_slices, g_dir)
        res["diagnostics"] = diagnostics(fte, directions)
        if name == "projector":
            res["diagnostics"]["sigreg_R1_train_views"] = _sigreg_on_views(cfg, prep, model, directions, device)
        out[name] = res
    return out


def _sigreg_on_views(cfg: TrainConfig, prep: Prepared, model: LeJEPA, directions: torch.Tensor, device, n=512):
    """R1's SIGReg of the projector on training-style views (the run's augmentations, all V views, mean over views)
    of the first n test images: the value training sees, beside the clean-view one in the diagnostics."""
    images = prep.data.test_images[:n].float() / prep.data.max_value
    spec = spec_for(cfg.data.dataset, prep.data.image_shape)
    g = generator(cfg.seed, STREAMS["eval"], 1)
    views = prep.normalise(make_views(images, cfg.data.views, cfg.data.global_views, spec, g))
    _, z = model.embed(views.flatten(0, 1).to(device))
    z = z.cpu().view(cfg.data.views, images.shape[0], -1)
    r1 = reference.get("R1")
    with torch.no_grad():
        return float(torch.stack([r1.evaluate(z[v], directions.float()) for v in range(cfg.data.views)]).mean())


def _result(cfg, status, step, history, metrics, model, timing, device: torch.device) -> dict:
    n = len(history["loss"])
    stride = max(1, n // 100)
    return TrainingRun.payload(
        config=cfg.flat(),
        status=status,
        steps_done=step,
        train={
            "final_loss": _tail_mean(history["loss"]) if n else None,
            "final_pred": _tail_mean(history["pred"]) if n else None,
            "final_sigreg": _tail_mean(history["sigreg"]) if n else None,
            "online_probe_acc": _tail_mean(history["probe_acc"]) if n else None,
            "convergence": convergence(history["loss"]),
            "loss_curve_stride": stride,
            "loss_curve": history["loss"][::stride],
        },
        eval=metrics,
        state_sha256=state_sha256(model) if model is not None else None,
        timing=timing,
        **run_record(device_name(device)),
    )


@torch.no_grad()
def _ema_update(teacher: torch.nn.Module, student: torch.nn.Module, momentum: float) -> None:
    """teacher ← momentum·teacher + (1 − momentum)·student for parameters; buffers (BN statistics) copied."""
    for t, s in zip(teacher.parameters(), student.parameters(), strict=True):
        t.lerp_(s, 1.0 - momentum)
    for t, s in zip(teacher.buffers(), student.buffers(), strict=True):
        t.copy_(s)


def train(
    cfg: TrainConfig,
    out_dir: Path | str | None = None,
    *,
    resume: bool = False,
    stop_after: int | None = None,
    progress: bool = True,
    data: data_mod.ImageData | None = None,
    evaluate_after: bool = True,
) -> dict | None:
    """Train one run; returns the result dict (None on ranks other than 0 of a process group).

    out_dir: where checkpoint.pt and result.json go (nothing is written without it). resume: continue from
    out_dir/checkpoint.pt (ValueError if it is from another config). stop_after: stop once this many steps are
    done, checkpoint and return a result with status "stopped" (for tests of resume)."""
    world, rank = tdist.world_size(), tdist.rank()
    validate(cfg, world)
    if resume and out_dir is None:
        raise ValueError("resume needs an output directory holding checkpoint.pt")
    out = Path(out_dir) if out_dir is not None else None
    ckpt_path = out / "checkpoint.pt" if out is not None else None
    device = resolve_device(cfg)
    t0, c0 = time.perf_counter(), time.process_time()
    prep = prepare(cfg, data)
    spec = spec_for(cfg.data.dataset, prep.data.image_shape)
    model = build_model(cfg, prep.data).to(device)
    decay = [p for n, p in model.named_parameters() if not n.startswith("probe.")]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.optim.weight_decay},
            {"params": list(model.probe.parameters()), "weight_decay": 0.0},
        ],
        lr=cfg.optim.lr,
    )
    history: dict[str, list[float]] = {"loss": [], "pred": [], "sigreg": [], "probe_acc": []}
    teacher = None
    if cfg.optim.ema_teacher > 0:  # starts as the student; follows it by an exponential moving average, no gradient
        teacher = copy.deepcopy(model).requires_grad_(False)
    start = 0
    if resume and ckpt_path.exists():
        payload = load_checkpoint(ckpt_path, cfg)  # before any training step
        model.load_state_dict(payload["model"])
        opt.load_state_dict(payload["optimizer"])
        if teacher is not None:
            teacher.load_state_dict(payload["teacher"])
        history, start = payload["history"], int(payload["step"])
    sigreg = make_sigreg(cfg.sigreg.variant, cfg.sigreg.t_max, cfg.sigreg.num_knots)
    if cfg.sigreg.sigreg_divide_n:  # D5's trap: without the factor N the same λ weighs SIGReg N times less
        with_n = sigreg

        def sigreg(z: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
            return with_n(z, directions) / cfg.optim.batch_size

    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    local = cfg.optim.batch_size // world
    shard = slice(rank * local, (rank + 1) * local)
    use_bf16 = device.type == "cuda"
    end = cfg.optim.steps if stop_after is None else min(cfg.optim.steps, stop_after)
    if out is not None and rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(range(start, end), initial=start, total=cfg.optim.steps, disable=not progress or rank != 0, desc="train")
    model.train()
    for step in bar:
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, step)
        idx = torch.randperm(prep.train.shape[0], generator=generator(cfg.seed, step, STREAMS["batch"]))
        idx = idx[: cfg.optim.batch_size]
        views = make_views(
            prep.train[idx],
            cfg.data.views,
            cfg.data.global_views,
            spec,
            generator(cfg.seed, step, STREAMS["augment"]),
            shard,
        )
        views = prep.normalise(views).to(device)
        labels = prep.data.train_labels[idx][shard].to(device)
        directions = unit_directions(
            cfg.model.proj_dim, cfg.sigreg.num_slices, generator(cfg.seed, step, STREAMS["directions"])
        )
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
            _, z, logits = net(views, cfg.data.global_views)
            predicted = centres = None
            if model.predictor is not None:
                predicted = model.predictor(z.flatten(0, 1)).view_as(z)
            if teacher is not None:
                with torch.no_grad():
                    centres = teacher(views[: cfg.data.global_views], cfg.data.global_views)[1].mean(dim=0)
            loss, pred, sig = lejepa_loss(
                z, cfg.data.global_views, cfg.sigreg.lam, sigreg, directions.to(device), cfg.sigreg.pred_sum_over_k,
                predicted=predicted, centres=centres,
            )  # fmt: skip
            probe_loss = torch.nn.functional.cross_entropy(
                logits.float().flatten(0, 1), labels.repeat(cfg.data.global_views)
            )
        opt.zero_grad(set_to_none=True)
        (loss + probe_loss).backward()
        opt.step()
        if teacher is not None:
            _ema_update(teacher, model, cfg.optim.ema_teacher)
        with torch.no_grad():
            acc = (logits.argmax(-1) == labels).float().mean()
            stats = tdist.all_mean_detached(torch.stack([loss.detach().float(), pred.float(), sig.float(), acc]))
        for key, value in zip(("loss", "pred", "sigreg", "probe_acc"), stats.tolist(), strict=True):
            history[key].append(value)
        bar.set_postfix(loss=f"{stats[0]:.4f}", sigreg=f"{stats[2]:.3f}", probe=f"{stats[3]:.2f}", refresh=False)
        done = step + 1
        if ckpt_path is not None and rank == 0 and (done % cfg.checkpoint_every == 0 or done == end):
            _save_checkpoint(ckpt_path, cfg, done, model, opt, history, teacher)
    bar.close()
    if rank != 0:
        return None
    train_s = time.perf_counter() - t0
    stopped = end < cfg.optim.steps
    metrics = None
    if not stopped and evaluate_after:
        metrics = evaluate(cfg, prep, model, device)
    timing = {
        "train_s": round(train_s, 2),
        "total_s": round(time.perf_counter() - t0, 2),
        "cpu_s": round(time.process_time() - c0, 2),  # this process's CPU time: robust to a loaded machine
        "world_size": world,
    }
    result = _result(cfg, "stopped" if stopped else "done", end, history, metrics, model, timing, device)
    if out is not None:
        atomic_write_json(out / "result.json", result)
    return result


def run_baseline(cfg: TrainConfig, kind: str, data: data_mod.ImageData | None = None) -> dict:
    """Frozen-feature evaluation of a random-init encoder ('random-init') or of raw pixels ('pixels')."""
    if kind not in ("random-init", "pixels"):
        raise ValueError(f"unknown baseline {kind!r}; known: random-init, pixels")
    validate(cfg)
    t0, c0 = time.perf_counter(), time.process_time()
    prep = prepare(cfg, data)
    device = resolve_device(cfg)
    model = build_model(cfg, prep.data).to(device) if kind == "random-init" else None
    metrics = evaluate(cfg, prep, model, device)
    history = {"loss": [], "pred": [], "sigreg": [], "probe_acc": []}
    result = _result(
        cfg,
        "done",
        0,
        history,
        metrics,
        model,
        {"total_s": round(time.perf_counter() - t0, 2), "cpu_s": round(time.process_time() - c0, 2)},
        device,
    )
    result["baseline"] = kind
    return result
