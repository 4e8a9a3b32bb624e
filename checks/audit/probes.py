"""Targeted measurements for single discrepancies (pool jobs; each takes the run seed and returns plain data).

Every probe runs the references themselves (reference.REGISTRY) or the exact oracle; nothing here re-derives
a variant's arithmetic except where a discrepancy is about something no reference computes (the prediction
term, the other weight window of the paper's text), and those few lines say so.
"""

from __future__ import annotations

import math

import numpy as np
import torch

import reference
from core.directions import unit_directions
from core.streams import generator, np_rng
from reference import oracle

from . import battery

ONE_DIRECTION = torch.ones(1, 1)  # K = 1, M = 1: the univariate statistic through the slicing contract


def _univariate(y: torch.Tensor, variant_id: str = "R1") -> torch.Tensor:
    """The per-slice statistic of a variant on one sample y (N,), via the contract with K = M = 1."""
    return reference.get(variant_id).evaluate(y[:, None], ONE_DIRECTION)


UNIVARIATE_LAWS = {
    # 1-D laws of the gradient-bound check: those of docs/discrepancies.md#d6 (N(0,1), N(0,100), ±1)
    # plus a light- and a heavy-tailed shape (unit-variance uniform, raw Student t₃).
    "N(0,1)": lambda n, g: torch.randn(n, generator=g),
    "N(0,10^2)": lambda n, g: 10 * torch.randn(n, generator=g),
    "uniform": lambda n, g: (torch.rand(n, generator=g) * 2 - 1) * math.sqrt(3),
    "rademacher": lambda n, g: torch.randint(0, 2, (n,), generator=g).float() * 2 - 1,
    "t3": lambda n, g: torch.randn(n, generator=g) / torch.sqrt(torch.randn(n, 3, generator=g).square().sum(-1) / 3),
}


def gradient_bound_job(ns: list[int], reps: int, seed: int) -> dict:
    """D6: max_n |∂EP/∂y_n| of R1's statistic (autograd, float32) and of the exact statistic (O4), per law and N."""
    out: dict = {}
    for law, make in UNIVARIATE_LAWS.items():
        out[law] = {}
        for n in ns:
            r1_max, exact_max = [], []
            for r in range(reps):
                y = make(n, generator(seed, "D6", law, n, r)).float()
                yy = y.clone().requires_grad_(True)
                _univariate(yy).backward()
                r1_max.append(float(yy.grad.abs().max()))
                exact_max.append(float(np.abs(oracle.ep_grad(y.double().numpy())).max()))
            out[law][n] = {"r1": r1_max, "exact": exact_max}
    return out


def factor_n_job(ns: list[int], k: int, m: int, reps: int, seed: int) -> dict:
    """D5: R1's value under H0 and on rank-1 collapse, and the parameter-gradient norms of SIGReg and of the
    prediction term for a linear encoder, as N grows.

    The encoder z = x·W (x ~ N(0, I_K), W a fixed matrix with log-spaced singular values 0.25 … 4, so z is
    anisotropic: a fixed non-Gaussian-isotropy law) is evaluated on two views x and x + 0.1·ε; the prediction
    term is the listing's mean over samples and dims of (z₁ − z₂)² (no reference computes it)."""
    r1 = reference.get("R1")
    w0 = torch.linalg.qr(torch.randn(k, k, generator=generator(seed, "D5", "W")))[0]
    w0 = w0 * torch.logspace(math.log10(0.25), math.log10(4.0), k)
    out: dict = {}
    for n in ns:
        rec = {"h0": [], "rank1": [], "grad_sigreg": [], "grad_pred": []}
        for r in range(reps):
            a = unit_directions(k, m, generator(seed, "D5", "A", n, r))
            with torch.no_grad():
                rec["h0"].append(
                    float(r1.evaluate(battery.sample("gaussian", n, k, generator(seed, "D5", "h0", n, r)), a))
                )
                rec["rank1"].append(
                    float(r1.evaluate(battery.sample("rank1", n, k, generator(seed, "D5", "r1", n, r)), a))
                )
            g = generator(seed, "D5", "enc", n, r)
            x = torch.randn(n, k, generator=g)
            x2 = x + 0.1 * torch.randn(n, k, generator=g)
            w = w0.clone().requires_grad_(True)
            z1, z2 = x @ w, x2 @ w
            (gs,) = torch.autograd.grad(r1.evaluate(z1, a), w, retain_graph=True)
            (gp,) = torch.autograd.grad((z1 - z2).square().mean(), w)
            rec["grad_sigreg"].append(float(gs.norm()))
            rec["grad_pred"].append(float(gp.norm()))
        out[n] = rec
    return out


