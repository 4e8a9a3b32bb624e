"""Single-defect mutants of R1 for `checks compare` (tests/test_compare.py): each changes exactly one aspect of
R1's computation, as public re-implementations have done. Built on the references' own primitives."""

from __future__ import annotations

import torch
import torch.distributed as dist

from checks.audit.ddp import statistic as ddp_statistic
from reference import cos_sin_error, folded_trapezoid

T, PHI, W = folded_trapezoid(3.0, 17)


def _r1(x, a, *, t=T, phi=PHI, w=W, factor=None, reduce=torch.mean):
    proj = x @ a.to(torch.float32)
    err = cos_sin_error(proj, t, phi)
    stats = (err @ w) * (x.size(-2) if factor is None else factor(x))
    return reduce(stats)


def r1_clone(x, a):
    return _r1(x, a)


def projection(x, a):
    # The listing v1's defect: directions drawn, never applied (statistic on each raw coordinate).
    err = cos_sin_error(x, T, PHI)
    return ((err @ W) * x.size(-2)).mean()


def factor_n(x, a):
    # The shadowing class before fd27093: no ×N.
    return _r1(x, a, factor=lambda x: 1)


def factor_wrong_batch(x, a):
    # ×N of the wrong batch: x.numel() // K, i.e. V·N on (V, N, K) input.
    return _r1(x, a, factor=lambda x: x.numel() // x.size(-1))


_T5, _PHI5, _W5 = folded_trapezoid(5.0, 17)


def grid(x, a):
    return _r1(x, a, t=_T5, phi=_PHI5, w=_W5)


def view_pooling(x, a):
    # stable-pretraining's LeJEPA: all views flattened into one sample.
    return _r1(x.reshape(-1, x.size(-1)), a)


def view_axis(x, a):
    # The ECF averaged over the view axis (dim 0 of a (V, N, M) projection), as R0's class did.
    proj = x @ a.to(torch.float32)
    if proj.dim() == 3:
        proj = proj.transpose(0, 1)  # (N, V, M): the V views are the "samples"
    err = cos_sin_error(proj, T, PHI)
    return ((err @ W) * proj.size(-2)).mean()


def reduction_sum(x, a):
    return _r1(x, a, reduce=lambda s: s.sum(-1).mean())


def reduction_vector(x, a):
    return _r1(x, a, reduce=lambda s: s if s.dim() == 1 else s.mean(0))


def dtype(x, a):
    # Computes the ECF in bfloat16 ("to save memory") and returns float32.
    proj = (x @ a.to(torch.float32)).bfloat16()
    angles = proj.unsqueeze(-1) * T.bfloat16()
    err = (angles.cos().mean(-3) - PHI.bfloat16()).square() + angles.sin().mean(-3).square()
    return ((err @ W.bfloat16()) * x.size(-2)).mean().float()


def collapse_gradient(x, a):
    # Detaches slices whose spread is tiny ("to avoid dividing by zero"): same values, no gradient at collapse.
    proj = x @ a.to(torch.float32)
    degenerate = proj.detach().std(dim=-2, keepdim=True) < 1e-2
    proj = torch.where(degenerate, proj.detach(), proj)
    err = cos_sin_error(proj, T, PHI)
    return ((err @ W) * x.size(-2)).mean()


def _world() -> int:
    return dist.get_world_size() if dist.is_available() and dist.is_initialized() else 1


def ddp_correct(x, a):
    # R1's distributed semantics: autograd-aware all_reduce of the cos/sin means, ×N_local·W.
    return ddp_statistic("R1-style", x, a.to(torch.float32), _world())


def ddp_discarded(x, a):
    # stable-pretraining 0.1.8: the all_reduce result is discarded.
    return ddp_statistic("P1-style", x, a.to(torch.float32), _world())


SINGLE_DEFECT = {
    "projection": projection,
    "factor_n": factor_n,
    "grid": grid,
    "view_pooling": view_axis,
    "reduction": reduction_sum,
    "dtype": dtype,
    "collapse_gradient": collapse_gradient,
}
