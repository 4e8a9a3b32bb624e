"""Positive and negative controls of every claim check, at tiny sizes.

A positive control feeds a check data or settings where its claim holds by construction and must give
`reproduced`; a negative control plants a violation and must give `not-reproduced`. Each check's `core` takes
the parameters that make this possible. Seeds are literals; sizes are the smallest that keep the verdict far from
its decision boundary (each test says why).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from checks.claims import (
    c03_core_lines,
    c04_linear_cost,
    c06_ridge_bias,
    c07_fig3_values,
    c07_probe_variance,
    c08_knn_kernel_bias,
    c09_local_bias,
    c10_slicing_consistency,
    c11_mean_over_directions,
    c12_moments_insufficient,
    c13_cdf_tests_nonsmooth,
    c14_ecf_smooth_reducible,
    c15_bounded_gradient,
    c16_directions_order_k,
    c17_resampled_directions,
    c18_x_law_and_point_cloud,
    c19_minibatch_bias,
    c20_seventeen_knots,
    c21_ep_is_mmd,
    c34_ridge_alignment,
    c36_max_test_level,
    c37_gradient_corollary,
    c38_sobol_directions,
    cal1_null_level,
    cal2_power,
)
from checks.claims._cdf_tests import ECF_STATISTICS
from checks.claims._common import isotropic, normal, sign_flip


def rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- C3 -- #

SHORT = "def sigreg(x, a):\n    '''doc'''\n    # comment\n\n    return (x @ a).mean()\n"
LONG = "def sigreg(x):\n" + "".join(f"    x = x + {i}\n" for i in range(60)) + "    return x\n"


def test_c3_counts_code_lines_only():
    # 2 code lines: the def and the return; the docstring, comment and blank line do not count.
    assert c03_core_lines.code_lines(SHORT, ("sigreg",)) == 2


@pytest.mark.parametrize(("source", "verdict"), [(SHORT, "reproduced"), (LONG, "not-reproduced")])
def test_c3_controls(source, verdict):
    outcome = c03_core_lines.core({"toy": (("toy.py", ("sigreg",)),)}, sources={"toy.py": source}, official={})
    assert outcome.verdict == verdict


def test_c3_judges_the_official_counts():
    # The stored counts of the official source (32 + 43 library lines, 18 in MINIMAL.md) are judged, not ours.
    outcome = c03_core_lines.core()
    assert outcome.detail["judged"] == "official source"
    assert outcome.estimate == 75.0 and outcome.verdict == "not-reproduced"


# -- C4 -- #


def test_c4_positive_control_r1_is_linear():
    # R1 itself at small sizes: saved bytes grow linearly (exact), and the fastest-repeat timing slope stays far
    # below 1.5 (per-call overhead only lowers it at these sizes).
    outcome = c04_linear_cost.core(
        rng(0), axes={"n": (128, 256, 512, 1024)}, base={"n": 128, "k": 8, "m": 8}, repeats=15, boot_reps=200
    )
    assert outcome.verdict == "reproduced"
    assert outcome.detail["axes"]["n"]["memory_slope"] == pytest.approx(1.0, abs=0.05)


def test_c4_negative_control_pairwise_cost():
    # Saved bytes of an N² step grow with slope 2 (exact), far above the 1.05 tolerance.
    outcome = c04_linear_cost.core(
        rng(0),
        make_step=c04_linear_cost.pairwise_step,
        axes={"n": (64, 128, 256)},
        base={"n": 64, "k": 4, "m": 1},
        repeats=3,
        boot_reps=200,
    )
    assert outcome.verdict == "not-reproduced"
    assert outcome.detail["axes"]["n"]["memory_slope"] > 1.9


# -- C6, C34 -- #


@pytest.mark.parametrize(("alignment", "verdict"), [("uniform", "reproduced"), ("top", "not-reproduced")])
def test_c6_controls(alignment, verdict):
    # Population ratio 5.4 (uniform tasks) vs 0.2 (tasks on the largest-variance axis) at K = 4: 60 units put
    # the interval far from 1 either way.
    outcome = c06_ridge_bias.core(rng(1), k=4, n=50, units=60, alignment=alignment, boot_reps=300)
    assert outcome.verdict == verdict


@pytest.mark.parametrize(("alignment", "verdict"), [("uniform", "reproduced"), ("axes", "not-reproduced")])
def test_c34_controls(alignment, verdict):
    # Tasks on coordinate axes are eigenvectors of the diagonal covariance: exactly aligned (the planted case).
    outcome = c34_ridge_alignment.core(rng(2), k=4, n=50, count=40, alignment=alignment, boot_reps=300)
    assert outcome.verdict == verdict


# -- C7 -- #


@pytest.mark.parametrize(("scale", "verdict"), [(1.0, "reproduced"), (10.0, "not-reproduced")])
def test_c7_controls(scale, verdict):
    # Equal trace: the variance ratio is ~5 (OLS ~5.5); with the anisotropic trace 10x larger the OLS variance
    # ratio drops to ~0.55 < 1: the planted violation of the equal-trace premise.
    outcome = c07_probe_variance.core(rng(3), reps=150, aniso_trace_scale=scale, boot_reps=300)
    assert outcome.verdict == verdict


def test_c7_fig3_ratio_out_of_reach_at_condition_20():
    # Asymptotic logistic covariance (exact quadrature): at condition 20 the ratio tops out near the OLS value
    # (1 + c)²/(4c) = 5.5 for any β; at 60 it reaches 15.5, inside the ±30 % band around 14.3.
    assert c07_fig3_values.sweep(20.0)["max_ratio"] == pytest.approx(5.5, abs=0.1)
    assert c07_fig3_values.sweep(60.0)["max_ratio"] > 14.3


# -- C8, C9 -- #


@pytest.mark.parametrize(("scale", "verdict"), [(1.0, "reproduced"), (2.0, "not-reproduced")])
def test_c8_controls(scale, verdict):
    # Laplace at equal trace has tr J = 4 vs 2 (ISB ratio ~1.7); doubled in scale its trace is 4x and its ISB
    # ratio ~0.46. Step 0.5 keeps the quadrature error (~0.1) far from moving either across 1.
    outcome = c08_knn_kernel_bias.core(alternatives=("laplace",), alternative_scale=scale, step=0.5)
    assert outcome.verdict == verdict


def test_c8_quadrature_matches_closed_form_for_the_gaussian_kernel():
    # N(0, I) with a Gaussian kernel: bias(q) = −h²q/(1+h²), so ISB = 2h⁴/(1+h²)² exactly.
    from checks.claims._smoothers import integrated_squared_bias, laws

    h = 0.2
    isb = integrated_squared_bias(laws()["gaussian-isotropic"], h, "kernel", step=0.25)
    assert isb == pytest.approx(2 * h**4 / (1 + h**2) ** 2, rel=1e-10)


@pytest.mark.parametrize(("denominator", "verdict"), [(None, "reproduced"), (2.0, "not-reproduced")])
def test_c9_controls(denominator, verdict):
    # With d instead of d + 2 the kNN prediction is 2x the truth: a relative error of 0.5 that does not shrink.
    assert c09_local_bias.core(laws=("gaussian-isotropic",), knn_denominator=denominator).verdict == verdict


# -- C10, C11 -- #

C10_SMALL = {
    "k": 4,
    "n_values": (64, 512),
    "m_values": (1, 4),
    "n_fixed": 64,
    "null_reps": 100,
    "reps": 80,
    "boot_reps": 300,
}


def test_c10_positive_control_sign_flip():
    # The sign-flip law's drift is ~0.027 per sample at K = 4, 50 se above 0.
    outcome = c10_slicing_consistency.core(rng(4), alternatives={"sign-flip": sign_flip}, **C10_SMALL)
    assert outcome.verdict == "reproduced"


def test_c10_negative_control_gaussian_in_disguise():
    # A rotated N(0, I) has drift exactly 0: its interval (±2e-4 here) lies below the 5e-4 floor.
    outcome = c10_slicing_consistency.core(
        rng(5), alternatives={"rotated": c10_slicing_consistency.rotated_gaussian}, **C10_SMALL
    )
    assert outcome.verdict == "not-reproduced"


def test_c10_null_rejections_frozen_and_calibrated():
    # The Monte Carlo null must reject N(0, I) at the level: frozen count + binomial calibration.
    rng_ = rng(251108544)
    null = c10_slicing_consistency.null_values(rng_, 128, 4, 8, 400)
    level = c10_slicing_consistency.rejection_rate(rng_, isotropic, 128, 4, 8, null, 400)
    from scipy import stats

    assert level.k == 19
    assert stats.binomtest(level.k, level.n, 0.05).pvalue > 0.01


@pytest.mark.parametrize(("aggregate", "verdict"), [("mean", "reproduced"), ("max", "not-reproduced")])
def test_c11_controls(aggregate, verdict):
    # Gradient density is exact; the power comparison is reported only, so tiny sizes suffice.
    outcome = c11_mean_over_directions.core(
        rng(6), aggregate=aggregate, n=64, m=8, null_reps=40, reps=20, boot_reps=200
    )
    assert outcome.verdict == verdict
    assert outcome.detail["gradient"]["max"]["rank_of_dz"] == 1


# -- C12 -- #


@pytest.mark.parametrize(
    ("law", "transform", "verdict"),
    [
        ("moment-matched-5", "uniform1", "reproduced"),
        ("moment-matched-5", "tanh", "reproduced"),
        ("laplace", "uniform1", "not-reproduced"),
        ("moment-matched-5", "identity", "not-reproduced"),
    ],
)
def test_c12_controls(law, transform, verdict):
    # The rate: on data bounded by 1 the moment gradient grows like k/√(2k−1) (slope ~0.4 < 1.25), tanh(x)^k
    # shrinks; on N(0, 1) data it grows factorially (slope ~3.6). Laplace has kurtosis 6: the moment tests see it
    # (power ~1), so it is no witness. N = 512 keeps EP's power on the witness near 1 (0.99 measured).
    outcome = c12_moments_insufficient.core(
        rng(7), law=law, reps=120, null_reps=300, transform=transform, boot_reps=300
    )
    assert outcome.verdict == verdict


# -- C13, C14 -- #


def test_c13_controls():
    assert c13_cdf_tests_nonsmooth.core(rng(8), batches=2).verdict == "reproduced"
    assert c13_cdf_tests_nonsmooth.core(rng(8), statistics=ECF_STATISTICS, batches=2).verdict == "not-reproduced"


@pytest.mark.parametrize(
    ("reduce", "equal", "verdict"),
    [
        ("sums", False, "reproduced"),
        ("means", True, "reproduced"),
        ("means", False, "not-reproduced"),
        ("statistics", True, "not-reproduced"),
    ],
)
def test_c14_controls(reduce, equal, verdict):
    # All-reducing sums and counts is exact to 1e-15 for any shards; averaging shard means is exact only for equal
    # shards (unequal 4:2:1:1 errs by ~50 %); averaging per-shard statistics errs by ~20 % even for equal ones.
    outcome = c14_ecf_smooth_reducible.core(rng(9), reduce=reduce, n=128, batches=2, equal=equal)
    assert outcome.verdict == verdict


def test_c14_unequal_shards_cover_the_batch():
    assert c14_ecf_smooth_reducible.shard_sizes(512, 4, equal=False) == (273, 136, 68, 35)
    assert sum(c14_ecf_smooth_reducible.shard_sizes(100, 3, equal=False)) == 100


# -- C15, C19 (the factor N: D6, D7) -- #


@pytest.mark.parametrize(("per_sample", "verdict"), [(True, "reproduced"), (False, "not-reproduced")])
def test_c15_controls(per_sample, verdict):
    # EP/N (the proof's statistic) meets 4σ²/N with σ² = 2; EP with its factor N exceeds it ~N/2-fold.
    outcome = c15_bounded_gradient.core(rng(10), n_values=(8, 32), per_sample=per_sample, random_batches=2)
    assert outcome.verdict == verdict


def test_c15_sup_is_attained_and_matches_the_oracle():
    from reference import oracle

    n = 16
    attained = abs(oracle.ep_grad(c15_bounded_gradient.extremal_configuration(n))[0])
    assert attained == pytest.approx(oracle.ep_grad_sup(n), rel=1e-12)  # exact configuration: rounding only


@pytest.mark.parametrize(("per_sample", "verdict"), [(True, "reproduced"), (False, "not-reproduced")])
def test_c19_controls(per_sample, verdict):
    # Bias of EP/N is c_F/N (slope −1); of EP itself the constant c_F = 1.11 (slope 0, D7). 600 batches of the
    # uniform law put the slope's interval within ±0.15 of its value.
    outcome = c19_minibatch_bias.core(
        rng(11), n_values=(16, 32, 64, 128), reps=600, per_sample=per_sample, laws=("uniform",), boot_reps=300
    )
    assert outcome.verdict == verdict


# -- C16, C17, C18 -- #


def test_c19_optimal_scale_is_one_minus_one_over_n():
    # Exact: s*(N) = argmin E[EP_N] over N(0, s²) is 1 − 1/N to first order (0.9374 at N = 16), so the 5 %
    # tolerance fails at 16 and holds at 32 (0.9687).
    assert c19_minibatch_bias.optimal_scale(16) == pytest.approx(1 - 1 / 16, abs=1e-3)
    assert c19_minibatch_bias.scale_outcome(16).verdict == "not-reproduced"
    assert c19_minibatch_bias.scale_outcome(32).verdict == "reproduced"


def test_c16_controls():
    # The one-bimodal-axis law needs more directions than 1500 to pin its exponent at K <= 16: the Gaussian laws.
    small = {"k_values": (4, 8, 16), "directions": 1500, "boot_reps": 200}
    gaussian = {k: v for k, v in c16_directions_order_k.LAWS.items() if k != "one-bimodal-axis"}
    assert c16_directions_order_k.core(rng(12), laws=gaussian, **small).verdict == "reproduced"
    cap = {"cap": c16_directions_order_k.cap_indicator}
    assert c16_directions_order_k.core(rng(12), laws=cap, **small).verdict == "not-reproduced"


def test_c17_crossover_interpolates_in_log_m():
    assert c17_resampled_directions.crossover((256, 1024), (2.0, 0.5)) == pytest.approx(256 * 4 ** (1 / 1.5))
    assert c17_resampled_directions.crossover((256, 1024), (2.0, 1.5)) is None


def test_c17_negative_control_fixed_set_much_larger_than_k():
    # K = 4 with 64 fixed directions covers the circle densely; one fresh direction per step is a poor
    # estimate: the fixed arm wins (ratio ~0.25), the planted violation of "resampling beats fixed".
    outcome = c17_resampled_directions.core(
        rng(13), n=128, k=4, m_resampled=1, m_fixed=64, steps=150, seeds=1, held_out=64, boot_reps=200
    )
    assert outcome.verdict == "not-reproduced"


def test_c17_positive_control_fixed_set_overfits():
    # K = 32, fixed 128 directions (4K) vs 16 fresh: the fixed arm drives its own directions to ~0 and the
    # held-out statistic stays high (ratio ~2 at K = 64 in the full check).
    outcome = c17_resampled_directions.core(
        rng(14), n=128, k=32, m_resampled=16, m_fixed=128, steps=200, seeds=1, held_out=128, boot_reps=200
    )
    assert outcome.verdict == "reproduced"


@pytest.mark.parametrize(
    ("overrides", "verdict"),
    [
        ({"start": "gaussian"}, "reproduced"),
        ({"start": "frame"}, "not-reproduced"),
        ({"start": "gaussian", "slicing": "axes"}, "not-reproduced"),
    ],
)
def test_c18_controls(overrides, verdict):
    # Part (b)'s judge (E5's rule, N = 500 ≫ K = 16) passes genuine N(0, I) samples (~97 % each: 10 seeds put the
    # Clopper–Pearson bound above 1/2) and fails the axis frame on every seed; on the coordinate axes the X law
    # looks exactly Gaussian (part a).
    args = {"seeds": 10, "reps": 60, "null_reps": 100, "n_detect": 300, "small_n": None, **overrides}
    assert c18_x_law_and_point_cloud.core(rng(15), **args).verdict == verdict


def test_c18_held_out_projections_cannot_tell_the_frame_at_n_below_k():
    # Why part (b) is not judged at the paper's N = 100 < K = 1024: the axis frame fails held-out projection
    # tests about as rarely as a Gaussian (~5 %), far below the 15 % a judge would need to call it non-Gaussian.
    frame = c18_x_law_and_point_cloud.frame_cloud(100, 1024, rng(19))
    assert c18_x_law_and_point_cloud.failing_projections(frame, rng(20))["fail"].estimate < 0.15


# -- C20, C21 -- #


@pytest.mark.parametrize(
    ("knots", "only", "verdict"),
    [(17, "official", "reproduced"), (17, None, "not-reproduced"), (9, "paper", "not-reproduced")],
)
def test_c20_controls(knots, only, verdict):
    # The official grid errs by at most 1.6 % (N(0, 0.1²)) over the battery, tolerance 5 %; the paper grid aliases
    # N(10, 1) (−99.8 %); 9 knots on [−5, 5] err by up to 61 % (N(3, 1)).
    outcome = c20_seventeen_knots.core(rng(16), n=64, reps=60, knots=knots, boot_reps=200, only=only)
    assert outcome.verdict == verdict


@pytest.mark.parametrize(("statistic", "verdict"), [("mean-var", "reproduced"), ("mean-only", "not-reproduced")])
def test_c21_controls(statistic, verdict):
    # mean² + (std − 1)² reaches Cov = I to ~1e-4 in 200 steps; mean² alone leaves the covariance ~1 off.
    outcome = c21_ep_is_mmd.core(rng(17), n=128, k=4, m=16, steps=200, statistic=statistic, mmd_batches=1)
    assert outcome.verdict == verdict


def test_c21_wrong_kernel_is_caught():
    # Bandwidth 2 is not the Fourier transform of e^{−t²/2}: the identity fails by O(1).
    outcome = c21_ep_is_mmd.core(rng(17), n=128, k=4, m=16, steps=200, bandwidth=2.0, mmd_batches=1)
    assert outcome.verdict == "not-reproduced"


# -- Calibration of the test itself -- #


def test_cal1_joint_eigenvalues_calibrated_and_frozen():
    # 2000 H0 batches per configuration: frozen rejection counts (catch any change) and an exact binomial test
    # of each against its nominal level (calibration).
    from scipy import stats

    outcome = cal1_null_level.core(rng(251108544), reps=2000, sigreg_shape=(8, 16, 64), univariate_n=(64,))
    assert outcome.verdict == "reproduced"
    counts = {(r["config"], r["alpha"]): round(r["rate"] * 2000) for r in outcome.detail["rows"]}
    assert counts == {
        ("exact EP, N=64", 0.05): 106,
        ("exact EP, N=64", 0.01): 23,
        ("paper grid, N=64", 0.05): 84,
        ("paper grid, N=64", 0.01): 18,
        ("official grid, N=64", 0.05): 84,
        ("official grid, N=64", 0.01): 18,
        ("SIGReg official grid, K=8 M=16 N=64", 0.05): 94,
        ("SIGReg official grid, K=8 M=16 N=64", 0.01): 21,
    }
    for (_, alpha), k in counts.items():
        assert stats.binomtest(k, 2000, alpha).pvalue > 0.01


def test_cal1_negative_control_independent_slices():
    # Treating correlated slices as independent roughly doubles the 5 % rate (docs/oracle.md#correlated-slices).
    outcome = cal1_null_level.core(
        rng(3), reps=1000, sigreg_null="independent", sigreg_shape=(8, 16, 64), univariate_n=(64,)
    )
    assert outcome.verdict == "not-reproduced"
    assert outcome.estimate > 0.08


def test_sigreg_joint_eigenvalues_reduce_to_the_grid_eigenvalues_for_one_direction():
    # M = 1: the joint law is the single-slice grid law.
    from reference import oracle

    joint = cal1_null_level.sigreg_grid_eigenvalues(np.array([[1.0], [0.0]]), *oracle.OFFICIAL_GRID)
    single = oracle.grid_null_eigenvalues(*oracle.OFFICIAL_GRID)
    single = single[single > 1e-12 * single[0]]
    np.testing.assert_allclose(joint, single, rtol=1e-10, atol=1e-14)


def test_cal2_controls():
    small = {"n_values": (64, 512), "reps": 80, "null_reps": 100}
    alt = {"bimodal": lambda r, s: cal2_power.UNIVARIATE["bimodal-0.9"](r, s)}
    assert cal2_power.core(rng(18), alternatives=alt, **small).verdict == "reproduced"
    null = {"normal": normal}
    assert cal2_power.core(rng(18), alternatives=null, sigreg_law=isotropic, **small).verdict == "not-reproduced"


# -- C36 (Theorem 2's level) -- #


@pytest.mark.parametrize(
    ("threshold", "verdict", "control"),
    [("max", "reproduced", "not-reproduced"), ("one", "not-reproduced", "reproduced")],
)
def test_c36_controls(threshold, verdict, control):
    # Seed 36 at K = 4, M = 8, N = 32, 2000 H0 batches: frozen counts 91 (max c_α, rate 0.0455) and 538 (per-slice
    # c_α, 0.269). Binomial check: 91 is 0.9 sd from α·2000 = 100 (sd 9.7) and its Clopper–Pearson interval
    # [0.037, 0.056] lies inside the band [0.03, 0.07]; 538 is 45 sd above it.
    outcome = c36_max_test_level.core(rng(36), k=4, m=8, n_values=(32,), reps=2000, draws=20_000, threshold=threshold)
    assert (outcome.verdict, outcome.control.verdict) == (verdict, control)
    rates = {"max": 91, "one": 538}
    assert outcome.detail["rejection_rates"]["32"]["k"] == rates[threshold]
    if threshold == "max":  # the measured count, not the literal: a level test at alpha = 0.05 must not reject
        from scipy import stats

        assert stats.binomtest(outcome.detail["rejection_rates"]["32"]["k"], 2000, 0.05).pvalue > 0.01


# -- C37 (Theorem 4's corollary on a network) -- #


@pytest.mark.parametrize(
    ("per_sample", "verdict", "control"),
    [(False, "not-reproduced", "reproduced"), (True, "reproduced", "not-reproduced")],
)
def test_c37_controls(per_sample, verdict, control):
    # N = 32, 2 seeds: EP with its factor N exceeds the corollary's bound in the shifted setting (ratio ≈ 3, far
    # above 1.01); D̂ = EP/N stays below it by construction (per-sample sup 4.56/N < 8/N, so ratio < 0.57).
    outcome = c37_gradient_corollary.core(rng(37), n_values=(32,), seeds=2, per_sample=per_sample)
    assert (outcome.verdict, outcome.control.verdict) == (verdict, control)
    assert outcome.detail["largest_ratio"] > 1.5 if not per_sample else outcome.detail["largest_ratio"] < 0.57


def test_c37_sides_match_the_chain_rule_on_a_linear_map():
    # f(x) = Wx + b, y_i = s·aᵀf(x_i) + c: ∇θ y_i = s·(a x_iᵀ, a), norm s·√(‖x_i‖² + 1) (unit a); ∇θ EP =
    # Σ_i (∂EP/∂y_i) ∇θ y_i with ∂EP/∂y_i from the closed form (O4). Both sides to float64 rounding.
    from reference import oracle

    gen = torch.Generator().manual_seed(3)
    net = torch.nn.Linear(5, 3).double()
    a = torch.tensor([0.6, 0.0, 0.8], dtype=torch.float64)
    x = torch.randn(20, 5, generator=gen, dtype=torch.float64)
    lhs, rhs = c37_gradient_corollary.sides(net, x, a, per_sample=False, shift=2.0, scale=3.0)
    with torch.no_grad():
        y = 3.0 * (net(x) @ a) + 2.0
    g = torch.as_tensor(oracle.ep_grad(y.numpy()))
    grad_w = 3.0 * torch.outer(a, (g[:, None] * x).sum(0))
    grad_b = 3.0 * a * g.sum()
    assert lhs == pytest.approx(float(torch.sqrt(grad_w.square().sum() + grad_b.square().sum())), rel=1e-10)
    expected = oracle.theorem4_gradient_bound(20) * float((3.0 * torch.sqrt(x.square().sum(1) + 1.0)).sum())
    assert rhs == pytest.approx(expected, rel=1e-12)


# -- C38 (App. D: Sobol directions) -- #


def test_c38_controls():
    # Seed 38, K = 8/16/32, 8 scrambles: the half-and-half law needs Sobol directions growing as K^0.29 (bootstrap
    # [−0.06, 0.68], below 1: reproduced); the cone law, whose measure shrinks exponentially, as K^2.4 (control).
    outcome = c38_sobol_directions.core(
        rng(38),
        laws=("half-1.5-0.5",),
        k_values=(8, 16, 32),
        log2_max=10,
        scrambles=8,
        boot_reps=200,
        control_k=(8, 12, 16),
        control_log2_max=12,
    )
    assert (outcome.verdict, outcome.control.verdict) == ("reproduced", "not-reproduced")
    assert outcome.control.estimate > 1.5


def test_c38_cone_law_is_not_order_k():
    outcome = c38_sobol_directions.core(
        rng(38), laws=("cap",), k_values=(8, 12, 16), log2_max=12, scrambles=8, boot_reps=200, control_k=None
    )
    assert outcome.verdict == "not-reproduced" and outcome.interval[0] > 1.0


@pytest.mark.parametrize("k", [16, 10])
@pytest.mark.parametrize("name", ["spike-10", "half-1.5-0.5", "cap"])
def test_c38_exact_sphere_means(name, k):
    # The 1-D Beta integrals against 20 000 uniform random directions: within 4 Monte Carlo standard errors.
    # K = 10 has an odd half (5 axes): Beta(K // 4, …) was 22 % off there (z ≈ −100 at 200 000 directions).
    from reference import oracle

    gen = rng(380)
    law = c38_sobol_directions.Law(name, k, gen)
    values = law(oracle.random_directions(k, 20_000, gen))
    assert abs(values.mean() - law.mean) < 4 * values.std() / np.sqrt(values.size)


def test_c38_directions_needed_inverts_a_power_law():
    # err(M) = 2·M^{−1/2} reaches ε = 0.1 at M = (2/0.1)² = 400 exactly (a straight line in log-log).
    log2_ms = np.arange(3, 11)
    errors = 2.0 * (2.0**log2_ms) ** -0.5
    assert c38_sobol_directions.directions_needed(errors, log2_ms) == pytest.approx(400.0, rel=1e-12)
    assert c38_sobol_directions.directions_needed(np.ones(8), log2_ms) == float("inf")


# -- Stored results: every measured reproduced/confirmed verdict carries a control that disagrees -- #


def _stored_results() -> list[tuple[str, dict]]:
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "results"
    paths = sorted((root / "claims").glob("*.json")) + sorted((root / "audit").glob("D*.json"))
    return [(p.relative_to(root).as_posix(), json.loads(p.read_text(encoding="utf-8"))) for p in paths]


def test_every_stored_result_has_a_basis():
    from checks.registry import BASES

    for path, record in _stored_results():
        assert record.get("basis"), f"{path}: no basis"
        assert all(b in BASES for b in record["basis"].split("+")), f"{path}: basis {record['basis']!r}"


def test_every_measured_positive_verdict_has_a_disagreeing_control():
    from checks.registry import control_problem

    problems = [f"{path}: {problem}" for path, record in _stored_results() if (problem := control_problem(record))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("record", "flagged"),
    [
        ({"basis": "measured", "verdict": "reproduced"}, True),
        ({"basis": "measured", "verdict": "confirmed", "control": {"what": "x", "verdict": "confirmed"}}, True),
        ({"basis": "measured+cited", "verdict": "confirmed", "control": {"what": "x", "verdict": "not-run"}}, True),
        ({"basis": "measured", "verdict": "reproduced", "control": {"what": "x", "verdict": "inconclusive"}}, False),
        ({"basis": "derived", "verdict": "reproduced"}, False),
        ({"basis": "measured", "verdict": "not-reproduced"}, False),
    ],
)
def test_control_problem_rule(record, flagged):
    from checks.registry import control_problem

    assert (control_problem(record) is not None) == flagged


def test_registered_claims_have_a_basis():
    from checks.registry import BASES, load_claims

    assert all(entry.basis in BASES for entry in load_claims())
