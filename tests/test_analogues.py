"""The CPU analogues of the training claims (C5, C23-C28): the statistics they use and the judges themselves.

The judges read the replication's experiment files; here they read files written in the replication's layout with
chosen per-seed accuracies, so each verdict (and its control) can be driven both ways. The training that makes the
real files is tested in test_train.py; its committed output is judged by `reproduce --tier cpu-full`.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

from checks.registry import control_problem, load_claims
from core.stats import equivalence, partial_spearman, t_interval

SEEDS = 3


# -- Statistics -- #


def test_equivalence_interval_is_scipys_90_percent_t_interval_of_the_paired_differences():
    a, b = [95.0, 96.1, 95.4], [95.2, 95.5, 95.0]
    e = equivalence(a, b, margin=2.0)
    d = np.subtract(a, b)
    low, high = stats.t.interval(0.90, d.size - 1, loc=d.mean(), scale=stats.sem(d))
    assert (e["low"], e["high"]) == pytest.approx((low, high), rel=1e-12)
    assert e["decision"] == "equivalent"


@pytest.mark.parametrize(
    ("shift", "spread", "decision"),
    [(0.1, 0.1, "equivalent"), (5.0, 0.1, "different"), (-5.0, 0.1, "different"), (0.5, 3.0, "undecided")],
)
def test_equivalence_decides_by_where_the_interval_lies(shift, spread, decision):
    base = np.array([95.0, 95.0, 95.0])
    treated = base + shift + spread * np.array([-1.0, 0.0, 1.0])
    assert equivalence(treated, base, margin=2.0)["decision"] == decision


def test_equivalence_refuses_unpaired_or_single_samples():
    with pytest.raises(ValueError, match="paired"):
        equivalence([1.0, 2.0], [1.0, 2.0, 3.0], 1.0)
    with pytest.raises(ValueError, match="paired"):
        equivalence([1.0], [1.0], 1.0)
    with pytest.raises(ValueError, match="margin"):
        equivalence([1.0, 2.0], [1.0, 2.0], 0.0)


def test_partial_spearman_removes_a_common_cause():
    # x and y both follow g and nothing else: a plain ρ near 0.5, a partial ρ given g near 0 (n = 400: the partial's
    # sd is about 1/√400 = 0.05, so 0.2 is four sd); y following x on top of g keeps the partial high.
    rng = np.random.default_rng(0)
    g = rng.standard_normal(400)
    x, y = g + rng.standard_normal(400), g + rng.standard_normal(400)
    assert stats.spearmanr(x, y).statistic > 0.35
    assert abs(partial_spearman(x, y, g)) < 0.2
    assert partial_spearman(x, x + 0.1 * rng.standard_normal(400), g) > 0.9


# -- Judges on files in the replication's layout -- #


def _summary(values):
    return {"linear_probe": t_interval(values)}


def _write(root, exp, conditions):
    payload = {"experiment": exp, "scale": "cpu", "tier": "cpu-full", "status": "done",
               "conditions": {c: _summary(v) for c, v in conditions.items()}}  # fmt: skip
    path = root / "replication" / f"{exp}_cpu.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload))


def _seeds(mean, jitter=(-0.2, 0.0, 0.2)):
    return [mean + j for j in jitter]


@pytest.fixture
def tree(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGREG_RESULTS", str(tmp_path))
    _write(tmp_path, "E1", {"mnist5k/corrected (R1)": _seeds(95.0), "mnist5k/lambda=0": _seeds(88.0),
                            "mnist5k/random-init encoder": _seeds(87.0)})  # fmt: skip
    return tmp_path


def _run(claim_id):
    return load_claims().get(claim_id).check(np.random.default_rng(0))


def _e2(root, worst_cell_mean):
    cells = {f"mnist5k/lambda={lam:g},V={v}": _seeds(95.0) for lam in (0.01, 0.05, 0.2) for v in (2, 4, 8)}
    cells["mnist5k/lambda=0.2,V=8"] = _seeds(worst_cell_mean)
    _write(root, "E2", cells)


def test_c23_flat_grid_is_reproduced_with_a_disagreeing_control(tree):
    _e2(tree, 95.3)
    out = _run("C23-lambda-views-stable")
    assert out.verdict == "reproduced" and out.control.verdict == "not-reproduced"
    assert out.detail["scale"] == "cpu-analogue" and out.tolerance.value == 2.0
    record = {"basis": "measured", "verdict": out.verdict, "control": out.control.as_dict()}
    assert control_problem(record) is None


def test_c23_a_cell_beyond_the_margin_fails_the_claim(tree):
    _e2(tree, 90.0)
    out = _run("C23-lambda-views-stable")
    assert out.verdict == "not-reproduced" and "lambda=0.2,V=8" in out.reason


def test_c23_noisy_seeds_leave_it_inconclusive(tree):
    cells = {f"mnist5k/lambda={lam:g},V={v}": _seeds(95.0) for lam in (0.01, 0.05, 0.2) for v in (2, 4, 8)}
    cells["mnist5k/lambda=0.01,V=2"] = _seeds(95.5, jitter=(-3.0, 0.0, 3.0))
    _write(tree, "E2", cells)
    assert _run("C23-lambda-views-stable").verdict == "inconclusive"


def test_c25_drop_beyond_the_papers_gap_fails(tree):
    def e6(small):
        _write(tree, "E6", {f"mnist5k/N={n},lambda=0.05 (fixed)": _seeds(small if n == 128 else 95.0)
                            for n in (64, 128, 256, 512)})  # fmt: skip

    e6(94.5)
    assert _run("C25-batch-size").verdict == "reproduced"
    e6(90.0)
    out = _run("C25-batch-size")
    assert out.verdict == "not-reproduced" and out.estimate == pytest.approx(-5.0)


def test_c26_gain_over_random_init_and_its_control(tree):
    _write(
        tree,
        "E8",
        {
            "mnist5k/encoder=mlp": _seeds(95.0),
            "mnist5k/encoder=mlp, random init": _seeds(87.0),
            "mnist5k/encoder=cnn": _seeds(97.0),
            "mnist5k/encoder=cnn, random init": _seeds(60.0),
        },
    )
    out = _run("C26-small-architectures")
    assert out.verdict == "reproduced" and out.detail["verdicts"] == {"mlp": "reproduced", "cnn": "reproduced"}
    assert out.control.verdict == "not-reproduced"  # λ = 0 gains 1 point over random init: below 5


def test_c5_and_c27_judge_their_own_arms(tree):
    _write(tree, "E7", {"mnist5k/baseline": _seeds(95.0), "mnist5k/+ predictor": _seeds(89.0),
                        "mnist5k/+ EMA teacher (0.99)": _seeds(95.1),
                        "mnist5k/constant learning rate": _seeds(94.9)})  # fmt: skip
    assert _run("C5-single-hyperparameter").verdict == "reproduced"  # teacher and schedule: within the margin
    c27 = _run("C27-no-predictor-teacher")
    assert c27.verdict == "not-reproduced" and "predictor" in c27.reason


def test_c28_rank_correlation_and_the_shuffled_control(tree):
    rng = np.random.default_rng(1)
    conditions = {}
    for i in range(24):
        lam = float(np.exp(rng.uniform(np.log(0.005), np.log(0.5))))
        acc = 90.0 + i * 0.3
        loss = (1.0 - i / 30) * lam**0.4  # loss/λ^0.4 falls exactly as accuracy rises
        conditions[f"mnist5k/search {i:02d}: lam={lam:.4g},views=4"] = {
            "final_loss": t_interval([loss]), "linear_probe": t_interval([acc])}  # fmt: skip
    payload = {"experiment": "E4", "scale": "cpu", "tier": "cpu-full", "status": "done", "conditions": conditions}
    (tree / "replication" / "E4_cpu.json").write_text(json.dumps(payload))
    out = _run("C28-loss-accuracy-correlation")
    assert out.estimate == pytest.approx(1.0) and out.verdict == "reproduced"
    assert out.control.verdict != "reproduced"


def test_analogues_are_not_run_without_cpu_full_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGREG_RESULTS", str(tmp_path))
    ids = ["C5-single-hyperparameter", "C23-lambda-views-stable", "C24-integration-parameters", "C25-batch-size",
           "C26-small-architectures", "C27-no-predictor-teacher", "C28-loss-accuracy-correlation"]  # fmt: skip
    for claim_id in ids:
        out = _run(claim_id)
        assert out.verdict == "not-run" and "--tier cpu-full" in out.reason, claim_id
    _write(tmp_path, "E1", {"mnist5k/corrected (R1)": _seeds(95.0)})
    payload = json.loads((tmp_path / "replication" / "E1_cpu.json").read_text())
    (tmp_path / "replication" / "E1_cpu.json").write_text(json.dumps({**payload, "tier": "cpu"}))
    out = _run("C23-lambda-views-stable")
    assert out.verdict == "not-run" and "tier cpu" in out.reason
    assert {c.tier for c in load_claims() if c.id in ids} == {"cpu-full"}
    assert {c.scale for c in load_claims() if c.id in ids} == {"cpu-analogue"}
