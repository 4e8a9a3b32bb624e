"""The claims registry, the result files and the command line (`python -m checks list|run`)."""

from __future__ import annotations

import importlib
import json
import re

import numpy as np
import pytest

from checks import registry
from checks.claims import cli as claims_cli
from checks.registry import Claim, Outcome, Registry, Tolerance, claim, claim_rng, claim_seed, verdict_from_interval
from core import cli

PAPER_IDS = [f"C{i}" for i in range(1, 36)]  # docs/claims.md numbers them C1–C35
# Registered after that first reading: Thm 2's level (C36), Thm 4's corollary (C37), App. D's directions (C38),
# Table 1d (C39) and Table 1b (C40).
LATER_IDS = [f"C{i}" for i in range(36, 41)]


def _run_cli(*argv: str) -> int:
    return cli.run(cli.build_parser("python -m checks", "", [claims_cli]), list(argv))


def _entry(check, claim_id: str = "C99-test-claim", tier: str = "cpu-fast") -> Claim:
    target = Registry()
    claim(id=claim_id, version=1, paper="test", tier=tier, budget_s=1, statement="test", registry=target)(check)
    return target.get(claim_id)


# -- Registry rules -- #


def test_duplicate_id_raises():
    target = Registry()
    decorate = claim(id="C99-twice", version=1, paper="p", tier="cpu-fast", budget_s=1, statement="s", registry=target)
    decorate(lambda rng: Outcome("reproduced"))
    with pytest.raises(ValueError, match="duplicate claim id 'C99-twice'"):
        claim(id="C99-twice", version=2, paper="p", tier="cpu-fast", budget_s=1, statement="s", registry=target)(
            lambda rng: Outcome("reproduced")
        )


def test_unknown_id_lists_known_ids():
    loaded = registry.load_claims()
    with pytest.raises(ValueError, match="unknown claim 'C0-nothing'; known: C1-imagenet-vith, C2-") as info:
        loaded.get("C0-nothing")
    assert "C15-bounded-gradient" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "c15 bounded"}, "must look like"),
        ({"tier": "fast"}, "tier 'fast' is not one of"),
        ({"version": 0}, "version must be a positive integer"),
        ({"budget_s": 31}, r"budget_s 31 must be in \(0, 30.0\]"),
        ({"statement": ""}, "needs its paper locus and a statement"),
    ],
)
def test_claim_decorator_iv(kwargs, message):
    args = {"id": "C99-ok", "version": 1, "paper": "p", "tier": "cpu-fast", "budget_s": 1, "statement": "s"}
    with pytest.raises(ValueError, match=message):
        claim(**{**args, **kwargs}, registry=Registry())


def test_every_module_registers_exactly_one_claim():
    loaded = registry.load_claims()
    per_module = {}
    for entry in loaded:
        per_module.setdefault(entry.module, []).append(entry.id)
    modules = registry.claim_modules()
    assert sorted(per_module) == modules
    assert all(len(ids) == 1 for ids in per_module.values()), per_module
    for name in modules:  # each module's one claim is its `check`
        assert importlib.import_module(name).check is loaded.get(per_module[name][0]).check


def test_every_brief_claim_is_listed_with_a_tier():
    loaded = registry.load_claims()
    numbers = {re.match(r"^(C\d+)-", i).group(1) for i in loaded.ids() if i.startswith("C") and i[1].isdigit()}
    assert numbers == set(PAPER_IDS + LATER_IDS)
    assert {e.tier for e in loaded} <= set(registry.TIERS)
    for entry in loaded:  # gpu/full claims say why they cannot run, without running anything
        if entry.tier in ("gpu", "full"):
            outcome = entry.check(np.random.default_rng(0))
            assert outcome.verdict == "not-run" and len(outcome.reason) > 20


def test_list_shows_every_claim_with_tier_basis_and_last_verdict(tmp_path, capsys):
    assert _run_cli("list", "--out", str(tmp_path)) == 0
    out = capsys.readouterr().out
    for entry in registry.load_claims():
        row = next(line for line in out.splitlines() if line.startswith(f"| {entry.id} "))
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells[2:4] == [entry.tier, entry.basis]
        assert cells[-1] == "—"  # nothing run yet in tmp_path


# -- Outcomes and verdicts -- #


