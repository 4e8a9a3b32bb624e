"""The float64 model of R1 with one aspect changed: `Model` (projection, grid, factor, view pooling), the quadrature
`GridSpec`s (R1's, the published ones, and the catalogue searched when the ratio to R1 depends on the law), and the
model's value and gradient on a probe."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

import reference
from reference import oracle

from .probes import _spread

# Quadrature grids searched when the ratio to R1 depends on the law: the official folded rule and the listing's
# trapezoid on [-T, T], over ranges and knot counts seen in public code and any nearby.
GRID_RANGES = (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
GRID_KNOTS = range(3, 42)


@dataclass(frozen=True)
class GridSpec:
    rule: str  # "folded" [0, T] (the official rule) or "trapezoid" [-T, T] (the listing's)
    t_max: float
    n_points: int

    def quadrature(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(knots t, window φ(t), weights·φ(t)) in float64, from the oracle's grids: the folded rule as the official
        code builds it, the listing's trapezoid on [-T, T] as it stands (unfolded: the same value, the integrand
        being even)."""
        if self.rule == "folded":
            knots, weights = oracle.folded_trapezoid_grid(self.t_max, self.n_points)
        else:
            knots, weights = oracle.trapezoid_grid(-self.t_max, self.t_max, self.n_points)
        t, w = torch.from_numpy(knots), torch.from_numpy(weights)
        phi = torch.exp(-0.5 * t.square())
        return t, phi, w * phi

    def describe(self) -> str:
        if self.rule == "folded":
            return f"folded trapezoid on [0, {self.t_max:g}] with {self.n_points} knots"
        return f"trapezoid on [-{self.t_max:g}, {self.t_max:g}] with {self.n_points} knots"


R1_GRID = GridSpec("folded", 3.0, 17)
PUBLISHED_GRIDS = (R1_GRID, GridSpec("trapezoid", 5.0, 17), GridSpec("trapezoid", 3.0, 10))  # R1, listings, R0


def per_slice(y: torch.Tensor, grid: GridSpec) -> torch.Tensor:
    """Epps–Pulley of each column of projections y (*, n, M) without the factor n (float64, autograd), by the
    references' grid statistic (`reference.cos_sin_error`)."""
    t, phi, weighted = _quadrature(grid)
    return reference.cos_sin_error(y.double(), t, phi) @ weighted


_GRIDS: dict = {}


def _quadrature(grid: GridSpec) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    if grid not in _GRIDS:
        _GRIDS[grid] = grid.quadrature()
    return _GRIDS[grid]


@dataclass(frozen=True)
class Model:
    """R1's computation with named aspects; `factor(n, m)` multiplies the per-slice mean for a batch of n."""

    projection: bool = True
    grid: GridSpec = R1_GRID
    factor: str = "N"  # "N", "1" (none), "N*M" (sum over slices), or a constant "c*N" written as a float
    constant: float = 1.0
    pooling: str = "per-view"  # "per-view", "flattened", "view-axis"
    view_scale: float = 1.0  # an extra constant on (V, N, K) input (×N of the wrong batch)

    def scale(self, n: int, m: int) -> float:
        if self.factor == "1":
            return 1.0
        if self.factor == "N*M":
            return float(n * m)
        return self.constant * n

    def __call__(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        x = x.double()
        a = a.double() if self.projection else torch.eye(x.shape[-1], dtype=torch.float64)
        m = a.shape[1]
        if x.dim() == 2:
            return per_slice(x @ a, self.grid).mean() * self.scale(x.shape[0], m)
        if self.pooling == "flattened":
            flat = x.reshape(-1, x.shape[-1])
            return per_slice(flat @ a, self.grid).mean() * self.scale(flat.shape[0], m)
        if self.pooling == "view-axis":  # the ECF averaged over the V views at each (sample, slice)
            y = (x @ a).transpose(0, 1)  # (N, V, M): views on the sample axis
            return per_slice(y, self.grid).mean() * self.scale(x.shape[0], m)
        return (per_slice(x @ a, self.grid).mean(dim=-1) * self.scale(x.shape[1], m)).mean() * self.view_scale


# -- The grid catalogue -- #


def _grid_catalogue():
    yield R1_GRID
    for rule in ("folded", "trapezoid"):
        for t_max in GRID_RANGES:
            for n in GRID_KNOTS:
                spec = GridSpec(rule, t_max, n)
                if spec != R1_GRID:
                    yield spec


def _catalogue_spreads(observed: dict, laws: dict, a: torch.Tensor | None) -> dict:
    """For every catalogue grid, the spread over the laws of observed / (R1 with that grid): all grids at once, from
    the empirical CF at the union of their knots (the engine's per-call cost times ~600 grids would be seconds)."""
    grids = {spec: [v.numpy() for v in _quadrature(spec)] for spec in _grid_catalogue()}  # (t, φ, w·φ) each
    knots = np.unique(np.concatenate([t for t, _, _ in grids.values()]))
    index = {spec: np.searchsorted(knots, t) for spec, (t, _, _) in grids.items()}
    phi = np.exp(-0.5 * knots**2)
    per_law = {}
    for law, x in laws.items():
        y = (x.double() @ a.double()).numpy() if a is not None else x.double().numpy()  # (N, M)
        angles = y[:, :, None] * knots  # (N, M, U)
        err = (np.cos(angles).mean(0) - phi) ** 2 + np.sin(angles).mean(0) ** 2  # (M, U)
        per_law[law] = (err, y.shape[0])
    spreads = {}
    for spec, g in grids.items():
        ratios = [observed[law] / float((err[:, index[spec]] @ g[2]).mean() * n) for law, (err, n) in per_law.items()]
        spreads[spec] = _spread(ratios)
    return spreads


def _model_grad(model: Model, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    xx = x.double().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(xx, a), xx)
    return grad
