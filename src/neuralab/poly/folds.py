"""Cross-validation folds and the train / held-out errors of one setting."""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from ..checks import check_int
from .fitting import fit, fits_on

CV = int | Literal["loo"] | None


def cv_folds(n: int, cv: CV = None, seed: int | None = 0) -> tuple[list[np.ndarray], str]:
    """The held-out index arrays of ``n`` points and their label (``"leave-one-out"``,
    ``"5-fold (shuffled, seed 0)"``): ``cv="loo"`` (any case), an int k in 2..n, or None
    (leave-one-out for n <= 20, else 5-fold), as :func:`select_degree` cuts them."""
    if cv is None:
        cv = "loo" if n <= 20 else 5
    if n < 2:
        raise ValueError(f"cross-validation needs at least 2 points, got {n}")
    if isinstance(cv, str):
        if cv.lower() != "loo":
            raise ValueError(f"cv={cv!r} is not allowed; choose one of: loo, or an integer "
                             f"k in [2, {n}]")
        k, label = n, "leave-one-out"
    else:
        k = check_int("cv", cv, 2, n)
        label = f"{k}-fold"
    order = np.arange(n)
    if seed is not None and k < n:  # leave-one-out needs no shuffling
        order = np.random.default_rng(seed).permutation(n)
        label += f" (shuffled, seed {seed})"
    # scikit-learn's KFold sizes: the first n % k folds get one extra point
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.split(order, np.cumsum(sizes)[:-1]), label


def _cv_errors(x: np.ndarray, y: np.ndarray, folds: list[np.ndarray], degree: int,
               l2: float, l1: float) -> tuple[float, float]:
    """(training MSE on all points, mean over folds of the held-out MSE); NaN where a fit is
    impossible (an unregularized degree with too few distinct x in a training fold)."""
    regularized = l1 > 0 or l2 > 0
    train = fit(x, y, degree, l2, l1).mse if fits_on(x, degree, regularized) else math.nan
    errors = []
    for held in folds:
        keep = np.ones(x.size, dtype=bool)
        keep[held] = False
        if not fits_on(x[keep], degree, regularized):
            return train, math.nan
        f = fit(x[keep], y[keep], degree, l2, l1)
        errors.append(float(np.mean((y[held] - f.predict(x[held])) ** 2)))
    return train, float(np.mean(errors))
