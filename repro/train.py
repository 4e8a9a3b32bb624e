"""One LeJEPA run: train on augmented views with (1 − λ)·pred + λ·SIGReg, then evaluate frozen features.

nanoGPT-flat: `TrainConfig` (a frozen dataclass; `make_config(scale, **overrides)` type-checks overrides and
rejects unknown keys), `train(cfg)` (the loop, checkpoint/resume, evaluation) and `main()` for torchrun:

    python -m repro.train --dataset digits --steps 50                      # one process
    torchrun --nproc_per_node=2 -m repro.train --dataset digits --steps 50  # DDP, gloo on CPU, nccl on CUDA

Randomness: one run seed; every random draw comes from a torch.Generator seeded by (seed, step, stream) through
numpy's SeedSequence (batch indices, augmentations, SIGReg directions: one draw per step shared by all views),
so a resumed run, and each rank of a multi-process run, draws exactly what an uninterrupted single process draws.
On CPU with one torch thread the same seed gives the same bytes (`state_sha256` in the result).
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

import reference
from checks._results import atomic_write_json, device_name, run_record

from . import _train_dist as tdist
from . import data as data_mod
from ._train_augment import make_views, spec_for
from ._train_eval import _finite, diagnostics, probes
from ._train_loss import check_variant, draw_directions, lejepa_loss, make_sigreg
from .models import LeJEPA, check_encoder

CHECKPOINT_FORMAT = 1
VERSION = 2  # of the result layout; 2: covariance eigenvalues in eval.<features>.diagnostics, the device by name
STREAMS = {"batch": 1, "augment": 2, "directions": 3, "init": 4, "eval": 5, "fewshot": 6}


@dataclass(frozen=True)
class TrainConfig:
    dataset: str = "mnist5k"
    variant: str = "R1"  # a reference.REGISTRY id (V1, V3, R0, R1, R2) or "engine"
    lam: float = 0.05  # λ in (1 − λ)·pred + λ·sigreg (paper default)
    views: int = 4  # V, all views
    global_views: int = 2  # V_g: the first V_g views are global crops, their mean is the centre (paper: 2)
    batch_size: int = 128  # global batch (split over ranks)
    steps: int = 1000  # MNIST-5k: the loss plateaus by `convergence`'s criterion (32 epochs of 4,000 images)
    seed: int = 0
    scale: str = "cpu"
    encoder: str = "mlp"  # mlp | cnn | timm:<name>
    hidden: int = 256
    embed_dim: int = 128  # backbone embedding (probed)
    proj_hidden: int = 256
    proj_dim: int = 16  # projector output K (SIGReg and pred act here; MINIMAL.md uses 16)
    lr: float = 5e-3  # 2e-3 left 300-step runs short of a plateau (kNN below a random-init encoder's)
    weight_decay: float = 0.05
    warmup_frac: float = 0.1  # linear warm-up over this fraction of steps, then the schedule below
    lr_schedule: str = "cosine"  # cosine (to 0 at the last step) | constant (C5/C27: "no scheduler needed")
    num_slices: int = 64  # M directions per step (the prototype's sweep value; 256 changes little on CPU)
    num_knots: int = 17  # R1's grid (E3); other variants keep their source's grid
    t_max: float = 3.0
    pred_sum_over_k: bool = False  # D9: True sums pred over K (the equation) instead of averaging (the listing)
    sigreg_divide_n: bool = False  # D5: the statistic divided by the global batch N, as some re-implementations do
    predictor: bool = False  # C5/C27: an MLP predictor maps every view's z before the prediction term
    ema_teacher: float = 0.0  # C5/C27: > 0 takes the centres from an EMA teacher (this momentum), stop-gradient
    split_seed: int = 0
    test_fraction: float = 0.2
    image_size: int = 32  # hub and folder datasets only
    channels: int = 3  # hub and folder datasets only
    online: bool = False  # allow hub datasets (needs network; never in tests)
    device: str = "auto"  # auto | cpu | cuda
    checkpoint_every: int = 100
    fewshot: int = 10  # labels per class of the k-shot probe
    fewshot_draws: int = 5
    knn_k: int = 20
    eval_slices: int = 256  # directions of the held-out SIGReg / EP diagnostics


# Presets: the cpu scale is the replication's (repro.experiments); the gpu scale is for one GPU (bf16 autocast).
SCALES: dict[str, dict] = {
    "cpu": {},
    "gpu": {
        "encoder": "cnn",
        "hidden": 512,
        "embed_dim": 512,
        "proj_hidden": 1024,
        "batch_size": 512,
        "steps": 3000,
        "num_slices": 256,
        "lr": 1e-3,
        "checkpoint_every": 500,
    },
}
LR_SCHEDULES = ("cosine", "constant")
# Fields that do not change the computation: a checkpoint may be resumed under different values.
RESUME_FREE = ("checkpoint_every", "device")


def override(cfg: TrainConfig, **overrides) -> TrainConfig:
    """`cfg` with `overrides`, each of the field's type (an int is accepted for a float); unknown keys raise."""
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    for key, value in overrides.items():
        if key not in fields:
            raise ValueError(f"unknown config key {key!r}; known: {', '.join(fields)}")
        want = type(getattr(TrainConfig(), key))
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ValueError(f"config key {key!r} must be {want.__name__}, got {type(value).__name__} {value!r}")
        overrides[key] = value
    return dataclasses.replace(cfg, **overrides)


