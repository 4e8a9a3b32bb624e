"""`python -m checks lambda --from ID --to ID --batch N --views V --dim K [--world-size W] [--lambda L]`: the λ in
one published convention that gives the same balance of gradients as λ in another (derivation: docs/lambda.md).

Each convention writes its loss as a(λ)·pred + λ·sigreg with a(λ) = 1 − λ (convex) or 1 (additive), a prediction
term that averages or sums over the K dimensions (κ = 1 or K), and a SIGReg whose gradient per sample is σ times
R1's on the same batch (σ depends on N, V and the world size W). The balance λ·σ / (a(λ)·κ) is what the optimiser
sees; the target λ is the one that gives the target convention the source's balance.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Convention:
    id: str
    form: str  # "convex": (1 − λ)·pred + λ·sigreg; "additive": pred + λ·sigreg
    pred_over_k: str  # the prediction term's reduction over the K dimensions: "mean" or "sum"
    sigma: Callable[[int, int, int], float]  # (N, V, W) -> SIGReg gradient per sample relative to R1's
    sigma_text: str
    default_lambda: float | None
    basis: str  # where the loss form comes from

    def a(self, lam: float) -> float:
        return 1.0 - lam if self.form == "convex" else 1.0

    def kappa(self, k: int) -> float:
        return float(k) if self.pred_over_k == "sum" else 1.0


_LISTING = "the paper's listing (Algorithm 2): (1 − λ)·pred + λ·sigreg, pred averaged over K"
CONVENTIONS = {
    c.id: c
    for c in (
        Convention("V1", "convex", "mean", lambda n, v, w: 1 / w, "1/W (non-autograd all_reduce)", 0.05, _LISTING),
        Convention("V3", "convex", "mean", lambda n, v, w: 1 / w, "1/W (non-autograd all_reduce)", 0.05, _LISTING),
        Convention(
            "paper",
            "convex",
            "sum",
            lambda n, v, w: 1.0,
            "1 (global batch)",
            0.05,
            "the paper's equation: (1 − λ)·pred + λ·sigreg, pred summed over K (its squared norm)",
        ),
        Convention(
            "R0",
            "convex",
            "mean",
            lambda n, v, w: 1 / (n * w),
            "1/(N·W) (no factor N)",
            None,
            "ships no loss: the listing's form is assumed around its SIGReg",
        ),
        Convention(
            "R1",
            "convex",
            "mean",
            lambda n, v, w: 1.0,
            "1 (global batch)",
            None,
            "ships no loss: the listing's form is assumed around its SIGReg",
        ),
        Convention(
            "R2",
            "convex",
            "mean",
            lambda n, v, w: 1 / w,
            "1/W (no distributed code)",
            0.02,
            "MINIMAL.md: (1 − λ)·inv + λ·sigreg, inv a mean",
        ),
        Convention(
            "P1",
            "additive",
            "mean",
            lambda n, v, w: float(v),
            "V (views flattened; W cancels)",
            0.02,
            "stable-pretraining 0.1.8 LeJEPA: inv + λ·sigreg (inv taken as a mean over K: not read here)",
        ),
        Convention(
            "P2",
            "convex",
            "mean",
            lambda n, v, w: 1.0,
            "1 (global batch)",
            0.05,
            "lightly 1.6.0 LeJEPALoss: (1 − λ)·inv + λ·sigreg, inv a mean-squared distance",
        ),
        Convention(
            "P3",
            "additive",
            "mean",
            lambda n, v, w: 1 / w,
            "1/W (no distributed code)",
            1.0,
            "pyjepa 0.3.0 LeWM trainer: pred.pow(2).mean() + sigreg_weight·sigreg",
        ),
    )
}


def get(convention_id: str) -> Convention:
    try:
        return CONVENTIONS[convention_id]
    except KeyError:
        raise ValueError(f"unknown convention {convention_id!r}; known: {', '.join(CONVENTIONS)}") from None


def _check(lam: float, convention: Convention, n: int, views: int, dim: int, world: int) -> None:
    for name, value, low in (("batch", n, 2), ("views", views, 1), ("dim", dim, 1), ("world size", world, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if convention.form == "convex" and not 0 < lam < 1:
        raise ValueError(f"{convention.id} weighs (1 − λ)·pred + λ·sigreg: λ must lie in (0, 1), got {lam}")
    if not lam > 0:
        raise ValueError(f"λ must be > 0, got {lam}")
    if convention.id == "R0" and views > 1:
        raise ValueError("R0 on several views takes the ECF across the views (not per view): no λ reproduces it")


def balance(convention: Convention, lam: float, n: int, views: int, dim: int, world: int) -> float:
    """Gradient of λ·sigreg over that of a(λ)·pred, in units of R1's SIGReg and a K-averaged prediction term."""
    return lam * convention.sigma(n, views, world) / (convention.a(lam) * convention.kappa(dim))


def convert(source: str, target: str, lam: float, *, n: int, views: int, dim: int, world: int = 1) -> float:
    """λ in `target` with the balance of gradients that λ has in `source`."""
    s, t = get(source), get(target)
    _check(lam, s, n, views, dim, world)
    _check(0.5, t, n, views, dim, world)
    rho = balance(s, lam, n, views, dim, world) * t.kappa(dim) / t.sigma(n, views, world)
    return rho / (1 + rho) if t.form == "convex" else rho


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "lambda",
        help="convert λ between published SIGReg loss conventions",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--from", dest="source", required=True, help=f"source convention: {', '.join(CONVENTIONS)}")
    parser.add_argument("--to", dest="target", required=True, help="target convention")
    parser.add_argument("--batch", type=int, required=True, help="samples per view per process (N)")
    parser.add_argument("--views", type=int, required=True, help="views (V)")
    parser.add_argument("--dim", type=int, required=True, help="embedding dimension (K)")
    parser.add_argument("--world-size", type=int, default=1, help="processes (W)")
    parser.add_argument("--lambda", dest="lam", type=float, default=None, help="λ in the source (default: its own)")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> int:
    source, target = get(args.source), get(args.target)
    lam = source.default_lambda if args.lam is None else args.lam
    if lam is None:
        raise ValueError(f"{source.id} ships no default λ; pass --lambda")
    sizes = {"n": args.batch, "views": args.views, "dim": args.dim, "world": args.world_size}
    out = convert(source.id, target.id, lam, **sizes)
    print(
        f"λ = {out:.6g} in {target.id} gives the gradient balance of λ = {lam:g} in {source.id} "
        f"(N = {args.batch}, V = {args.views}, K = {args.dim}, W = {args.world_size})"
    )
    for c, value in ((source, lam), (target, out)):
        print(
            f"  {c.id}: {c.form}, prediction {c.pred_over_k} over K, SIGReg gradient {c.sigma_text} × R1's; "
            f"balance {balance(c, value, **sizes):.6g} ({c.basis})"
        )
    if "V1" in (source.id, target.id):
        print("  note: V1's statistic is per coordinate, not sliced: the scale converts, what it regularises does not")
    return 0
