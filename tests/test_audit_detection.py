"""The audit's detection table (`python -m checks audit detection --quick`), run for real: every variant on the
whole battery against its own Monte Carlo null, with negative and positive controls and the size sweeps."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import stats

import reference
from checks.audit import battery
from checks.audit import cli as audit_cli
from checks.report import cli as report_cli
from core import cli


@pytest.fixture(scope="module")
def detection(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit")
    argv = ["audit", "detection", "--quick", "--no-progress", "--workers", "1", "--out", str(out)]
    parser = cli.build_parser("python -m checks", "", [audit_cli, report_cli])
    assert cli.run(parser, argv) == 0
    assert cli.run(parser, ["report", "--pages-only", "--results", str(out)]) == 0  # its pages: the report's
    return out, json.loads((out / "detection.json").read_text())


def rows(result: dict) -> dict:
    return {(r["variant"], r["law"]): r for r in result["main"]["rows"]}


def test_every_variant_on_every_law_with_intervals(detection):
    out, result = detection
    table = rows(result)
    assert set(table) == {(v, law) for v in reference.REGISTRY for law in battery.LAWS}
    for row in table.values():
        assert row["n_seeds"] == 20 and row["null_reps"] == 99 and not row["errors"]
        low, high = row["detection_interval"]
        assert low <= row["detection_rate"] <= high
    assert "### Detection at N = 128, K = 16, M = 64" in (out / "discrepancies.md").read_text()


def test_negative_control_is_calibrated(detection):
    # The null laws (N(0, I); independent N(0, I) views) against each variant's own Monte Carlo null: the
    # detections are Binomial(n, 0.01) whatever the variant (the p-value (1+#)/(R+1) is exact-level).
    table = rows(detection[1])
    null_rows = [r for (v, law), r in table.items() if law in ("gaussian", "views-indep")]
    k, n = sum(r["detections"] for r in null_rows), sum(r["n_seeds"] for r in null_rows)
    assert (k, n) == (1, 320)  # frozen when written (seed 0, quick; 8 variants since P3)
    assert stats.binomtest(k, n, 0.01).pvalue > 0.01


def test_positive_controls_and_the_blind_spots(detection):
    table = rows(detection[1])
    assert table["R1", "rank1"]["detections"] == 20  # collapse: every sliced variant sees it
    assert table["V1", "uniform"]["detections"] == 20  # shape: only the per-coordinate statistic sees it
    assert table["R1", "uniform"]["detections"] <= 2  # CLT over K = 16 projected coordinates
    assert table["P1", "views-near"]["detections"] == 20  # flattening multiplies by V (D16)


def test_fast_variants_agree_bit_for_bit_on_2d_input(detection):
    values = detection[1]["main"]["values"]
    for law, spec in battery.LAWS.items():
        r1 = np.asarray(values["R1"]["laws"][law])
        for vid in ("R2", "P2", *(() if spec.multiview else ("P1",))):
            assert np.array_equal(np.asarray(values[vid]["laws"][law]), r1), (vid, law)


def test_sweeps_reuse_v1_across_m_and_skip_it_above_the_main_k(detection):
    sweeps = detection[1]["sweeps"]
    by_axis = {(s["axis"], s["size"]["k"], s["size"]["m"]): s for s in sweeps}
    m_sweep = by_axis["M", 16, 16]
    assert m_sweep["reused"] == {"V1": "main"}
    main_v1 = rows(detection[1])["V1", "rank1"]["detections"]
    assert next(r for r in m_sweep["rows"] if r["variant"] == "V1" and r["law"] == "rank1")["detections"] == main_v1
    assert {r["variant"] for r in by_axis["K", 32, 64]["rows"]} == {"R1"}  # V1 costs ∝ K: not run above K=16
    assert {r["variant"] for r in by_axis["K", 4, 64]["rows"]} == {"V1", "R1"}
