"""Tests of reference/oracle.py: the exact ground truth (O1–O6 of docs/oracle.md; derivations in the same file).

Each expected number is either derived independently here (quadrature, Nyström, exact χ² laws, Monte Carlo with a
seeded Generator) or quoted from docs/oracle.md with its section. Tolerances carry their reason in a comment.
"""

import math
import tracemalloc

import numpy as np
import pytest
import torch
from scipy import integrate, optimize, stats

from reference import oracle as O

SQRT_2PI = math.sqrt(2.0 * math.pi)


def _ep_by_quadrature(y):
    """The defining integral N ∫ |φ̂(t) − e^{−t²/2}|² e^{−t²/2} dt by adaptive quadrature (even integrand)."""
    n = y.size

    def f(t):
        c = np.cos(t * y).mean() - math.exp(-0.5 * t * t)
        s = np.sin(t * y).mean()
        return n * (c * c + s * s) * math.exp(-0.5 * t * t)

    # e^{−t²/2} < e^{−800} beyond t = 40, so [0, 40] is the whole line to double precision
    val, err = integrate.quad(f, 0.0, 40.0, limit=4000, epsabs=0.0, epsrel=1e-13)
    return 2.0 * val


def _sig(x, digits):
    """x rounded to `digits` significant figures (to compare with numbers quoted that way)."""
    return float(f"{x:.{digits - 1}e}")


_LAWS = {
    "normal": lambda r, n: r.standard_normal(n),
    "uniform": lambda r, n: r.uniform(-math.sqrt(3.0), math.sqrt(3.0), n),
    "normal_mu3": lambda r, n: 3.0 + r.standard_normal(n),
    "normal_sd10": lambda r, n: 10.0 * r.standard_normal(n),
    "laplace": lambda r, n: r.laplace(0.0, 1.0 / math.sqrt(2.0), n),
    "t3": lambda r, n: r.standard_t(3, n),
    # outliers at ±25/±40: far enough to be outliers, near enough for quadrature to resolve cos(t·y)
    "outliers": lambda r, n: np.concatenate([r.standard_normal(n - 4), [25.0, -25.0, 40.0, -40.0]]),
}


# ------------------------------------------------------------------------------------------------------------
# O1: closed form
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("law", sorted(_LAWS))
def test_closed_form_matches_defining_integral(law):
    # O1 vs adaptive quadrature of N∫|φ̂−φ₀|²e^{−t²/2}dt (no closed form involved) on N = 64 samples.
    # 1e−10 relative: quadrature is asked for 1e−13 and the closed form's rounding is ~1e−14 at N = 64.
    y = _LAWS[law](np.random.default_rng(101), 64)
    exact = O.ep(y)
    assert exact.shape == () and exact.dtype == np.float64
    assert abs(exact - _ep_by_quadrature(y)) <= 1e-10 * abs(exact)


def test_closed_form_matches_dense_trapezoid():
    # O1 vs grid_ep on [−12, 12] with 4801 knots (h = 0.005): the aliasing period 2π/h ≈ 1257 exceeds every data
    # difference and e^{−72} truncation is invisible, so the rule is exact to rounding (O6). Bound 1e−10 relative.
    rng = np.random.default_rng(102)
    y = np.stack([_LAWS[k](rng, 256) for k in sorted(_LAWS)], axis=1)
    knots, weights = O.trapezoid_grid(-12.0, 12.0, 4801)
    np.testing.assert_allclose(O.grid_ep(y, knots, weights), O.ep(y), rtol=1e-10, atol=0)


def test_closed_form_columns_symmetry_and_collapse():
    # Per-column evaluation equals 1-D calls; EP is even and permutation invariant (docs/oracle.md#o1); an all-zero
    # batch gives exactly N·D(0,0) = N·√(2π)(1 − √2 + 1/√3) (§5). 1e−13: pure rounding at N <= 100.
    rng = np.random.default_rng(103)
    y = rng.standard_normal((100, 3)) * [0.5, 1.0, 2.0]
    cols = np.array([O.ep(y[:, j]) for j in range(3)])
    np.testing.assert_allclose(O.ep(y), cols, rtol=1e-13)
    np.testing.assert_allclose(O.ep(-y[::-1]), cols, rtol=1e-13)
    zero = O.ep(np.zeros(100))
    assert abs(zero - 100 * float(O.gaussian_distance(0.0, 0.0))) <= 1e-12 * zero
    assert abs(float(O.gaussian_distance(0.0, 0.0)) - SQRT_2PI * (1 - math.sqrt(2) + 1 / math.sqrt(3))) < 1e-15


def test_chunked_ep_is_memory_safe_and_accurate():
    # The pair sum is chunked: at N = 4096, M = 8 an unchunked N×N×M float64 array would be 1 GiB; require the
    # traced peak to stay under 256 MiB (chunks are 16 MiB; a few temporaries at a time). Accuracy vs a
    # compensated (math.fsum) evaluation of one column (see the bound below).
    y = np.random.default_rng(104).standard_normal((4096, 8))
    tracemalloc.start()
    try:
        val = O.ep(y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * 2**20
    x = y[:, 0]
    pair = math.fsum(math.fsum(np.exp(-0.5 * (x[j] - x) ** 2)) for j in range(x.size))
    ref = math.fsum([SQRT_2PI / x.size * pair, -2 * math.sqrt(math.pi) * math.fsum(np.exp(-0.25 * x * x))])
    ref += x.size * math.sqrt(2 * math.pi / 3)
    # the three terms are ~6e3 each and cancel to O(1): 1e−10 is ~100 ulp of the terms, i.e. no accumulated loss
    assert abs(val[0] - ref) <= 1e-10


@pytest.mark.slow
def test_ep_large_n_torch_and_numpy_agree():
    # A paper-scale size: N = 8192, M = 16 must run (chunked) on both paths, with backward; the two
    # implementations sum in different orders; terms of size ~1.2e4 cancel to O(1), so their rounding is a few
    # ulp of 1.2e4 (~2e−12 each): agree to 2e−11 absolute.
    y = np.random.default_rng(105).standard_normal((8192, 16))
    yt = torch.tensor(y, requires_grad=True)
    out = O.ep(yt)
    out.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), O.ep(y), rtol=0, atol=2e-11)
    np.testing.assert_allclose(yt.grad.numpy(), O.ep_grad(y), rtol=0, atol=1e-12)


