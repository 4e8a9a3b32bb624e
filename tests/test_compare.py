"""`python -m checks compare`: registered variants are recognised as themselves, each single-defect mutant of R1
is reported with exactly its defect, and a callable that cannot be compared fails clearly with nothing written."""

from __future__ import annotations

import json

import compare_mutants as mutants  # tests/ is on sys.path (pytest prepend import mode, no __init__.py)
import pytest

import reference
from checks.__main__ import main
from checks.compare import DIFFERENCES, compare

MUTANTS = "tests/compare_mutants.py"

# What each variant's own module says it does differently from R1 (reference/*.py docstrings); P2 and P3 differ
# from R1 only where R1 raises (they run bfloat16 input, P2 float64 too), which is recorded but not a departure.
DOCUMENTED = {
    "V1": {"projection", "reduction", "grid"},
    "V3": {"reduction", "grid"},
    "R0": {"grid", "factor_n", "view_pooling"},
    "R1": set(),
    "R2": set(),
    "P1": {"view_pooling"},
    "P2": set(),
    "P3": set(),
}


def test_documented_covers_the_registry():
    assert set(DOCUMENTED) == set(reference.REGISTRY)


@pytest.mark.parametrize("variant_id", list(reference.REGISTRY))
def test_registered_variant_is_identified_as_itself(variant_id):
    record = compare(reference.REGISTRY[variant_id].evaluate, spec=variant_id)
    closest = record["closest"]
    # R1 and R2 are one function in a single process (reference/minimal_r2.py): a tie is the honest answer.
    expected = ["R1", "R2"] if variant_id in ("R1", "R2") else [variant_id]
    assert closest["equal_to"] == expected and closest["id"] == expected[0]
    assert record["differences"] == []
    assert {d["difference"] for d in record["departures_from_R1"]} == DOCUMENTED[variant_id]
    assert record["summary"].splitlines()[1].startswith(f"closest: {' = '.join(expected)}")


@pytest.mark.parametrize("defect", list(mutants.SINGLE_DEFECT))
def test_single_defect_mutant_reports_exactly_its_defect(defect):
    record = compare(mutants.SINGLE_DEFECT[defect], spec=defect)
    assert record["closest"]["equal_to"] == []
    assert [d["difference"] for d in record["differences"]] == [defect]
    assert all(d["evidence"] for d in record["differences"])
    assert "unexplained" not in record["measured"]


def test_other_single_defects():
    # Flattening the views is exactly P1: recognised as P1, whose departure from R1 is the pooling.
    flattened = compare(mutants.view_pooling)
    assert flattened["closest"]["equal_to"] == ["P1"]
    assert [d["difference"] for d in flattened["departures_from_R1"]] == ["view_pooling"]
    wrong_batch = compare(mutants.factor_wrong_batch)
    assert [d["difference"] for d in wrong_batch["differences"]] == ["factor_n"]
    assert "wrong batch" in wrong_batch["differences"][0]["detail"]
    vector = compare(mutants.reduction_vector)
    assert [d["difference"] for d in vector["differences"]] == ["reduction"]
    assert "vector" in vector["differences"][0]["detail"]


def test_grid_difference_names_the_grid():
    record = compare(mutants.grid)
    assert "folded trapezoid on [0, 5] with 17 knots" in record["differences"][0]["detail"]


def test_differences_are_from_the_closed_set():
    record = compare(mutants.factor_n)
    assert {d["difference"] for d in record["differences"]} <= set(DIFFERENCES)


def test_ddp_on_a_real_gloo_group():
    # The official semantics (autograd all_reduce of the ECF means) pass; a discarded all_reduce (stable-pretraining
    # 0.1.8) is the single difference: each rank returns 2 x its local statistic.
    correct = compare(mutants.ddp_correct, spec=f"{MUTANTS}:ddp_correct", ddp=True)
    assert correct["differences"] == [] and correct["closest"]["equal_to"] == ["R1", "R2"]
    assert correct["ddp"]["status"] == "measured"
    assert all(abs(r["value_over_global"] - 1) < 1e-5 for r in correct["ddp"]["ranks"])
    broken = compare(mutants.ddp_discarded, spec=f"{MUTANTS}:ddp_discarded", ddp=True)
    assert [d["difference"] for d in broken["differences"]] == ["ddp"]


def test_cli_prints_summary_first_and_writes_json(tmp_path, capsys):
    out = tmp_path / "compare.json"
    assert main(["compare", f"{MUTANTS}:factor_n", "--json", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"compare {MUTANTS}:factor_n" and lines[1].startswith("closest: none equal; nearest R0")
    assert lines[2].startswith("differences from R1 (1)") and lines[3].startswith("  - factor_n:")
    record = json.loads(out.read_text())
    assert record["kind"] == "sigreg-compare" and record["differences"][0]["difference"] == "factor_n"


def test_cli_accepts_module_spec(capsys):
    assert main(["compare", "tests.compare_mutants:r1_clone"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("closest: R1 = R2")


def _bad(tmp_path, body: str) -> str:
    path = tmp_path / "bad.py"
    path.write_text("import torch\n\n" + body)
    return f"{path}:fn"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("def fn(x, a):\n    raise RuntimeError('boom')\n", "raised RuntimeError"),
        ("def fn(x, a):\n    return (x @ a).mean() * float('nan')\n", "NaN"),
        ("def fn(x, a):\n    return x @ a\n", "returned shape"),
        ("def fn(x, a):\n    return 1.0\n", "must return a torch.Tensor"),
        ("fn = 3\n", "not a callable"),
        ("class fn:\n    pass\n", "is a class"),
        ("x = 1\n", "has no attribute"),
    ],
)
def test_cli_bad_callable_exits_2_and_writes_nothing(tmp_path, capsys, body, message):
    out = tmp_path / "out.json"
    assert main(["compare", _bad(tmp_path, body), "--json", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err and len(captured.err.strip().splitlines()) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    "spec", ["no_such_module_xyz:fn", "missing/file.py:fn", "nocolon", "tests.compare_mutants:nope"]
)
def test_cli_not_found_exits_2(capsys, spec):
    assert main(["compare", spec]) == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_cli_unwritable_json_fails_before_computing(tmp_path, capsys):
    assert main(["compare", f"{MUTANTS}:r1_clone", "--json", "/proc/x.json"]) == 2
    assert "/proc/x.json" in capsys.readouterr().err