def make_config(scale: str = "cpu", **overrides) -> TrainConfig:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    return override(TrainConfig(), scale=scale, **{**SCALES[scale], **overrides})


def validate(cfg: TrainConfig, world: int = 1) -> TrainConfig:
    """ValueError for anything wrong with `cfg` that can be seen without loading data."""
    data_mod.check_dataset_name(cfg.dataset, online=cfg.online)
    check_variant(cfg.variant, cfg.t_max, cfg.num_knots, distributed=world > 1)
    check_encoder(cfg.encoder)
    if not 0.0 <= cfg.lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {cfg.lam}")
    if cfg.views < 2:
        raise ValueError(f"views must be >= 2 (the prediction term compares views), got {cfg.views}")
    if not 1 <= cfg.global_views <= cfg.views:
        raise ValueError(f"global_views must be in [1, views={cfg.views}], got {cfg.global_views}")
    if cfg.batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (SIGReg needs N >= 2 samples), got {cfg.batch_size}")
    if cfg.batch_size % world or cfg.batch_size // world < 2:
        raise ValueError(f"batch_size {cfg.batch_size} must split into >= 2 samples on each of {world} ranks")
    for key in ("steps", "hidden", "embed_dim", "proj_hidden", "proj_dim", "num_slices", "eval_slices"):
        if getattr(cfg, key) < 1:
            raise ValueError(f"{key} must be >= 1, got {getattr(cfg, key)}")
    if cfg.checkpoint_every < 1 or cfg.fewshot < 1 or cfg.fewshot_draws < 1 or cfg.knn_k < 1:
        raise ValueError("checkpoint_every, fewshot, fewshot_draws and knn_k must be >= 1")
    if not (cfg.lr > 0 and cfg.weight_decay >= 0 and 0 <= cfg.warmup_frac < 1):
        raise ValueError(f"need lr > 0, weight_decay >= 0, warmup_frac in [0, 1): {cfg.lr}, {cfg.weight_decay}")
    if cfg.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {cfg.lr_schedule!r}")
    if not 0.0 <= cfg.ema_teacher < 1.0:
        raise ValueError(f"ema_teacher must be in [0, 1) (0: no teacher), got {cfg.ema_teacher}")
    if world > 1 and (cfg.predictor or cfg.ema_teacher > 0):
        raise ValueError("the predictor and EMA-teacher arms (C5/C27) run in one process; drop them under torchrun")
    if cfg.sigreg_divide_n and cfg.variant not in ("R1", "engine"):
        raise ValueError(f"sigreg_divide_n removes R1's factor N; variant {cfg.variant!r} has no such factor")
    if cfg.scale not in SCALES:
        raise ValueError(f"unknown scale {cfg.scale!r}; known: {', '.join(SCALES)}")
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {cfg.device!r}")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but no CUDA device is available")
    return cfg