def test_outcome_refuses_verdicts_outside_the_closed_set():
    with pytest.raises(ValueError, match="not one of reproduced, not-reproduced, inconclusive, not-run"):
        Outcome("partly")
    with pytest.raises(ValueError, match="needs a reason"):
        Outcome("not-run")
    with pytest.raises(ValueError, match="needs interval_method"):
        Outcome("reproduced", estimate=1.0, interval=(0.0, 2.0))
    with pytest.raises(ValueError, match="low <= high"):
        Outcome("reproduced", estimate=1.0, interval=(2.0, 0.0), interval_method="x")


@pytest.mark.parametrize(
    ("low", "high", "bounds", "verdict"),
    [
        (1.1, 1.5, {"above": 1.0}, "reproduced"),
        (0.5, 0.9, {"above": 1.0}, "not-reproduced"),
        (0.9, 1.1, {"above": 1.0}, "inconclusive"),
        (0.2, 0.4, {"above": 0.1, "below": 0.5}, "reproduced"),
        (0.4, 0.6, {"above": 0.1, "below": 0.5}, "inconclusive"),
        (0.6, 0.7, {"above": 0.1, "below": 0.5}, "not-reproduced"),
    ],
)
def test_verdict_from_interval(low, high, bounds, verdict):
    assert verdict_from_interval(low, high, **bounds) == verdict


def test_combine_verdicts():
    assert registry.combine_verdicts(["reproduced", "reproduced"]) == "reproduced"
    assert registry.combine_verdicts(["reproduced", "inconclusive"]) == "inconclusive"
    assert registry.combine_verdicts(["inconclusive", "not-reproduced"]) == "not-reproduced"


# -- Seeds -- #


def test_claim_streams_are_derived_from_seed_and_id():
    assert claim_seed(0, "C15-bounded-gradient") == claim_seed(0, "C15-bounded-gradient")
    assert claim_seed(0, "C15-bounded-gradient") != claim_seed(1, "C15-bounded-gradient")
    assert claim_seed(0, "C15-bounded-gradient") != claim_seed(0, "C19-minibatch-bias")
    a = claim_rng(7, "C6-ridge-bias").standard_normal(3)
    np.testing.assert_array_equal(a, claim_rng(7, "C6-ridge-bias").standard_normal(3))
    with pytest.raises(ValueError, match="nonnegative integer"):
        claim_seed(-1, "C6-ridge-bias")


# -- Result files -- #


def test_result_file_has_the_schema(tmp_path):
    payload = claims_cli.run_claim(registry.get("C15-bounded-gradient"), 3, tmp_path)
    on_disk = json.loads((tmp_path / "C15-bounded-gradient.json").read_text())
    assert on_disk == payload
    assert set(claims_cli.RESULT_KEYS) <= set(on_disk)
    assert on_disk["verdict"] in registry.VERDICTS
    assert on_disk["seeds"]["suite_seed"] == 3
    assert on_disk["seeds"]["claim_seed"] == claim_seed(3, "C15-bounded-gradient")
    assert on_disk["tolerance"]["reason"]
    assert on_disk["interval"][0] <= on_disk["estimate"] <= on_disk["interval"][1]
    assert on_disk["interval_method"]
    assert {"commit", "dirty"} <= set(on_disk["suite"]) and {"python", "numpy", "torch"} <= set(on_disk["env"])
    assert on_disk["rerun"] == "python -m checks run C15-bounded-gradient --seed 3"


def test_same_seed_same_bytes_apart_from_runtime(tmp_path):
    # C6 draws from its stream (tasks, designs, bootstrap): two runs with one seed must agree exactly.
    entry = registry.get("C6-ridge-bias")
    first = claims_cli.run_claim(entry, 11, tmp_path / "a")
    second = claims_cli.run_claim(entry, 11, tmp_path / "b")
    other = claims_cli.run_claim(entry, 12, tmp_path / "c")
    for p in (first, second, other):
        p.pop("runtime_s")
        p.pop("over_budget")
    assert json.dumps(first) == json.dumps(second)
    assert first["estimate"] != other["estimate"]


def test_failed_check_is_recorded_as_not_run(tmp_path):
    def check(rng):
        raise ZeroDivisionError("planted")

    payload = claims_cli.run_claim(_entry(check), 0, tmp_path)
    assert payload["verdict"] == "not-run"
    assert payload["reason"].startswith("check failed: ZeroDivisionError: planted (test_claims_registry.py:")
    assert json.loads((tmp_path / "C99-test-claim.json").read_text())["verdict"] == "not-run"