# ------------------------------------------------------------------------------------------------------------
# O6: quadrature grids are the closed form on wrapped data
# ------------------------------------------------------------------------------------------------------------


def test_published_grids_and_periods():
    # Knots/weights of the three published grids (docs/variants.md) and their aliasing periods 2π/h (docs/oracle.md#o6:
    # 10.0531, 33.5103). The folded official grid equals the symmetric 33-knot trapezoid on [−3, 3]. Exact
    # arithmetic up to rounding: 1e−15.
    k, w = O.PAPER_GRID
    np.testing.assert_allclose(k, np.linspace(-5, 5, 17), atol=1e-15)
    assert w[0] == w[-1] == 0.3125 and np.all(w[1:-1] == 0.625)
    k, w = O.OFFICIAL_GRID
    assert k[0] == 0.0 and k[-1] == 3.0 and w[0] == w[-1] == 0.1875 and np.all(w[1:-1] == 0.375)
    k33, w33 = O.trapezoid_grid(-3.0, 3.0, 33)
    y = np.random.default_rng(106).standard_normal((50, 2))
    np.testing.assert_allclose(O.grid_ep(y, *O.OFFICIAL_GRID), O.grid_ep(y, k33, w33), rtol=1e-13)
    assert abs(O.wrap_period(O.PAPER_GRID[0]) - 10.0531) < 5e-5
    assert abs(O.wrap_period(O.OFFICIAL_GRID[0]) - 33.5103) < 5e-5
    assert O.R0_GRID[0].size == 10 and abs(O.wrap_period(O.R0_GRID[0]) - 3 * math.pi) < 1e-12
    with pytest.raises(ValueError, match="read-only"):
        O.PAPER_GRID[0][0] = 1.0  # module constants are frozen so no caller can corrupt them


@pytest.mark.parametrize(("step", "offset"), [(0.625, 0.0), (0.1875, 0.0), (2.0 / 3.0, 0.5), (0.9, 0.25)])
def test_trapezoid_equals_closed_form_on_wrapped_data(step, offset):
    # O6 / docs/oracle.md#o6: by Poisson summation the whole-line trapezoid with knots (j+offset)·h equals the closed
    # form on data periodised with P = 2π/h (phases cos(2πm·offset) for offset grids such as R0's). Wide grid
    # |t| <= 45 (e^{−1000} truncation). 1e−11 absolute: a few hundred O(1) terms summed in float64.
    y = np.random.default_rng(107).standard_normal((64, 3)) * [1.0, 3.0, 8.0] + [0.0, 2.0, -5.0]
    j = np.arange(-int(45 / step), int(45 / step) + 1)
    knots = (j + offset) * step
    weights = np.full(knots.size, step)
    np.testing.assert_allclose(O.grid_ep(y, knots, weights), O.aliased_ep(y, step, offset), rtol=0, atol=1e-11)


def test_grid_statistics_are_periodic_in_each_sample():
    # O6: every knot of the paper and official grids is a multiple of h, so shifting samples by multiples of
    # P = 2π/h leaves the grid statistic unchanged (to rounding, 1e−12 of values ~1), while the exact statistic
    # explodes (docs/oracle.md#o6 example). R0's knots sit at half-integer multiples: period 2P, and P flips a sign.
    rng = np.random.default_rng(108)
    y = rng.standard_normal(256)
    shift = np.zeros(256)
    shift[:128] = rng.integers(-3, 4, 128)
    for grid in (O.PAPER_GRID, O.OFFICIAL_GRID):
        p = O.wrap_period(grid[0])
        assert abs(O.grid_ep(y + p * shift, *grid) - O.grid_ep(y, *grid)) < 1e-12
    assert O.ep(y + O.wrap_period(O.PAPER_GRID[0]) * shift) > 20 * O.ep(y)  # 2.1 -> 88 with this seed
    p = O.wrap_period(O.R0_GRID[0])
    assert abs(O.grid_ep(y + 2 * p * shift, *O.R0_GRID) - O.grid_ep(y, *O.R0_GRID)) < 1e-12
    odd = np.zeros(256)
    odd[:10] = 1.0
    assert abs(O.grid_ep(y + p * odd, *O.R0_GRID) - O.grid_ep(y, *O.R0_GRID)) > 1e-3


# ------------------------------------------------------------------------------------------------------------
# O4: gradient
# ------------------------------------------------------------------------------------------------------------


def test_gradient_matches_autograd_and_finite_differences():
    # O4 closed form vs torch autograd of ep's torch path (checkpointed chunks), and vs central differences.
    # Autograd: same formula, different evaluation order → 1e−12 absolute. Central differences with h = 1e−5:
    # truncation h²·|∂³T|/6 ≲ 1e−10 and rounding eps·|T|/h ≈ 1e−10, so 1e−8 absolute.
    rng = np.random.default_rng(109)
    y = np.column_stack([rng.standard_normal(40), rng.uniform(-2, 2, 40), 3 * rng.standard_t(3, 40)])
    g = O.ep_grad(y)
    yt = torch.tensor(y, requires_grad=True)
    O.ep(yt).sum().backward()
    np.testing.assert_allclose(g, yt.grad.numpy(), rtol=0, atol=1e-12)
    h = 1e-5
    fd = np.zeros_like(y)
    for i in range(y.shape[0]):
        e = np.zeros_like(y)
        e[i] = h
        fd[i] = (O.ep(y + e) - O.ep(y - e)) / (2 * h)
    np.testing.assert_allclose(g, fd, rtol=0, atol=1e-8)


