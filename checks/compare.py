"""`python -m checks compare MODULE:CALLABLE`: which published SIGReg did you write, and how does it differ from R1?

The callable takes (x, directions), x of shape (N, K) or (V, N, K) and directions (K, M) with unit columns, and
returns a tensor (a scalar or per-slice values), like `reference.Variant.evaluate`. It is run on a fixed set of
small probes (float32, seeded) and

- `closest`: compared with every registered variant on the same probes: equal when every output agrees to
  VALUE_RTOL and every input gradient to GRAD_RTOL (relative to the largest entry) and its dtype behaviour
  (float64, bfloat16, autocast) is the same; otherwise the nearest variant by the median value ratio.
- `differences` (only when it equals no registered variant): the departures from R1, each measured against a
  float64 model of R1 with that one aspect changed, from the closed set DIFFERENCES. The model is fitted aspect
  by aspect (each probe is built so that one aspect shows): directions applied or not (the value is unchanged
  when the directions change), the factor and the reduction (the ratio to R1 at two N and two M), the quadrature
  grid (the ratio to R1 varies with the law; a catalogue of grids is searched for one under which it does not),
  view pooling (three-view probes: per view, flattened, ECF over the view axis), dtype behaviour (against R1's,
  and the value's stability under a permutation of the samples), the gradient at a near point mass, and with
  `--ddp` a real two-process gloo run (value and gradient against the callable's own single-process result on
  the global batch).
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.util
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import reference
from core.cli import seed as seed_type
from core.directions import unit_directions
from core.results import atomic_write_json, run_record
from core.streams import generator

from .audit.dtypes import run_mode as run_dtype_mode

DIFFERENCES = ("projection", "factor_n", "grid", "view_pooling", "reduction", "dtype", "ddp", "collapse_gradient")
# Same arithmetic reordered in float32 agrees to ~1e-6 relative; the nearest published departure (another grid)
# moves the value by >= 2e-3 on these probes, so 1e-5 / 1e-4 separate "the same function" from "another one".
VALUE_RTOL = 1e-5
GRAD_RTOL = 1e-4
# A float32 implementation agrees with the float64 model to ~1e-6; an aspect is "as R1" within this.
MODEL_RTOL = 1e-4
# A change of gradient at the near point mass counts when it exceeds both this and 10x the change elsewhere.
COLLAPSE_RTOL = 1e-2
N1, N2, K, M1, M2, V = 64, 32, 8, 16, 32, 3
DTYPE_MODES = ("float64", "bfloat16", "autocast-bf16")
WORLD = 2

# Residuals below this that no grid explains exactly are rounding (reported under dtype), above it structure.
LOOSE_RTOL = 2e-2
# Quadrature grids searched when the ratio to R1 depends on the law: the official folded rule and the listing's
# trapezoid on [-T, T], over ranges and knot counts seen in public code and any nearby.
GRID_RANGES = (1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
GRID_KNOTS = range(3, 42)


class CompareError(ValueError):
    """The callable cannot be compared (not found, raises, NaN, wrong shape): exit 2, nothing written."""


# -- Loading -- #


def load_callable(spec: str) -> Callable:
    """`package.module:name` or `path/to/file.py:name` -> the callable; CompareError saying what is wrong."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise CompareError(f"expected MODULE:CALLABLE or path/to/file.py:CALLABLE, got {spec!r}")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_file():
            raise CompareError(f"no such file: {target}")
        module_name = f"_compared_{abs(hash(str(path.resolve())))}"
        module_spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(module_spec)
        try:
            module_spec.loader.exec_module(module)
        except Exception as error:
            raise CompareError(f"importing {target} raised {type(error).__name__}: {error}") from None
    else:
        try:
            module = importlib.import_module(target)
        except Exception as error:
            raise CompareError(f"cannot import module {target!r}: {type(error).__name__}: {error}") from None
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise CompareError(f"{target} has no attribute {name!r}")
        obj = getattr(obj, part)
    if isinstance(obj, type):
        raise CompareError(f"{spec} is a class; point at a function or an instance taking (x, directions)")
    if not callable(obj):
        raise CompareError(f"{spec} is a {type(obj).__name__}, not a callable")
    return obj


# -- Probes -- #


