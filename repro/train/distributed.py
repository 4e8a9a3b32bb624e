"""Process-group helpers for multi-process training (torchrun + DistributedDataParallel, gloo on CPU).

The one piece that matters for correctness is `all_mean`: an all-reduce(AVG) that autograd sees. SIGReg's
cos/sin means (and our batch-norm statistics) must be averaged across ranks *inside* the graph, so that each
rank's loss is the global-batch loss and DDP's gradient average equals the single-process gradient (D18;
a plain, non-autograd all_reduce gives wrong gradients).
"""

from __future__ import annotations

import torch
import torch.distributed as dist


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


class _AllMean(torch.autograd.Function):
    """y = (1/W) Σ_r x_r on every rank. Every rank's loss depends on y, DDP averages the per-rank parameter
    gradients, so the adjoint is g_x = (1/W) Σ_r g_y,r (all-reduce SUM of the incoming gradients, over W)."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        y = x.clone()
        dist.all_reduce(y, op=dist.ReduceOp.SUM)
        return y / dist.get_world_size()

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        g = grad.contiguous().clone()
        dist.all_reduce(g, op=dist.ReduceOp.SUM)
        return g / dist.get_world_size()


def all_mean(x: torch.Tensor) -> torch.Tensor:
    """Mean of x over ranks, differentiable; the identity in a single process."""
    return _AllMean.apply(x) if is_distributed() else x


def all_mean_detached(x: torch.Tensor) -> torch.Tensor:
    """Mean over ranks of a tensor that needs no gradient (metrics, running statistics)."""
    if not is_distributed():
        return x
    y = x.detach().clone()
    dist.all_reduce(y, op=dist.ReduceOp.SUM)
    return y / dist.get_world_size()