def test_torch_path_dtype_and_gradient_flow():
    # A float32 tensor in gives a float64 tensor out (the oracle never computes in float32) and autograd flows
    # back to the float32 leaf; no-grad inputs skip checkpointing; torch ep_grad returns a tensor. Values agree
    # with numpy to 1e−12 (float64 both ways; the float32 input is exactly representable in float64).
    x32 = torch.randn(30, 2, generator=torch.Generator().manual_seed(110), dtype=torch.float32, requires_grad=True)
    out = O.ep(x32)
    assert out.dtype == torch.float64 and out.shape == (2,)
    out.sum().backward()
    assert x32.grad.dtype == torch.float32
    x64 = x32.detach().double().numpy()
    np.testing.assert_allclose(out.detach().numpy(), O.ep(x64), rtol=0, atol=1e-12)
    np.testing.assert_allclose(x32.grad.double().numpy(), O.ep_grad(x64), rtol=0, atol=1e-6)  # float32 grad
    with torch.no_grad():
        assert O.ep(x32[:, 0]).shape == ()
    g = O.ep_grad(x32)
    assert isinstance(g, torch.Tensor) and g.dtype == torch.float64


def test_grid_gradient_matches_autograd():
    # grid_ep_grad's closed form vs torch autograd of grid_ep's torch path (official and paper grids), N = 50.
    # Same expression evaluated two ways: 1e−12 absolute.
    y = np.random.default_rng(111).standard_normal((50, 2)) * 2.0
    for grid in (O.PAPER_GRID, O.OFFICIAL_GRID, O.R0_GRID):
        yt = torch.tensor(y, requires_grad=True)
        out = O.grid_ep(yt, *grid)
        out.sum().backward()
        np.testing.assert_allclose(out.detach().numpy(), O.grid_ep(y, *grid), rtol=0, atol=1e-12)
        np.testing.assert_allclose(O.grid_ep_grad(y, *grid), yt.grad.numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("n", [2, 8, 64, 1024])
def test_gradient_sup_is_attained(n):
    # docs/oracle.md#o4: sup |∂EP/∂y_n| = √(2π)e^{−1/2}(3 − 2/N), attained at y_n = −√2 with all others at −√2 − 1;
    # table values 3.0406938 (N=2), 4.1809540 (8), 4.5135299 (64), 4.5580713 (1024). 1e−12: pure rounding.
    bound = O.ep_grad_sup(n)
    assert abs(bound - SQRT_2PI * math.exp(-0.5) * (3 - 2 / n)) < 1e-15
    table = {2: 3.0406938, 8: 4.1809540, 64: 4.5135299, 1024: 4.5580713}
    assert abs(bound - table[n]) < 5e-8  # table quoted to 8 significant figures
    y = np.full(n, -math.sqrt(2.0) - 1.0)
    y[0] = -math.sqrt(2.0)
    assert abs(abs(O.ep_grad(y)[0]) - bound) < 1e-12 * bound


def test_theorem4_sigma2_is_the_one_the_implemented_window_implies():
    # App. B.12: |∂D̂/∂y_i| <= (4/N)∫|t| w(t) dt for D̂ = EP/N; 4σ²/N therefore needs ∫|t| w = σ². For the
    # window e^{−t²/2} that integral is 2 (quad error ~1e−14; 1e−9 is pure margin).
    integral = integrate.quad(lambda t: abs(t) * math.exp(-0.5 * t * t), -np.inf, np.inf)[0]
    assert abs(integral - O.WINDOW_SIGMA2) < 1e-9
    assert O.theorem4_gradient_bound(256) == 4 * 2.0 / 256 == 0.03125
    for n in (16, 256, 4096):
        # D̂'s exact sup (EP's sup / N, ≈ 4.5/N) meets the bound 8/N; the text's σ = 1 (4/N) would not (from N = 6
        # on), and EP with its factor N exceeds it more than N/2-fold (D6).
        assert O.ep_grad_sup(n) / n <= O.theorem4_gradient_bound(n)
        assert O.ep_grad_sup(n) / n > O.theorem4_gradient_bound(n, sigma2=1.0)
        assert O.ep_grad_sup(n) / O.theorem4_gradient_bound(n) > n / 2


@pytest.mark.parametrize(("n", "sigma2", "match"), [(1, 2.0, "n must be >= 2"), (8, 0.0, "sigma2 must be positive")])
def test_theorem4_bound_rejects_bad_input(n, sigma2, match):
    with pytest.raises(ValueError, match=match):
        O.theorem4_gradient_bound(n, sigma2)


def test_joint_limit_of_one_direction_is_the_grid_null_law():
    # One direction: the draws follow the law of grid_null_eigenvalues (mean = grid null mean exactly; upper tail
    # at that law's q95 = 5 %). 40 000 draws: mean sd ≈ 0.96/200 = 0.005, tail sd 0.0011; 4 sd each.
    rng = np.random.default_rng(360)
    grid = O.OFFICIAL_GRID
    d = O.grid_null_joint_draws(*grid, O.random_directions(6, 1, rng), 40_000, rng)[:, 0]
    assert abs(d.mean() - O.grid_null_mean(*grid)) < 4 * 0.96 / math.sqrt(d.size)
    tail = np.mean(d > O.null_quantile(0.95, O.grid_null_eigenvalues(*grid)))
    assert abs(tail - 0.05) < 4 * math.sqrt(0.05 * 0.95 / d.size)


def test_joint_limit_depends_on_the_directions_gram_matrix():
    # Orthogonal directions give independent slices (correlation within 4/√n of 0); a repeated direction gives
    # the same statistic twice (eigh round-off only).
    rng = np.random.default_rng(361)
    grid = O.OFFICIAL_GRID
    d = O.grid_null_joint_draws(*grid, np.eye(3)[:, :2], 20_000, rng)
    assert abs(np.corrcoef(d.T)[0, 1]) < 4 / math.sqrt(20_000)
    a = O.random_directions(5, 1, rng)
    d = O.grid_null_joint_draws(*grid, np.repeat(a, 2, axis=1), 1000, rng)
    assert np.max(np.abs(d[:, 0] - d[:, 1])) < 1e-5 * np.max(d)


@pytest.mark.parametrize(
    ("directions", "draws", "match"),
    [(np.ones((3, 2)), 10, "unit-norm columns"), (np.eye(3)[:, :2], 0, "draws must be a positive integer")],
)
def test_joint_limit_rejects_bad_input(directions, draws, match):
    with pytest.raises(ValueError, match=match):
        O.grid_null_joint_draws(*O.OFFICIAL_GRID, directions, draws, np.random.default_rng(0))


def test_gradient_sup_not_exceeded_on_adversarial_data():
    # The bound holds for ANY data: heavy-tailed, clustered and collapsed batches, and a Powell maximisation of
    # |∂EP/∂y_0| from 20 seeded starts (N = 6); slack 1e−12 for rounding. D11: all-zero batch has gradient 0.
    rng = np.random.default_rng(112)
    n = 6
    bound = O.ep_grad_sup(n)
    batches = [rng.standard_t(1, (n, 50)) * 3, rng.choice([-1.0, 0.0, 1.0, 2.5], (n, 50)), rng.normal(0, 0.01, (n, 50))]
    for b in batches:
        assert np.max(np.abs(O.ep_grad(b))) <= bound + 1e-12
    best = 0.0
    for _ in range(20):
        res = optimize.minimize(
            lambda v: -abs(O.ep_grad(v)[0]),
            rng.uniform(-4, 4, n),
            method="Powell",
            options={"xtol": 1e-10, "ftol": 1e-14, "maxfev": 20_000},
        )
        best = max(best, -res.fun)
    assert best <= bound + 1e-12
    assert best > 0.999 * bound  # the optimiser finds the sup: the bound is tight, not merely valid
    assert np.all(O.ep_grad(np.zeros(n)) == 0.0)


# ------------------------------------------------------------------------------------------------------------
# O2/O3: expectations
# ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mu", "s"), [(0.0, 1.0), (0.5, 0.7), (3.0, 2.0), (-1.2, 0.1), (0.0, 0.0), (10.0, 1.0)])
def test_gaussian_distance_matches_quadrature(mu, s):
    # O3: D(μ, s) = ∫|e^{iμt−s²t²/2} − e^{−t²/2}|² e^{−t²/2} dt in closed form for general μ (docs/oracle.md#o3) vs
    # adaptive quadrature of that integral. 1e−12 absolute (quadrature asked for 1e−13 relative, D <= 4).
    f = lambda t: abs(np.exp(1j * mu * t - 0.5 * s * s * t * t) - np.exp(-0.5 * t * t)) ** 2 * np.exp(-0.5 * t * t)  # noqa: E731
    val, _ = integrate.quad(f, -40, 40, epsabs=0, epsrel=1e-13, limit=400)
    assert abs(float(O.gaussian_distance(mu, s)) - val) < 1e-12


def test_expected_ep_matches_monte_carlo():
    # O3 exact for every N: E EP = N·D(μ,σ) + √(2π)(1 − (1+2σ²)^{−1/2}). Monte Carlo, N = 32, R = 20 000 per law;
    # accept within 4 standard errors of the MC mean (false-alarm probability ~6e−5 per law).
    rng = np.random.default_rng(113)
    for mu, s in [(0.3, 0.8), (0.0, 1.5), (1.0, 1.0)]:
        t = O.ep(mu + s * rng.standard_normal((32, 20_000)))
        se = t.std(ddof=1) / math.sqrt(t.size)
        assert abs(t.mean() - float(O.expected_ep(32, mu, s))) < 4 * se
    assert abs(float(O.expected_ep(256, 0.0, 1.0)) - O.NULL_MEAN) < 1e-13  # D(0,1) = 0 exactly


def test_grid_expectation_matches_monte_carlo_and_exact_limit():
    # E T_grid = N Σ c_k|φ_F − φ₀|² + Σ c_k(1 − |φ_F|²) (docs/oracle.md#o6) vs Monte Carlo of grid_ep (seeded, within
    # 4 s.e.), and the same formula on a fine wide grid vs expected_ep (the quadrature of the same integrals:
    # 1e−12 relative).
    rng = np.random.default_rng(114)
    cases = [(O.PAPER_GRID, 64, 0.5, 1.6), (O.OFFICIAL_GRID, 32, 0.0, 1.0), (O.R0_GRID, 48, -0.4, 0.7)]
    for grid, n, mu, s in cases:
        t = O.grid_ep(mu + s * rng.standard_normal((n, 6000)), *grid)
        se = t.std(ddof=1) / math.sqrt(t.size)
        assert abs(t.mean() - O.grid_expectation(*grid, n, mu, s)) < 4 * se
    fine = O.trapezoid_grid(-40.0, 40.0, 8001)
    for mu, s in [(0.0, 1.0), (2.0, 0.5), (0.0, 10.0)]:
        e = float(O.expected_ep(100, mu, s))
        assert abs(O.grid_expectation(*fine, 100, mu, s) - e) < 1e-12 * e


def test_grid_null_means():
    # O2 / docs/oracle.md#o6: exact null means, every N: paper 1.0594231238, official 1.0524641548 (quoted to 10
    # decimals → 1e−9), R0 with the factor N 1.050300 (quoted to 6 decimals → 5e−7); exact 1.0594257655.
    assert abs(O.NULL_MEAN - 1.0594257655) < 1e-10
    assert abs(O.grid_null_mean(*O.PAPER_GRID) - 1.0594231238) < 1e-9
    assert abs(O.grid_null_mean(*O.OFFICIAL_GRID) - 1.0524641548) < 1e-9
    assert abs(O.grid_null_mean(*O.R0_GRID) - 1.050300) < 5e-7
    for grid in (O.PAPER_GRID, O.OFFICIAL_GRID, O.R0_GRID):
        assert abs(O.grid_expectation(*grid, 77) - O.grid_null_mean(*grid)) < 1e-14  # N-independent under H0


@pytest.mark.parametrize(
    ("mu", "s", "paper", "official"),
    [
        (0.0, 2.0, (2.1e-2, 2), (-1e-4, 1)),
        (10.0, 1.0, (-0.998, 3), (-9.6e-6, 2)),  # the prior table: "−9.5e−6" for μ = 8/10/20 merged; μ = 10: −9.56e−6
        (8.0, 1.0, (-0.49, 2), (-9.5e-6, 2)),
        (0.0, 10.0, (-2.70e-1, 3), (1.5e-2, 2)),
        (3.0, 1.0, (-3.2e-4, 2), (-1.3e-5, 2)),
    ],
)
def test_expected_relative_error_table(mu, s, paper, official):
    # docs/oracle.md#o6 table: exact expected relative error (E T_grid − E T)/E T at N = 256, to the significant
    # figures the table states (second tuple entry), for the paper and official grids.
    e = float(O.expected_ep(256, mu, s))
    for grid, (value, digits) in ((O.PAPER_GRID, paper), (O.OFFICIAL_GRID, official)):
        rel = (O.grid_expectation(*grid, 256, mu, s) - e) / e
        assert _sig(rel, digits) == value


def test_rank1_expectation_constants():
    # O3 / docs/oracle.md#o3: rank-1 collapse with uniform directions. K → ∞ closed form (Bessel K₀) gives
    # 0.16805420·N + 0.73755781; the finite-K quadrature must approach it (K = 10⁶: within 1e−5, the O(1/K)
    # correction) and reproduce the table: K = 2: 26.337, 8: 40.525, 32: 43.018, 128: 43.578 at N = 256 (3 dp).
    inf2, inf3 = O.expected_rank1_sigreg(2), O.expected_rank1_sigreg(3)
    assert abs((inf3 - inf2) - 0.16805420) < 5e-9 and abs(inf2 - 2 * (inf3 - inf2) - 0.73755781) < 5e-9
    assert abs(O.expected_rank1_sigreg(256, 10**6) - O.expected_rank1_sigreg(256)) < 1e-5 * 256
    for k, v in [(2, 26.337), (8, 40.525), (32, 43.018), (128, 43.578)]:
        assert abs(O.expected_rank1_sigreg(256, k) - v) < 5e-4


def test_rank1_collapse_is_detected_by_slicing_only():
    # D1/O3: z = x·1ᵀ (K = 32, N = 256): SIGReg mean = exact finite-K 43.018 (docs/oracle.md's "≈43.2" is its MC; K → ∞
    # gives 43.76), raw coordinates exactly null (1.0594). 100 reps × 64 directions: each within 4 s.e.
    rng = np.random.default_rng(115)
    sig, raw = [], []
    for _ in range(100):
        z = np.repeat(rng.standard_normal((256, 1)), 32, axis=1)
        sig.append(float(O.sigreg(z, O.random_directions(32, 64, rng))))
        raw.append(float(O.ep(z[:, 0])))
    sig, raw = np.array(sig), np.array(raw)
    assert abs(sig.mean() - O.expected_rank1_sigreg(256, 32)) < 4 * sig.std(ddof=1) / 10
    assert abs(raw.mean() - O.NULL_MEAN) < 4 * raw.std(ddof=1) / 10
    assert np.all(sig > 3.0 * raw.mean())  # every rep detects collapse by slicing


def test_sliced_ep_torch_gradient_is_chain_rule():
    # sliced_ep = ep(z @ A): for torch inputs autograd must give ∂/∂z = ep_grad(zA) Aᵀ (/M for sigreg). Same
    # closed form both sides: 1e−12 absolute. Numpy and torch values agree to 1e−12.
    rng = np.random.default_rng(116)
    z = rng.standard_normal((40, 5))
    a = O.random_directions(5, 7, rng)
    zt = torch.tensor(z, requires_grad=True)
    s = O.sigreg(zt, a)
    s.backward()
    assert abs(s.item() - float(O.sigreg(z, a))) < 1e-12
    np.testing.assert_allclose(zt.grad.numpy(), O.ep_grad(z @ a) @ a.T / 7, rtol=0, atol=1e-12)
    np.testing.assert_allclose(O.sliced_ep(z, a), O.ep(z @ a), rtol=0, atol=0)


# ------------------------------------------------------------------------------------------------------------
# O5: null variance, eigenvalues, Imhof, calibration
# ------------------------------------------------------------------------------------------------------------


def test_null_variance_constants_by_gauss_hermite():
    # O5 derivation: Var T = Var h(Y,Y)/N + 2(N−1)/N·E h(Y₁,Y₂)², with E h² = 2π(1/√5 − 1/√2 + 1/3) and
    # Var h(Y,Y) = 4π(1/√2 − 2/3). Check both moments by 2-D Gauss–Hermite (80 nodes: exact to ~1e−15 for these
    # Gaussian integrands) and the regrouped constants 0.9228761133, −0.4146906466 (quoted to 10 dp → 1e−10).
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    h = (
        SQRT_2PI * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2)
        - math.sqrt(math.pi) * (np.exp(-0.25 * x[:, None] ** 2) + np.exp(-0.25 * x[None, :] ** 2))
        + math.sqrt(2 * math.pi / 3)
    )
    eh2 = w @ (h * h) @ w
    assert abs(w @ h @ w) < 1e-14 and np.max(np.abs(h @ w)) < 1e-13  # degenerate kernel: E_Y h(x, Y) = 0
    assert abs(eh2 - 2 * math.pi * (1 / math.sqrt(5) - 1 / math.sqrt(2) + 1 / 3)) < 1e-13
    diag = np.diag(h)
    assert abs(w @ diag**2 - (w @ diag) ** 2 - 4 * math.pi * (1 / math.sqrt(2) - 2 / 3)) < 1e-13
    assert abs(O.NULL_VARIANCE_LIMIT - 0.9228761133) < 1e-10
    assert abs(O.null_variance(10**12) - 0.9228761133) < 1e-10
    assert abs((O.null_variance(2) - O.null_variance(1_000_000)) / (1 / 2 - 1e-6) + 0.4146906466) < 1e-10
    for n, v in [(4, 0.819203), (16, 0.896958), (64, 0.916397), (256, 0.921256), (1024, 0.922471)]:
        assert abs(O.null_variance(n) - v) < 5e-7  # docs/oracle.md#o5, quoted to 6 dp


