"""The LeJEPA loss with a selectable SIGReg (docs/claims.md#the-lejepa-loss).

    centres μ_n = mean of the V_g global-view embeddings of image n
    pred        = mean over views v, images n and dims k of (μ_n − z_{n,v,k})²  (the listing: mean over K)
    sigreg      = SIGReg of the (V, N, K) embeddings, per view, one set of directions for all views
    loss        = (1 − λ)·pred + λ·sigreg

D9: the paper's equation *sums* over K where the listing averages; `pred_sum_over_k=True` selects the sum
(pred × K), which multiplies the prediction term's weight by K relative to SIGReg.

SIGReg is chosen by id: every id in `reference.REGISTRY` (V1, V3, R0, R1, R2, evaluated exactly as the source
does; the listing variants V1/V3 return a vector, and the paper's loss takes its `.mean()`, D4) and `engine`, the
suite's fast engine in `repro/sigreg.py`. Adding a variant is one entry in `_SIGREG`.

Multi-process: the reference variants are single-process by contract. With a process group, R1 runs
`r1_sigreg` below: R1's statistic with the cos/sin means all-reduced (AVG) *inside the autograd graph* and the
factor N·world_size, as the official source does, so every rank's value is the global-batch value and DDP's
averaged gradient is the single-process gradient (D18).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

import reference

from .. import sigreg as engine
from .distributed import all_mean, is_distributed, world_size

DEFAULT_GRID = (3.0, 17)  # R1's knots on [0, t_max]: the only grid the other sources allow
SigReg = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (z (V, N, K), directions (K, M)) -> scalar


def _reference(variant_id: str, t_max: float, num_knots: int) -> SigReg:
    if variant_id == "R1" and (t_max, num_knots) != (3.0, 17):
        from reference.official_r1 import OfficialR1

        variant = OfficialR1(t_max=t_max, n_points=num_knots)  # R1 on another grid (E3: knots sweep)
    else:
        variant = reference.get(variant_id)

    def sigreg(z: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return variant.evaluate(z, directions).mean()  # .mean() of V1/V3's vectors; the identity on scalars

    return sigreg


def _engine(t_max: float, num_knots: int) -> SigReg:
    grid = engine.OFFICIAL if (t_max, num_knots) == DEFAULT_GRID else engine.Grid.folded(t_max, num_knots)

    def sigreg(z: torch.Tensor, directions: torch.Tensor) -> torch.Tensor:
        return engine.sigreg(z, directions, grid=grid)  # mean over views and slices; all-reduces under DDP

    return sigreg


_SIGREG: dict[str, Callable[[str, float, int], SigReg]] = {
    **{vid: _reference for vid in reference.REGISTRY},
    "engine": lambda _vid, t_max, num_knots: _engine(t_max, num_knots),
}
VARIANTS = tuple(_SIGREG)


def check_variant(variant_id: str, t_max: float = 3.0, num_knots: int = 17, distributed: bool = False) -> str:
    if variant_id not in _SIGREG:
        raise ValueError(f"unknown SIGReg variant {variant_id!r}; known: {', '.join(VARIANTS)}")
    if (t_max, num_knots) != DEFAULT_GRID and variant_id not in ("R1", "engine"):
        raise ValueError(f"variant {variant_id!r} has its source's fixed grid; t_max/num_knots apply to R1, engine")
    if num_knots < 3 or num_knots % 2 != 1 or not t_max > 0:
        raise ValueError(f"need an odd num_knots >= 3 and t_max > 0, got {num_knots}, {t_max}")
    if distributed and variant_id not in ("R1", "engine"):
        raise ValueError(f"variant {variant_id!r} has no multi-process path; use R1 or engine with torchrun")
    return variant_id


def make_sigreg(variant_id: str, t_max: float = 3.0, num_knots: int = 17) -> SigReg:
    """The SIGReg callable for `variant_id`; R1 in a process group takes the all-reducing path."""
    check_variant(variant_id, t_max, num_knots, distributed=is_distributed())
    if variant_id == "R1" and is_distributed():
        return lambda z, directions: r1_sigreg(z, directions, t_max, num_knots)
    return _SIGREG[variant_id](variant_id, t_max, num_knots)


def r1_sigreg(z: torch.Tensor, directions: torch.Tensor, t_max: float = 3.0, num_knots: int = 17) -> torch.Tensor:
    """R1's SIGReg of z (V, N, K) with ECF means averaged over ranks in the graph; mean over views and slices.

    Knots t on [0, t_max], folded trapezoid weights (dt at both ends, 2dt inside) times φ(t) = exp(−t²/2),
    statistic Σ_t w_t [(mean cos(t y) − φ(t))² + (mean sin(t y))²] · N_local · world_size per view and slice."""
    t, phi, weights = (v.to(z.device) for v in reference.folded_trapezoid(t_max, num_knots))
    angles = (z.float() @ directions.to(z.device, torch.float32)).unsqueeze(-1) * t  # (V, N, M, T)
    cos_mean = all_mean(angles.cos().mean(dim=-3))  # (V, M, T)
    sin_mean = all_mean(angles.sin().mean(dim=-3))
    err = (cos_mean - phi).square() + sin_mean.square()
    return ((err @ weights) * (z.shape[-2] * world_size())).mean()


def lejepa_loss(
    z: torch.Tensor,
    num_global: int,
    lam: float,
    sigreg: SigReg,
    directions: torch.Tensor,
    pred_sum_over_k: bool = False,
    *,
    predicted: torch.Tensor | None = None,
    centres: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(loss, pred, sigreg) for projector outputs z (V, N, K); SIGReg computed in float32 (autocast off).

    The paper's additions it says are not needed (C5/C27): `predicted` (V, N, K) is compared with the centres in
    place of z (a predictor's output), `centres` (N, K) replaces the mean of the global views (an EMA teacher's,
    detached). SIGReg always acts on z."""
    if centres is None:
        centres = z[:num_global].mean(dim=0)  # (N, K)
    pred = (centres - (z if predicted is None else predicted)).square().mean()
    if pred_sum_over_k:
        pred = pred * z.shape[-1]  # D9: the equation's sum over K
    with torch.autocast(device_type=z.device.type, enabled=False):
        sig = sigreg(z.float(), directions)
    return (1 - lam) * pred + lam * sig, pred, sig
