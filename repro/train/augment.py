"""Batched view augmentations: V_g global and V − V_g local views of each image, all as torch ops.

Every view is a random resized crop (area fraction, aspect ratio, position, small rotation) resampled by
`grid_sample` back to the full image size, so global and local views share one input size (an MLP encoder needs
a fixed input; the paper's local views are smaller images for a ViT). Local views are crops of a smaller area.
Then photometric jitter (contrast, brightness, and for RGB saturation and grayscale), Gaussian pixel noise and
pixel dropout.

Choices per image size and content (`spec_for`):
| data                  | global area | local area | rotation | flips      | noise σ | dropout |
|-----------------------|-------------|------------|----------|------------|---------|---------|
| digits 8×8            | 0.70–1.0    | 0.35–0.60  | ±15°     | none       | 0.10    | 0.10    |
| MNIST 28×28           | 0.60–1.0    | 0.25–0.50  | ±15°     | none       | 0.10    | 0.10    |
| natural images ≥ 32px | 0.30–1.0    | 0.05–0.30  | 0        | horizontal | 0.02    | 0       |
Digits are not flip-invariant (a mirrored 2 or 7 is no digit; 6 and 9 swap under a half-turn), hence no flips and
small rotations only. The natural-image ranges are the paper's multi-crop ranges; galaxy10 also flips
vertically (sky images have no "up"), RGB images also get saturation jitter and random grayscale.
A crop must keep at least MIN_CROP_PX pixels on a side, so images smaller than that raise a ValueError.

All randomness comes from one generator and is drawn for the *global* batch in a fixed order, then the rank's
shard is taken: a multi-process run sees exactly the views a single process would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

MIN_CROP_PX = 3.0  # below 3 px on a side a crop carries no shape at all
MIN_IMAGE_PX = 8


@dataclass(frozen=True)
class AugmentSpec:
    global_area: tuple[float, float]
    local_area: tuple[float, float]
    aspect: tuple[float, float] = (3 / 4, 4 / 3)
    rotate_deg: float = 0.0
    hflip: bool = False
    vflip: bool = False
    contrast: float = 0.3  # factor U(1 − c, 1 + c) around the image mean
    brightness: float = 0.1  # shift U(−b, b) on [0, 1] pixels
    saturation: float = 0.0  # RGB only: blend with the gray image, factor U(1 − s, 1 + s)
    grayscale_p: float = 0.0  # RGB only
    noise_std: float = 0.1
    dropout_p: float = 0.1


def spec_for(dataset: str, image_shape: tuple[int, int, int]) -> AugmentSpec:
    c, h, w = image_shape
    size = min(h, w)
    if size < MIN_IMAGE_PX:
        raise ValueError(f"image size {h}x{w} is too small for the crops: need at least {MIN_IMAGE_PX} px")
    if dataset == "digits" or size < 16:
        spec = AugmentSpec(global_area=(0.70, 1.0), local_area=(0.35, 0.60), rotate_deg=15.0)
    elif dataset == "mnist5k" or (c == 1 and size < 32):
        spec = AugmentSpec(global_area=(0.60, 1.0), local_area=(0.25, 0.50), rotate_deg=15.0)
    else:
        spec = AugmentSpec(
            global_area=(0.30, 1.0),
            local_area=(0.05, 0.30),
            hflip=True,
            vflip=dataset == "galaxy10",
            contrast=0.4,
            brightness=0.2,
            saturation=0.4 if c == 3 else 0.0,
            grayscale_p=0.2 if c == 3 else 0.0,
            noise_std=0.02,
            dropout_p=0.0,
        )
    smallest_side = math.sqrt(spec.local_area[0] / spec.aspect[1]) * size
    if smallest_side < MIN_CROP_PX:
        raise ValueError(
            f"image size {h}x{w} is too small for the crops: a local crop of area {spec.local_area[0]:g} would be "
            f"{smallest_side:.1f} px on a side (< {MIN_CROP_PX:g}); use larger images"
        )
    return spec


def _uniform(lo: float, hi: float, shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(shape, generator=generator)


def make_views(
    images: torch.Tensor,
    num_views: int,
    num_global: int,
    spec: AugmentSpec,
    generator: torch.Generator,
    shard: slice | None = None,
) -> torch.Tensor:
    """Global batch images (B, C, H, W), floats in [0, 1] → views (V, B', C, H, W) of the images in `shard`
    (all B by default). The random draws are made for all B images whatever the shard, so a rank's views are
    exactly the single-process views of its images."""
    B, C, H, W = images.shape
    V = num_views
    g = generator
    # ---- draws for the global batch, in a fixed order ----
    lo = torch.tensor([spec.global_area[0]] * num_global + [spec.local_area[0]] * (V - num_global))
    hi = torch.tensor([spec.global_area[1]] * num_global + [spec.local_area[1]] * (V - num_global))
    area = lo[:, None] + (hi - lo)[:, None] * torch.rand((V, B), generator=g)
    log_ratio = _uniform(math.log(spec.aspect[0]), math.log(spec.aspect[1]), (V, B), g)
    u_x, u_y = torch.rand((V, B), generator=g), torch.rand((V, B), generator=g)
    angle = _uniform(-spec.rotate_deg, spec.rotate_deg, (V, B), g) * (math.pi / 180)
    flip_x = torch.rand((V, B), generator=g) < 0.5
    flip_y = torch.rand((V, B), generator=g) < 0.5
    contrast = _uniform(1 - spec.contrast, 1 + spec.contrast, (V, B), g)
    brightness = _uniform(-spec.brightness, spec.brightness, (V, B), g)
    saturation = _uniform(1 - spec.saturation, 1 + spec.saturation, (V, B), g)
    gray = torch.rand((V, B), generator=g) < spec.grayscale_p
    noise = torch.randn((V, B, C, H, W), generator=g) * spec.noise_std
    keep = torch.rand((V, B, 1, H, W), generator=g) >= spec.dropout_p
    if shard is not None:
        area, log_ratio, u_x, u_y, angle = (t[:, shard] for t in (area, log_ratio, u_x, u_y, angle))
        flip_x, flip_y, contrast, brightness, saturation, gray = (
            t[:, shard] for t in (flip_x, flip_y, contrast, brightness, saturation, gray)
        )
        noise, keep, images = noise[:, shard], keep[:, shard], images[shard]
    b = images.shape[0]
    # ---- geometry: output grid [-1, 1]^2 → input coordinates ----
    ratio = log_ratio.exp()
    sx = (area * ratio).sqrt().clamp(max=1.0)  # crop width as a fraction of the image
    sy = (area / ratio).sqrt().clamp(max=1.0)
    cx = (2 * u_x - 1) * (1 - sx)  # crop centre, the crop inside the image
    cy = (2 * u_y - 1) * (1 - sy)
    if spec.hflip:
        sx = torch.where(flip_x, -sx, sx)
    if spec.vflip:
        sy = torch.where(flip_y, -sy, sy)
    cos, sin = angle.cos(), angle.sin()
    # Output pixel centres (u, w) in [−1, 1] (align_corners=False) map to input coordinates
    # (cos·sx·u − sin·sy·w + cx, sin·sx·u + cos·sy·w + cy): the grid F.affine_grid would build, written out
    # because affine_grid's batched matmul is ~10× slower on CPU.
    u = ((torch.arange(W, dtype=images.dtype) * 2 + 1) / W - 1).view(1, 1, W)
    w = ((torch.arange(H, dtype=images.dtype) * 2 + 1) / H - 1).view(1, H, 1)

    def coef(t: torch.Tensor) -> torch.Tensor:
        return t.reshape(V * b, 1, 1)

    gx = coef(cos * sx) * u + coef(-sin * sy) * w + coef(cx)
    gy = coef(sin * sx) * u + coef(cos * sy) * w + coef(cy)
    grid = torch.stack([gx, gy], dim=-1)  # (V·b, H, W, 2)
    src = images.unsqueeze(0).expand(V, -1, -1, -1, -1).reshape(V * b, C, H, W)
    x = F.grid_sample(src, grid, mode="bilinear", padding_mode="zeros", align_corners=False).view(V, b, C, H, W)
    # ---- photometric ----
    mean = x.mean(dim=(2, 3, 4), keepdim=True)
    x = (x - mean) * contrast[..., None, None, None] + mean + brightness[..., None, None, None]
    if C == 3 and (spec.saturation > 0 or spec.grayscale_p > 0):
        luma = (x * torch.tensor([0.299, 0.587, 0.114]).view(1, 1, 3, 1, 1)).sum(2, keepdim=True)
        x = luma + (x - luma) * saturation[..., None, None, None]
        x = torch.where(gray[..., None, None, None], luma.expand_as(x), x)
    x = (x.clamp(0, 1) + noise) * keep
    return x