def _laws(n: int, seed: int, tag: str) -> dict[str, torch.Tensor]:
    """2-D probes whose ECFs weigh the knots differently (so another grid changes their ratio to R1)."""
    g = generator(seed, "compare", tag, n)
    z = torch.randn(4, n, K, generator=g)
    u = torch.rand(n, K, generator=g)
    signs = torch.randint(0, 2, (n, 1), generator=g) * 2.0 - 1.0
    v = torch.randn(K, generator=g)
    return {
        "gaussian": z[0],
        "narrow-shifted": 0.3 * z[1] + 1.0,
        "uniform-wide": 6.0 * u - 3.0,
        "rank1": z[2, :, :1].expand(n, K) * 1.5,
        # ±r·v/|v| with r up to 30, plus a little noise: ECFs that oscillate fast enough in t to alias on a grid,
        # differently for each knot spacing (smooth laws cannot tell converged grids apart).
        "far-two-point": signs * (2.0 + 28.0 * u[:, :1]) * v / v.norm() + 0.05 * z[3],
    }


def _views(seed: int) -> dict[str, torch.Tensor]:
    """3-D probes (V = 3 views of N = 32): independent, identical, and differently scaled views."""
    g = generator(seed, "compare-views")
    z = torch.randn(2 * V + 1, N2, K, generator=g)
    scales = torch.tensor([0.5, 1.0, 1.8]).reshape(V, 1, 1)
    return {
        "independent": z[:V],
        "identical": (0.4 * z[V] + 0.6).expand(V, N2, K).contiguous(),
        "scaled": z[V : 2 * V] * scales,
    }


def _near_point_mass(seed: int) -> torch.Tensor:
    g = generator(seed, "compare-collapse")
    centre = torch.randn(K, generator=g)
    return centre + 1e-3 * torch.randn(N1, K, generator=g)


@dataclass
class Probes:
    seed: int
    a1: torch.Tensor = field(init=False)  # (K, M1)
    a1_other: torch.Tensor = field(init=False)  # another (K, M1) draw: does the value depend on the directions?
    a2: torch.Tensor = field(init=False)  # (K, M2)
    laws: dict = field(init=False)  # N1 probes
    laws_n2: dict = field(init=False)  # N2 probes
    views: dict = field(init=False)
    collapse: torch.Tensor = field(init=False)

    def __post_init__(self):
        self.a1 = unit_directions(K, M1, generator(self.seed, "compare-A", M1))
        self.a1_other = unit_directions(K, M1, generator(self.seed, "compare-A-other", M1))
        self.a2 = unit_directions(K, M2, generator(self.seed, "compare-A", M2))
        self.laws = _laws(N1, self.seed, "laws")
        self.laws_n2 = _laws(N2, self.seed, "laws-n2")
        self.views = _views(self.seed)
        self.collapse = _near_point_mass(self.seed)

    def identification(self) -> list[tuple[str, torch.Tensor, torch.Tensor]]:
        """(name, x, directions) on which a callable and a registered variant must agree to be called equal."""
        out = [(f"2d-{law}", x, self.a1) for law, x in self.laws.items()]
        out.append(("2d-gaussian-N32-M32", self.laws_n2["gaussian"], self.a2))
        out += [(f"3d-{law}", x, self.a1) for law, x in self.views.items()]
        out.append(("near-point-mass", self.collapse, self.a1))
        return out


# -- Running the callable -- #


def _allowed_shapes(x: torch.Tensor, m: int) -> set[tuple[int, ...]]:
    shapes = {(), (1,), (m,), (K,)}
    if x.dim() == 3:
        shapes |= {(V,), (V, m), (V, K)}
    return shapes


def evaluate(fn: Callable, x: torch.Tensor, a: torch.Tensor, name: str = "probe") -> tuple[torch.Tensor, torch.Tensor]:
    """(output, gradient of its sum w.r.t. x), both float64 and detached; CompareError if the callable fails."""
    xx = x.clone().requires_grad_(True)
    try:
        out = fn(xx, a.clone())
    except Exception as error:
        raise CompareError(
            f"the callable raised {type(error).__name__} on float32 x of shape {tuple(x.shape)} and directions "
            f"{tuple(a.shape)} ({name}): {str(error).strip().splitlines()[0] if str(error).strip() else ''}"
        ) from None
    if not isinstance(out, torch.Tensor):
        raise CompareError(f"the callable must return a torch.Tensor, got {type(out).__name__} ({name})")
    if tuple(out.shape) not in _allowed_shapes(x, a.shape[1]):
        raise CompareError(
            f"the callable returned shape {tuple(out.shape)} for x {tuple(x.shape)} and {a.shape[1]} directions "
            f"({name}); expected a scalar or one value per slice, direction, coordinate or view"
        )
    if not bool(torch.isfinite(out).all()):
        raise CompareError(f"the callable returned NaN or Inf on x of shape {tuple(x.shape)} ({name})")
    if out.requires_grad:
        (grad,) = torch.autograd.grad(out.sum(), xx, allow_unused=True)
    else:
        grad = None
    grad = torch.zeros_like(x, dtype=torch.float64) if grad is None else grad.detach().double()
    return out.detach().double(), grad


