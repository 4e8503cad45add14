"""Lasso / elastic net: cyclic coordinate descent, finished exactly."""

from __future__ import annotations

import warnings

import numpy as np

from .lasso_exact import _feature_sign_search, _lasso_path
from .lasso_kkt import _kkt, _solve_on_support, _sweep


def _coordinate_descent(z: np.ndarray, yc: np.ndarray, l1: float, l2: float, *,
                        tol: float, max_sweeps: int) -> np.ndarray:
    """Minimize ½‖yc − zβ‖² + n·l1·‖β‖₁ + ½·l2·‖β‖² (n times the elastic-net objective).

    Cyclic coordinate descent on the Gram matrix (d ≤ 20 columns, so H = zᵀz + l2·I is tiny
    and a sweep costs O(d²) whatever n is). The columns of a polynomial basis are highly
    correlated, so plain descent creeps towards the answer (scikit-learn's ``Lasso`` too).
    After 10, 100, 1000 ... sweeps we therefore try to finish exactly: by solving the
    stationarity equations on the descent's active set and signs, by the lasso homotopy (LARS
    with the lasso modification, once) and by the feature-sign search from the best point so
    far. An answer is accepted only when it satisfies the KKT conditions to rounding and does
    not raise the objective, so the result is the minimizer to rounding — far tighter than a
    tolerance on the descent. (Only for a tiny l1 at a high degree, where even these stall on
    the near-singular basis, does the descent run to ``max_sweeps`` and warn.)
    """
    n, d = z.shape
    h = z.T @ z + l2 * np.eye(d)
    corr = z.T @ yc
    thr = n * l1
    beta = np.zeros(d)
    scale = max(float(np.abs(corr).max()), np.finfo(np.float64).tiny)

    def objective(b: np.ndarray) -> float:
        # from the residual, not ½βᵀHβ − cᵀβ, which cancels catastrophically here
        r = yc - z @ b
        return float(0.5 * (r @ r) + 0.5 * l2 * (b @ b) + thr * np.abs(b).sum())

    check, tried_path = 10, False
    for sweep in range(1, max_sweeps + 1):
        converged = _sweep(h, corr, thr, beta) <= tol * scale
        if converged or sweep == check:
            check *= 10
            now = objective(beta)
            candidates = [_solve_on_support(h, corr, thr, np.sign(beta))]
            if not tried_path:
                tried_path = True
                candidates.append(_lasso_path(h, corr, thr))
            # the feature-sign search only ever lowers the objective: start it from the best
            # point so far
            start = min((c for c in [beta, *candidates] if c is not None), key=objective)
            candidates.append(_feature_sign_search(h, corr, thr, start, objective))
            for cand in candidates:
                if cand is not None and _kkt(h, corr, thr, cand) \
                        and objective(cand) <= now + 1e-12 * max(abs(now), 1.0):
                    return cand
            if converged:
                return beta
    warnings.warn(f"coordinate descent did not converge in {max_sweeps} sweeps "
                  f"(l1={l1}, l2={l2}); the result may be inaccurate", RuntimeWarning,
                  stacklevel=3)
    return beta
