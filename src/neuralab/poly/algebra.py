"""Polynomial algebra in the centred variable t: Horner, affine composition, and the
unregularized least squares in the Chebyshev basis."""

from __future__ import annotations

from typing import Any

import numpy as np


def _horner(coef: np.ndarray, t: np.ndarray | float) -> Any:
    """Σ coef[j]·t^j, highest power first — the exact operation order of the generated code."""
    y = coef[-1] + 0.0 * np.asarray(t, dtype=np.float64)  # broadcast scalars to t's shape
    for c in coef[-2::-1]:
        y = y * t + c
    return y


def _compose_affine(coef: np.ndarray, a: float, b: float) -> np.ndarray:
    """Coefficients (lowest first) of p(a + b·u) in powers of u, given p's coefficients."""
    out = np.array([coef[-1]], dtype=np.float64)
    for c in coef[-2::-1]:
        # out·(a + b·u) + c, as polynomials in u
        nxt = np.zeros(out.size + 1)
        nxt[:-1] += a * out
        nxt[1:] += b * out
        nxt[0] += c
        out = nxt
    return out


def _affine(x: np.ndarray) -> tuple[float, float]:
    """center and scale mapping the data's x range onto [−1, 1] (scale 1 for a single x)."""
    lo, hi = float(x.min()), float(x.max())
    center = lo + (hi - lo) / 2  # not (lo+hi)/2: that can overflow for huge |x|
    scale = (hi - lo) / 2
    return center, scale if scale > 0 else 1.0


def _lstsq_chebyshev(t: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least squares in the Chebyshev basis of t ∈ [−1, 1]; returns power-of-t coefficients,
    (d+1,) for y (N,), (d+1, K) for y (N, K)."""
    basis = np.polynomial.chebyshev.chebvander(t, degree)
    norms = np.linalg.norm(basis, axis=0)
    norms[norms == 0] = 1.0
    if y.ndim == 1:
        cheb, *_ = np.linalg.lstsq(basis / norms, y, rcond=None)
        return np.polynomial.chebyshev.cheb2poly(cheb / norms)
    # y (N, K): K data sets at the same x. lstsq's own SVD solve (the same cut-off of small
    # singular values), factorized once: LAPACK's gelsd is slow with many right-hand sides
    u, s, vt = np.linalg.svd(basis / norms, full_matrices=False)
    keep = s > np.finfo(np.float64).eps * max(basis.shape) * s[0]
    inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    cheb = vt.T @ (inv[:, None] * (u.T @ y))
    # cheb2poly is 1-D only, and linear: its matrix (column j: T_j in powers of t) converts
    # all K at once
    convert = np.zeros((degree + 1, degree + 1))
    for j, e in enumerate(np.eye(degree + 1)):
        power = np.polynomial.chebyshev.cheb2poly(e)  # trimmed: T_j has degree j
        convert[: power.size, j] = power
    return convert @ (cheb / norms[:, None])
