"""Ridge probes on isotropic vs anisotropic Gaussian embeddings with equal trace (C6, C34)."""

from __future__ import annotations

import numpy as np


def spectrum(k: int, condition: float) -> np.ndarray:
    """Log-spaced covariance eigenvalues with the given condition number, scaled to trace K (mean 1)."""
    eigs = np.geomspace(1.0, condition, k)
    return eigs * k / eigs.sum()


def tasks(rng: np.random.Generator, k: int, count: int, alignment: str, eigs: np.ndarray) -> np.ndarray:
    """Unit task vectors β as columns (K, count): 'uniform' on the sphere, 'top' = the largest-variance axis,
    'axes' = a random coordinate axis (an eigenvector of the diagonal covariance)."""
    if alignment == "uniform":
        b = rng.standard_normal((k, count))
        return b / np.linalg.norm(b, axis=0)
    if alignment == "top":
        b = np.zeros((k, count))
        b[int(np.argmax(eigs))] = 1.0
        return b
    if alignment == "axes":
        b = np.zeros((k, count))
        b[rng.integers(0, k, count), np.arange(count)] = 1.0
        return b
    raise ValueError(f"alignment must be 'uniform', 'top' or 'axes', got {alignment!r}")


def sample_shrinkage(x: np.ndarray, ridge: float) -> np.ndarray:
    """S = (XᵀX/N + λI)⁻¹ XᵀX/N: E[β̂ | X] = S β for ridge with penalty Nλ‖β‖² (noise averages out)."""
    n, k = x.shape
    gram = x.T @ x / n
    return np.linalg.solve(gram + ridge * np.eye(k), gram)


def population_shrinkage(eigs: np.ndarray, ridge: float) -> np.ndarray:
    """(Σ + λI)⁻¹Σ for Σ = diag(eigs): the N → ∞ limit of `sample_shrinkage`."""
    return np.diag(eigs / (eigs + ridge))
