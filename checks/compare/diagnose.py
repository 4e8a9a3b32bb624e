"""The departures of a callable from R1 (`diagnose_differences`), each a `Finding` from the closed set DIFFERENCES,
measured against the float64 model of R1 with that one aspect changed. The model is fitted aspect by aspect (each
probe is built so that one aspect shows): directions applied or not (the value is unchanged when the directions
change), the quadrature grid (the ratio to R1 varies with the law; a catalogue of grids is searched for one under
which it does not), the factor and the reduction (the ratio to R1 at two N and two M), view pooling (three-view
probes: per view, flattened, ECF over the view axis), dtype behaviour (against R1's, and the value's stability under
a permutation of the samples), and the gradient at a near point mass."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

import reference

from .model import PUBLISHED_GRIDS, R1_GRID, GridSpec, Model, _catalogue_spreads, _model_grad
from .probes import (
    DTYPE_MODES,
    M1,
    M2,
    N1,
    N2,
    VALUE_RTOL,
    K,
    Probes,
    V,
    _rel,
    _scalar,
    _signature_key,
    _spread,
    _within_rtol,
    dtype_signature,
    evaluate,
    permutation_noise,
)

DIFFERENCES = ("projection", "factor_n", "grid", "view_pooling", "reduction", "dtype", "ddp", "collapse_gradient")
# A change of gradient at the near point mass counts when it exceeds both this and 10x the change elsewhere.
COLLAPSE_RTOL = 1e-2
# Residuals below this that no grid explains exactly are rounding (reported under dtype), above it structure.
LOOSE_RTOL = 2e-2


@dataclass
class Finding:
    name: str
    detail: str
    evidence: dict

    def as_dict(self) -> dict:
        return {"difference": self.name, "detail": self.detail, "evidence": self.evidence}


def diagnose_differences(fn: Callable, probes: Probes, tolerance: float) -> tuple[list[Finding], dict, Model]:
    """The departures of `fn` from R1 with their evidence, the measurements, and the fitted model."""
    findings: list[Finding] = []
    measured: dict = {}
    values = {law: evaluate(fn, x, probes.a1, law) for law, x in probes.laws.items()}
    projection = _fit_projection(fn, probes, values, findings, measured)
    observed = {law: _scalar(out) for law, (out, _) in values.items()}
    grid, imprecise = _fit_grid(probes, observed, projection, tolerance, findings, measured)
    if imprecise is not None:
        tolerance = LOOSE_RTOL
    model = _fit_factor(fn, probes, observed, projection, grid, tolerance, findings, measured)
    model, view_out = _fit_view_pooling(fn, probes, model, tolerance, findings, measured)
    _judge_dtype(fn, probes, imprecise, findings, measured)
    _judge_gradients(fn, probes, model, values, view_out, findings, measured)
    return findings, measured, model


def _model_values(model: Model, laws: dict, a: torch.Tensor) -> dict:
    with torch.no_grad():
        return {law: float(model(x, a)) for law, x in laws.items()}


def _fit_projection(fn: Callable, probes: Probes, values: dict, findings: list[Finding], measured: dict) -> bool:
    """Whether the directions are applied; appends the projection and vector-output findings."""
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
    return projection


def _fit_grid(
    probes: Probes, observed: dict, projection: bool, tolerance: float, findings: list[Finding], measured: dict
) -> tuple[GridSpec, float | None]:
    """The grid under which the ratio to the model does not depend on the law, and the residual spread when no grid
    explains it exactly but it is below LOOSE_RTOL (rounding, judged with the dtype), else None."""
    base = Model(projection=projection)
    r1_ratios = {law: observed[law] / v for law, v in _model_values(base, probes.laws, probes.a1).items()}
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
    return grid, imprecise


def _fit_factor(
    fn: Callable,
    probes: Probes,
    observed: dict,
    projection: bool,
    grid: GridSpec,
    tolerance: float,
    findings: list[Finding],
    measured: dict,
) -> Model:
    """Factor and reduction: the ratio at two batch sizes and two slice counts."""
    x0 = probes.laws["gaussian"]
    model = Model(projection=projection, grid=grid)
    ref1 = _model_values(model, probes.laws, probes.a1)
    c1 = float(np.median([observed[law] / ref1[law] for law in observed]))
    x_n2 = probes.laws_n2["gaussian"]
    c2 = _scalar(evaluate(fn, x_n2, probes.a1, "N2")[0]) / float(model(x_n2, probes.a1).detach())
    c3 = _scalar(evaluate(fn, x0, probes.a2, "M2")[0]) / float(model(x0, probes.a2).detach())
    measured["ratio_to_model"] = {f"N={N1},M={M1}": c1, f"N={N2},M={M1}": c2, f"N={N1},M={M2}": c3}
    m1, m2 = (M1, M2) if projection else (K, K)
    evidence = {"ratio_to_R1": measured["ratio_to_model"]}
    if _within_rtol(c1, 1, tolerance) and _within_rtol(c2, 1, tolerance) and _within_rtol(c3, 1, tolerance):
        pass
    elif (
        _within_rtol(c1 * N1, 1, tolerance)
        and _within_rtol(c2 * N2, 1, tolerance)
        and _within_rtol(c3 * N1, 1, tolerance)
    ):
        model = Model(projection=projection, grid=grid, factor="1")
        findings.append(Finding("factor_n", "no factor N: the value is R1's divided by the batch size", evidence))
    elif _within_rtol(c1, m1, tolerance) and _within_rtol(c2, m1, tolerance) and _within_rtol(c3, m2, tolerance):
        model = Model(projection=projection, grid=grid, factor="N*M")
        findings.append(Finding("reduction", "sums over the slices where R1 takes their mean", evidence))
    elif _within_rtol(c1, c3, tolerance) and _within_rtol(c1, c2, tolerance):
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
    return model


def _fit_view_pooling(
    fn: Callable, probes: Probes, model: Model, tolerance: float, findings: list[Finding], measured: dict
) -> tuple[Model, dict]:
    """View pooling: three-view probes against per-view, flattened and view-axis pooling. The model with the
    pooling that explains them, and the callable's (output, gradient) on each three-view probe."""
    view_out = {law: evaluate(fn, x, probes.a1, f"views {law}") for law, x in probes.views.items()}
    view_obs = {law: _scalar(out) for law, (out, _) in view_out.items()}
    candidates = {}
    for pooling in ("per-view", "flattened", "view-axis"):
        candidate = Model(model.projection, model.grid, model.factor, model.constant, pooling)
        ratios = {law: view_obs[law] / float(candidate(x, probes.a1).detach()) for law, x in probes.views.items()}
        candidates[pooling] = ratios
    measured["views_ratio_to_model"] = candidates
    per_view = candidates["per-view"]
    if all(_within_rtol(r, 1, tolerance) for r in per_view.values()):
        return model, view_out
    matched = [
        p for p in ("flattened", "view-axis") if all(_within_rtol(r, 1, tolerance) for r in candidates[p].values())
    ]
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
    elif constant and model.factor == "N*M" and _within_rtol(q, V, tolerance):
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
    return model, view_out


def _judge_dtype(
    fn: Callable, probes: Probes, imprecise: float | None, findings: list[Finding], measured: dict
) -> None:
    """dtype: behaviour on float64, bfloat16 and autocast against R1's, and the value's float32 precision. Running
    where R1 raises is recorded, not counted: the closed set asks for raising or losing precision."""
    x0 = probes.laws["gaussian"]
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


def _judge_gradients(
    fn: Callable,
    probes: Probes,
    model: Model,
    values: dict,
    view_out: dict,
    findings: list[Finding],
    measured: dict,
) -> None:
    """Gradients against the fitted model: on the regular probes, then at a near point mass."""
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


def _describe_mode(run: dict) -> str:
    if run["status"] == "raises":
        return f"raises {run['exception']}"
    return f"returns {run['out_dtype']}" + (f", value moves {run['rel_change']:.2g}" if run["moves"] else "")
