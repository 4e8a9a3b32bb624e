"""`python -m repro diagnose EMBEDDINGS.npy|.pt`: is an embedding matrix N samples of N(0, I_K), and if not, how not.

The first line printed is the verdict; the exit code says it too, so a pipeline can gate on it:
0 = consistent with N(0, I), 1 = a departure (collapsed, anisotropic, non-Gaussian, not standardised), 2 = error
(bad file, bad option, unwritable --out: checked before any computation; nothing is written). `--json` prints the
full record instead of the details.

Five statistics of z (N, K), each larger the further z is from N(0, I_K):
- sphericity: John's U = K·tr(S²)/tr(S)² − 1 of the centred covariance S (0 iff S ∝ I; scale-free);
- location: ‖coordinate means‖; scale: |log(mean coordinate variance)|;
- shape, on z standardised by its mean vector and one common scale (so that location and scale do not count twice,
  and anisotropy is kept): SIGReg (the engine, official grid, float64) on M random unit directions, and on the K
  coordinate axes. Random slices see departures of the joint law in every direction but, at large K, a random
  projection of a product law is close to Gaussian by the central limit theorem (a unit-variance uniform cube is
  invisible to them at K = 64); the axes see exactly those product laws.
p-values are Monte Carlo: `null_reps` batches of N(0, I_K) with the same N and K go through the same computation
(same directions). The five are combined into one omnibus max-type test calibrated on the same null batches (the
observation and the null batches are exchangeable under H0, so its false-positive rate is alpha at every N and K);
the M slices share the data and are never treated as independent tests.

Verdict (first match wins):
1. collapsed: effective rank (the training diagnostics' definition, `repro.train.evaluation.effective_rank`) below
   COLLAPSE_RANK_FRACTION × its median over N(0, I) batches of the same N and K, or mean coordinate variance below
   COLLAPSE_VARIANCE;
2. otherwise, if the omnibus p <= alpha, the departure is attributed to the tests it flags (max-T, see `omnibus`):
   anisotropic if sphericity is among them; else non-Gaussian if a shape test is (saying whether the random slices,
   the coordinate axes or both flagged it); else not standardised (a Gaussian shape with the wrong mean or scale);
3. consistent with N(0, I).
Power: the smallest N (doubling grid) at which the coordinate-axis statistic alone detects a unit-variance Laplace
product and a uniform cube in at least half of simulated batches at this K (`minimum_n`); a warning is printed
below it.

Limitation: the sphericity test's null is Gaussian, so heavy-tailed data with covariance I can be called anisotropic
rather than non-Gaussian; either way it is a departure. A departure confined to a low-dimensional subspace that is
neither a coordinate axis nor near one of the M directions may be missed.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import pickle
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from core import streams
from core.pool import one_thread
from core.results import atomic_write_json, run_record

from .sigreg import OFFICIAL, draw_directions, sigreg
from .train.evaluation import effective_rank

CONSISTENT = "consistent with N(0, I)"
VERDICTS = ("collapsed", "anisotropic", "non-Gaussian", "not standardised", CONSISTENT)
EXIT_CODES = {verdict: 0 if verdict == CONSISTENT else 1 for verdict in VERDICTS}
TESTS = ("sphericity", "location", "scale", "random slices", "coordinate axes")
SHAPE_TESTS = ("random slices", "coordinate axes")
DIRECTIONS = 256
NULL_REPS = 399  # the omnibus p can reach 1/400 = 0.0025 < the default alpha
ALPHA = 0.01
# Under N(0, I) the effective rank is a large fraction of min(K, N − 1) (Marchenko–Pastur spreads the spectrum
# but keeps its entropy high); half the null median is far outside the null's range at any N, K.
COLLAPSE_RANK_FRACTION = 0.5
COLLAPSE_VARIANCE = 1e-2  # coordinate std below 0.1, where N(0, I) has 1
EFFECTIVE_RANK_REFERENCES = 20  # null batches whose full spectrum is computed
RULE = (
    f"first match: collapsed (effective rank < {COLLAPSE_RANK_FRACTION} x its N(0, I) median at this N, K, or mean "
    f"coordinate variance < {COLLAPSE_VARIANCE}); if the omnibus (max-T over {', '.join(TESTS)}) Monte Carlo p <= "
    "alpha: anisotropic (sphericity flagged), non-Gaussian (a shape test flagged), not standardised (location or "
    "scale only); otherwise consistent with N(0, I)"
)


# -- Input -- #


def check_matrix(z: object) -> np.ndarray:
    """z as a float64 (N, K) array if it is a finite real numeric matrix with N >= 2 and K >= 1; else ValueError."""
    if isinstance(z, torch.Tensor):
        if z.is_complex() or z.dtype == torch.bool:
            raise ValueError(f"embeddings must be real numbers, got dtype {z.dtype}")
        z = z.detach().cpu().to(torch.float64).numpy()
    elif not isinstance(z, np.ndarray):
        raise ValueError(f"embeddings must be a numpy array or torch tensor, got {type(z).__name__}")
    if z.dtype == object:
        raise ValueError("embeddings are an object array, not numbers; save a float array")
    if z.dtype.kind not in "fiu":
        raise ValueError(f"embeddings must be real numbers, got dtype {z.dtype}")
    if z.ndim != 2:
        raise ValueError(f"embeddings must have shape (N, K), got {z.ndim}-D shape {tuple(z.shape)}")
    if z.shape[0] < 2:
        raise ValueError(f"need N >= 2 rows (samples), got N = {z.shape[0]}")
    if z.shape[1] < 1:
        raise ValueError(f"need K >= 1 columns (dimensions), got shape {tuple(z.shape)}")
    z = np.ascontiguousarray(z, dtype=np.float64)
    if not np.isfinite(z).all():
        raise ValueError(f"embeddings contain NaN or Inf ({int((~np.isfinite(z)).sum())} entries)")
    return z


def load_embeddings(path: Path | str) -> np.ndarray:
    """Read an (N, K) matrix from .npy (no pickles) or .pt (a tensor, weights_only); ValueError otherwise."""
    path = Path(path)
    if path.suffix not in (".npy", ".pt"):
        raise ValueError(f"expected a .npy or .pt file, got {path.name!r}")
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if path.suffix == ".npy":
        with open(path, "rb") as handle:
            if handle.read(6) != b"\x93NUMPY":  # without the magic, np.load would try to unpickle the file
                raise ValueError(f"cannot read {path} as a .npy array: not in .npy format")
        try:
            z = np.load(path, allow_pickle=False)
        except ValueError as error:
            if "Object arrays" in str(error):
                raise ValueError(f"{path} holds an object array, not numbers; save a float array") from None
            raise ValueError(f"cannot read {path} as a .npy array: {error}") from None
        except (OSError, EOFError) as error:
            raise ValueError(f"cannot read {path} as a .npy array: {error}") from None
    else:
        try:
            z = torch.load(path, map_location="cpu", weights_only=True)
        except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as error:
            reason = str(error).strip() or ("the file is empty or truncated" if isinstance(error, EOFError) else "")
            raise ValueError(f"cannot read {path} as a torch tensor file: {reason or type(error).__name__}") from None
        if not isinstance(z, torch.Tensor):
            raise ValueError(f"{path} must hold a single tensor, got {type(z).__name__}")
    return check_matrix(z)


# -- Statistics -- #


def sphericity(z: torch.Tensor) -> float:
    """John's U = K·tr(S²)/tr(S)² − 1 of the centred sample covariance S; 0 iff S is a multiple of I; NaN if S = 0."""
    zc = z - z.mean(0)
    n, k = zc.shape
    gram = zc @ zc.T if n < k else zc.T @ zc  # same nonzero spectrum, the smaller side
    total = float(zc.square().sum())
    if total <= 0.0:
        return float("nan")
    return k * float(gram.square().sum()) / total**2 - 1.0


