"""E5, the minimum demo (repro/demo.py): its independent normality tests and the behaviour they judge."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from scipy import stats

import reference
from core import gaussianity
from repro import demo

REPS = 400  # the SciPy pattern: at α = 0.05 the count's sd is √(400·0.05·0.95) ≈ 4.4, a doubled FPR moves it by 20


def _counts(test, rng: np.random.Generator, n: int = 100) -> tuple[int, int]:
    """(rejections at 5 % on N(0, I) samples, rejections on X-law samples), n points in 2-D, REPS each."""
    null = power = 0
    for _ in range(REPS):
        null += test(rng.standard_normal((n, 2))) < 0.05
        power += test(demo.start_cloud("xlaw2d", n, rng)) < 0.05
    return int(null), int(power)


def test_henze_zirkler_is_calibrated_and_sees_the_x_law():
    # The X law has N(0, 1) marginals and identity covariance: only a joint test can reject it (C18).
    null, power = _counts(lambda x: gaussianity.henze_zirkler(x)["p"], np.random.default_rng(251108544))
    assert (null, power) == (22, 400)  # frozen when written: catches silent changes
    assert stats.binomtest(null, REPS, 0.05).pvalue > 0.01  # calibrated under H0
    assert stats.binomtest(power, REPS).proportion_ci().low > 0.95


def test_mardia_kurtosis_is_calibrated_and_sees_the_x_law():
    # Under the X law d_ii = 2g², so b₂ → E[4g⁴] = 12 against p(p+2) = 8 for a Gaussian.
    null, power = _counts(lambda x: gaussianity.mardia(x)["kurt_p"], np.random.default_rng(251108544))
    assert (null, power) == (17, 360)
    assert stats.binomtest(null, REPS, 0.05).pvalue > 0.01
    assert stats.binomtest(power, REPS).proportion_ci().low > 0.8


def test_mardia_skewness_is_calibrated():
    rng = np.random.default_rng(3)
    null = sum(gaussianity.mardia(rng.standard_normal((100, 2)))["skew_p"] < 0.05 for _ in range(REPS))
    assert null == 22
    assert stats.binomtest(null, REPS, 0.05).pvalue > 0.01


def test_verdict_passes_genuine_gaussians():
    # looks_gaussian = eigenvalues inside the widened Marchenko–Pastur band (coverage >= 98 % measured) and
    # three tests at α = 0.01: a genuine sample passes with probability >= ~0.95. 0.85 is the lower bound with
    # room for binomial noise at 60 draws (sd ≈ 0.03).
    rng = np.random.default_rng(7)
    passed = sum(
        gaussianity.looks_gaussian(gaussianity.gaussianity(rng.standard_normal((500, 16)), rng, 20)) for _ in range(60)
    )
    assert passed == 55
    assert passed / 60 >= 0.85
    assert not gaussianity.looks_gaussian(gaussianity.gaussianity(demo.start_cloud("xlaw2d", 500, rng), rng, 20))


def test_start_clouds_have_their_stated_moments():
    rng = np.random.default_rng(11)
    n = 20_000  # sampling sd of a covariance entry ≈ 1/√n = 0.007; the tolerances below are >= 5 sd
    x = demo.start_cloud("xlaw2d", n, rng)
    np.testing.assert_allclose(np.cov(x.T), np.eye(2), atol=0.05)
    assert min(stats.kstest(x[:, j], "norm").pvalue for j in range(2)) > 1e-3  # N(0, 1) marginals
    r = np.corrcoef(demo.start_cloud("rotstretch2d", n, rng).T)[0, 1]
    assert r == pytest.approx((9 - 0.09) / (9 + 0.09), abs=0.005)  # scale (3, 0.3), rotated 45°
    eig = np.linalg.eigvalsh(np.cov(demo.start_cloud("rank1_16d", n, rng).T))
    assert eig[-1] / eig.sum() > 0.999
    with pytest.raises(ValueError, match="unknown cloud"):
        demo.start_cloud("torus", 10, rng)


def test_listing_cannot_see_the_x_law_but_r1_does():
    # The X law's marginals are exactly N(0, 1): V1's EP per coordinate has the null law (mean 1.06, q95 2.95, O5).
    # Sliced R1 grows like N·D(F) (≈ 31 at N = 2000, measured); thresholds 10 and 3 sit far from both.
    x = torch.tensor(demo.start_cloud("xlaw2d", 2000, np.random.default_rng(3)), dtype=torch.float32)
    a = torch.randn(2, 64, generator=torch.Generator().manual_seed(0))
    a = a / a.norm(dim=0)
    assert float(reference.get("R1").evaluate(x, a)) > 10 > 3 > float(reference.get("V1").evaluate(x, a).mean())


def test_r1_whitens_a_correlated_square_that_v1_leaves_correlated():
    # docs/claims.md#c18: the listing Gaussianises marginals but keeps corr ≈ 0.93; R1 whitens. Measured with this seed:
    # V1 corr 0.92, eig_min 0.08; R1 corr 0.20, eig_min 0.88. Thresholds leave >= 0.07 on each side.
    plan = demo.DemoPlan(n=300, steps=150, num_slices=32, lr=0.03, seeds=(0,), test_directions=20,
                         reference_draws=1, frame_every=50)  # fmt: skip
    start = demo.start_cloud("rotstretch2d", 300, np.random.default_rng(11))
    res = {}
    for variant in demo.VARIANTS:
        end, losses, _ = demo.optimise(start, variant, plan, seed=0)
        res[variant] = gaussianity.gaussianity(end, np.random.default_rng(0), 20)
        assert losses[-1] < losses[0] / 50  # each optimiser drives its own loss down
    assert res["V1"]["max_abs_corr"] > 0.85 and res["V1"]["eig_min"] < 0.2
    assert res["R1"]["max_abs_corr"] < 0.35 and res["R1"]["eig_min"] > 0.7


@pytest.mark.slow
def test_quick_demo_writes_results_and_figures(tmp_path):
    payload = demo.run_demo(quick=True, out=tmp_path, figures=tmp_path / "fig", progress=False)
    on_disk = json.loads((tmp_path / "E5_cpu-quick.json").read_text())
    assert on_disk["conditions"].keys() == payload["conditions"].keys()
    assert not list(tmp_path.glob("*.md"))  # JSON only: the page is the report's (`python -m checks report`)
    assert on_disk["figures"] and all(f.startswith("fig/") for f in on_disk["figures"])  # relative to the JSON
    assert {p.name for p in (tmp_path / "fig").iterdir()} == {"demo_clouds_2d.png", "demo_spectra_16d.png",
                                                              "demo_2d.gif"}  # fmt: skip


def test_intervals_of_p_values_and_proportions_stay_in_range():
    # Three seeds with spread-out p-values: a plain t-interval would go below 0 and above 1; the logit-scale one
    # and the pooled Clopper–Pearson interval cannot.
    p = demo._interval([0.001, 0.5, 0.9], "p-value")
    assert 0.0 < p["low"] <= p["high"] < 1.0
    frac = demo._interval([0.0, 0.02, 0.1], "proportion", trials=50)
    assert frac["mean"] == pytest.approx(6 / 150) and 0.0 <= frac["low"] <= frac["mean"] <= frac["high"] <= 1.0
    assert demo._interval([1.0, 2.0, 3.0])["low"] < 0.0  # values keep the t-interval (it may be negative)