def generator(seed: int, *keys: int) -> torch.Generator:
    """A CPU generator seeded by (seed, *keys) through SeedSequence (independent streams, no collisions)."""
    state = np.random.SeedSequence([int(seed), *map(int, keys)]).generate_state(2, dtype=np.uint32)
    g = torch.Generator()
    g.manual_seed((int(state[0]) << 31) ^ int(state[1]))
    return g


def lr_at(cfg: TrainConfig, step: int) -> float:
    warm = max(1, round(cfg.warmup_frac * cfg.steps))
    if step < warm:
        return cfg.lr * (step + 1) / warm
    if cfg.lr_schedule == "constant":
        return cfg.lr
    progress = (step - warm) / max(1, cfg.steps - warm)
    return cfg.lr * 0.5 * (1 + math.cos(math.pi * progress))


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
            cfg.dataset,
            test_fraction=cfg.test_fraction,
            split_seed=cfg.split_seed,
            image_size=cfg.image_size,
            channels=cfg.channels,
            online=cfg.online,
        )
    spec_for(cfg.dataset, data.image_shape)  # raises if the images are too small for the crops
    train = data.train_images.float() / data.max_value
    mean = train.mean(dim=(0, 2, 3), keepdim=True)
    std = train.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6)
    return Prepared(data, train, mean, std)


def build_model(cfg: TrainConfig, data: data_mod.ImageData) -> LeJEPA:
    return LeJEPA(
        cfg.encoder,
        data.image_shape,
        data.num_classes,
        cfg.hidden,
        cfg.embed_dim,
        cfg.proj_hidden,
        cfg.proj_dim,
        generator(cfg.seed, STREAMS["init"]),
        predictor=cfg.predictor,
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
        "config": dataclasses.asdict(cfg),
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
    mine, theirs = dataclasses.asdict(cfg), payload["config"]
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
            ftr, data.train_labels, fte, data.test_labels, data.num_classes, cfg.fewshot, cfg.fewshot_draws,
            g_few, cfg.knn_k,
        )  # fmt: skip
        directions = draw_directions(fte.shape[1], cfg.eval_slices, g_dir)
        res["diagnostics"] = diagnostics(fte, directions)
        if name == "projector":
            res["diagnostics"]["sigreg_R1_train_views"] = _sigreg_on_views(cfg, prep, model, directions, device)
        out[name] = res
    return out


def _sigreg_on_views(cfg: TrainConfig, prep: Prepared, model: LeJEPA, directions: torch.Tensor, device, n=512):
    """R1's SIGReg of the projector on training-style views (the run's augmentations, all V views, mean over views)
    of the first n test images: the value training sees, beside the clean-view one in the diagnostics."""
    images = prep.data.test_images[:n].float() / prep.data.max_value
    spec = spec_for(cfg.dataset, prep.data.image_shape)
    g = generator(cfg.seed, STREAMS["eval"], 1)
    views = prep.normalise(make_views(images, cfg.views, cfg.global_views, spec, g))
    _, z = model.embed(views.flatten(0, 1).to(device))
    z = z.cpu().view(cfg.views, images.shape[0], -1)
    r1 = reference.get("R1")
    with torch.no_grad():
        return float(torch.stack([r1.evaluate(z[v], directions.float()) for v in range(cfg.views)]).mean())


