"""Identification against the registry: the callable's outputs, input gradients and dtype behaviour on the probes
(`fingerprint`) against every registered variant's (`match`), and which it equals or else is nearest (`identify`)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

import reference

from .probes import GRAD_RTOL, VALUE_RTOL, Probes, _rel, _scalar, _signature_key, dtype_signature, evaluate


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