def bias_job(ns: list[int], reps: int, seed: int, mu: float = 0.5) -> dict:
    """D7: R1's univariate statistic under H0 and under N(μ, 1), N iid samples, many replicates per N."""
    out: dict = {}
    for n in ns:
        h0, alt = [], []
        with torch.no_grad():
            for r in range(reps):
                g = generator(seed, "D7", n, r)
                h0.append(float(_univariate(torch.randn(n, generator=g))))
                alt.append(float(_univariate(torch.randn(n, generator=g) + mu)))
        out[n] = {"h0": h0, "alt": alt}
    return out


def r0_r1_job(ns: list[int], k: int, m: int, reps: int, seed: int, laws: tuple[str, ...]) -> dict:
    """D13: R1 and R0 on the same batches and directions: value ratio, gradient norm ratio and cosine."""
    r0, r1 = reference.get("R0"), reference.get("R1")
    out: dict = {}
    for law in laws:
        out[law] = {}
        for n in ns:
            rec = {"value_ratio": [], "grad_ratio": [], "grad_cos": []}
            for r in range(reps):
                x = battery.sample(law, n, k, generator(seed, "D13", law, n, r))
                a = unit_directions(k, m, generator(seed, "D13", "A", n, r))
                grads, values = [], []
                for variant in (r1, r0):
                    xx = x.clone().requires_grad_(True)
                    v = variant.evaluate(xx, a)
                    v.backward()
                    values.append(float(v.detach()))
                    grads.append(xx.grad.flatten().double())
                rec["value_ratio"].append(values[0] / values[1])
                rec["grad_ratio"].append(float(grads[0].norm() / grads[1].norm()))
                rec["grad_cos"].append(float(torch.nn.functional.cosine_similarity(grads[0], grads[1], dim=0)))
            out[law][n] = rec
    return out


def window_job(n: int, reps: int, seed: int) -> dict:
    """D3: the exact statistic with the code's window e^{−t²/2} and with the text's e^{−t²/σ²}, σ = 1, on H0
    samples and on a unit-variance uniform sample (docs/oracle.md#window closed form; float64)."""
    beta = 1 / math.sqrt(2)  # e^{−t²} = e^{−t²/(2β²)} with β = 1/√2

    def text_window(y: np.ndarray) -> float:
        d = y[:, None] - y[None, :]
        b2 = beta * beta
        c = math.sqrt(2 * math.pi) * beta
        return float(
            c / y.size * np.exp(-b2 * d * d / 2).sum()
            - 2 * c / math.sqrt(1 + b2) * np.exp(-b2 * y * y / (2 * (1 + b2))).sum()
            + y.size * c / math.sqrt(1 + 2 * b2)
        )

    rng = np_rng(seed, 3)
    code, text, code_u, text_u = [], [], [], []
    for _ in range(reps):
        y = rng.standard_normal(n)
        u = rng.uniform(-math.sqrt(3), math.sqrt(3), n)
        code.append(float(oracle.ep(y)))
        text.append(text_window(y))
        code_u.append(float(oracle.ep(u)))
        text_u.append(text_window(u))
    # The code side: the listing's statistic (V1 on one column) equals the exact grid statistic with window
    # e^{−t²/2} on the paper grid, to float32 rounding.
    y = torch.randn(n, 1, generator=generator(seed, "D3", "code"))
    v1 = float(reference.get("V1").evaluate(y, ONE_DIRECTION)[0])
    grid = float(oracle.grid_ep(y.double().numpy()[:, 0], *oracle.PAPER_GRID))
    return {"code": code, "text": text, "code_uniform": code_u, "text_uniform": text_u, "v1": v1, "grid": grid}


def zero_saddle(n: int = 16) -> dict:
    """Gradient and Hessian of the exact statistic at the all-zero sample (O4: a saddle; claim PR1)."""
    y0 = torch.zeros(n, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(oracle.ep(y0), y0)
    h = torch.autograd.functional.hessian(lambda y: oracle.ep(y), torch.zeros(n, dtype=torch.float64))
    eig = torch.linalg.eigvalsh(h)
    return {"grad_max_abs": float(g.abs().max()), "hessian_eigenvalues": [float(e) for e in eig]}
