"""The entry point :func:`fit`: validate, pick the solver, wrap the result; and the rules a
fit's arguments follow (:func:`check_degree`, :func:`check_points`, :func:`check_enough_points`),
in :mod:`neuralab.checks`' words."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..checks import check_array, check_int, check_number
from .algebra import _affine, _compose_affine, _lstsq_chebyshev
from .lasso import _coordinate_descent
from .polyfit import PolyFit
from .standardized import _ridge, _standardized_powers, _standardized_to_t

MAX_DEGREE = 20


def check_degree(degree: Any) -> int:
    """``degree`` as an int in 0..:data:`MAX_DEGREE`."""
    return check_int("degree", degree, 0, MAX_DEGREE)


def check_points(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` as float64 arrays: 1-D, finite, the same length, not empty."""
    xa = check_array("x", x, 1, dtype=np.float64, finite=True)
    ya = check_array("y", y, 1, dtype=np.float64, finite=True)
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size == 0:
        raise ValueError("x and y are empty; allowed: at least 1 point")
    return xa, ya


def check_enough_points(x: np.ndarray, degree: int, regularized: bool) -> None:
    """Without a penalty a degree-d fit needs d+1 points at d+1 distinct x (else it is not
    unique); a penalty makes any system solvable, so then nothing is required."""
    if regularized:
        return
    n = x.size
    if n < degree + 1:
        raise ValueError(f"degree={degree} needs at least {degree + 1} points without "
                         f"regularization, got {n}; allowed: degree <= {n - 1} "
                         "(or set l2 > 0)")
    unique = np.unique(x).size
    if unique < degree + 1:
        raise ValueError(f"degree={degree} needs at least {degree + 1} distinct x values "
                         f"without regularization, got {unique} (x has duplicates); allowed: "
                         f"degree <= {unique - 1} (or set l2 > 0)")


def fits_on(x: np.ndarray, degree: int, regularized: bool) -> bool:
    """Whether :func:`check_enough_points` passes."""
    try:
        check_enough_points(x, degree, regularized)
    except ValueError:
        return False
    return True


def fit(x: Any, y: Any, degree: int, l2: float = 0.0, l1: float = 0.0, *,
        tol: float = 1e-12, max_sweeps: int = 10_000) -> PolyFit:
    """Fit a polynomial of ``degree`` to the points (x, y).

    Parameters
    ----------
    x, y : array_like
        1-D, same length, finite.
    degree : int
        0..20. Without regularization the fit needs at least ``degree + 1`` points at distinct
        x values.
    l2 : float
        Ridge strength λ2 >= 0: minimizes ``Σ(y − ŷ)² + λ2·Σβ²`` over the standardized power
        basis (scikit-learn ``Ridge(alpha=λ2)``), intercept not penalized.
    l1 : float
        Lasso strength λ1 >= 0: minimizes ``(1/2n)·Σ(y − ŷ)² + λ1·Σ|β|`` (scikit-learn
        ``Lasso(alpha=λ1)``), by coordinate descent. With both, the elastic net
        ``(1/2n)·Σ(y − ŷ)² + λ1·Σ|β| + (λ2/2n)·Σβ²`` (see the module docstring).
    tol, max_sweeps : float, int
        Coordinate-descent stopping rule (l1 > 0 only): stop when no coefficient moves by more
        than ``tol`` relative; a :class:`RuntimeWarning` after ``max_sweeps`` sweeps.

    Returns
    -------
    PolyFit

    Raises
    ------
    ValueError
        Bad degree, negative λ, NaN/inf, mismatched lengths, or too few (distinct) points for
        an unregularized fit — the message names the parameter, its value and what is allowed.

    Notes
    -----
    Unregularized: least squares in the Chebyshev basis of t = (x − center)/scale (see the
    module docstring), converted exactly to powers of t and of x; the result equals
    ``numpy.polyfit(x, y, degree)[::-1]`` wherever numpy's problem is well conditioned, and
    stays accurate where numpy warns ``RankWarning``.
    """
    degree = check_degree(degree)
    l2 = check_number("l2", l2, 0.0)
    l1 = check_number("l1", l1, 0.0)
    xa, ya = check_points(x, y)
    regularized = l1 > 0 or l2 > 0
    check_enough_points(xa, degree, regularized)
    center, scale, tcoef, beta = _t_coefficients(xa, ya, degree, l2, l1, tol=tol,
                                                 max_sweeps=max_sweeps)
    coef = _compose_affine(tcoef, -center / scale, 1.0 / scale)
    if l1 > 0 and degree > 0:
        # a_k = β_k/std_k exactly (k ≥ 1): a power the lasso dropped has a_k = 0, not the
        # rounding residue (~1e-19) of the round trip through powers of t
        coef[1:][beta == 0] = 0.0
    return PolyFit(degree, coef, center, scale, tcoef, l2, l1, xa.copy(), ya.copy())


def _t_coefficients(x: np.ndarray, y: np.ndarray, degree: int, l2: float, l1: float, *,
                    tol: float, max_sweeps: int
                    ) -> tuple[float, float, np.ndarray, np.ndarray | None]:
    """The solver behind :func:`fit`, for one data set ``y`` (N,) or K data sets at the same x
    ``y`` (N, K) (what :mod:`.decompose` resamples): (center, scale, the coefficients in powers
    of t (d+1,) or (d+1, K), the standardized-basis β (d,) or (d, K), or None when there is
    none). Unregularized and ridge fits solve all K at once (one factorization of the shared
    design); the lasso's coordinate descent runs per data set. Arguments already checked."""
    center, scale = _affine(x)
    beta = None
    if degree == 0:
        # every objective has the same minimizer: the mean (nothing to penalize)
        tcoef = y.mean(axis=0)[None]
    elif not (l1 > 0 or l2 > 0):
        tcoef = _lstsq_chebyshev((x - center) / scale, y, degree)
    else:
        z, mean, std = _standardized_powers(x, degree)
        zmean = z.mean(axis=0)  # ~1e-17, but removing it makes the intercept exact
        zc = z - zmean
        ymean = y.mean(axis=0)
        if l1 == 0:
            beta = _ridge(zc, y - ymean, l2)
        else:
            cols = (y - ymean).reshape(y.shape[0], -1).T
            beta = np.stack([_coordinate_descent(zc, c, l1, l2, tol=tol, max_sweeps=max_sweeps)
                             for c in cols], axis=-1).reshape(degree, *y.shape[1:])
        tcoef = _standardized_to_t(beta, ymean - zmean @ beta, mean, std, center, scale)
    return center, scale, tcoef, beta
