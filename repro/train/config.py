"""A training run's configuration: `TrainConfig`, in parts (data, model, optimisation, SIGReg, evaluation) plus the
run's own seed, scale, device and checkpoint interval.

Every key is also flat: `make_config(scale, **overrides)` and `override(cfg, **overrides)` take flat keys (`lam`,
`steps`, ...), type-check them and reject unknown ones, and `cfg.flat()` is the flat dict that result.json's
"config" and checkpoints store, in `KEYS` order, so that results and checkpoints of the one-part config read the
same. Each flat key lives in exactly one part."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import torch

from .. import data as data_mod
from ..models import check_encoder
from .loss import check_variant


@dataclass(frozen=True)
class DataConfig:
    """What each step sees: the data set, its split, and the views per image."""

    dataset: str = "mnist5k"
    views: int = 4  # V, all views
    global_views: int = 2  # V_g: the first V_g views are global crops, their mean is the centre (paper: 2)
    split_seed: int = 0
    test_fraction: float = 0.2
    image_size: int = 32  # hub and folder datasets only
    channels: int = 3  # hub and folder datasets only
    online: bool = False  # allow hub datasets (needs network; never in tests)


@dataclass(frozen=True)
class ModelConfig:
    encoder: str = "mlp"  # mlp | cnn | timm:<name>
    hidden: int = 256
    embed_dim: int = 128  # backbone embedding (probed)
    proj_hidden: int = 256
    proj_dim: int = 16  # projector output K (SIGReg and pred act here; MINIMAL.md uses 16)
    predictor: bool = False  # C5/C27: an MLP predictor maps every view's z before the prediction term


@dataclass(frozen=True)
class OptimConfig:
    batch_size: int = 128  # global batch (split over ranks)
    steps: int = 1000  # MNIST-5k: the loss plateaus by `convergence`'s criterion (32 epochs of 4,000 images)
    lr: float = 5e-3  # 2e-3 left 300-step runs short of a plateau (kNN below a random-init encoder's)
    weight_decay: float = 0.05
    warmup_frac: float = 0.1  # linear warm-up over this fraction of steps, then the schedule below
    lr_schedule: str = "cosine"  # cosine (to 0 at the last step) | constant (C5/C27: "no scheduler needed")
    ema_teacher: float = 0.0  # C5/C27: > 0 takes the centres from an EMA teacher (this momentum), stop-gradient


@dataclass(frozen=True)
class SigregConfig:
    """The loss (1 − λ)·pred + λ·SIGReg: which SIGReg, its directions and grid, and how each term is taken."""

    variant: str = "R1"  # a reference.REGISTRY id (V1, V3, R0, R1, R2) or "engine"
    lam: float = 0.05  # λ in (1 − λ)·pred + λ·sigreg (paper default)
    num_slices: int = 64  # M directions per step (the prototype's sweep value; 256 changes little on CPU)
    num_knots: int = 17  # R1's grid (E3); other variants keep their source's grid
    t_max: float = 3.0
    pred_sum_over_k: bool = False  # D9: True sums pred over K (the equation) instead of averaging (the listing)
    sigreg_divide_n: bool = False  # D5: the statistic divided by the global batch N, as some re-implementations do


@dataclass(frozen=True)
class EvalConfig:
    fewshot: int = 10  # labels per class of the k-shot probe
    fewshot_draws: int = 5
    knn_k: int = 20
    eval_slices: int = 256  # directions of the held-out SIGReg / EP diagnostics


PARTS = {"data": DataConfig, "model": ModelConfig, "optim": OptimConfig, "sigreg": SigregConfig, "eval": EvalConfig}
RUN_KEYS = ("seed", "scale", "device", "checkpoint_every")  # on TrainConfig itself
# The flat order of result.json's "config" and of checkpoints, as the one-part TrainConfig wrote them.
KEYS = (
    "dataset", "variant", "lam", "views", "global_views", "batch_size", "steps", "seed", "scale", "encoder", "hidden",
    "embed_dim", "proj_hidden", "proj_dim", "lr", "weight_decay", "warmup_frac", "lr_schedule", "num_slices",
    "num_knots", "t_max", "pred_sum_over_k", "sigreg_divide_n", "predictor", "ema_teacher", "split_seed",
    "test_fraction", "image_size", "channels", "online", "device", "checkpoint_every", "fewshot", "fewshot_draws",
    "knn_k", "eval_slices",
)  # fmt: skip
PART_OF = {f.name: part for part, cls in PARTS.items() for f in dataclasses.fields(cls)}  # flat key -> part
assert len(PART_OF) + len(RUN_KEYS) == len(KEYS) and set(PART_OF) | set(RUN_KEYS) == set(KEYS), "a key in two places"


@dataclass(frozen=True)
class TrainConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    sigreg: SigregConfig = field(default_factory=SigregConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 0
    scale: str = "cpu"
    device: str = "auto"  # auto | cpu | cuda
    checkpoint_every: int = 100

    def get(self, key: str):
        """The value of flat key `key`."""
        return getattr(self, key) if key in RUN_KEYS else getattr(getattr(self, PART_OF[key]), key)

    def flat(self) -> dict:
        return {key: self.get(key) for key in KEYS}

    @classmethod
    def from_flat(cls, values: dict) -> TrainConfig:
        return override(cls(), **values)


_DEFAULT = TrainConfig()


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
    """`cfg` with `overrides` (flat keys), each of the field's type (an int is accepted for a float); unknown keys
    raise."""
    parts: dict[str, dict] = {}
    for key, value in overrides.items():
        if key not in KEYS:
            raise ValueError(f"unknown config key {key!r}; known: {', '.join(KEYS)}")
        want = type(_DEFAULT.get(key))
        ok = isinstance(value, want) and not (want is int and isinstance(value, bool))
        if want is float and isinstance(value, int) and not isinstance(value, bool):
            value, ok = float(value), True
        if not ok:
            raise ValueError(f"config key {key!r} must be {want.__name__}, got {type(value).__name__} {value!r}")
        parts.setdefault(PART_OF.get(key, ""), {})[key] = value
    run = parts.pop("", {})
    changed = {part: dataclasses.replace(getattr(cfg, part), **values) for part, values in parts.items()}
    return dataclasses.replace(cfg, **changed, **run)


def make_config(scale: str = "cpu", **overrides) -> TrainConfig:
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    return override(TrainConfig(), scale=scale, **{**SCALES[scale], **overrides})


def validate(cfg: TrainConfig, world: int = 1) -> TrainConfig:
    """ValueError for anything wrong with `cfg` that can be seen without loading data."""
    data, model, optim, sigreg, ev = cfg.data, cfg.model, cfg.optim, cfg.sigreg, cfg.eval
    data_mod.check_dataset_name(data.dataset, online=data.online)
    check_variant(sigreg.variant, sigreg.t_max, sigreg.num_knots, distributed=world > 1)
    check_encoder(model.encoder)
    if not 0.0 <= sigreg.lam <= 1.0:
        raise ValueError(f"lam must be in [0, 1], got {sigreg.lam}")
    if data.views < 2:
        raise ValueError(f"views must be >= 2 (the prediction term compares views), got {data.views}")
    if not 1 <= data.global_views <= data.views:
        raise ValueError(f"global_views must be in [1, views={data.views}], got {data.global_views}")
    if optim.batch_size < 2:
        raise ValueError(f"batch_size must be >= 2 (SIGReg needs N >= 2 samples), got {optim.batch_size}")
    if optim.batch_size % world or optim.batch_size // world < 2:
        raise ValueError(f"batch_size {optim.batch_size} must split into >= 2 samples on each of {world} ranks")
    for key in ("steps", "hidden", "embed_dim", "proj_hidden", "proj_dim", "num_slices", "eval_slices"):
        if cfg.get(key) < 1:
            raise ValueError(f"{key} must be >= 1, got {cfg.get(key)}")
    if cfg.checkpoint_every < 1 or ev.fewshot < 1 or ev.fewshot_draws < 1 or ev.knn_k < 1:
        raise ValueError("checkpoint_every, fewshot, fewshot_draws and knn_k must be >= 1")
    if not (optim.lr > 0 and optim.weight_decay >= 0 and 0 <= optim.warmup_frac < 1):
        raise ValueError(f"need lr > 0, weight_decay >= 0, warmup_frac in [0, 1): {optim.lr}, {optim.weight_decay}")
    if optim.lr_schedule not in LR_SCHEDULES:
        raise ValueError(f"lr_schedule must be one of {', '.join(LR_SCHEDULES)}, got {optim.lr_schedule!r}")
    if not 0.0 <= optim.ema_teacher < 1.0:
        raise ValueError(f"ema_teacher must be in [0, 1) (0: no teacher), got {optim.ema_teacher}")
    if world > 1 and (model.predictor or optim.ema_teacher > 0):
        raise ValueError("the predictor and EMA-teacher arms (C5/C27) run in one process; drop them under torchrun")
    if sigreg.sigreg_divide_n and sigreg.variant not in ("R1", "engine"):
        raise ValueError(f"sigreg_divide_n removes R1's factor N; variant {sigreg.variant!r} has no such factor")
    if cfg.scale not in SCALES:
        raise ValueError(f"unknown scale {cfg.scale!r}; known: {', '.join(SCALES)}")
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device must be auto, cpu or cuda, got {cfg.device!r}")
    if cfg.device == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' requested but no CUDA device is available")
    return cfg
