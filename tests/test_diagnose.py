"""`python -m repro diagnose`: calibration under N(0, I), power against collapse, anisotropy and a non-Gaussian law
with identity covariance, reproducibility, and refusal of bad files (nothing written)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from scipy import stats

from core.cli import build_parser, run
from repro import diagnose as diagnose_module
from repro.diagnose import diagnose, load_embeddings


def _gaussian(n: int, k: int, seed: int) -> torch.Tensor:
    return torch.randn(n, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _rank1(n: int, k: int, seed: int) -> torch.Tensor:
    return _gaussian(n, 1, seed).expand(n, k).contiguous()


def _anisotropic(n: int, k: int, seed: int) -> torch.Tensor:
    # Condition number 20 (the anisotropic case of the paper's Fig. 3, claim C7), same trace as N(0, I).
    variances = torch.logspace(-0.5 * math.log10(20), 0.5 * math.log10(20), k, dtype=torch.float64)
    return _gaussian(n, k, seed) * (variances / variances.mean()).sqrt()


def _x_shape(n: int, k: int, seed: int) -> torch.Tensor:
    # The "X" law of claim C18 in 2-D: (u, b·u) with b = ±1, so both marginals are N(0, 1) and the covariance is
    # exactly I, but every projection is a scale mixture of two normals (non-Gaussian unless a ⟂ one axis).
    generator = torch.Generator().manual_seed(seed)
    u = torch.randn(n, 1, generator=generator, dtype=torch.float64)
    b = torch.randint(0, 2, (n, 1), generator=generator).double() * 2 - 1
    return torch.cat([u, b * u], dim=1)


def _uniform_cube(n: int, k: int, seed: int) -> torch.Tensor:
    u = torch.rand(n, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return (2 * u - 1) * math.sqrt(3)  # unit variance


def _laplace_product(n: int, k: int, seed: int) -> torch.Tensor:
    u = torch.rand(n, k, generator=torch.Generator().manual_seed(seed), dtype=torch.float64) - 0.5
    return -torch.sign(u) * torch.log1p(-2 * u.abs()) / math.sqrt(2)  # inverse CDF, unit variance


# -- Calibration under the null -- #

# (N, K) from tiny to moderate; 40 data sets each at alpha = 0.05 with 99 null batches (the omnibus p can reach 0.01).
CALIBRATION = ((16, 2), (64, 8), (256, 4))
CALIBRATION_REPS = 40


def test_false_positive_rate_is_nominal_across_n_and_k():
    # H0: z ~ N(0, I). The omnibus max-type test is calibrated on null batches exchangeable with the observation, so a
    # verdict other than "consistent" has probability alpha at every N, K (not just below it: it is not Bonferroni).
    # The count over 120 data sets is frozen (catches a silent change of streams) and must be consistent with
    # Binomial(120, 0.05) on both sides.
    counts = {}
    for n, k in CALIBRATION:
        counts[n, k] = sum(
            diagnose(_gaussian(n, k, 10_000 + rep), directions=16, seed=rep, null_reps=99, alpha=0.05)["exit_code"]
            for rep in range(CALIBRATION_REPS)
        )
    total = sum(counts.values())
    assert counts == FROZEN_FALSE_POSITIVES
    assert stats.binomtest(total, CALIBRATION_REPS * len(CALIBRATION), 0.05).pvalue > 0.01


FROZEN_FALSE_POSITIVES = {(16, 2): 0, (64, 8): 2, (256, 4): 0}


# -- Power: positive controls, and which kind of slice sees what -- #


@pytest.mark.parametrize("law", [_uniform_cube, _laplace_product])
def test_product_laws_are_flagged_by_the_coordinate_axes(law):
    # At N = 2000, K = 64 a random projection of a product of 64 unit-variance uniforms (or Laplaces) is nearly
    # Gaussian (central limit theorem): random slices cannot be relied on, the coordinate axes see it at once.
    result = diagnose(law(2000, 64, 7), null_reps=199)
    assert result["verdict"] == "non-Gaussian" and result["exit_code"] == 1
    assert "coordinate axes" in result["slices"]["flagged_by"]
    assert result["tests"]["coordinate axes"]["p_value"] == 1 / 200
    assert result["summary"].startswith("non-Gaussian: ") and "coordinate axes" in result["summary"]


def test_uniform_cube_is_invisible_to_random_slices_alone():
    # The reason for the axes: on the same data the random-slice statistic stays inside its null range.
    result = diagnose(_uniform_cube(2000, 64, 7), null_reps=199)
    assert result["tests"]["random slices"]["p_value"] > 0.01 and not result["tests"]["random slices"]["flagged"]


def test_negative_control_gaussian_at_the_same_size_is_consistent():
    result = diagnose(_gaussian(2000, 64, 7), null_reps=199)
    assert result["verdict"] == "consistent with N(0, I)" and result["exit_code"] == 0 and not result["warnings"]


def test_gaussian_with_wrong_mean_and_scale_is_not_standardised():
    result = diagnose(1.0 + 5.0 * _gaussian(500, 16, 3), directions=64, null_reps=199)
    assert result["verdict"] == "not standardised" and result["exit_code"] == 1
    assert result["tests"]["location"]["flagged"] and result["tests"]["scale"]["flagged"]
    assert not any(result["tests"][name]["flagged"] for name in ("random slices", "coordinate axes", "sphericity"))
    # Negative control: the shape departure of a standardised Laplace product is not called "not standardised".
    assert diagnose(_laplace_product(500, 16, 3), directions=64, null_reps=199)["verdict"] == "non-Gaussian"


POWER_REPS = 20
LAWS = {
    "collapsed": (_rank1, 256, 16),
    "anisotropic": (_anisotropic, 256, 16),
    "non-Gaussian": (_x_shape, 768, 2),
}
# Frozen verdict counts. The X law (covariance I, heavy-tailed projections) is a departure in every seed, and called
# non-Gaussian in 18: in 2 its sample covariance also fluctuates past the Gaussian null of the sphericity test,
# which then names it anisotropic (the documented limitation of the verdict rule).
POWER_HITS = {"collapsed": 20, "anisotropic": 20, "non-Gaussian": 18}


@pytest.mark.parametrize("verdict", LAWS)
def test_detects_departures_from_isotropic_gaussian(verdict):
    # Each planted departure is a departure (exit 1) in every seed at alpha = 0.02 (99 null batches), and gets its
    # own verdict in (almost) every seed: the count is frozen and its 95 % binomial interval must reach above 0.8.
    law, n, k = LAWS[verdict]
    results = [
        diagnose(law(n, k, 20_000 + rep), directions=32, seed=rep, null_reps=99, alpha=0.02)
        for rep in range(POWER_REPS)
    ]
    assert all(r["exit_code"] == 1 for r in results)
    hits = sum(r["verdict"] == verdict for r in results)
    assert hits == POWER_HITS[verdict]
    assert stats.binomtest(hits, POWER_REPS).proportion_ci().high > 0.8


def test_low_power_warning_names_the_minimum_n():
    result = diagnose(_gaussian(2, 4, 0), directions=8, null_reps=199)
    minimum = result["power"]["minimum_n"]
    assert result["verdict"] == "consistent with N(0, I)"
    assert result["warnings"] and result["warnings"][0].startswith("low power: N = 2")
    assert all(str(m) in result["warnings"][0] for m in minimum.values()) and min(minimum.values()) > 2


def test_rank1_reports_the_spectrum():
    # Rank-1 collapse: one eigenvalue carries all the variance, effective rank 1, no finite condition number.
    result = diagnose(_rank1(256, 16, 1), directions=32, seed=0, null_reps=199)
    spectrum = result["spectrum"]
    assert result["verdict"] == "collapsed"
    assert spectrum["effective_rank"] == pytest.approx(1.0, abs=1e-6)
    assert spectrum["top_eigenvalue_fraction"] == pytest.approx(1.0, abs=1e-9)
    assert spectrum["condition_number"] is None and spectrum["numerical_rank"] == 1


def test_effective_rank_is_the_training_definition():
    # One definition of effective rank in the suite: training's diagnostics and diagnose call the same function.
    from repro.train import evaluation

    assert diagnose_module.effective_rank is evaluation.effective_rank
    z = _anisotropic(300, 12, 4)
    directions = torch.nn.functional.normalize(torch.randn(12, 8, generator=torch.Generator().manual_seed(1)), dim=0)
    trained = evaluation.diagnostics(z.float(), directions)["effective_rank"]
    diagnosed = diagnose(z, directions=8, null_reps=99, alpha=0.05)["spectrum"]["effective_rank"]
    assert diagnosed == pytest.approx(trained, rel=1e-6)  # float32 vs float64 input of the same matrix


def test_all_zero_embeddings_are_collapsed():
    result = diagnose(torch.zeros(64, 8, dtype=torch.float64), directions=16, null_reps=199)
    assert result["verdict"] == "collapsed" and result["spectrum"]["effective_rank"] == 0.0
    assert result["tests"]["sphericity"]["p_value"] is None  # U is undefined for a zero covariance


def test_one_dimension_has_no_sphericity_test():
    # K = 1: every 1×1 covariance is spherical, so only the other tests can reject.
    result = diagnose(_gaussian(100, 1, 5), directions=4, null_reps=199)
    assert result["tests"]["sphericity"]["p_value"] is None and result["verdict"] == "consistent with N(0, I)"
    assert diagnose(_gaussian(100, 1, 5) * 3, directions=4, null_reps=199)["verdict"] == "not standardised"


def test_negative_control_isotropic_gaussian_is_consistent():
    result = diagnose(_gaussian(512, 16, 2), directions=64, seed=3, null_reps=199)
    assert result["verdict"] == "consistent with N(0, I)"
    assert 0.9 < result["spectrum"]["effective_rank"] / result["spectrum"]["null_effective_rank_median"] < 1.1


# -- Reproducibility -- #


def test_same_seed_same_bytes():
    z = _anisotropic(128, 8, 3).numpy()
    first = json.dumps(diagnose(z, directions=16, seed=5, null_reps=199))
    assert json.dumps(diagnose(z, directions=16, seed=5, null_reps=199)) == first
    assert json.dumps(diagnose(z, directions=16, seed=6, null_reps=199)) != first


def test_null_reps_must_reach_alpha():
    with pytest.raises(ValueError, match="cannot reach"):
        diagnose(_gaussian(64, 4, 0), null_reps=49, alpha=0.01)


# -- Command line -- #


def _cli(argv: list[str]) -> int:
    return run(build_parser("python -m repro", "", [diagnose_module]), argv)


@pytest.mark.parametrize("suffix", [".npy", ".pt"])
def test_cli_verdict_first_json_equals_out(tmp_path, capsys, suffix):
    z = _gaussian(128, 8, 4).float()
    path = tmp_path / f"emb{suffix}"
    np.save(path, z.numpy()) if suffix == ".npy" else torch.save(z, path)
    out = tmp_path / "diag.json"
    argv = ["diagnose", str(path), "--directions", "16", "--seed", "1", "--null-reps", "199", "--out", str(out)]
    assert _cli(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("consistent with N(0, I): ") and len(lines) < 15
    assert _cli([*argv, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert json.loads(out.read_text()) == printed and next(iter(printed)) == "verdict"
    assert printed["input"] == {"n": 128, "k": 8, "file": str(path)}


def test_cli_exit_code_is_1_on_a_departure(tmp_path, capsys):
    path = tmp_path / "emb.npy"
    np.save(path, (1.0 + 5.0 * _gaussian(256, 8, 4)).numpy())
    assert _cli(["diagnose", str(path), "--directions", "16", "--null-reps", "199"]) == 1
    assert capsys.readouterr().out.startswith("not standardised: ")


@pytest.mark.parametrize("out", ["/proc/x.json", "{tmp}"])
def test_cli_checks_out_before_reading_anything(tmp_path, capsys, out):
    # The embeddings file does not exist either: the error must be about --out, so --out was checked first.
    out = out.format(tmp=tmp_path)
    assert _cli(["diagnose", str(tmp_path / "missing.npy"), "--out", out]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith("error: ") and out in captured.err
    assert not (tmp_path / "missing.npy").exists() and list(tmp_path.iterdir()) == []


def _write_bad(tmp_path, case: str):
    path = tmp_path / ("bad.pt" if case.startswith("pt") else "bad.npy")
    if case == "missing":
        return path
    if case == "suffix":
        path = tmp_path / "bad.csv"
        path.write_text("1,2\n3,4\n")
        return path
    arrays = {
        "1-D": np.zeros(8),
        "3-D": np.zeros((2, 4, 3)),
        "one row": np.zeros((1, 4)),
        "NaN": np.array([[0.0, 1.0], [np.nan, 2.0]]),
        "strings": np.array([["a", "b"], ["c", "d"]]),
        "complex": np.ones((4, 2), dtype=complex),
    }
    if case in arrays:
        np.save(path, arrays[case])
    elif case == "object":
        np.save(path, np.array([[1.0, "x"], [2.0, None]], dtype=object), allow_pickle=True)
    elif case == "corrupt":
        path.write_bytes(b"not an npy file")
    elif case == "pt dict":
        torch.save({"z": torch.zeros(4, 2)}, path)
    elif case == "pt corrupt":
        path.write_bytes(b"garbage")
    elif case == "pt empty":
        path.write_bytes(b"")
    return path


BAD_FILES = {
    "missing": "no such file",
    "suffix": r"\.npy or \.pt",
    "1-D": r"shape \(N, K\)",
    "3-D": r"shape \(N, K\)",
    "one row": "N >= 2",
    "NaN": "NaN",
    "strings": "real numbers",
    "complex": "real numbers",
    "object": "object array",
    "corrupt": "cannot read",
    "pt dict": "single tensor",
    "pt corrupt": "cannot read",
    "pt empty": "cannot read .* torch tensor file: the file is empty",
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_raise_and_write_nothing(tmp_path, capsys, case):
    path = _write_bad(tmp_path, case)
    with pytest.raises(ValueError, match=BAD_FILES[case]):
        load_embeddings(path)
    out = tmp_path / "diag.json"
    assert _cli(["diagnose", str(path), "--null-reps", "199", "--out", str(out)]) == 2
    assert "error:" in capsys.readouterr().err
    assert not out.exists()
