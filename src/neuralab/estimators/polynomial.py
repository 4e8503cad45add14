"""Polynomial regression on one feature as a scikit-learn estimator:
:class:`PolynomialRegression`, around :func:`neuralab.poly.fit`."""

from __future__ import annotations

import numbers
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import Tags
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import poly
from ._base import _plain


class PolynomialRegression(RegressorMixin, BaseEstimator):
    """Polynomial regression on ONE feature, ``y ≈ a0 + a1·x + ... + ad·x^d``
    (:func:`neuralab.poly.fit`: the lecture's runners example, computed stably).

    Parameters
    ----------
    degree : int, default=2
        0..20. Without regularization, needs at least ``degree + 1`` distinct x values.
    l2 : float, default=0.0
        Ridge strength: minimizes ``Σ(y − ŷ)² + l2·Σβ²`` over the standardized powers
        (scikit-learn's ``Ridge(alpha=l2)`` on ``PolynomialFeatures`` + ``StandardScaler``).
    l1 : float, default=0.0
        Lasso strength: ``(1/2n)·Σ(y − ŷ)² + l1·Σ|β|``; both: the elastic net of
        :func:`neuralab.poly.fit`.

    Attributes
    ----------
    poly_ : neuralab.poly.PolyFit
        The fit: ``equation()``, ``to_code(lang)``, ``stats()``, ``table(...)``.
    coef_ : ndarray of shape (degree,)
        a1..ad, in powers of the original x (PolySolve's coefficients).
    intercept_ : float
        a0.
    n_features_in_ : int
        Always 1.
    feature_names_in_ : ndarray of shape (1,)
        Only when X was a DataFrame with a string column name.

    Notes
    -----
    X is 2-D with ONE column, ``x[:, None]`` or ``X[:, [j]]``, as scikit-learn estimators take
    it (a 1-D X is refused like everywhere in scikit-learn; :func:`neuralab.poly.fit` takes
    1-D arrays). More columns are a ``ValueError``. Predictions evaluate the polynomial in the
    centred variable ``t = (x − center)/scale`` (stable at every degree), not from ``coef_``.
    """

    def __init__(self, degree: int = 2, l2: float = 0.0, l1: float = 0.0) -> None:
        self.degree = degree
        self.l2 = l2
        self.l1 = l1

    def fit(self, X: Any, y: Any) -> Self:
        """Fit the polynomial to (X[:, 0], y).

        Parameters
        ----------
        X : array-like of shape (n_samples, 1)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=True)
        degree, l2, l1 = _plain(self.degree), _plain(self.l2), _plain(self.l1)
        n = X.shape[0]
        valid = (isinstance(degree, int) and not isinstance(degree, bool)
                 and 0 <= degree <= poly.MAX_DEGREE)
        unregularized = all(isinstance(v, numbers.Real) and v == 0 for v in (l2, l1))
        if valid and unregularized and n < degree + 1:
            # poly.fit says the same about "points"; say it in scikit-learn's words
            # ("n_samples=1"), which scikit-learn's check_fit2d_1sample looks for, and before
            # the one-feature check, since that check fits 1 sample of 10 features
            raise ValueError(f"degree={degree} needs at least {degree + 1} samples without "
                             f"regularization, got n_samples={n}; lower the degree or set "
                             "l2 > 0")
        if X.shape[1] != 1:
            raise ValueError(f"PolynomialRegression fits ONE feature, but X has {X.shape[1]} "
                             "features; select one column first (e.g. X[:, [j]])")
        self.poly_ = poly.fit(X[:, 0], y, degree, l2, l1)  # validates degree, l2 and l1
        self.coef_ = self.poly_.coefficients[1:].copy()
        self.intercept_ = float(self.poly_.coefficients[0])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """ŷ at X[:, 0], float64 of shape (n_samples,)."""
        check_is_fitted(self, "poly_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return np.asarray(self.poly_.predict(X[:, 0]), dtype=np.float64).reshape(-1)

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        # 2-D input (the default two_d_array=True, one_d_array=False). scikit-learn tags its
        # own univariate IsotonicRegression one_d_array=True, two_d_array=False instead, and
        # then runs NONE of its estimator checks on it; with these tags the checks run, and
        # only those that fit on several columns fail (listed in tests/test_estimators.py).
        tags.input_tags.two_d_array = True
        tags.input_tags.one_d_array = False
        tags.input_tags.sparse = False  # dense only
        tags.input_tags.allow_nan = False  # poly.fit rejects NaN/inf, naming the index
        tags.target_tags.multi_output = False  # one target: poly.fit takes a 1-D y
        tags.target_tags.single_output = True
        tags.regressor_tags.poor_score = False  # an exact least-squares fit: no excuse
        return tags
