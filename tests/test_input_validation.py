"""Property tests of the public entry points' input checks: the references' evaluate, the engine, the oracle and
the diagnostic. Whatever shape, dtype, non-finite entry, emptiness, directions or seed hypothesis finds, a bad input
raises ValueError naming the problem, and leaves no partial output (the inputs unchanged, no file written).

Examples are few and drawn from small shapes (max_examples below): these run in CI on 2 cores."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import reference
from reference import oracle
from repro import __main__ as repro_cli
from repro import diagnose, sigreg

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
VARIANTS = sorted(reference.REGISTRY)

sizes = st.tuples(st.integers(2, 6), st.integers(1, 4), st.integers(1, 3))  # N, K, M
seeds = st.integers(0, 2**16)


def _data(n: int, k: int, seed: int, views: int = 0) -> torch.Tensor:
    shape = (views, n, k) if views else (n, k)
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def _directions(k: int, m: int, seed: int) -> torch.Tensor:
    a = torch.randn((k, m), generator=torch.Generator().manual_seed(seed + 1))
    return a / a.norm(dim=0)


@st.composite
def bad_embeddings(draw) -> tuple[torch.Tensor, int, str]:
    """(x, K the directions must match, the words the error must contain)."""
    n, k, _ = draw(sizes)
    seed = draw(seeds)
    x = _data(n, k, seed, views=draw(st.sampled_from([0, 2])))
    kind = draw(st.sampled_from(["nan", "inf", "integer", "complex", "1-D", "4-D", "empty", "one sample"]))
    if kind in ("nan", "inf"):
        flat = x.view(-1)
        flat[draw(st.integers(0, flat.numel() - 1))] = float("nan") if kind == "nan" else -float("inf")
        return x, k, "NaN or Inf"
    if kind == "integer":
        return x.round().to(draw(st.sampled_from([torch.int64, torch.int32, torch.bool]))), k, "floating point"
    if kind == "complex":
        return x.to(torch.complex64), k, "floating point"
    if kind == "1-D":
        return x.reshape(-1), k, "shape (N, K) or (V, N, K)"
    if kind == "4-D":
        return x[(None,) * (4 - x.dim())], k, "shape (N, K) or (V, N, K)"
    if kind == "empty":
        return torch.empty((0, k)), k, "empty"
    return x[..., :1, :], k, "N >= 2"


@st.composite
def bad_directions(draw) -> tuple[torch.Tensor, torch.Tensor, str]:
    n, k, m = draw(sizes)
    seed = draw(seeds)
    x, a = _data(n, k, seed), _directions(k, m, seed)
    kind = draw(st.sampled_from(["wrong K", "not unit", "nan", "integer", "1-D", "no columns"]))
    if kind == "wrong K":
        return x, _directions(k + draw(st.integers(1, 3)), m, seed), "directions must have shape"
    if kind == "not unit":
        return x, a * draw(st.sampled_from([0.5, 2.0, 10.0])), "unit-norm"
    if kind == "nan":
        a[draw(st.integers(0, k - 1)), draw(st.integers(0, m - 1))] = float("nan")
        return x, a, "NaN or Inf"
    if kind == "integer":
        return x, torch.ones((k, m), dtype=torch.int64), "floating point"
    if kind == "1-D":
        return x, a[:, 0], "directions must have shape"
    return x, torch.empty((k, 0)), "directions must have shape"


def _raises_naming(call, words: str, *inputs) -> None:
    before = [t.clone() for t in inputs if isinstance(t, torch.Tensor)]
    with pytest.raises(ValueError, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()
    after = [t for t in inputs if isinstance(t, torch.Tensor)]
    for old, new in zip(before, after, strict=True):  # no partial output: the caller's tensors are untouched
        assert torch.equal(old, new) or (old.isnan() == new.isnan()).all()


@pytest.mark.parametrize("variant_id", VARIANTS)
@FAST
@given(case=bad_embeddings(), m=st.integers(1, 3), seed=seeds)
def test_every_variant_names_a_bad_embedding(variant_id, case, m, seed):
    x, k, words = case
    a = _directions(k, m, seed)
    _raises_naming(lambda: reference.REGISTRY[variant_id].evaluate(x, a), words, x, a)


@pytest.mark.parametrize("variant_id", VARIANTS)
@FAST
@given(case=bad_directions())
def test_every_variant_names_bad_directions(variant_id, case):
    x, a, words = case
    _raises_naming(lambda: reference.REGISTRY[variant_id].evaluate(x, a), words, x, a)


@FAST
@given(case=bad_embeddings(), m=st.integers(1, 3), seed=seeds)
def test_engine_names_a_bad_embedding(case, m, seed):
    x, k, words = case
    a = _directions(k, m, seed)
    _raises_naming(lambda: sigreg.sigreg(x, a), words, x, a)
    _raises_naming(lambda: sigreg.SIGRegLoss(m)(x, step=seed), words, x)


@FAST
@given(case=bad_directions())
def test_engine_names_bad_directions(case):
    x, a, words = case
    _raises_naming(lambda: sigreg.sigreg(x, a), words, x, a)
    _raises_naming(lambda: sigreg.SIGRegLoss(4)(x, directions=a), words, x, a)


bad_seed = st.one_of(st.integers(max_value=-1), st.floats(allow_nan=True), st.text(max_size=3), st.booleans())


@FAST
@given(step=bad_seed, k=st.integers(1, 4), m=st.integers(1, 4))
def test_bad_steps_and_seeds_are_refused_not_wrapped(step, k, m):
    # torch.Generator.manual_seed(-1) silently seeds 2**64 - 1: a negative step must not reach it.
    with pytest.raises(ValueError, match="step"):
        sigreg.draw_directions(k, m, step=step)
    for variant_id in VARIANTS:
        with pytest.raises(ValueError, match="step|call|seed"):
            reference.REGISTRY[variant_id].draw_directions(k, m, step=step)
    with pytest.raises(ValueError, match="seed"):
        diagnose.diagnose(np.zeros((4, 2)), seed=step)


@FAST
@given(case=bad_embeddings())
def test_oracle_names_bad_samples(case):
    x, _, words = case
    assume(x.dim() != 1)  # (N,) is one column to the oracle: a valid sample
    words = {"floating point": "real floating point", "shape (N, K) or (V, N, K)": "must be 1-D or 2-D"}.get(
        words, words
    )
    if x.dim() == 3 and x.is_floating_point():  # the oracle takes (N,) or (N, M): a (V, N, K) stack is refused
        words = "must be 1-D or 2-D"
    elif words == "N >= 2" or (x.dim() == 2 and x.shape[0] == 0):
        words = "N >= 2|empty"
    as_numpy = x.numpy() if x.dtype not in (torch.bool,) else x.numpy().astype(bool)
    for y in (x, as_numpy):
        _raises_naming(lambda y=y: oracle.ep(y), words, x)


@FAST
@given(case=bad_directions())
def test_oracle_names_bad_directions(case):
    x, a, words = case
    if words == "directions must have shape" and a.dim() == 2 and a.shape[1] > 0:
        words = "directions must have shape"
    elif a.dim() != 2:
        words = "directions must be 2-D"
    elif a.shape[1] == 0:
        words = "directions is empty"
    elif words == "floating point":
        words = "real floating point"
    _raises_naming(lambda: oracle.sigreg(x, a), words, x, a)


@FAST
@given(k=st.one_of(st.integers(max_value=0), st.booleans(), st.floats()), m=st.integers(1, 3))
def test_oracle_random_directions_names_bad_sizes_and_needs_a_generator(k, m):
    with pytest.raises(ValueError, match="k must be a positive integer"):
        oracle.random_directions(k, m, np.random.default_rng(0))
    with pytest.raises(ValueError, match="numpy.random.Generator"):
        oracle.random_directions(2, m, 0)


@FAST
@given(case=bad_embeddings())
def test_diagnose_names_a_bad_matrix(case):
    x, _, words = case
    assume(x.dtype not in (torch.int64, torch.int32))  # integer embeddings are numbers to the diagnostic
    words = {
        "floating point": "real numbers",
        "shape (N, K) or (V, N, K)": "shape \\(N, K\\)",
        "N >= 2": "N >= 2",
        "empty": "N >= 2",
    }.get(words, words)
    if x.dim() == 3 and x.is_floating_point():  # a (V, N, K) stack is a shape the diagnostic refuses
        words = "shape \\(N, K\\)"
    with pytest.raises(ValueError, match=words):
        diagnose.diagnose(x, null_reps=199, directions=4)


@FAST
@given(case=bad_embeddings(), suffix=st.sampled_from([".npy", ".pt"]))
def test_diagnose_cli_writes_nothing_for_a_bad_file(tmp_path_factory, capsys, case, suffix):
    x, _, _ = case
    assume(x.dtype not in (torch.int64, torch.int32))
    folder = tmp_path_factory.mktemp("diagnose")
    path = folder / f"emb{suffix}"
    if suffix == ".npy":
        np.save(path, x.numpy())
    else:
        torch.save(x, path)
    out = folder / "out" / "diagnosis.json"
    assert repro_cli.main(["diagnose", str(path), "--null-reps", "199", "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert sorted(p.name for p in folder.iterdir()) == [path.name]  # no output, no folder for it