def covariance_eigenvalues(z: torch.Tensor) -> np.ndarray:
    """Eigenvalues of the centred sample covariance (divisor N − 1), descending, round-off negatives set to 0."""
    zc = z - z.mean(0)
    cov = zc.T @ zc / (z.shape[0] - 1)
    return np.clip(torch.linalg.eigvalsh(cov).numpy()[::-1], 0.0, None)


def _moments(z: torch.Tensor) -> tuple[float, float]:
    """(‖coordinate means‖, mean coordinate variance): the location and scale that N(0, I) fixes at 0 and 1."""
    return float(z.mean(0).norm()), float(z.var(0).mean())


def _shape(standard: torch.Tensor, a: torch.Tensor) -> float:
    """SIGReg (engine, official grid, float64, mean over the slices) of standardised data on directions a."""
    with torch.no_grad():
        return float(sigreg(standard, a, grid=OFFICIAL, sync=False))


def _standardise(z: torch.Tensor, scale: float) -> torch.Tensor:
    """Centred and divided by one common scale (the root mean coordinate variance): anisotropy is kept."""
    return (z - z.mean(0)) / math.sqrt(scale)


def _statistics(z: torch.Tensor, a: torch.Tensor) -> np.ndarray:
    """The five test statistics of TESTS for z (N, K) float64, larger = further from N(0, I); NaN where undefined."""
    location, scale = _moments(z)
    spher = sphericity(z) if z.shape[1] > 1 else math.nan  # K = 1: every covariance is spherical
    if scale > 0:
        standard = _standardise(z, scale)
        random, axes = _shape(standard, a), _shape(standard, torch.eye(z.shape[1], dtype=torch.float64))
    else:
        random = axes = math.nan
    log_scale = abs(math.log(scale)) if scale > 0 else math.inf
    return np.array([spher, location, log_scale, random, axes])


