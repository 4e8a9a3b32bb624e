"""`python -m checks mutate`: the planted R1 is R1 exactly when nothing is planted, each mutation does what its
name says (checked against the variant that has that defect, or against its arithmetic), and the matrix calls a
measured check non-discriminating only when neither a mutation nor its stored control flips it."""

from __future__ import annotations

import pytest
import torch

import reference
from checks import mutate


def _batch(views: bool = False):
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 32, 8, generator=g) if views else torch.randn(64, 8, generator=g)
    a = torch.randn(8, 16, generator=g)
    return x, a / a.norm(dim=0)


@pytest.mark.parametrize("views", [False, True])
def test_unmutated_mutant_is_r1(views):
    x, a = _batch(views)
    assert float(mutate.MutantR1(None).evaluate(x, a)) == float(reference.get("R1").evaluate(x, a))


def test_mutations_match_the_variants_or_the_arithmetic_that_define_them():
    x, a = _batch()
    r1 = float(reference.get("R1").evaluate(x, a))

    def value(name, inp=x):
        return float(mutate.MutantR1(name).evaluate(inp, a))

    assert value("factor-N-dropped") == pytest.approx(r1 / x.shape[0], rel=1e-6)
    assert value("no-direction-mean") == pytest.approx(r1 * a.shape[1], rel=1e-6)
    # R0's grid without the factor N is R0 itself (R0 has no factor N; same [−3, 3]×10 trapezoid).
    r0 = float(reference.get("R0").evaluate(x, a))
    assert value("grid-[-3,3]x10") / x.shape[0] == pytest.approx(r0, rel=1e-5)
    xv, _ = _batch(views=True)
    assert value("views-flattened", xv) == pytest.approx(float(reference.get("P1").evaluate(xv, a)), rel=1e-6)
    # Value unchanged, gradient halved (W = 2).
    grads = {}
    for name in (None, "non-autograd-all-reduce"):
        xx = x.clone().requires_grad_(True)
        mutate.MutantR1(name).evaluate(xx, a).backward()
        grads[name] = xx.grad
    torch.testing.assert_close(grads["non-autograd-all-reduce"], grads[None] / mutate.WORLD)
    # float64 input: R1 raises (D23), the input-dtype mutant runs.
    with pytest.raises(RuntimeError):
        reference.get("R1").evaluate(x.double(), a)
    assert mutate.MutantR1("directions-input-dtype").evaluate(x.double(), a).dtype == torch.float64


def test_planted_restores_the_registry():
    before = reference.get("R1")
    with mutate.planted("paper-grid"):
        assert isinstance(reference.get("R1"), mutate.MutantR1)
    assert reference.get("R1") is before


def test_unknown_mutation_is_a_value_error():
    with pytest.raises(ValueError, match="unknown mutation"):
        mutate.MutantR1("no-such-defect")


def test_matrix_flags_only_checks_nothing_flips():
    configurations = {None: {"F1": "reproduced", "D5": "confirmed"}}
    for name in mutate.MUTATIONS:
        configurations[name] = {"F1": "reproduced", "D5": "confirmed"}
    configurations["factor-N-dropped"] = {"F1": "not-reproduced", "D5": "confirmed"}
    stored = {
        "F1": {"basis": "measured", "verdict": "reproduced", "control": {"what": "x", "verdict": "not-reproduced"}},
        "D5": {"basis": "measured", "verdict": "confirmed", "control": {"what": "x", "verdict": "refuted"}},
        "C99": {"basis": "measured", "verdict": "reproduced"},
        "C98": {"basis": "derived", "verdict": "reproduced"},
    }
    out = mutate.matrix(configurations, stored)
    assert out["checks"]["F1"]["flipped_by"] == ["factor-N-dropped"]
    assert out["checks"]["D5"]["flipped_by"] == []
    # D5 is flipped by its control, F1 by a mutation; C99 by neither; C98 is not measured.
    assert [c["id"] for c in out["non_discriminating"]] == ["C99"]