def test_unstorable_detail_is_recorded_as_not_run(tmp_path):
    def check(rng):
        return Outcome("reproduced", estimate=1.0, detail={"object": object()})

    payload = claims_cli.run_claim(_entry(check), 0, tmp_path)
    assert payload["verdict"] == "not-run" and "cannot store object" in payload["reason"]


def test_nonfinite_numbers_are_stored_as_strings(tmp_path):
    def check(rng):
        return Outcome("inconclusive", estimate=float("inf"), tolerance=Tolerance(1.0, "r"), detail={"x": np.nan})

    payload = claims_cli.run_claim(_entry(check), 0, tmp_path)
    assert payload["estimate"] == "inf" and payload["detail"]["x"] == "nan"
    json.loads((tmp_path / "C99-test-claim.json").read_text())  # strict JSON


def test_write_is_atomic_no_partial_file_on_failure(tmp_path):
    path = tmp_path / "C99-test-claim.json"
    claims_cli.write_result(path, {"verdict": "reproduced"})
    before = path.read_bytes()
    with pytest.raises(ValueError, match="Out of range float values"):
        claims_cli.write_result(path, {"verdict": "reproduced", "estimate": float("nan")})
    with pytest.raises(TypeError):
        claims_cli.write_result(path, {"verdict": "reproduced", "estimate": object()})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["C99-test-claim.json"]  # no temporary left behind


# -- Command line -- #


def test_cli_run_one_claim_with_seed(tmp_path, capsys):
    assert _run_cli("run", "C3-core-fifty-lines", "--seed", "5", "--out", str(tmp_path), "--workers", "1") == 0
    payload = json.loads((tmp_path / "C3-core-fifty-lines.json").read_text())
    assert payload["seeds"]["suite_seed"] == 5 and payload["verdict"] == "not-reproduced"  # the official counts
    out = capsys.readouterr().out
    assert "| C3-core-fifty-lines " in out
    assert _run_cli("list", "--out", str(tmp_path)) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("| C3-core-fifty-lines "))
    assert "reproduced" in row


def test_cli_errors_name_the_problem(tmp_path, capsys):
    assert _run_cli("run", "C0-nothing", "--out", str(tmp_path)) == 2
    assert "unknown claim 'C0-nothing'; known:" in capsys.readouterr().err
    assert _run_cli("run", "--out", str(tmp_path)) == 2
    assert "give claim ids or --tier" in capsys.readouterr().err
    assert _run_cli("run", "C3-core-fifty-lines", "--seed", "-1", "--out", str(tmp_path)) == 2
    assert list(tmp_path.iterdir()) == []


def test_cli_tier_gpu_records_not_run_for_every_gpu_claim(tmp_path):
    assert _run_cli("run", "--tier", "gpu", "--out", str(tmp_path), "--workers", "1") == 0
    written = {p.stem: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    expected = {e.id for e in registry.load_claims().by_tier("gpu")}
    assert set(written) == expected and expected
    assert all(p["verdict"] == "not-run" and p["reason"] for p in written.values())


def test_parallel_run_in_spawned_workers(tmp_path):
    # Two processes (spawn) on two cheap claims: same results as in-process, one file each.
    entries = [registry.get("C9-local-bias"), registry.get("C15-bounded-gradient")]
    parallel = claims_cli.run_claims(entries, 0, tmp_path / "p", workers=2)
    serial = claims_cli.run_claims(entries, 0, tmp_path / "s", workers=1)
    assert [p["claim"] for p in parallel] == ["C9-local-bias", "C15-bounded-gradient"]
    for a, b in zip(parallel, serial, strict=True):
        assert (a["verdict"], a["estimate"], a["interval"]) == (b["verdict"], b["estimate"], b["interval"])
    assert sorted(p.name for p in (tmp_path / "p").iterdir()) == ["C15-bounded-gradient.json", "C9-local-bias.json"]


def test_tiers_partition_the_registry():
    loaded = registry.load_claims()
    by_tier = [e.id for t in registry.TIERS for e in loaded.by_tier(t)]
    assert sorted(by_tier) == sorted(loaded.ids())
    for entry in loaded:
        limit = registry.TIERS[entry.tier]
        assert limit is None or entry.budget_s <= limit