@pytest.mark.parametrize(("n", "reps"), [(4, 400_000), (16, 100_000)])
def test_null_mean_and_variance_by_monte_carlo(n, reps):
    # O2/O5 by simulation: mean within 4 s.e.; variance within 4 s.e. of the sample variance, s.e. from the sample
    # fourth central moment √((m₄ − s⁴)/R). At N = 4 the exact 0.8192 is ~17 s.e. from the N → ∞ limit 0.9229,
    # so this distinguishes the finite-N formula from the limit.
    t = O.ep(np.random.default_rng(117 + n).standard_normal((n, reps)))
    m, v = t.mean(), t.var(ddof=1)
    assert abs(m - O.NULL_MEAN) < 4 * math.sqrt(v / reps)
    m4 = np.mean((t - m) ** 4)
    assert abs(v - O.null_variance(n)) < 4 * math.sqrt((m4 - v * v) / reps)


def test_grid_null_variance_matches_table_and_monte_carlo():
    # docs/oracle.md#o5: paper grid Var = 0.9228767298 − 0.4146926748/N, official 0.9216361429 − 0.4134668095/N
    # (quoted to 10 dp → 2e−10); and Monte Carlo of the official grid at N = 16 (R = 60 000; 4 s.e. as above).
    for grid, c0, c1 in [(O.PAPER_GRID, 0.9228767298, -0.4146926748), (O.OFFICIAL_GRID, 0.9216361429, -0.4134668095)]:
        for n in (2, 256):
            assert abs(O.grid_null_variance(*grid, n) - (c0 + c1 / n)) < 2e-10
    t = O.grid_ep(np.random.default_rng(118).standard_normal((16, 60_000)), *O.OFFICIAL_GRID)
    m, v = t.mean(), t.var(ddof=1)
    assert abs(m - O.grid_null_mean(*O.OFFICIAL_GRID)) < 4 * math.sqrt(v / t.size)
    assert abs(v - O.grid_null_variance(*O.OFFICIAL_GRID, 16)) < 4 * math.sqrt((np.mean((t - m) ** 4) - v * v) / t.size)


