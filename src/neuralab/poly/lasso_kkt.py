"""Building blocks of the lasso solvers: a coordinate sweep, the stationarity solve on an
active set, and the KKT check."""

from __future__ import annotations

import math

import numpy as np


def _sweep(h: np.ndarray, c: np.ndarray, thr: float, beta: np.ndarray) -> float:
    """One cyclic pass of exact coordinate minimization of ½βᵀHβ − cᵀβ + thr·‖β‖₁, in place
    (β_j = soft-threshold(c_j − Σ_{k≠j} H_jk·β_k, thr) / H_jj); returns the largest change
    times H_jj (a change of the gradient, comparable with c)."""
    biggest = 0.0
    for j in range(beta.size):
        if h[j, j] == 0:  # an all-zero column (constant x^k) and no l2: β_j stays 0
            continue
        rho = c[j] - h[j] @ beta + h[j, j] * beta[j]
        new = math.copysign(max(abs(rho) - thr, 0.0), rho) / h[j, j]
        biggest = max(biggest, abs(new - beta[j]) * h[j, j])
        beta[j] = new
    return biggest


def _solve_on_support(h: np.ndarray, c: np.ndarray, thr: float,
                      signs: np.ndarray) -> np.ndarray | None:
    """β with H_AA·β_A = c_A − thr·s_A on A = {s ≠ 0}, zero elsewhere (None if singular)."""
    active = np.flatnonzero(signs)
    out = np.zeros(c.size)
    if active.size:
        try:
            with np.errstate(all="ignore"):
                out[active] = np.linalg.solve(h[np.ix_(active, active)],
                                              c[active] - thr * signs[active])
        except np.linalg.LinAlgError:
            return None
    return out if np.all(np.isfinite(out)) else None


def _kkt(h: np.ndarray, c: np.ndarray, thr: float, beta: np.ndarray) -> bool:
    """The lasso optimality conditions, to rounding: g = c − Hβ equals thr·sign(β_j) where
    β_j ≠ 0 and |g_j| <= thr where β_j = 0."""
    g = c - h @ beta
    size = max(float(np.abs(c).max()), thr,
               float(np.abs(h).max()) * float(np.abs(beta).max(initial=0.0)))
    slack = 16 * beta.size * np.finfo(np.float64).eps * max(size, np.finfo(np.float64).tiny)
    on = beta != 0
    return bool(np.all(np.abs(g[on] - thr * np.sign(beta[on])) <= slack)
                and np.all(np.abs(g[~on]) <= thr + slack))