@functools.lru_cache(maxsize=4)
def _null(n: int, k: int, directions: int, seed: int, null_reps: int, progress: bool) -> tuple[np.ndarray, float]:
    """(null_reps, 5) statistics of N(0, I_K) batches and their median effective rank: a function of (N, K, M,
    seed, reps) only, so it is computed once per process for several matrices of one shape."""
    a = _directions(k, directions, seed)
    generator = streams.generator(seed, "null")
    rows, ranks = [], []
    for rep in tqdm(range(null_reps), desc="null N(0, I)", unit="batch", disable=not progress, leave=False):
        sample = torch.randn(n, k, generator=generator, dtype=torch.float64)
        rows.append(_statistics(sample, a))
        if rep < EFFECTIVE_RANK_REFERENCES:
            ranks.append(effective_rank(sample))
    table = np.asarray(rows)
    table.flags.writeable = False
    return table, float(np.median(ranks))


def _directions(k: int, m: int, seed: int) -> torch.Tensor:
    a = draw_directions(k, m, generator=streams.generator(seed, "directions"))
    return a.double() / a.double().norm(dim=0)


def omnibus(observed: np.ndarray, null: np.ndarray, alpha: float) -> dict:
    """Per-test Monte Carlo p-values, and one max-type test over all of them calibrated on the same null batches.

    Every row (the observation and each null batch alike) gets a score per test, (statistic − median)/MAD over all
    R + 1 rows (a symmetric function of the rows, so under H0 the rows stay exchangeable), and its largest score.
    The omnibus p is the fraction of rows whose largest score is >= the observation's: exact at every N and K, and
    as small as 1/(R + 1) (the minimum of rank p-values over several tests could not go below ~tests/(R + 1)).
    A test is flagged when its own score passes the (1 − alpha) quantile of the null rows' largest scores, which
    holds the chance of flagging anything under H0 to alpha (max-T). Tests undefined for the observation are left
    out."""
    usable = ~np.isnan(observed)
    table = np.vstack([observed, null])[:, usable]
    table = np.where(np.isnan(table), -np.inf, table)  # a null batch where a statistic is undefined never exceeds
    finite = np.where(np.isfinite(table), table, np.nan)
    centre = np.nanmedian(finite, axis=0)
    spread = np.nanmedian(np.abs(finite - centre), axis=0)
    spread = np.where(spread > 0, spread, 1.0)
    scores = (table - centre) / spread
    largest = scores.max(axis=1)
    critical = float(np.quantile(largest[1:], 1 - alpha))
    per_test = np.full(observed.shape, np.nan)
    per_test[usable] = (table >= table[0]).sum(axis=0) / table.shape[0]
    flagged = np.zeros(observed.shape, dtype=bool)
    flagged[usable] = scores[0] >= critical
    score = np.full(observed.shape, np.nan)
    score[usable] = scores[0]
    return {
        "per_test": per_test,
        "p_value": float(np.mean(largest >= largest[0])),
        "flagged": flagged,
        "scores": score,
        "critical": critical,
    }


POWER_LAWS = ("Laplace product", "uniform cube")
POWER_BATCHES = 40  # law batches per candidate N; the detection rate is judged against 1/2
POWER_NULL = 99  # null batches per candidate N for the (1 − alpha) quantile
POWER_MAX_N = 2**16