def test_null_eigenvalues_closed_form_secular_and_nystrom():
    # O5 / docs/oracle.md#o5: odd eigenvalues √(2π)g^{−(4j+3)} in closed form, even ones secular roots. Independent
    # check: Nyström discretisation of h on 150 Gauss–Hermite nodes (spectrally accurate for this analytic kernel):
    # top 12 agree to 1e−13 absolute. Identities Σλ = E T and 2Σλ² = lim Var T to 1e−14 (50 terms; tail ~1e−21).
    lam = O.null_eigenvalues(50)
    assert lam.shape == (50,) and np.all(np.diff(lam) < 0)
    g = (1 + math.sqrt(5)) / 2
    odd = [SQRT_2PI * g ** -(4 * j + 3) for j in range(25)]
    np.testing.assert_allclose(lam[0::2], odd, rtol=1e-13)
    x, w = np.polynomial.hermite_e.hermegauss(150)
    r = np.sqrt(w / w.sum())
    h = (
        SQRT_2PI * np.exp(-0.5 * (x[:, None] - x[None, :]) ** 2)
        - math.sqrt(math.pi) * (np.exp(-0.25 * x[:, None] ** 2) + np.exp(-0.25 * x[None, :] ** 2))
        + math.sqrt(2 * math.pi / 3)
    )
    nys = np.sort(np.linalg.eigvalsh(r[:, None] * h * r))[::-1]
    np.testing.assert_allclose(lam[:12], nys[:12], rtol=0, atol=1e-13)
    table = [0.591734667136, 0.319342693090, 0.086332924437, 0.040755260497, 0.012595803923, 0.005592865599,
             0.001837703026, 0.000788459296, 0.000268117258, 0.000112562086, 0.000039117781, 0.000016179152,
             0.000005707207, 0.000002334968]  # fmt: skip
    np.testing.assert_allclose(lam[:14], table, rtol=0, atol=5e-13)  # docs/oracle.md table, 12 decimals
    assert abs(lam.sum() - O.NULL_MEAN) < 1e-14
    assert abs(2 * np.sum(lam**2) - O.NULL_VARIANCE_LIMIT) < 1e-14