def _scalar(out: torch.Tensor) -> float:
    return float(out.mean())


def _rel(a: torch.Tensor, b: torch.Tensor) -> float:
    """max |a − b| / max |b| (0 when both are 0)."""
    scale = float(b.abs().max()) if b.numel() else 0.0
    diff = float((a - b).abs().max()) if a.numel() else 0.0
    if scale == 0.0:
        return 0.0 if diff == 0.0 else math.inf
    return diff / scale


class _AsVariant:
    """A callable seen through the `evaluate(x, directions)` contract the dtype audit runs."""

    def __init__(self, fn: Callable):
        self.evaluate = fn


def dtype_signature(fn: Callable, probes: Probes) -> dict:
    """For float64 and bfloat16 inputs and float32 under bf16 autocast: raises, or the output dtype and whether the
    value moves more than 1e-5 from the float32 value on the same data (bfloat16: from float32 on the rounded data)."""
    x, a = probes.laws["gaussian"], probes.a1
    out: dict = {}
    for mode in DTYPE_MODES:
        source = x.bfloat16().float() if mode == "bfloat16" else x
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            base = run_dtype_mode(_AsVariant(fn), source, a, "float32")
            run = run_dtype_mode(_AsVariant(fn), x, a, mode)
        if run["status"] != "ok":
            out[mode] = {"status": "raises", "exception": run["exception"], "message": run["message"]}
            continue
        change = abs(run["value"] / base["value"] - 1) if base.get("value") else math.inf
        out[mode] = {
            "status": "ok",
            "out_dtype": run["out_dtype"],
            "rel_change": change,
            "moves": bool(change > VALUE_RTOL),
        }
    return out


def _signature_key(signature: dict) -> tuple:
    return tuple(
        (mode, s["status"], s.get("exception") if s["status"] == "raises" else (s["out_dtype"], s["moves"]))
        for mode, s in signature.items()
    )


def permutation_noise(fn: Callable, probes: Probes) -> float:
    """Relative change of the value when the samples are permuted (exactly invariant in exact arithmetic)."""
    x, a = probes.laws["gaussian"], probes.a1
    perm = torch.randperm(x.shape[0], generator=generator(probes.seed, "compare-perm"))
    with torch.no_grad():
        v0, v1 = _scalar(fn(x, a).double()), _scalar(fn(x[perm], a).double())
    return abs(v1 / v0 - 1) if v0 else math.inf


# -- The float64 model of R1 with one aspect changed -- #


@dataclass(frozen=True)
class GridSpec:
    rule: str  # "folded" [0, T] (the official rule) or "trapezoid" [-T, T] (the listing's)
    t_max: float
    n_points: int

    def build(self):
        from repro.sigreg import Grid

        if self.rule == "folded":
            return Grid.folded(self.t_max, self.n_points)
        return Grid.trapezoid(-self.t_max, self.t_max, self.n_points)

    def describe(self) -> str:
        if self.rule == "folded":
            return f"folded trapezoid on [0, {self.t_max:g}] with {self.n_points} knots"
        return f"trapezoid on [-{self.t_max:g}, {self.t_max:g}] with {self.n_points} knots"


R1_GRID = GridSpec("folded", 3.0, 17)
PUBLISHED_GRIDS = (R1_GRID, GridSpec("trapezoid", 5.0, 17), GridSpec("trapezoid", 3.0, 10))  # R1, listings, R0


def per_slice(y: torch.Tensor, grid: GridSpec) -> torch.Tensor:
    """Epps–Pulley of each column of projections y (*, n, M) without the factor n (float64, autograd)."""
    from repro.sigreg import epps_pulley

    return epps_pulley(y.double(), grid=_built(grid), sync=False) / y.shape[-2]


_GRIDS: dict = {}


def _built(grid: GridSpec):
    if grid not in _GRIDS:
        _GRIDS[grid] = grid.build()
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


# -- Fitting the model, aspect by aspect -- #


def _close(a: float, b: float, rtol: float = MODEL_RTOL) -> bool:
    return abs(a - b) <= rtol * abs(b)


def _spread(values) -> float:
    values = np.asarray(values, dtype=np.float64)
    if np.any(values <= 0) or not np.all(np.isfinite(values)):
        return math.inf
    return float(values.max() / values.min() - 1)


