"""D17: λ form: convex vs additive."""

from __future__ import annotations

import torch

from ..registry import Context, Finding, discrepancy
from .shared import fmt


@discrepancy(
    id="D17",
    title="λ form: convex vs additive",
    statement="(1−λ)·pred + λ·sigreg (listing, R2, P2) vs pred + λ·sigreg (P1, and the pre-v3 equation as lejepa#2 "
    "reports it).",
    variants=("V3", "R2", "P1", "P2"),
    locus="docs/discrepancies.md#d17; stable-pretraining#413; galilai-group/lejepa#2",
    paper_says="LeJEPA loss (v3 equation and Algorithm 2): (1−λ)·pred + λ·SIGReg, λ = 0.05 recommended "
    "(§6.1, Table 7). Before v3 the equation put λ on SIGReg only (pred + λ·SIGReg) while Algorithm 2 "
    "returned the convex combination: reported in lejepa#2 (acknowledged by the author, fixed in v3); that "
    "equation was not read here",
    code_does="R2 (MINIMAL.md): (1−λ)·inv + λ·sigreg, λ = 0.02 in its recipe; P2 (lightly LeJEPALoss): "
    "(1−λ)·inv + λ·sigreg, λ = 0.05; P1 (stable-pretraining 0.1.8): inv + λ·sigreg, default λ = "
    "0.02 (stable-pretraining#413); R0/R1 ship no loss",
)
def conclude(ctx: Context) -> Finding:
    pred = torch.tensor(1.0, requires_grad=True)
    sig = torch.tensor(1.0, requires_grad=True)
    weights = {}
    for name, lam, convex in (
        ("listing/R2/P2 λ=0.05", 0.05, True),
        ("P1 λ=0.05", 0.05, False),
        ("P1 default λ=0.02", 0.02, False),
        ("R2 recipe λ=0.02", 0.02, True),
    ):
        loss = (1 - lam) * pred + lam * sig if convex else pred + lam * sig
        g_pred, g_sig = torch.autograd.grad(loss, (pred, sig))
        weights[name] = {"pred": float(g_pred), "sigreg": float(g_sig), "sigreg_over_pred": float(g_sig / g_pred)}
    ratio = weights["listing/R2/P2 λ=0.05"]["sigreg_over_pred"] / weights["P1 λ=0.05"]["sigreg_over_pred"]
    return Finding(
        verdict="confirmed",
        effect="relative weight of SIGReg to the prediction term at λ=0.05: convex (1−λ)·pred + λ·sig "
        f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} vs P1's pred + λ·sig "
        f"{fmt(weights['P1 λ=0.05']['sigreg_over_pred'], 4)} (×{fmt(ratio, 4)}); the prediction gradient is "
        f"scaled by {fmt(weights['listing/R2/P2 λ=0.05']['pred'], 3)} vs 1",
        estimate=ratio,
        interval=None,
        interval_method="exact: ratio of ∂loss/∂sig ÷ ∂loss/∂pred between the two forms",
        basis="derived",
        criterion="confirmed by the loss forms recorded in the references' provenance (P1: inv + λ·sigreg; P2 and "
        "R2: convex) and their gradients; the effect is 1/(1−λ) on the balance, 1−λ on the overall scale",
        variant_behaviour={
            **{
                v: "(1−λ)·pred + λ·sigreg: sigreg/pred weight "
                f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05"
                for v in ("V3", "P2")
            },
            "R2": "(1−λ)·pred + λ·sigreg: sigreg/pred weight "
            f"{fmt(weights['R2 recipe λ=0.02']['sigreg_over_pred'], 4)} at its recipe's λ=0.02, "
            f"{fmt(weights['listing/R2/P2 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05",
            "P1": f"pred + λ·sigreg: sigreg/pred weight {fmt(weights['P1 λ=0.05']['sigreg_over_pred'], 4)} at λ=0.05, "
            f"{fmt(weights['P1 default λ=0.02']['sigreg_over_pred'], 4)} at its default λ=0.02",
        },
        measurements=weights,
    )
