"""Frozen-feature evaluation and embedding diagnostics.

- Linear probe: multinomial logistic regression on standardised features, L2 penalty as scikit-learn's
  `LogisticRegression(C=1)` (½‖W‖² + C·Σ CE), fitted by L-BFGS in float64 (deterministic, no sklearn solver
  noise). Full labels, and k-shot (k per class) over several seeded draws.
- kNN: cosine similarity, k neighbours, votes weighted by exp(sim / 0.07) (the DINO-style weighted vote).
- Diagnostics on held-out embeddings: effective rank (exp of the entropy of the normalised singular values of
  the centred embeddings, RankMe), covariance eigenvalues, top-eigenvalue fraction and condition number, SIGReg as
  R1 and as the listing V1 compute it, and the exact EP of each slice (reference.oracle) with its asymptotic
  p-value; slices share the data, so they are combined by Bonferroni (valid under any dependence; O5).
"""

from __future__ import annotations

import math

import numpy as np
import torch

import reference
from reference import oracle

EP_TAIL = 60.0


def _standardise(train: torch.Tensor, *others: torch.Tensor) -> list[torch.Tensor]:
    mean, std = train.mean(0), train.std(0).clamp_min(1e-8)
    return [(x - mean) / std for x in (train, *others)]


def logistic_probe(
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    test_x: torch.Tensor,
    test_y: torch.Tensor,
    num_classes: int,
    C: float = 1.0,
    max_iter: int = 200,
) -> float:
    """Test accuracy (%) of an L2 logistic regression fitted on (train_x, train_y)."""
    xtr, xte = _standardise(train_x.double(), test_x.double())
    n, d = xtr.shape
    w = torch.zeros(d, num_classes, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(num_classes, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=max_iter, tolerance_grad=1e-9, line_search_fn="strong_wolfe")
    penalty = 0.5 / (C * n)  # sklearn's objective divided by C·n

    def closure():
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(xtr @ w + b, train_y) + penalty * w.square().sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return float(((xte @ w + b).argmax(1) == test_y).double().mean() * 100)


def few_shot_indices(labels: torch.Tensor, shots: int, generator: torch.Generator) -> torch.Tensor:
    """`shots` indices per class drawn without replacement (sorted, so the probe sees a fixed order)."""
    picks = []
    for c in torch.unique(labels):
        idx = torch.nonzero(labels == c).flatten()
        picks.append(idx[torch.randperm(idx.numel(), generator=generator)[:shots]])
    return torch.cat(picks).sort().values


def knn_accuracy(train_x, train_y, test_x, test_y, num_classes: int, k: int = 20, temperature: float = 0.07) -> float:
    a = torch.nn.functional.normalize(train_x.double(), dim=1)
    q = torch.nn.functional.normalize(test_x.double(), dim=1)
    sim, idx = (q @ a.T).topk(min(k, a.shape[0]), dim=1)
    votes = torch.zeros(q.shape[0], num_classes, dtype=torch.float64)
    votes.scatter_add_(1, train_y[idx], (sim / temperature).exp())
    return float((votes.argmax(1) == test_y).double().mean() * 100)


def probes(train_x, train_y, test_x, test_y, num_classes: int, shots: int, draws: int, generator, knn_k: int) -> dict:
    few = []
    for _ in range(draws):
        idx = few_shot_indices(train_y, shots, generator)
        few.append(logistic_probe(train_x[idx], train_y[idx], test_x, test_y, num_classes))
    return {
        "linear_probe": logistic_probe(train_x, train_y, test_x, test_y, num_classes),
        f"linear_probe_{shots}shot": float(np.mean(few)),
        f"linear_probe_{shots}shot_draws": few,
        "knn": knn_accuracy(train_x, train_y, test_x, test_y, num_classes, k=knn_k),
    }


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def effective_rank(z: torch.Tensor) -> float:
    """RankMe: exp of the Shannon entropy of the normalised singular values of the centred z (N, K); 0 for a
    constant z. The one definition of the suite (training diagnostics and `repro diagnose`)."""
    z64 = z.double()
    sv = torch.linalg.svdvals(z64 - z64.mean(0))
    total = sv.sum()
    if not total > 0:
        return 0.0
    p = sv[sv > 0] / total
    return float(torch.exp(-(p * torch.log(p)).sum()))


#: Scale-aware collapse: SIGReg's target is N(0, I), so a dimension whose std is a tenth of that target carries
#: (almost) nothing, and one direction holding half the variance is a rank-one cloud, whatever RankMe says (RankMe is
#: scale-free: a cloud shrunk to std 0.003 keeps its rank).
COLLAPSE = {"std_min_below": 0.1, "top_eigenvalue_fraction_above": 0.5}


def is_collapsed(std_min: float, top_fraction: float | None) -> bool:
    """`COLLAPSE`'s rule on a cloud's smallest per-dimension std and top-eigenvalue fraction (None: no variance)."""
    top = 1.0 if top_fraction is None else top_fraction
    return bool(std_min < COLLAPSE["std_min_below"] or top > COLLAPSE["top_eigenvalue_fraction_above"])


def collapsed(z: torch.Tensor) -> bool:
    """True when z (N, K) is collapsed in scale or in dimension by `COLLAPSE`'s thresholds."""
    z64 = z.double()
    centred = z64 - z64.mean(0)
    eig = torch.linalg.eigvalsh(centred.T @ centred / max(1, z64.shape[0] - 1))
    return is_collapsed(float(z64.std(0).min()), float(eig[-1] / eig.sum()) if eig.sum() > 0 else None)


def diagnostics(z: torch.Tensor, directions: torch.Tensor, max_n: int = 512) -> dict:
    """Spectrum and Gaussianity diagnostics of held-out embeddings z (N, K) (the first max_n rows for the EP)."""
    z64 = z.double()
    centred = z64 - z64.mean(0)
    erank = effective_rank(z64)
    eig = torch.linalg.eigvalsh(centred.T @ centred / (z64.shape[0] - 1)).flip(0)
    top = float(eig[0] / eig.sum()) if eig.sum() > 0 else None
    std = z64.std(0)
    cond = float(eig[0] / eig[-1]) if eig[-1] > 0 else math.inf
    sub = z[:max_n].float()
    A = directions.float()
    with torch.no_grad():
        ep = np.asarray(oracle.ep((sub @ A).double().numpy()))  # exact EP of each slice (O1)
        # Above EP_TAIL the null survival function is below 1e-16 (O5 law; oracle.null_sf(50) is 0.0 in float64),
        # so those slices get p = 0 without the slow far-tail quadrature.
        p_slices = np.zeros_like(ep)
        moderate = ep < EP_TAIL
        if moderate.any():
            p_slices[moderate] = oracle.null_sf(ep[moderate], method="fft")
        exact = float(ep.mean())
        r1 = float(reference.get("R1").evaluate(sub, A))
        v1 = float(reference.get("V1").evaluate(sub, A).mean())
    m = p_slices.size
    return {
        "dim": int(z.shape[1]),
        "effective_rank": erank,
        "top_eigenvalue_fraction": top,
        "condition_number": _finite(cond),
        "eigenvalues": [float(v) for v in eig],  # covariance spectrum, descending (the report's spectra figure)
        "std_mean": float(std.mean()),
        "std_min": float(std.min()),
        "collapsed": is_collapsed(float(std.min()), top),  # from the spectrum and spread above, not recomputed
        "sigreg_exact": exact,
        "sigreg_R1": r1,
        "sigreg_V1": v1,
        "ep_p_bonferroni": float(min(1.0, p_slices.min() * m)),
        "ep_frac_slices_p_below_0.05": float((p_slices < 0.05).mean()),
        "ep_n": int(sub.shape[0]),
        "ep_slices": int(m),
    }