def test_grid_eigenvalues_sum_to_grid_moments():
    # docs/oracle.md#o5: tr(C^½AC^½) + tr(C^½SC^½) = Σc_k(1 − e^{−t_k²}) = grid null mean, and 2Σλ² = lim Var T_grid
    # (the 1/N-free part of grid_null_variance). Algebraic identities: 1e−13. The paper grid's spectrum is a small
    # perturbation of the exact one: its sum differs by 2.6e−6, single eigenvalues by up to 1.7e−5 (k = 8), so 5e−5.
    for grid in (O.PAPER_GRID, O.OFFICIAL_GRID, O.R0_GRID):
        lam = O.grid_null_eigenvalues(*grid)
        assert lam.shape == (2 * grid[0].size,) and np.all(lam >= 0)
        assert abs(lam.sum() - O.grid_null_mean(*grid)) < 1e-13
        v1, v2 = O.grid_null_variance(*grid, 1000), O.grid_null_variance(*grid, 2000)
        assert abs(2 * np.sum(lam**2) - (2 * v2 - v1)) < 1e-13
    np.testing.assert_allclose(O.grid_null_eigenvalues(*O.PAPER_GRID)[:8], O.null_eigenvalues(8), rtol=0, atol=5e-5)


def test_imhof_against_exact_chi_square_laws():
    # Imhof inversion vs laws with exact survival functions: λ = [1] → χ²₁; [2]*5 → 2χ²₅; pairs [λ,λ] → λχ²₂ =
    # Exp(2λ), so the doubled first 20 null eigenvalues give the exact mixture Σ_k Π_{j≠k} λ_k/(λ_k−λ_j)
    # e^{−x/(2λ_k)}. Absolute 1e−12 across [0.05, 40], i.e. also in the far tail (sf ~ 1e−15 at x = 40).
    xs = np.array([0.05, 0.5, 1.0, 3.0, 8.0, 15.0, 25.0, 40.0])
    np.testing.assert_allclose(O.null_sf(xs, [1.0]), stats.chi2.sf(xs, 1), rtol=0, atol=1e-12)
    np.testing.assert_allclose(O.null_sf(xs, [2.0] * 5), stats.chi2.sf(xs / 2, 5), rtol=0, atol=1e-12)
    lam = O.null_eigenvalues(20)
    coef = np.array([np.prod([lam[k] / (lam[k] - lam[j]) for j in range(20) if j != k]) for k in range(20)])
    exact = np.array([math.fsum(coef * np.exp(-x / (2 * lam))) for x in xs])
    for method in ("quad", "fft"):
        np.testing.assert_allclose(O.null_sf(xs, np.repeat(lam, 2), method=method), exact, rtol=0, atol=1e-12)
    # Tiny x, where the first oscillation period 4π/x is huge (an earlier version silently returned 0.5 here):
    # χ²₁ has sf = 1 − O(√x) there, the 50-eigenvalue null law sf = 1 to double precision.
    tiny = np.array([1e-10, 1e-8, 1e-5, 1e-3])
    for method in ("quad", "fft"):
        np.testing.assert_allclose(O.null_sf(tiny, [1.0], method=method), stats.chi2.sf(tiny, 1), rtol=0, atol=1e-12)
        np.testing.assert_allclose(O.null_sf(tiny[:3], method=method), 1.0, rtol=0, atol=1e-12)


