"""The standardized power basis the penalties act on, ridge by SVD, and the conversion of
a standardized-basis model back to powers of t."""

from __future__ import annotations

import numpy as np


def _standardized_powers(x: np.ndarray, degree: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns x, x², ..., x^d, each centred and scaled (population std, like
    ``StandardScaler``); a constant column keeps scale 1 (so it becomes ~0, as in sklearn)."""
    powers = x[:, None] ** np.arange(1, degree + 1)
    mean = powers.mean(axis=0)
    std = powers.std(axis=0)
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
    std = np.where(std < tiny, 1.0, std)
    return (powers - mean) / std, mean, std


def _ridge(z: np.ndarray, yc: np.ndarray, l2: float) -> np.ndarray:
    """argmin ‖yc − zβ‖² + l2·‖β‖² via the SVD of z: β = V·diag(s/(s²+l2))·Uᵀ·yc. The SVD never
    forms zᵀz, so it keeps the digits the normal equations would lose."""
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    d = s / (s * s + l2)
    # yc (N,) or (N, K): K data sets share the factorization
    return vt.T @ (d.reshape(-1, *[1] * (yc.ndim - 1)) * (u.T @ yc))


def _standardized_to_t(beta: np.ndarray, b0: float, mean: np.ndarray, std: np.ndarray,
                       center: float, scale: float) -> np.ndarray:
    """b0 + Σ_k β_k·(x^k − mean_k)/std_k rewritten in powers of t, where x = center + scale·t.

    Each x^k = (center + scale·t)^k is expanded binomially; with t ∈ [−1, 1] those terms are
    bounded by max|x|^k, so the conversion loses no more than evaluating the basis would."""
    d = beta.shape[0]
    out = np.zeros((d + 1, *beta.shape[1:]))  # beta (d,) or (d, K): K models at once
    out[0] = b0
    power = np.array([1.0])  # (center + scale·t)^k, lowest first
    for k in range(1, d + 1):
        nxt = np.zeros(k + 1)
        nxt[:-1] += center * power
        nxt[1:] += scale * power
        power = nxt
        w = beta[k - 1] / std[k - 1]
        out[: k + 1] += np.multiply.outer(power, w)
        out[0] -= w * mean[k - 1]
    return out