def _power_law(name: str, n: int, k: int, generator: torch.Generator) -> torch.Tensor:
    u = torch.rand(n, k, generator=generator, dtype=torch.float64)
    if name == "uniform cube":
        return (2 * u - 1) * math.sqrt(3)  # unit variance
    u = u - 0.5
    return -torch.sign(u) * torch.log1p(-2 * u.abs().clamp_max(0.5 - 1e-16)) / math.sqrt(2)  # unit-variance Laplace


def _axes_statistic(z: torch.Tensor) -> float:
    return _shape(_standardise(z, _moments(z)[1]), torch.eye(z.shape[1], dtype=torch.float64))


@functools.lru_cache(maxsize=16)
def minimum_n(k: int, alpha: float) -> dict:
    """For each of POWER_LAWS, the smallest N on a doubling grid from 4 at which the coordinate-axis statistic alone
    exceeds its N(0, I) (1 − alpha) quantile in at least half of POWER_BATCHES simulated batches (about even odds
    for the whole diagnostic, which also has the other tests); None above POWER_MAX_N."""
    out = {}
    for name in POWER_LAWS:
        generator = streams.generator(0, f"power {name} {k}")  # a property of K, alpha only
        n, found = 4, None
        while n <= POWER_MAX_N and found is None:
            null = [
                _axes_statistic(torch.randn(n, k, generator=generator, dtype=torch.float64)) for _ in range(POWER_NULL)
            ]
            critical = float(np.quantile(null, 1 - alpha))
            hits = sum(_axes_statistic(_power_law(name, n, k, generator)) > critical for _ in range(POWER_BATCHES))
            found = n if 2 * hits >= POWER_BATCHES else None
            n *= 2
        out[name] = found
    return out


def diagnose(
    z: object,
    *,
    directions: int = DIRECTIONS,
    seed: int = 0,
    null_reps: int = NULL_REPS,
    alpha: float = ALPHA,
    progress: bool = False,
) -> dict:
    """The diagnostic of an (N, K) matrix as a JSON-ready dict, the verdict first (see the module docstring)."""
    _check_options(directions, seed, null_reps, alpha)
    matrix = torch.from_numpy(check_matrix(z))
    n, k = matrix.shape
    observed = _statistics(matrix, _directions(k, directions, seed))
    null, null_rank = _null(n, k, directions, seed, null_reps, progress)
    combined = omnibus(observed, null, alpha)
    per_test, p_omnibus = combined["per_test"], combined["p_value"]
    eigs = covariance_eigenvalues(matrix)
    eff_rank = effective_rank(matrix)
    location, scale = _moments(matrix)
    variances, means = matrix.var(0), matrix.mean(0)
    power = minimum_n(k, float(alpha))
    tests = {
        name: {
            "statistic": None if math.isnan(observed[j]) else float(observed[j]),
            "p_value": None if math.isnan(per_test[j]) else float(per_test[j]),
            "null_q99": float(np.nanquantile(null[:, j], 0.99)) if not np.all(np.isnan(null[:, j])) else None,
            "score": None if math.isnan(combined["scores"][j]) else float(combined["scores"][j]),
        }
        for j, name in enumerate(TESTS)
    }
    flagged_tests = [name for j, name in enumerate(TESTS) if combined["flagged"][j]]
    verdict, flagged, reasons = _verdict(
        eff_rank=eff_rank,
        null_rank=null_rank,
        scale=scale,
        tests=tests,
        p_omnibus=p_omnibus,
        alpha=alpha,
        flagged=flagged_tests,
    )
    for name in TESTS:
        tests[name]["flagged"] = name in flagged
    line = f"{verdict}: {reasons[0]}"
    return {
        "verdict": verdict,
        "exit_code": EXIT_CODES[verdict],
        "summary": line,
        "warnings": _warnings(n, k, power),
        "reasons": reasons,
        "kind": "embeddings-diagnostic",
        "version": 2,
        "input": {"n": n, "k": k},
        "config": {
            "directions": directions,
            "seed": seed,
            "null_reps": null_reps,
            "alpha": alpha,
            "grid": OFFICIAL.name,
            "dtype": "float64",
        },
        "rule": RULE,
        "p_value": p_omnibus,
        "omnibus": {
            "p_value": p_omnibus,
            "method": f"Monte Carlo: {null_reps} N(0, I_K) batches of the same N, K through the same statistics with "
            f"the same {directions} directions; per-test p = (1 + #null >= value) / (reps + 1); the smallest of them "
            "calibrated on the same batches",
        },
        "tests": tests,
        "slices": {
            "flagged_by": [name for name in SHAPE_TESTS if name in flagged],
            "random_directions": directions,
            "coordinate_axes": k,
        },
        "power": {
            "minimum_n": power,
            "method": f"smallest N on a doubling grid at which the coordinate-axis statistic exceeds its N(0, I) (1 - "
            f"alpha) quantile ({POWER_NULL} null batches) in at least half of {POWER_BATCHES} simulated batches of the "
            "unit-variance law",
        },
        "spectrum": _spectrum(eigs, eff_rank, null_rank, k),
        "coordinates": {
            "mean_norm": location,
            "mean_abs_max": float(means.abs().max()),
            "variance_mean": scale,
            "variance_min": float(variances.min()),
            "variance_max": float(variances.max()),
        },
        **run_record(),
    }


