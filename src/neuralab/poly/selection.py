"""Choosing the degree (:func:`select_degree`) and λ (:func:`validation_curve`) by
cross-validation, and their results (:class:`DegreeSelection`, :class:`ValidationCurve`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from ..checks import check_choice, check_number
from .fitting import MAX_DEGREE, check_degree, check_points
from .folds import CV, _cv_errors, cv_folds


@dataclass(frozen=True)
class DegreeSelection:
    """Result of :func:`select_degree`.

    Attributes
    ----------
    degrees : numpy.ndarray
        The degrees tried.
    train_error : numpy.ndarray
        Mean squared error of the fit to *all* points (NaN where that fit is impossible).
    val_error : numpy.ndarray
        Cross-validated mean squared error: the mean over folds of the held-out MSE (what
        scikit-learn's ``cross_val_score(..., scoring="neg_mean_squared_error")`` averages);
        NaN where a training fold cannot support the degree.
    best_degree : int
        The degree with the smallest validation error (the lowest such degree on ties).
    cv : str
        How the folds were made, e.g. ``"leave-one-out"`` or ``"5-fold (shuffled, seed 0)"``.
    l2, l1 : float
        The penalties used for every fit.
    """

    degrees: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_degree: int
    cv: str
    l2: float = 0.0
    l1: float = 0.0


@dataclass(frozen=True)
class ValidationCurve:
    """Result of :func:`validation_curve`: errors against λ for one degree.

    Attributes
    ----------
    penalty : str
        ``"l2"`` or ``"l1"``: which λ was varied.
    lams : numpy.ndarray
        The λ values tried.
    train_error, val_error : numpy.ndarray
        As in :class:`DegreeSelection`.
    best_lam : float
        λ with the smallest validation error (the largest such λ on ties: the simpler model).
    degree : int
    cv : str
    """

    penalty: str
    lams: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_lam: float
    degree: int
    cv: str


def select_degree(x: Any, y: Any, degrees: Iterable[int] = range(MAX_DEGREE + 1), *,
                  cv: CV = None, l2: float = 0.0, l1: float = 0.0,
                  seed: int | None = 0) -> DegreeSelection:
    """Train and cross-validated error for each degree, and the degree that generalizes best.

    Parameters
    ----------
    x, y : array_like
        The data.
    degrees : iterable of int
        Degrees to try, each 0..20.
    cv : "loo", int or None
        ``"loo"``: leave-one-out (n folds of one point — for tiny data sets like the runners);
        an int k: k-fold (2 <= k <= n). None: leave-one-out for n <= 20, else 5-fold.
    l2, l1 : float
        Penalties applied to every fit (see :func:`fit`).
    seed : int or None
        k-fold shuffles the points with this seed before cutting contiguous folds (sorted data
        would otherwise make each fold an extrapolation); None keeps the given order, like
        scikit-learn's ``KFold()``.

    Returns
    -------
    DegreeSelection
    """
    xa, ya = check_points(x, y)
    degs = [check_degree(d) for d in degrees]
    if not degs:
        raise ValueError(f"degrees is empty; allowed: one or more integers in [0, {MAX_DEGREE}]")
    l2, l1 = check_number("l2", l2, 0.0), check_number("l1", l1, 0.0)
    folds, label = cv_folds(xa.size, cv, seed)
    errs = np.array([_cv_errors(xa, ya, folds, d, l2, l1) for d in degs])
    val = errs[:, 1]
    if np.all(np.isnan(val)):
        raise ValueError(f"degrees={degs} cannot be cross-validated on {xa.size} points "
                         f"({label}); allowed: lower degrees or l2 > 0")
    best = degs[int(np.nanargmin(val))]
    return DegreeSelection(np.array(degs), errs[:, 0], val, best, label, l2, l1)


def validation_curve(x: Any, y: Any, degree: int, lams: Sequence[float], *,
                     penalty: Literal["l2", "l1"] = "l2", cv: CV = None, l2: float = 0.0,
                     l1: float = 0.0, seed: int | None = 0) -> ValidationCurve:
    """Train and cross-validated error of a degree-``degree`` fit for each λ in ``lams``.

    Parameters
    ----------
    degree : int
        0..20.
    lams : sequence of float
        Values for the ``penalty`` strength, each >= 0.
    penalty : "l2" or "l1"
        Which strength ``lams`` sets; the other one stays at its argument ``l2`` / ``l1``
        (giving the varied one as an argument too is an error).
    cv, seed :
        As in :func:`select_degree`.

    Returns
    -------
    ValidationCurve
    """
    check_choice("penalty", penalty, ("l2", "l1"))
    fixed = {"l2": check_number("l2", l2, 0.0), "l1": check_number("l1", l1, 0.0)}
    if fixed[penalty]:
        raise ValueError(f"{penalty}={fixed[penalty]!r} conflicts with penalty={penalty!r}: "
                         "the λ values come from lams")
    degree = check_degree(degree)
    xa, ya = check_points(x, y)
    values = [check_number(f"lams[{i}]", v, 0.0) for i, v in enumerate(lams)]
    if not values:
        raise ValueError("lams is empty; allowed: one or more λ in [0, inf)")
    folds, label = cv_folds(xa.size, cv, seed)
    errs = np.array([_cv_errors(xa, ya, folds, degree, **{**fixed, penalty: lam})
                     for lam in values])
    val = errs[:, 1]
    if np.all(np.isnan(val)):
        raise ValueError(f"degree={degree} cannot be cross-validated on {xa.size} points "
                         f"({label}) with lams={values}; allowed: λ > 0 or a lower degree")
    best_val = np.nanmin(val)
    ties = [v for v, e in zip(values, val, strict=True) if e == best_val]
    return ValidationCurve(penalty, np.array(values), errs[:, 0], val, max(ties), degree, label)
