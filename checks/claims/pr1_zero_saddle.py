"""PR1: all-zero embeddings are a stationary point of every published SIGReg (a property, not a code-versus-paper
discrepancy; the audit listed it as D11).

At x = 0 every empirical characteristic function equals 1 and every sine mean is 0, so the gradient of EP (hence of
SIGReg) vanishes exactly, while the value is large (N·(√(2π) − 2√π + √(2π/3)) ≈ 0.409·N for the exact statistic).
Checked for every registered variant on an all-zero batch (float32, as the variants run), and for the exact
statistic with its Hessian at 0 (float64 autograd): eigenvalues √π once and √π − 2√(2π) (N − 1 times), a saddle.
Holds by construction: basis derived, no control needed; the numbers are kept.
"""

from __future__ import annotations

import math

import numpy as np
import torch

import reference

from ..audit.probes import zero_saddle
from ..registry import Outcome, Tolerance, claim

EXPECTED = {"positive": math.sqrt(math.pi), "negative": math.sqrt(math.pi) - 2 * math.sqrt(2 * math.pi)}


def at_zero(variant: str, n: int, k: int, m: int) -> dict:
    """Value and largest gradient entry of `variant` at the all-zero (N, K) batch (vector outputs: their mean)."""
    x = torch.zeros(n, k, requires_grad=True)
    a = torch.eye(k)[:, :m]  # any unit directions: every projection of 0 is 0
    value = reference.get(variant).evaluate(x, a)
    value.mean().backward()
    return {"value_per_sample": float(value.detach().mean()) / n, "grad_max_abs": float(x.grad.abs().max())}


def core(n: int = 256, k: int = 8, m: int = 4) -> Outcome:
    if m > k:
        raise ValueError(f"m must be <= k (coordinate directions), got m = {m}, k = {k}")
    rows = {vid: at_zero(vid, n, k, m) for vid in reference.REGISTRY}
    saddle = zero_saddle(16)
    eig = np.asarray(saddle["hessian_eigenvalues"])
    exact_zero = all(r["grad_max_abs"] == 0.0 for r in rows.values()) and saddle["grad_max_abs"] == 0.0
    hessian_ok = abs(eig.max() - EXPECTED["positive"]) < 1e-9 and np.allclose(eig[:-1], EXPECTED["negative"])
    return Outcome(
        verdict="reproduced" if exact_zero and hessian_ok else "not-reproduced",
        estimate=max(r["grad_max_abs"] for r in rows.values()),
        interval=None,
        n=len(rows),
        tolerance=Tolerance(0.0, "exact: the gradient at x = 0 is identically zero; Hessian to 1e-9"),
        reason="gradient at the all-zero batch exactly 0 for "
        + ", ".join(v for v, r in rows.items() if r["grad_max_abs"] == 0.0)
        + " and the exact statistic; value per sample there "
        + ", ".join(f"{v} {r['value_per_sample']:.4f}" for v, r in rows.items())
        + f"; exact Hessian eigenvalues {eig.max():.5f} (×1) and {eig.min():.5f} (×{int((eig < 0).sum())}): a saddle",
        detail={"variants": rows, "exact_hessian_eigenvalues": saddle["hessian_eigenvalues"], "expected": EXPECTED},
    )


@claim(
    id="PR1-zero-saddle",
    version=1,
    paper="property of the Epps–Pulley statistic (formerly audit entry D11); the paper is silent",
    tier="cpu-fast",
    budget_s=10,
    statement="All-zero embeddings are a stationary point (a saddle) of SIGReg in every published implementation, "
    "with a large value there",
    paper_numbers={},
    basis="derived",
)
def check(rng: np.random.Generator) -> Outcome:
    """Deterministic: rng unused."""
    return core()