@dataclass
class Finding:
    name: str
    detail: str
    evidence: dict

    def as_dict(self) -> dict:
        return {"difference": self.name, "detail": self.detail, "evidence": self.evidence}


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
    grids = {spec: _built(spec) for spec in _grid_catalogue()}
    knots = np.unique(np.concatenate([g.knots for g in grids.values()]))
    index = {spec: np.searchsorted(knots, g.knots) for spec, g in grids.items()}
    phi = np.exp(-0.5 * knots**2)
    per_law = {}
    for law, x in laws.items():
        y = (x.double() @ a.double()).numpy() if a is not None else x.double().numpy()  # (N, M)
        angles = y[:, :, None] * knots  # (N, M, U)
        err = (np.cos(angles).mean(0) - phi) ** 2 + np.sin(angles).mean(0) ** 2  # (M, U)
        per_law[law] = (err, y.shape[0])
    spreads = {}
    for spec, g in grids.items():
        ratios = [
            observed[law] / float((err[:, index[spec]] @ g.coefficients).mean() * n)
            for law, (err, n) in per_law.items()
        ]
        spreads[spec] = _spread(ratios)
    return spreads


def diagnose_differences(fn: Callable, probes: Probes, tolerance: float) -> tuple[list[Finding], dict, Model]:
    """The departures of `fn` from R1 with their evidence, the measurements, and the fitted model."""
    findings: list[Finding] = []
    measured: dict = {}
    values = {law: evaluate(fn, x, probes.a1, law) for law, x in probes.laws.items()}

    # Output shape: R1 returns the mean over slices (a scalar).
    shapes = sorted({tuple(out.shape) for out, _ in values.values()})
    measured["output_shape_2d"] = [list(s) for s in shapes]
    vector = shapes != [()] and shapes != [(1,)]

    # Directions applied? R1's value changes when the directions do.
    x0 = probes.laws["gaussian"]
    other, _ = evaluate(fn, x0, probes.a1_other, "other directions")
    same = _rel(other, values["gaussian"][0])
    measured["value_change_with_other_directions"] = same
    projection = same > VALUE_RTOL
    if not projection:
        findings.append(
            Finding(
                "projection",
                "the directions are not applied: the value is the same for two different direction sets, so the "
                "statistic is computed on the raw coordinates (R1 uses x @ directions)",
                {"relative_change_with_other_directions": same},
            )
        )
    if vector:
        per = "coordinate" if not projection else "slice"
        findings.append(
            Finding(
                "reduction",
                f"returns a vector {shapes[0]} (one value per {per}) where R1 returns their mean, a scalar",
                {"output_shape": list(shapes[0])},
            )
        )

    # Grid: the ratio to the model with the right grid does not depend on the law.
    def model_values(model: Model, laws: dict, a: torch.Tensor) -> dict:
        with torch.no_grad():
            return {law: float(model(x, a)) for law, x in laws.items()}

    observed = {law: _scalar(out) for law, (out, _) in values.items()}
    base = Model(projection=projection)
    r1_ratios = {law: observed[law] / v for law, v in model_values(base, probes.laws, probes.a1).items()}
    r1_spread = _spread(list(r1_ratios.values()))
    measured["ratio_spread_over_laws_with_R1_grid"] = r1_spread
    grid, imprecise = R1_GRID, None
    if r1_spread > tolerance:
        spreads = _catalogue_spreads(observed, probes.laws, probes.a1 if projection else None)
        floor = min(spreads.values())
        # Fine grids over the same range converge to one integral: among those matching as well as the best,
        # name a published grid if one is there, else the coarsest.
        matching = [spec for spec, spread in spreads.items() if spread <= max(2 * floor, floor + 1e-6)]
        published = [spec for spec in PUBLISHED_GRIDS if spec in matching]
        best = published[0] if published else min(matching, key=lambda spec: (spec.n_points, spec.t_max))
        evidence = {
            "ratio_to_R1_by_law": r1_ratios,
            "spread_with_R1_grid": r1_spread,
            "best_grid": best.describe(),
            "spread_with_best_grid": spreads[best],
            "tolerance": tolerance,
        }
        if spreads[best] <= tolerance:
            grid = best
            findings.append(
                Finding("grid", f"another quadrature grid: {best.describe()} (R1: {R1_GRID.describe()})", evidence)
            )
        elif r1_spread <= LOOSE_RTOL:
            imprecise = r1_spread  # no grid explains it exactly: rounding, judged with the dtype below
        else:
            findings.append(Finding("grid", "another quadrature grid or integrand, none of the catalogue", evidence))
    if imprecise is not None:
        tolerance = LOOSE_RTOL

    def close(a: float, b: float) -> bool:
        return _close(a, b, tolerance)

    # Factor and reduction: the ratio at two batch sizes and two slice counts.
    model = Model(projection=projection, grid=grid)
    ref1 = model_values(model, probes.laws, probes.a1)
    c1 = float(np.median([observed[law] / ref1[law] for law in observed]))
    x_n2 = probes.laws_n2["gaussian"]
    c2 = _scalar(evaluate(fn, x_n2, probes.a1, "N2")[0]) / float(model(x_n2, probes.a1).detach())
    c3 = _scalar(evaluate(fn, x0, probes.a2, "M2")[0]) / float(model(x0, probes.a2).detach())
    measured["ratio_to_model"] = {f"N={N1},M={M1}": c1, f"N={N2},M={M1}": c2, f"N={N1},M={M2}": c3}
    m1, m2 = (M1, M2) if projection else (K, K)
    evidence = {"ratio_to_R1": measured["ratio_to_model"]}
    if close(c1, 1) and close(c2, 1) and close(c3, 1):
        pass
    elif close(c1 * N1, 1) and close(c2 * N2, 1) and close(c3 * N1, 1):
        model = Model(projection=projection, grid=grid, factor="1")
        findings.append(Finding("factor_n", "no factor N: the value is R1's divided by the batch size", evidence))
    elif close(c1, m1) and close(c2, m1) and close(c3, m2):
        model = Model(projection=projection, grid=grid, factor="N*M")
        findings.append(Finding("reduction", "sums over the slices where R1 takes their mean", evidence))
    elif close(c1, c3) and close(c1, c2):
        model = Model(projection=projection, grid=grid, constant=c1)
        findings.append(Finding("factor_n", f"the value is R1's times a constant {c1:.6g} (not N)", evidence))
    else:
        model = Model(projection=projection, grid=grid, constant=c1)
        findings.append(
            Finding(
                "factor_n",
                f"the factor depends on the batch differently from R1's ×N (ratio {c1:.6g} at N={N1}, "
                f"{c2:.6g} at N={N2})",
                evidence,
            )
        )

    # View pooling: three-view probes against per-view, flattened and view-axis pooling.
    view_out = {law: evaluate(fn, x, probes.a1, f"views {law}") for law, x in probes.views.items()}
    view_obs = {law: _scalar(out) for law, (out, _) in view_out.items()}
    candidates = {}
    for pooling in ("per-view", "flattened", "view-axis"):
        candidate = Model(model.projection, model.grid, model.factor, model.constant, pooling)
        ratios = {law: view_obs[law] / float(candidate(x, probes.a1).detach()) for law, x in probes.views.items()}
        candidates[pooling] = ratios
    measured["views_ratio_to_model"] = candidates
    per_view = candidates["per-view"]
    if all(close(r, 1) for r in per_view.values()):
        pass
    else:
        matched = [p for p in ("flattened", "view-axis") if all(close(r, 1) for r in candidates[p].values())]
        constant = _spread(list(per_view.values())) <= tolerance
        q = float(np.median(list(per_view.values())))
        if matched:
            model = Model(model.projection, model.grid, model.factor, model.constant, matched[0])
            how = {"flattened": "all V·N samples pooled into one batch", "view-axis": "the ECF averaged over the views"}
            findings.append(
                Finding(
                    "view_pooling",
                    f"views {matched[0]} ({how[matched[0]]}) where R1 computes one statistic per view and averages",
                    {"ratio_to_R1_per_view": per_view, f"ratio_to_{matched[0]}": candidates[matched[0]]},
                )
            )
        elif constant and model.factor == "N*M" and close(q, V):
            findings[-1].detail += " (and over the views)"
        elif constant:
            model = Model(model.projection, model.grid, model.factor, model.constant, view_scale=q)
            findings.append(
                Finding(
                    "factor_n",
                    f"×N of the wrong batch on (V, N, K) input: the value is {q:.6g} × R1's per-view mean at V = {V}, "
                    f"N = {N2} (×V·N would give {V})",
                    {"ratio_to_R1_per_view": per_view},
                )
            )
        else:
            findings.append(
                Finding(
                    "view_pooling",
                    "views pooled in a way that is neither per view, flattened nor over the view axis",
                    {"ratio_by_pooling": candidates},
                )
            )

    # dtype: behaviour on float64, bfloat16 and autocast against R1's, and the value's float32 precision. Running
    # where R1 raises is recorded, not counted: the closed set asks for raising or losing precision.
    signature = dtype_signature(fn, probes)
    r1 = reference.get("R1").evaluate
    r1_signature = dtype_signature(r1, probes)
    noise, r1_noise = permutation_noise(fn, probes), permutation_noise(r1, probes)
    with torch.no_grad():
        raw_dtype = str(fn(x0, probes.a1).dtype).removeprefix("torch.")
    measured["dtype"] = {
        "modes": signature,
        "R1_modes": r1_signature,
        "permutation_noise": noise,
        "R1_permutation_noise": r1_noise,
        "float32_output_dtype": raw_dtype,
        "float32_residual_to_model": imprecise,
    }
    reasons, notes = [], []
    for mode in DTYPE_MODES:
        mine, theirs = signature[mode], r1_signature[mode]
        if _signature_key({mode: mine}) == _signature_key({mode: theirs}):
            continue
        text = f"{mode}: {_describe_mode(mine)} (R1: {_describe_mode(theirs)})"
        worse = mine["status"] == "raises" or (
            theirs["status"] == "ok" and mine["moves"] and mine["rel_change"] > 10 * theirs["rel_change"]
        )
        (reasons if worse else notes).append(text)
    if raw_dtype != "float32":
        reasons.append(f"float32 input: returns {raw_dtype} (R1: float32)")
    if noise > max(VALUE_RTOL, 100 * r1_noise):
        reasons.append(
            f"float32 input: the value moves {noise:.2g} under a permutation of the samples (R1 {r1_noise:.2g})"
        )
    if imprecise is not None:
        reasons.append(
            f"float32 input: the value departs from R1's (float64) by up to {imprecise:.2g} across laws, a residual "
            "no grid explains: computed below float32 precision"
        )
    measured["dtype"]["runs_where_R1_differs"] = notes
    if reasons:
        findings.append(Finding("dtype", "; ".join(reasons), measured["dtype"]))

    # Gradients against the fitted model: on the regular probes, then at a near point mass.
    regular = []
    # evaluate() differentiates the sum of the outputs; the model is their mean.
    for law, x in probes.laws.items():
        out, grad = values[law]
        regular.append(_rel(grad / out.numel(), _model_grad(model, x, probes.a1)))
    for law, x in probes.views.items():
        out, grad = view_out[law]
        regular.append(_rel(grad / out.numel(), _model_grad(model, x, probes.a1)))
    worst_regular = max(regular)
    measured["gradient_rel_error_regular"] = worst_regular
    collapse_out, collapse_grad = evaluate(fn, probes.collapse, probes.a1, "near point mass")
    collapse_grad = collapse_grad / collapse_out.numel()
    expected = _model_grad(model, probes.collapse, probes.a1)
    finite = bool(torch.isfinite(collapse_grad).all())
    collapse_error = _rel(collapse_grad, expected) if finite else math.inf
    measured["collapse"] = {
        "gradient_rel_error": collapse_error,
        "gradient_norm": float(collapse_grad.norm()) if finite else None,
        "model_gradient_norm": float(expected.norm()),
        "value": _scalar(collapse_out),
        "model_value": float(model(probes.collapse, probes.a1).detach()),
    }
    if collapse_error > max(COLLAPSE_RTOL, 10 * worst_regular):
        findings.append(
            Finding(
                "collapse_gradient",
                f"the gradient at a near point mass (spread 1e-3) differs from R1's by {collapse_error:.3g} "
                f"(relative; norm {measured['collapse']['gradient_norm']} vs {expected.norm():.4g}) while it agrees "
                f"to {worst_regular:.2g} elsewhere",
                measured["collapse"],
            )
        )
    if worst_regular > 1e-3 and not any(f.name == "dtype" for f in findings):
        measured["unexplained"] = f"input gradients differ from the fitted model by {worst_regular:.3g} (relative)"
    return findings, measured, model