def test_null_sf_methods_agree_and_match_simulation():
    # The two evaluations of Imhof's integral (adaptive quadrature; midpoint rule + FFT table) agree to 1e−12 on
    # [0, 60]; and the limiting law matches 200 000 seeded draws of Σλχ²₁ at x = 1, 3, 5 (within 4 binomial s.e.).
    xs = np.concatenate([[0.0, 0.003, 0.04], np.linspace(0.1, 60.0, 40)])
    np.testing.assert_allclose(O.null_sf(xs, method="fft"), O.null_sf(xs), rtol=0, atol=1e-12)
    lam = O.null_eigenvalues(50)
    rng = np.random.default_rng(119)
    q = np.zeros(200_000)
    for lk in lam:
        q += lk * rng.chisquare(1, q.size)
    for x in (1.0, 3.0, 5.0):
        p = float(O.null_sf(x))
        assert abs(np.mean(q > x) - p) < 4 * math.sqrt(p * (1 - p) / q.size)


def test_null_quantiles():
    # O5 quantiles (docs/oracle.md#o5): exact q95 2.95357, q99 4.59433; paper grid the same to the stated figures;
    # official grid 2.94557, 4.58602. Stated to 5 decimals → half a unit, 5e−6. sf(quantile) = 1 − p to 1e−10.
    q = O.null_quantile([0.95, 0.99])
    assert np.all(np.abs(q - [2.95357, 4.59433]) <= 5e-6)
    qp = O.null_quantile([0.95, 0.99], O.grid_null_eigenvalues(*O.PAPER_GRID))
    assert np.all(np.abs(qp - [2.95357, 4.59433]) <= 5e-6)
    qo = O.null_quantile([0.95, 0.99], O.grid_null_eigenvalues(*O.OFFICIAL_GRID))
    assert np.all(np.abs(qo - [2.94557, 4.58602]) <= 5e-6)
    np.testing.assert_allclose(O.null_sf(q), [0.05, 0.01], rtol=0, atol=1e-10)
    assert abs(float(O.null_quantile(0.5)) - 0.77169) <= 5e-6 and abs(float(O.null_quantile(0.999)) - 7.05446) <= 5e-6


def test_p_value_calibration_at_n256():
    # FPR of p_value on 4000 seeded null samples at N = 256 (exact statistic, and the official grid with its own
    # eigenvalues). Frozen counts computed once with this seed: 195 and 43 (exact), 196 and 43 (official grid).
    # Each must also be binomially consistent with α: two-sided binomtest p > 0.01.
    y = np.random.default_rng(20251108).standard_normal((256, 4000))
    p = O.p_value(y)
    k05, k01 = int(np.sum(p < 0.05)), int(np.sum(p < 0.01))
    assert (k05, k01) == (195, 43)
    pg = O.null_sf(O.grid_ep(y, *O.OFFICIAL_GRID), O.grid_null_eigenvalues(*O.OFFICIAL_GRID), method="fft")
    g05, g01 = int(np.sum(pg < 0.05)), int(np.sum(pg < 0.01))
    assert (g05, g01) == (196, 43)
    for k, alpha in ((k05, 0.05), (k01, 0.01), (g05, 0.05), (g01, 0.01)):
        assert stats.binomtest(k, 4000, alpha).pvalue > 0.01
    assert np.all((p >= 0) & (p <= 1)) and p.shape == (4000,)


