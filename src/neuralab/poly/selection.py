"""Results of degree selection and validation curves."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