def _describe_mode(run: dict) -> str:
    if run["status"] == "raises":
        return f"raises {run['exception']}"
    return f"returns {run['out_dtype']}" + (f", value moves {run['rel_change']:.2g}" if run["moves"] else "")


def _model_grad(model: Model, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
    xx = x.double().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(xx, a), xx)
    return grad


# -- Identification against the registry -- #


def fingerprint(fn: Callable, probes: Probes) -> dict:
    outputs = {name: evaluate(fn, x, a, name) for name, x, a in probes.identification()}
    return {"outputs": outputs, "dtype": dtype_signature(fn, probes)}


def match(mine: dict, theirs: dict) -> dict:
    """Worst value and gradient disagreement over the probes, and whether the dtype behaviour is the same."""
    value_err, grad_err, ratios, shapes_equal = 0.0, 0.0, [], True
    for name, (out, grad) in mine["outputs"].items():
        ref_out, ref_grad = theirs["outputs"][name]
        if out.shape != ref_out.shape:
            shapes_equal = False
        else:
            value_err = max(value_err, _rel(out, ref_out))
            grad_err = max(grad_err, _rel(grad, ref_grad))
        ref_scalar = _scalar(ref_out)
        ratios.append(_scalar(out) / ref_scalar if ref_scalar else math.inf)
    same_dtype = _signature_key(mine["dtype"]) == _signature_key(theirs["dtype"])
    equal = shapes_equal and value_err <= VALUE_RTOL and grad_err <= GRAD_RTOL and same_dtype
    return {
        "equal": equal,
        "same_shapes": shapes_equal,
        "value_rel_error": value_err if shapes_equal else None,
        "grad_rel_error": grad_err if shapes_equal else None,
        "same_dtype_behaviour": same_dtype,
        "median_value_ratio": float(np.median(ratios)),
    }