def test_p_value_power_against_uniform():
    # Power: unit-variance uniform at N = 512 (E EP ≈ 10, far above q95) must be rejected at α = 0.05 in >= 90 %
    # of 200 seeded samples, judged by the exact (Clopper–Pearson) 95 % lower confidence bound.
    u = np.random.default_rng(512).uniform(-math.sqrt(3), math.sqrt(3), (512, 200))
    k = int(np.sum(O.p_value(u) < 0.05))
    assert stats.binomtest(k, 200).proportion_ci(method="exact").low >= 0.9


# ------------------------------------------------------------------------------------------------------------
# Input validation
# ------------------------------------------------------------------------------------------------------------

_GOOD = np.random.default_rng(120).standard_normal((8, 2))


@pytest.mark.parametrize("fn", [O.ep, O.ep_grad, O.p_value, lambda y: O.grid_ep(y, *O.PAPER_GRID)])
@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (np.float64(1.0), "must be 1-D or 2-D; got 0-D"),
        (np.zeros((3, 3, 3)), "must be 1-D or 2-D; got 3-D"),
        (np.zeros((1, 4)), "N >= 2"),
        (np.zeros(1), "N >= 2"),
        (np.zeros((0, 3)), "empty"),
        (np.zeros((4, 0)), "empty"),
        (np.array([0.0, np.nan, 1.0]), "NaN or Inf"),
        (np.array([0.0, np.inf, 1.0]), "NaN or Inf"),
        (np.arange(5), "integer dtype"),
        (np.ones(5, dtype=bool), "bool dtype"),
        (np.ones(5, dtype=complex), "complex dtype"),
        (np.array(["a", "b"]), "real floating-point"),
        (torch.arange(5), "integer dtype"),
        (torch.ones(5, dtype=torch.bool), "bool dtype"),
        (torch.ones(5, dtype=torch.complex128), "complex dtype"),
        (torch.tensor([0.0, float("nan")]), "NaN or Inf"),
        (torch.zeros(2, 2, 2), "got 3-D"),
    ],
)
def test_data_validation(fn, bad, match):
    # Every data-taking function refuses malformed samples with a ValueError naming the problem.
    with pytest.raises(ValueError, match=match):
        fn(bad)


def test_direction_validation():
    # sliced_ep/sigreg: directions must be (K, M) with K = z.shape[1] and unit-norm columns (1e−4), z must be 2-D.
    rng = np.random.default_rng(121)
    z = rng.standard_normal((10, 4))
    a = O.random_directions(4, 3, rng)
    with pytest.raises(ValueError, match=r"shape \(K, M\) with K = z.shape\[1\] = 4"):
        O.sliced_ep(z, a[:3])
    with pytest.raises(ValueError, match="must be 2-D"):
        O.sliced_ep(z, a[:, 0])
    with pytest.raises(ValueError, match="z must be 2-D"):
        O.sigreg(z[:, 0], a)
    with pytest.raises(ValueError, match="unit-norm columns"):
        O.sliced_ep(z, 2.0 * a)
    with pytest.raises(ValueError, match="unit-norm columns"):
        O.sigreg(z, a * (1 + 2e-4))
    O.sliced_ep(z, a * (1 + 5e-5))  # within tolerance: accepted
    with pytest.raises(ValueError, match="NaN or Inf"):
        O.sliced_ep(z, np.full((4, 3), np.nan))
    with pytest.raises(ValueError, match="integer dtype"):
        O.sliced_ep(z, np.eye(4, dtype=int))
    with pytest.raises(ValueError, match="Generator"):
        O.random_directions(4, 3, 0)


def test_grid_and_scalar_validation():
    # Grids: equal lengths, strictly increasing knots, nonnegative weights, even spacing for wrap_period;
    # p strictly in (0, 1); n an integer >= 2; eigenvalues nonnegative; NaN x refused.
    k, w = O.PAPER_GRID
    y = _GOOD
    with pytest.raises(ValueError, match="same length"):
        O.grid_ep(y, k, w[:-1])
    with pytest.raises(ValueError, match="strictly increasing"):
        O.grid_ep(y, k[::-1], w)
    with pytest.raises(ValueError, match="strictly increasing"):
        O.grid_null_mean(np.array([0.0, 1.0, 1.0]), np.ones(3))
    with pytest.raises(ValueError, match=">= 0"):
        O.grid_null_eigenvalues(k, -w)
    with pytest.raises(ValueError, match="NaN or Inf"):
        O.grid_expectation(np.array([0.0, np.nan]), np.ones(2), 10)
    with pytest.raises(ValueError, match="evenly spaced"):
        O.wrap_period(np.array([0.0, 1.0, 3.0]))
    with pytest.raises(ValueError, match="t_min < t_max"):
        O.trapezoid_grid(1.0, -1.0, 5)
    with pytest.raises(ValueError, match="n_points"):
        O.folded_trapezoid_grid(3.0, 1)
    for p in (0.0, 1.0, -0.1, 1.5, [0.5, 1.0]):
        with pytest.raises(ValueError, match=r"strictly inside \(0, 1\)"):
            O.null_quantile(p)
    for n in (1, 0, 2.5, True, "8"):
        with pytest.raises(ValueError, match="n must be"):
            O.null_variance(n)
    with pytest.raises(ValueError, match="n must be"):
        O.grid_null_variance(k, w, 1)
    with pytest.raises(ValueError, match="n must be"):
        O.expected_ep(1)
    with pytest.raises(ValueError, match="eigenvalues must be >= 0"):
        O.null_sf(1.0, [0.5, -0.1])
    with pytest.raises(ValueError, match="NaN or Inf"):
        O.null_sf([1.0, np.nan])
    with pytest.raises(ValueError, match="method"):
        O.null_sf(1.0, method="simpson")
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        O.expected_ep(10, 0.0, -1.0)
