"""`python -m repro diagnose EMBEDDINGS.npy|.pt`: is an embedding matrix an isotropic Gaussian, and if not, how not.

For z of shape (N, K) it reports the SIGReg value (the engine, official grid, float64) with a calibrated p-value
for "z is N samples of N(0, I_K)", the covariance spectrum (effective rank = exp of the spectral entropy, top
eigenvalue fraction, condition number), coordinate means and variances, and one verdict.

p-values are Monte Carlo: `null_reps` batches of N(0, I_K) with the same N and K go through the *same*
computation with the *same* directions, and p = (1 + #{null >= observed}) / (null_reps + 1), exact at every N.
The M slices share the data and are correlated, so they are never treated as independent tests (docs/oracle.md#o5,
docs/oracle.md#correlated-slices: doing so doubles the false-positive rate).

Verdict rule (first match wins; α = --alpha, Bonferroni-split over the two tests so that N(0, I) data get a
verdict other than "consistent with N(0, I)" with probability at most α):
1. collapsed: effective rank below COLLAPSE_RANK_FRACTION × the median effective rank of N(0, I) batches of the
   same N and K (dimensional collapse), or mean coordinate variance below COLLAPSE_VARIANCE (the cloud shrank
   towards a point; N(0, I) has variance 1);
2. anisotropic: John's sphericity statistic U = K·tr(S²)/tr(S)² − 1 of the sample covariance S (scale-free, 0
   for a spherical S) has Monte Carlo p <= α/2;
3. non-Gaussian: the SIGReg p <= α/2 while the covariance is spherical: the projections are not N(0, 1) in shape,
   scale or location (the reasons say which moments are outside their null range);
4. consistent with N(0, I): otherwise.

Limitation: the sphericity test's null is Gaussian, so data whose covariance is I but whose tails are heavy can
be called anisotropic (the "X" law of claim C18 at N = 512, K = 2: one seed in 20); SIGReg's p-value still
rejects N(0, I) for them. Directions are few against a large K: a departure confined to a low-dimensional
subspace (the X law inside K = 16) may be missed, as the paper's slicing argument allows
(docs/claims.md#c16, docs/discrepancies.md#d1).
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import zlib
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from checks._results import atomic_write_json, run_record

from .sigreg import OFFICIAL, draw_directions, sigreg

VERDICTS = ("collapsed", "anisotropic", "non-Gaussian", "consistent with N(0, I)")
DIRECTIONS = 256
NULL_REPS = 399  # p can reach 1/400 = 0.0025 < α/2 = 0.005 at the default α
ALPHA = 0.01
# Under N(0, I) the effective rank is a large fraction of min(K, N − 1) (Marchenko–Pastur spreads the spectrum
# but keeps its entropy high); half the null median is far outside the null's range at any N, K.
COLLAPSE_RANK_FRACTION = 0.5
COLLAPSE_VARIANCE = 1e-2  # coordinate std below 0.1, where N(0, I) has 1
EFFECTIVE_RANK_REFERENCES = 20  # null batches whose full spectrum is computed (K×K eigendecompositions)
RULE = (
    f"first match: collapsed (effective rank < {COLLAPSE_RANK_FRACTION} x its N(0, I) median at this N, K, or mean "
    f"coordinate variance < {COLLAPSE_VARIANCE}); anisotropic (sphericity Monte Carlo p <= alpha/2); non-Gaussian "
    "(SIGReg Monte Carlo p <= alpha/2); otherwise consistent with N(0, I)"
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
            raise ValueError(f"cannot read {path} as a torch tensor file: {error}") from None
        if not isinstance(z, torch.Tensor):
            raise ValueError(f"{path} must hold a single tensor, got {type(z).__name__}")
    return check_matrix(z)


# -- Statistics -- #


def _stream(seed: int, name: str) -> int:
    """A seed for one named random stream derived from the run seed (same seed, same bytes)."""
    return int(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(name.encode()),)).generate_state(1)[0])


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


def effective_rank(eigenvalues: np.ndarray) -> float:
    """exp of the Shannon entropy of the normalised spectrum (Roy & Vetterli 2007); 0 for a zero matrix."""
    total = eigenvalues.sum()
    if total <= 0:
        return 0.0
    p = eigenvalues[eigenvalues > 0] / total
    return float(math.exp(-(p * np.log(p)).sum()))


def _moments(z: torch.Tensor) -> tuple[float, float]:
    """(‖coordinate means‖, mean coordinate variance): the location and scale that N(0, I) fixes at 0 and 1."""
    return float(z.mean(0).norm()), float(z.var(0).mean())


def _p_value(observed: float, null: np.ndarray) -> float:
    return float((1 + np.sum(null >= observed)) / (null.size + 1))


def diagnose(
    z: object,
    *,
    directions: int = DIRECTIONS,
    seed: int = 0,
    null_reps: int = NULL_REPS,
    alpha: float = ALPHA,
    progress: bool = False,
) -> dict:
    """The diagnostic of an (N, K) matrix as a JSON-ready dict (see the module docstring for the rule)."""
    for name, value, low in (("directions", directions, 1), ("seed", seed, 0), ("null_reps", null_reps, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if not (isinstance(alpha, float | int) and 0 < alpha < 1):
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")
    if 1 / (null_reps + 1) > alpha / 2:
        raise ValueError(
            f"null_reps = {null_reps} cannot reach p <= alpha/2 = {alpha / 2:g}; need >= {math.ceil(2 / alpha) - 1}"
        )
    matrix = torch.from_numpy(check_matrix(z))
    n, k = matrix.shape
    a = draw_directions(k, directions, generator=torch.Generator().manual_seed(_stream(seed, "directions")))
    a = a.double() / a.double().norm(dim=0)

    def slices(x: torch.Tensor) -> float:
        with torch.no_grad():
            return float(sigreg(x, a, grid=OFFICIAL, sync=False))

    value, spher, eigs = slices(matrix), sphericity(matrix), covariance_eigenvalues(matrix)
    location, scale = _moments(matrix)
    null_generator = torch.Generator().manual_seed(_stream(seed, "null"))
    null = {"sigreg": [], "sphericity": [], "location": [], "scale": [], "effective_rank": []}
    for rep in tqdm(range(null_reps), desc="null N(0, I)", unit="batch", disable=not progress, leave=False):
        sample = torch.randn(n, k, generator=null_generator, dtype=torch.float64)
        null["sigreg"].append(slices(sample))
        null["sphericity"].append(sphericity(sample))
        loc, sc = _moments(sample)
        null["location"].append(loc)
        null["scale"].append(sc)
        if rep < EFFECTIVE_RANK_REFERENCES:
            null["effective_rank"].append(effective_rank(covariance_eigenvalues(sample)))
    null = {key: np.asarray(values) for key, values in null.items()}

    p_sigreg = _p_value(value, null["sigreg"])
    # K = 1: every covariance is spherical (U = 0 up to rounding), so there is nothing to test.
    p_spher = None if math.isnan(spher) or k == 1 else _p_value(spher, null["sphericity"])
    eff_rank, null_rank = effective_rank(eigs), float(np.median(null["effective_rank"]))
    total = float(eigs.sum())
    positive = eigs[eigs > 1e-12 * eigs[0]] if eigs[0] > 0 else eigs[:0]
    variances = matrix.var(0)
    means = matrix.mean(0)
    verdict, reasons = _verdict(
        eff_rank=eff_rank,
        null_rank=null_rank,
        scale=scale,
        p_sigreg=p_sigreg,
        p_spher=p_spher,
        alpha=alpha,
        location=location,
        null=null,
        top_fraction=float(eigs[0] / total) if total > 0 else None,
    )
    q = [0.5, 0.95, 0.99]
    return {
        "kind": "embeddings-diagnostic",
        "version": 1,
        "input": {"n": n, "k": k},
        "config": {
            "directions": directions,
            "seed": seed,
            "null_reps": null_reps,
            "alpha": alpha,
            "grid": OFFICIAL.name,
            "dtype": "float64",
        },
        "verdict": verdict,
        "reasons": reasons,
        "rule": RULE,
        "p_value": p_sigreg,
        "sigreg": {
            "value": value,
            "p_value": p_sigreg,
            "null_mean": float(null["sigreg"].mean()),
            "null_quantiles": dict(zip(map(str, q), map(float, np.quantile(null["sigreg"], q)), strict=True)),
            "method": f"Monte Carlo: {null_reps} N(0, I_K) batches of the same N, K through the same statistic "
            f"with the same {directions} directions; p = (1 + #null >= value) / (reps + 1)",
        },
        "sphericity": {
            "statistic": None if math.isnan(spher) else spher,
            "p_value": p_spher,
            "null_q95": float(np.quantile(null["sphericity"], 0.95)),
            "method": "John's U = K tr(S^2) / tr(S)^2 - 1, Monte Carlo p as for SIGReg",
        },
        "spectrum": {
            "effective_rank": eff_rank,
            "effective_rank_fraction": eff_rank / k,
            "null_effective_rank_median": null_rank,
            "top_eigenvalue_fraction": float(eigs[0] / total) if total > 0 else None,
            "condition_number": float(eigs[0] / eigs[-1]) if eigs[-1] > 1e-12 * eigs[0] > 0 else None,
            "numerical_rank": int(positive.size),
            "trace": total,
            "top_eigenvalues": [float(v) for v in eigs[:10]],
        },
        "coordinates": {
            "mean_norm": location,
            "mean_abs_max": float(means.abs().max()),
            "variance_mean": scale,
            "variance_min": float(variances.min()),
            "variance_max": float(variances.max()),
        },
        **run_record(),
    }


def _verdict(*, eff_rank, null_rank, scale, p_sigreg, p_spher, alpha, location, null, top_fraction):
    reasons = []
    if eff_rank < COLLAPSE_RANK_FRACTION * null_rank or scale < COLLAPSE_VARIANCE:
        if eff_rank < COLLAPSE_RANK_FRACTION * null_rank:
            reasons.append(
                f"effective rank {eff_rank:.3g} < {COLLAPSE_RANK_FRACTION} x {null_rank:.3g} (its median "
                "under N(0, I) at this N, K): dimensional collapse"
            )
        if scale < COLLAPSE_VARIANCE:
            reasons.append(f"mean coordinate variance {scale:.3g} < {COLLAPSE_VARIANCE}: the cloud shrank to a point")
        return "collapsed", reasons
    if p_spher is not None and p_spher <= alpha / 2:
        top = f"; the top eigenvalue carries {top_fraction:.1%} of the variance" if top_fraction is not None else ""
        reasons.append(f"sphericity p = {p_spher:.3g} <= alpha/2 = {alpha / 2:g}{top}; SIGReg p = {p_sigreg:.3g}")
        return "anisotropic", reasons
    if p_sigreg <= alpha / 2:
        reasons.append(f"SIGReg p = {p_sigreg:.3g} <= alpha/2 = {alpha / 2:g} with a spherical covariance")
        if location > null["location"].max():
            reasons.append(
                f"location: |mean| = {location:.3g} exceeds every N(0, I) batch (max {null['location'].max():.3g})"
            )
        if not null["scale"].min() <= scale <= null["scale"].max():
            reasons.append(
                f"scale: mean coordinate variance {scale:.3g} outside the N(0, I) range "
                f"[{null['scale'].min():.3g}, {null['scale'].max():.3g}]"
            )
        if len(reasons) == 1:
            reasons.append(
                "shape: location and scale are within their N(0, I) range, so the projections' shape differs"
            )
        return "non-Gaussian", reasons
    spher = "not applicable" if p_spher is None else f"{p_spher:.3g}"
    return "consistent with N(0, I)", [f"SIGReg p = {p_sigreg:.3g} > alpha/2; sphericity p = {spher}"]


# -- Command line -- #


def register(subparsers) -> None:
    parser = subparsers.add_parser("diagnose", help="is an (N, K) embeddings file an isotropic Gaussian?")
    parser.add_argument("embeddings", type=Path, help="(N, K) array: .npy (no pickles) or .pt (one tensor)")
    parser.add_argument("--directions", type=int, default=DIRECTIONS, help="slice directions M")
    parser.add_argument("--seed", type=int, default=0, help="seed of the directions and of the Monte Carlo null")
    parser.add_argument("--null-reps", type=int, default=NULL_REPS, help="Monte Carlo N(0, I) batches")
    parser.add_argument("--alpha", type=float, default=ALPHA, help="level of the verdict (split over two tests)")
    parser.add_argument("--out", type=Path, default=None, help="also write the JSON here (atomically)")
    parser.set_defaults(run=main)


def main(args: argparse.Namespace) -> None:
    torch.set_num_threads(1)
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
    print(json.dumps(result, indent=2))