def _result(cfg, status, step, history, metrics, model, timing, device: torch.device) -> dict:
    n = len(history["loss"])
    stride = max(1, n // 100)
    return {
        "version": VERSION,
        "config": dataclasses.asdict(cfg),
        "status": status,
        "steps_done": step,
        "train": {
            "final_loss": _tail_mean(history["loss"]) if n else None,
            "final_pred": _tail_mean(history["pred"]) if n else None,
            "final_sigreg": _tail_mean(history["sigreg"]) if n else None,
            "online_probe_acc": _tail_mean(history["probe_acc"]) if n else None,
            "convergence": convergence(history["loss"]),
            "loss_curve_stride": stride,
            "loss_curve": history["loss"][::stride],
        },
        "eval": metrics,
        "state_sha256": state_sha256(model) if model is not None else None,
        "timing": timing,
        **run_record(device_name(device)),
    }


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
    spec = spec_for(cfg.dataset, prep.data.image_shape)
    model = build_model(cfg, prep.data).to(device)
    decay = [p for n, p in model.named_parameters() if not n.startswith("probe.")]
    opt = torch.optim.AdamW(
        [
            {"params": decay, "weight_decay": cfg.weight_decay},
            {"params": list(model.probe.parameters()), "weight_decay": 0.0},
        ],
        lr=cfg.lr,
    )
    history: dict[str, list[float]] = {"loss": [], "pred": [], "sigreg": [], "probe_acc": []}
    teacher = None
    if cfg.ema_teacher > 0:  # starts as the student; follows it by an exponential moving average, no gradient
        teacher = copy.deepcopy(model).requires_grad_(False)
    start = 0
    if resume and ckpt_path.exists():
        payload = load_checkpoint(ckpt_path, cfg)  # before any training step
        model.load_state_dict(payload["model"])
        opt.load_state_dict(payload["optimizer"])
        if teacher is not None:
            teacher.load_state_dict(payload["teacher"])
        history, start = payload["history"], int(payload["step"])
    sigreg = make_sigreg(cfg.variant, cfg.t_max, cfg.num_knots)
    if cfg.sigreg_divide_n:  # D5's trap: without the factor N the same λ weighs SIGReg N times less
        with_n = sigreg

        def sigreg(z: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
            return with_n(z, directions) / cfg.batch_size

    net = model
    if world > 1:
        net = torch.nn.parallel.DistributedDataParallel(model)
    local = cfg.batch_size // world
    shard = slice(rank * local, (rank + 1) * local)
    use_bf16 = device.type == "cuda"
    end = cfg.steps if stop_after is None else min(cfg.steps, stop_after)
    if out is not None and rank == 0:
        out.mkdir(parents=True, exist_ok=True)
    bar = tqdm(range(start, end), initial=start, total=cfg.steps, disable=not progress or rank != 0, desc="train")
    model.train()
    for step in bar:
        for group in opt.param_groups:
            group["lr"] = lr_at(cfg, step)
        idx = torch.randperm(prep.train.shape[0], generator=generator(cfg.seed, step, STREAMS["batch"]))
        idx = idx[: cfg.batch_size]
        views = make_views(
            prep.train[idx], cfg.views, cfg.global_views, spec, generator(cfg.seed, step, STREAMS["augment"]), shard
        )
        views = prep.normalise(views).to(device)
        labels = prep.data.train_labels[idx][shard].to(device)
        directions = draw_directions(cfg.proj_dim, cfg.num_slices, generator(cfg.seed, step, STREAMS["directions"]))
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=use_bf16):
            _, z, logits = net(views, cfg.global_views)
            predicted = centres = None
            if model.predictor is not None:
                predicted = model.predictor(z.flatten(0, 1)).view_as(z)
            if teacher is not None:
                with torch.no_grad():
                    centres = teacher(views[: cfg.global_views], cfg.global_views)[1].mean(dim=0)
            loss, pred, sig = lejepa_loss(
                z, cfg.global_views, cfg.lam, sigreg, directions.to(device), cfg.pred_sum_over_k,
                predicted=predicted, centres=centres,
            )  # fmt: skip
            probe_loss = torch.nn.functional.cross_entropy(
                logits.float().flatten(0, 1), labels.repeat(cfg.global_views)
            )
        opt.zero_grad(set_to_none=True)
        (loss + probe_loss).backward()
        opt.step()
        if teacher is not None:
            _ema_update(teacher, model, cfg.ema_teacher)
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
    stopped = end < cfg.steps
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


def _init_process_group() -> bool:
    """Join the process group torchrun describes (WORLD_SIZE > 1); gloo on CPU, nccl with CUDA."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or tdist.is_distributed():
        return False
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    torch.distributed.init_process_group(backend=backend)
    if backend == "nccl":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m repro.train [train options]`, also under torchrun (see the module docstring)."""
    import argparse

    from checks._cli import run

    from . import cli_train

    parser = argparse.ArgumentParser(prog="python -m repro.train", description=__doc__.splitlines()[0])
    cli_train.add_train_arguments(parser)
    parser.set_defaults(run=cli_train.run_train)
    torch.set_num_threads(1)
    started = _init_process_group()
    try:
        return run(parser, argv)
    finally:
        if started:
            torch.distributed.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