def _check_options(directions: int, seed: int, null_reps: int, alpha: float) -> None:
    for name, value, low in (("directions", directions, 1), ("seed", seed, 0), ("null_reps", null_reps, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if 1 / (null_reps + 1) > alpha:
        raise ValueError(
            f"null_reps = {null_reps} cannot reach p <= alpha = {alpha:g}; need >= {math.ceil(1 / alpha) - 1}"
        )


def _warnings(n: int, k: int, power: dict) -> list[str]:
    """What limits the verdict at this N and K: too few samples for the power, or N <= K."""
    warnings = []
    if any(m is None or n < m for m in power.values()):
        needs = ", ".join(
            f"{law} N >= {m if m is not None else f'more than {POWER_MAX_N}'}" for law, m in power.items()
        )
        warnings.append(f"low power: N = {n} is below the N at which product-law departures become visible ({needs})")
    if n <= k:
        warnings.append(f"N = {n} <= K = {k}: the covariance is singular, so sphericity and effective rank see little")
    return warnings


def _spectrum(eigs, eff_rank: float, null_rank: float, k: int) -> dict:
    """The covariance spectrum's part of the record (eigenvalues in decreasing order)."""
    total = float(eigs.sum())
    positive = eigs[eigs > 1e-12 * eigs[0]] if eigs[0] > 0 else eigs[:0]
    return {
        "effective_rank": eff_rank,
        "effective_rank_definition": "exp of the entropy of the normalised singular values of the centred "
        "embeddings (RankMe), as in training",
        "effective_rank_fraction": eff_rank / k,
        "null_effective_rank_median": null_rank,
        "top_eigenvalue_fraction": float(eigs[0] / total) if total > 0 else None,
        "condition_number": float(eigs[0] / eigs[-1]) if eigs[-1] > 1e-12 * eigs[0] > 0 else None,
        "numerical_rank": int(positive.size),
        "trace": total,
        "top_eigenvalues": [float(v) for v in eigs[:10]],
    }


def _verdict(*, eff_rank, null_rank, scale, tests, p_omnibus, alpha, flagged) -> tuple[str, list[str], list[str]]:
    """(verdict, the tests it is attributed to, reasons: the first one is the summary line's)."""
    if eff_rank < COLLAPSE_RANK_FRACTION * null_rank or scale < COLLAPSE_VARIANCE:
        reasons = []
        if eff_rank < COLLAPSE_RANK_FRACTION * null_rank:
            reasons.append(
                f"effective rank {eff_rank:.3g} < {COLLAPSE_RANK_FRACTION} x {null_rank:.3g} (its median under "
                "N(0, I) at this N, K): dimensional collapse"
            )
        if scale < COLLAPSE_VARIANCE:
            reasons.append(f"mean coordinate variance {scale:.3g} < {COLLAPSE_VARIANCE}: the cloud shrank to a point")
        return "collapsed", [], reasons
    p = {name: t["p_value"] for name, t in tests.items() if t["p_value"] is not None}
    listed = ", ".join(f"{name} {value:.3g}" for name, value in p.items())
    if p_omnibus > alpha:
        return CONSISTENT, [], [f"omnibus p = {p_omnibus:.3g} > alpha = {alpha:g} (per test: {listed})"]
    flagged = flagged or [min(p, key=p.get)]
    shape = [name for name in SHAPE_TESTS if name in flagged]
    head = f"omnibus p = {p_omnibus:.3g} <= alpha = {alpha:g}"
    if "sphericity" in flagged:
        return (
            "anisotropic",
            flagged,
            [f"the covariance is not spherical (sphericity p = {p['sphericity']:.3g}); {head}"],
        )
    if shape:
        quiet = [name for name in SHAPE_TESTS if name not in shape and name in p]
        which = " and the ".join(f"{name} (p = {p[name]:.3g})" for name in shape)
        also = f", not the {quiet[0]} (p = {p[quiet[0]]:.3g})" if quiet else ""
        reasons = [f"the standardised projections are not Gaussian, flagged by the {which}{also}; {head}"]
        # The scale test's null is Gaussian (the variance of a sample variance grows with the kurtosis), so beside
        # a shape departure only the location says "not standardised".
        if "location" in flagged:
            reasons.append(f"also not centred (mean norm p = {p['location']:.3g})")
        return "non-Gaussian", flagged, reasons
    parts = []
    if "location" in flagged:
        parts.append(f"mean norm p = {p['location']:.3g}")
    if "scale" in flagged:
        parts.append(f"scale p = {p['scale']:.3g}")
    return (
        "not standardised",
        flagged,
        [
            f"Gaussian in shape but off in {' and '.join(n for n in ('location', 'scale') if n in flagged)} "
            f"({'; '.join(parts)}); {head}"
        ],
    )


def render(result: dict) -> str:
    """The verdict line, then the details a person reads (`--json` gives the full record)."""
    tests = result["tests"]
    n, k, config = result["input"]["n"], result["input"]["k"], result["config"]
    spectrum, coords = result["spectrum"], result["coordinates"]

    def p(name):
        value = tests[name]["p_value"]
        return "n/a" if value is None else f"{value:.3g}" + (" *" if tests[name]["flagged"] else "")

    lines = [result["summary"]]
    lines += [f"warning: {w}" for w in result["warnings"]]
    lines += [f"  {reason}" for reason in result["reasons"][1:]]
    lines += [
        f"  N = {n}, K = {k}; {config['null_reps']} N(0, I) null batches; alpha = {config['alpha']:g}; seed "
        f"{config['seed']}",
        "  Monte Carlo p (* = flagged): " + " | ".join(f"{name} {p(name)}" for name in TESTS),
        f"  slices: {config['directions']} random directions and the {k} coordinate axes",
        f"  effective rank {spectrum['effective_rank']:.3g} of {k} (N(0, I) median "
        f"{spectrum['null_effective_rank_median']:.3g}); top eigenvalue "
        + (f"{spectrum['top_eigenvalue_fraction']:.1%}" if spectrum["top_eigenvalue_fraction"] is not None else "n/a")
        + " of the variance",
        f"  coordinates: |mean| {coords['mean_norm']:.3g}, variance mean {coords['variance_mean']:.3g} "
        f"[{coords['variance_min']:.3g}, {coords['variance_max']:.3g}]",
        "  resolvable (even odds): "
        + ", ".join(f"{law} from N ~ {m}" for law, m in result["power"]["minimum_n"].items()),
    ]
    return "\n".join(lines)


# -- Command line -- #


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="is an (N, K) embeddings file N(0, I)? exit 0 yes, 1 no, 2 error",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("embeddings", type=Path, help="(N, K) array: .npy (no pickles) or .pt (one tensor)")
    parser.add_argument("--directions", type=int, default=DIRECTIONS, help="random slice directions M")
    parser.add_argument("--seed", type=int, default=0, help="seed of the directions and of the Monte Carlo null")
    parser.add_argument("--null-reps", type=int, default=NULL_REPS, help="Monte Carlo N(0, I) batches")
    parser.add_argument("--alpha", type=float, default=ALPHA, help="level of the verdict (false-positive rate)")
    parser.add_argument("--out", type=Path, default=None, help="also write the full JSON record here (atomically)")
    parser.add_argument("--json", action="store_true", help="print the full JSON record instead of the details")
    parser.set_defaults(run=main, output_files=("out",))  # checked before any work (core.cli)


def main(args: argparse.Namespace) -> int:
    one_thread()
    embeddings = load_embeddings(args.embeddings)
    result = diagnose(
        embeddings,
        directions=args.directions,
        seed=args.seed,
        null_reps=args.null_reps,
        alpha=args.alpha,
        progress=True,
    )
    result["input"]["file"] = str(args.embeddings)
    if args.out is not None:
        atomic_write_json(args.out, result)
    print(json.dumps(result, indent=2) if args.json else render(result))
    return result["exit_code"]
