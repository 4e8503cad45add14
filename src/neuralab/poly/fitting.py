"""The entry point :func:`fit`: validate, pick the solver, wrap the result."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._checks import _check_degree, _check_enough_points, _check_lam, _check_xy
from .algebra import _affine, _compose_affine, _lstsq_chebyshev
from .lasso import _coordinate_descent
from .polyfit import PolyFit
from .standardized import _ridge, _standardized_powers, _standardized_to_t


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
    degree = _check_degree(degree)
    l2 = _check_lam("l2", l2)
    l1 = _check_lam("l1", l1)
    xa, ya = _check_xy(x, y)
    regularized = l1 > 0 or l2 > 0
    _check_enough_points(xa, degree, regularized)
    center, scale = _affine(xa)
    if degree == 0:
        # every objective above has the same minimizer: the mean (nothing to penalize)
        tcoef = np.array([ya.mean()])
    elif not regularized:
        tcoef = _lstsq_chebyshev((xa - center) / scale, ya, degree)
    else:
        z, mean, std = _standardized_powers(xa, degree)
        zmean = z.mean(axis=0)  # ~1e-17, but removing it makes the intercept exact
        zc = z - zmean
        ymean = ya.mean()
        if l1 == 0:
            beta = _ridge(zc, ya - ymean, l2)
        else:
            beta = _coordinate_descent(zc, ya - ymean, l1, l2, tol=tol, max_sweeps=max_sweeps)
        tcoef = _standardized_to_t(beta, ymean - zmean @ beta, mean, std, center, scale)
    coef = _compose_affine(tcoef, -center / scale, 1.0 / scale)
    return PolyFit(degree, coef, center, scale, tcoef, l2, l1, xa.copy(), ya.copy())
