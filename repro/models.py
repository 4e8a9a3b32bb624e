"""Encoders, projector and online probe of the LeJEPA replication runs.

- `mlp`: flatten → Linear-BN-GELU ×2 → Linear to the backbone embedding (the prototype's CPU encoder).
- `cnn`: three 3×3 conv-BN-GELU stages (stride 1, 2, 2) → global average pool → Linear to the embedding;
  any input size ≥ 8 px.
- `timm:<name>`: a timm backbone (num_classes=0), only when timm is installed (GPU scale).
Projector: Linear-BN-GELU ×2 → Linear to `proj_dim` (16, as in MINIMAL.md); SIGReg and the prediction term act
on its output, the probes read the backbone embedding (docs/claims.md#the-lejepa-loss).

Batch norm is `BatchNorm` below, not torch's: its batch statistics are averaged over ranks inside the autograd
graph, so a 2-process run sees the global-batch statistics a 1-process run sees (torch's SyncBatchNorm refuses
CPU tensors). Parameters are initialised from an explicit torch.Generator (torch's default bounds).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .train.distributed import all_mean, all_mean_detached, is_distributed, world_size


class BatchNorm(nn.Module):
    """Batch norm over every axis but 1, for (B, C) and (B, C, H, W) inputs; statistics global over ranks."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.eps, self.momentum = eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not is_distributed():  # one process: torch's fused kernel, the same statistics (biased for the
            # normalisation, unbiased for the running variance), computed faster
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, self.training, self.momentum, self.eps
            )
        dims = [0, *range(2, x.dim())]
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            # Two-pass (mean first, then the mean squared deviation): stable, and exact under equal local batches.
            mean = all_mean(x.mean(dims))
            var = all_mean((x - mean.view(shape)).square().mean(dims))
            with torch.no_grad():
                count = x.numel() // x.shape[1] * world_size()
                unbiased = var.detach() * count / max(count - 1, 1)
                self.running_mean.lerp_(all_mean_detached(mean.detach()), self.momentum)
                self.running_var.lerp_(unbiased, self.momentum)
        else:
            mean, var = self.running_mean, self.running_var
        x = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        return x * self.weight.view(shape) + self.bias.view(shape)


def _mlp(dims: list[int], last_bias: bool = True) -> nn.Sequential:
    """Linear-BN-GELU between consecutive dims, a plain Linear at the end."""
    layers: list[nn.Module] = []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        last = i == len(dims) - 2
        # No bias before batch norm: BN cancels it, so its gradient is rounding noise that Adam would turn into
        # full-size steps (harmless to the function, but it makes parameters differ across equivalent runs).
        layers.append(nn.Linear(a, b, bias=last and last_bias))
        if not last:
            layers += [BatchNorm(b), nn.GELU()]
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    def __init__(self, in_shape: tuple[int, int, int], hidden: int, embed_dim: int):
        super().__init__()
        # The embedding has no bias either: it only shifts h, which the projector's first BN cancels (the
        # probes standardise features and carry their own bias).
        self.net = _mlp([math.prod(in_shape), hidden, hidden, embed_dim], last_bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))


class CNNEncoder(nn.Module):
    def __init__(self, in_shape: tuple[int, int, int], hidden: int, embed_dim: int):
        super().__init__()
        c = in_shape[0]
        w = max(hidden // 8, 8)  # conv widths w, 2w, 4w: 32, 64, 128 at hidden = 256
        self.features = nn.Sequential(
            nn.Conv2d(c, w, 3, padding=1, bias=False),
            BatchNorm(w),
            nn.GELU(),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1, bias=False),
            BatchNorm(2 * w),
            nn.GELU(),
            nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1, bias=False),
            BatchNorm(4 * w),
            nn.GELU(),
        )
        self.head = nn.Linear(4 * w, embed_dim, bias=False)  # no bias: see MLPEncoder

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x).mean(dim=(2, 3)))


class TimmEncoder(nn.Module):
    def __init__(self, name: str, in_shape: tuple[int, int, int], embed_dim: int, generator: torch.Generator):
        super().__init__()
        import timm

        # timm initialises from the global RNG: fork it and seed the fork from our generator, so the global
        # state is untouched and the weights depend only on the run seed.
        seed = int(torch.randint(0, 2**62, (1,), generator=generator))
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.backbone = timm.create_model(name, pretrained=False, num_classes=0, in_chans=in_shape[0])
            self.head = nn.Linear(self.backbone.num_features, embed_dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x))


def check_encoder(name: str) -> str:
    if name in ("mlp", "cnn"):
        return name
    if name.startswith("timm:") and len(name) > 5:
        try:
            import timm  # noqa: F401
        except ImportError:
            raise ValueError(f"encoder {name!r} needs timm, which is not installed (pip install timm)") from None
        return name
    raise ValueError(f"unknown encoder {name!r}; known: mlp, cnn, timm:<model name> (with timm installed)")


def init_parameters(module: nn.Module, generator: torch.Generator) -> None:
    """torch's default init for Linear and Conv2d (U(±1/sqrt(fan_in)) for weight and bias), from `generator`."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.Linear | nn.Conv2d):
                fan_in = m.weight[0].numel()
                bound = 1.0 / math.sqrt(fan_in)
                m.weight.uniform_(-bound, bound, generator=generator)
                if m.bias is not None:
                    m.bias.uniform_(-bound, bound, generator=generator)


class LeJEPA(nn.Module):
    """Encoder → backbone embedding h → projector → z; a linear probe on h.detach() (online, label-fed)."""

    def __init__(
        self,
        encoder: str,
        in_shape: tuple[int, int, int],
        num_classes: int,
        hidden: int,
        embed_dim: int,
        proj_hidden: int,
        proj_dim: int,
        generator: torch.Generator,
        predictor: bool = False,
    ):
        super().__init__()
        check_encoder(encoder)
        if encoder == "mlp":
            self.encoder = MLPEncoder(in_shape, hidden, embed_dim)
        elif encoder == "cnn":
            self.encoder = CNNEncoder(in_shape, hidden, embed_dim)
        self.projector = _mlp([embed_dim, proj_hidden, proj_hidden, proj_dim])
        self.probe = nn.Linear(embed_dim, num_classes)
        # C5/C27's "predictor" arm: z → Linear-BN-GELU → Linear back to z's width, applied to every view before the
        # prediction term. Registered last, so the parameters drawn before it are those of a run without it.
        self.predictor = _mlp([proj_dim, proj_hidden, proj_dim]) if predictor else None
        init_parameters(self, generator)  # before the timm backbone: it initialises itself (see TimmEncoder)
        if encoder.startswith("timm:"):
            self.encoder = TimmEncoder(encoder[5:], in_shape, embed_dim, generator)

    def forward(self, views: torch.Tensor, num_global: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """views (V, B, C, H, W) → h (V, B, D), z (V, B, K) and probe logits (V_g, B, classes) on h.detach()."""
        V, B = views.shape[:2]
        h = self.encoder(views.flatten(0, 1))
        z = self.projector(h)
        logits = self.probe(h[: num_global * B].detach())
        return h.view(V, B, -1), z.view(V, B, -1), logits.view(num_global, B, -1)

    @torch.no_grad()
    def embed(self, images: torch.Tensor, batch: int = 1024) -> tuple[torch.Tensor, torch.Tensor]:
        """Backbone and projector embeddings of preprocessed images (N, C, H, W), in eval mode."""
        hs, zs = [], []
        for i in range(0, images.shape[0], batch):
            h = self.encoder(images[i : i + batch])
            hs.append(h.float())
            zs.append(self.projector(h).float())
        return torch.cat(hs), torch.cat(zs)