def identify(fn: Callable, probes: Probes) -> dict:
    mine = fingerprint(fn, probes)
    table = {vid: match(mine, fingerprint(variant.evaluate, probes)) for vid, variant in reference.REGISTRY.items()}
    equal = [vid for vid, m in table.items() if m["equal"]]
    nearest = min(table, key=lambda vid: abs(math.log(abs(table[vid]["median_value_ratio"]) or 1e-300)))
    return {
        "equal_to": equal,
        "nearest": None if equal else nearest,
        "nearest_value_ratio": None if equal else table[nearest]["median_value_ratio"],
        "tolerance": {"value_rtol": VALUE_RTOL, "grad_rtol": GRAD_RTOL, "dtype": "same raise/dtype/moves per mode"},
        "table": table,
    }


# -- DDP (opt-in) -- #


def _ddp_worker(rank: int, port: int, spec: str, seed: int, out_dir: str) -> None:
    import torch.distributed as dist

    torch.set_num_threads(1)
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=datetime.timedelta(seconds=120))
    try:
        fn = load_callable(spec)
        probes = Probes(seed)
        x_global = torch.cat([probes.laws_n2["gaussian"], probes.laws_n2["narrow-shifted"]])
        local = x_global[rank * N2 : (rank + 1) * N2]
        result: dict = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                xx = local.clone().requires_grad_(True)
                value = fn(xx, probes.a1)
                (grad,) = torch.autograd.grad(value.double().mean(), xx, allow_unused=True)
                result["value"] = float(value.detach().double().mean())
                result["grad"] = torch.zeros_like(xx) if grad is None else grad.detach()
            except Exception as error:
                result["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[0][:200]}"
        torch.save(result, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def ddp_check(fn: Callable, spec: str, probes: Probes) -> tuple[Finding | None, dict]:
    """Two gloo ranks each hold half of a global batch; the callable must return its single-process value on the
    global batch, and a local gradient of W × its single-process gradient there (what DDP's averaging needs)."""
    from .audit.ddp import spawn_ranks

    x_global = torch.cat([probes.laws_n2["gaussian"], probes.laws_n2["narrow-shifted"]])
    xx = x_global.clone().requires_grad_(True)
    ref_value = fn(xx, probes.a1).double().mean()
    (ref_grad,) = torch.autograd.grad(ref_value, xx)
    with tempfile.TemporaryDirectory(prefix="compare-ddp-") as out_dir:
        spawn_ranks(_ddp_worker, spec, probes.seed, out_dir)
        ranks = [torch.load(Path(out_dir) / f"rank{r}.pt", weights_only=False) for r in range(WORLD)]
    evidence: dict = {"world_size": WORLD, "backend": "gloo", "global_value": float(ref_value.detach()), "ranks": []}
    reasons = []
    for rank, result in enumerate(ranks):
        if "error" in result:
            reasons.append(f"rank {rank} raised {result['error']}")
            evidence["ranks"].append({"error": result["error"]})
            continue
        true = ref_grad[rank * N2 : (rank + 1) * N2].double()
        per_rank = result["grad"].double() / WORLD
        cosine = float(torch.nn.functional.cosine_similarity(per_rank.flatten(), true.flatten(), dim=0))
        row = {
            "value_over_global": result["value"] / float(ref_value.detach()),
            "grad_norm_ratio": float(per_rank.norm() / true.norm()),
            "grad_cosine": cosine,
        }
        evidence["ranks"].append(row)
        if not _close(row["value_over_global"], 1):
            reasons.append(f"rank {rank}: value {row['value_over_global']:.4g} × the global-batch value")
        if not (_close(row["grad_norm_ratio"], 1, 1e-3) and cosine > 1 - 1e-4):
            reasons.append(
                f"rank {rank}: gradient/W is {row['grad_norm_ratio']:.4g} × the global one (cosine {cosine:.4f})"
            )
    if not reasons:
        return None, evidence
    return Finding("ddp", "on 2 gloo ranks: " + "; ".join(reasons), evidence), evidence


# -- The whole comparison -- #


def compare(fn: Callable, *, spec: str = "<callable>", seed: int = 0, ddp: bool = False) -> dict:
    """The comparison record (see the module docstring). CompareError when the callable cannot be compared."""
    torch.set_num_threads(1)
    probes = Probes(seed)
    evaluate(fn, probes.laws["gaussian"], probes.a1, "first probe")  # fail early and clearly
    identity = identify(fn, probes)
    noise = permutation_noise(fn, probes)
    tolerance = max(MODEL_RTOL, 20 * noise)
    findings, measured, model = diagnose_differences(fn, probes, tolerance)
    ddp_record: dict = {"status": "not-run (pass --ddp)"}
    ddp_finding = None
    if ddp:
        ddp_finding, evidence = ddp_check(fn, spec, probes)
        ddp_record = {"status": "measured", **evidence}
        if ddp_finding is not None:
            findings.append(ddp_finding)
    departures = [f.as_dict() for f in findings]
    equal = identity["equal_to"]
    # The references are single-process (their deviation 1): equal to one of them says nothing about a process
    # group, so a measured ddp departure stays a difference.
    differences = departures if not equal else ([ddp_finding.as_dict()] if ddp_finding is not None else [])
    record = {
        "kind": "sigreg-compare",
        "version": 1,
        "callable": spec,
        "probes": {
            "seed": seed,
            "n": [N1, N2],
            "k": K,
            "m": [M1, M2],
            "views": V,
            "laws": list(probes.laws),
            "view_laws": list(probes.views),
            "near_point_mass_spread": 1e-3,
        },
        "closest": {
            "id": equal[0] if equal else None,
            "equal_to": equal,
            "nearest": identity["nearest"],
            "nearest_value_ratio": identity["nearest_value_ratio"],
            "tolerance": identity["tolerance"],
        },
        # Equal to a registered variant: no differences from it; its own departures from R1 are listed apart.
        "differences": differences,
        "departures_from_R1": departures,
        "ddp": ddp_record,
        "measured": _jsonable(measured),
        "registry_table": _jsonable(identity["table"]),
        "model_tolerance": tolerance,
        **run_record(),
    }
    record["summary"] = summary(record)
    return record


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else str(obj)
    if isinstance(obj, torch.Tensor):
        return _jsonable(obj.tolist())
    return obj


def summary(record: dict) -> str:
    closest = record["closest"]
    lines = [f"compare {record['callable']}"]
    if closest["equal_to"]:
        same = closest["equal_to"]
        ids = " = ".join(same)
        lines.append(
            f"closest: {ids} (equal on every probe: value within {VALUE_RTOL:g}, gradient within {GRAD_RTOL:g} "
            "relative, same dtype behaviour)"
        )
        if len(same) > 1:
            lines.append(f"  {', '.join(same)} compute the same function in one process (they differ outside it)")
        for d in record["differences"]:
            lines.append(f"difference: {d['difference']}: {d['detail']}")
        if not record["differences"]:
            lines.append("differences: none")
        if record["departures_from_R1"] and "R1" not in same:
            names = ", ".join(d["difference"] for d in record["departures_from_R1"])
            lines.append(f"  ({same[0]} itself departs from R1 by: {names})")
    else:
        lines.append(
            f"closest: none equal; nearest {closest['nearest']} (value ratio {closest['nearest_value_ratio']:.4g})"
        )
        diffs = record["differences"]
        lines.append(f"differences from R1 ({len(diffs)}):" if diffs else "differences from R1: none found")
        for d in diffs:
            lines.append(f"  - {d['difference']}: {d['detail']}")
    if record["ddp"]["status"] != "measured":
        lines.append(f"ddp: {record['ddp']['status']}")
    unexplained = record["measured"].get("unexplained")
    if unexplained:
        lines.append(f"note: {unexplained}")
    return "\n".join(lines)


# -- Command line -- #


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "compare",
        help="which registered SIGReg does your callable equal, and how does it differ from R1",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("callable", help="MODULE:CALLABLE or path/to/file.py:CALLABLE taking (x, directions)")
    parser.add_argument("--json", type=Path, default=None, help="also write the full record here (atomically)")
    parser.add_argument("--ddp", action="store_true", help="also run it on a real 2-process gloo group")
    parser.add_argument("--seed", type=seed_type, default=0, help="seed of the probes")
    parser.set_defaults(run=main, output_files=("json",))  # checked before any work (core.cli)


def main(args: argparse.Namespace) -> int:
    sys.path.insert(0, os.getcwd())  # MODULE:CALLABLE from the current folder, as `python -m` users expect
    fn = load_callable(args.callable)
    record = compare(fn, spec=args.callable, seed=args.seed, ddp=args.ddp)
    if args.json is not None:
        atomic_write_json(args.json, record)
    print(record["summary"])
    return 0
