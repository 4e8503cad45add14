"""Exact lasso finishers: the feature-sign search and the lasso homotopy (LARS path)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .lasso_kkt import _kkt, _solve_on_support, _sweep


def _feature_sign_search(h: np.ndarray, c: np.ndarray, thr: float, start: np.ndarray,
                         objective: Callable[[np.ndarray], float], max_steps: int = 100
                         ) -> np.ndarray | None:
    """The feature-sign search (Lee, Battle, Raina & Ng, 2007) for argmin ½βᵀHβ − cᵀβ +
    thr·‖β‖₁ from ``start`` (not modified): activate the zero coordinate whose gradient most
    exceeds thr, solve the stationarity equations for the active set and signs, and move to
    the best point of the segment there — its end or a point where a coordinate crosses zero
    (a coordinate sweep instead when rounding makes that no better). Every step lowers the
    objective; the answer is the first point satisfying the KKT conditions, or None when the
    steps run out."""
    beta = start.copy()
    now = objective(beta)
    for _ in range(max_steps):
        if _kkt(h, c, thr, beta):
            return beta
        grad = h @ beta - c
        on = beta != 0
        violation = np.where(on, -np.inf, np.abs(grad) - thr)
        signs = np.sign(beta)
        if violation.max() > 0:
            i = int(np.argmax(violation))
            signs[i] = -np.sign(grad[i])
        target = _solve_on_support(h, c, thr, signs)
        best, best_value = beta, now
        if target is not None:
            # f is piecewise quadratic along beta -> target, with kinks where a coordinate
            # crosses zero: the best point on the segment is the end or a kink
            step = target - beta
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = -beta / step
            for t in [*np.unique(cross[(cross > 0) & (cross < 1)]), 1.0]:
                point = target if t == 1.0 else beta + t * step
                if t < 1.0:
                    point[cross == t] = 0.0  # exactly zero where it crossed
                value = objective(point)
                if value < best_value:
                    best, best_value = point, value
        if best_value < now:
            beta, now = best, best_value
        else:
            _sweep(h, c, thr, beta)
            now = objective(beta)
    return None


def _lasso_path(h: np.ndarray, c: np.ndarray, thr: float) -> np.ndarray | None:
    """argmin ½βᵀHβ − cᵀβ + thr·‖β‖₁ by the homotopy: follow the piecewise-linear solution
    path from λ = max|c| (where β = 0) down to λ = thr, adding a coordinate when its
    correlation c_j − H_j·β reaches ±λ and dropping one when it crosses zero (Efron et al.,
    2004, "LARS with the lasso modification"). None if an active set turns singular."""
    d = c.size
    beta = np.zeros(d)
    lam = float(np.abs(c).max())
    if lam <= thr:
        return beta
    signs = np.zeros(d)
    j0 = int(np.argmax(np.abs(c)))
    signs[j0] = np.sign(c[j0])
    dropped = -1
    for _ in range(50 * d):
        active = np.flatnonzero(signs)
        try:
            direction = np.linalg.solve(h[np.ix_(active, active)], signs[active])
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(direction)):
            return None
        # as λ falls by γ, β_A grows by γ·direction and every correlation g falls by γ·a
        a = h[:, active] @ direction
        g = c - h @ beta
        gamma, event, join_sign = lam - thr, -1, 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            for j in np.flatnonzero(signs == 0):
                if j == dropped:
                    continue
                for sign in (1.0, -1.0):  # g_j − γ·a_j = sign·(λ − γ)
                    step = (lam - sign * g[j]) / (1.0 - sign * a[j])
                    if 1e-15 * lam < step < gamma:
                        gamma, event, join_sign = float(step), int(j), sign
            hits = -beta[active] / direction
            for j, step in zip(active, hits, strict=True):
                if 1e-15 * lam < step < gamma:
                    gamma, event, join_sign = float(step), int(j), 0.0
        beta[active] += gamma * direction
        lam -= gamma
        if event < 0:
            return beta
        if join_sign:
            signs[event], dropped = join_sign, -1
        else:
            signs[event], beta[event], dropped = 0.0, 0.0, event
    return None
