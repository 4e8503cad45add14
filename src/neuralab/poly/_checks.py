"""Argument validation shared by the fit, cross-validation and selection functions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

MAX_DEGREE = 20


def _check_degree(degree: Any) -> int:
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer):
        raise ValueError(f"degree={degree!r} must be an integer; allowed: 0..{MAX_DEGREE}")
    if not 0 <= degree <= MAX_DEGREE:
        raise ValueError(f"degree={degree!r} is out of range; allowed: integers 0..{MAX_DEGREE}")
    return int(degree)


def _check_lam(name: str, value: Any) -> float:
    try:
        lam = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a number; allowed: λ >= 0") from None
    if not math.isfinite(lam) or lam < 0:
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite λ >= 0 "
                         "(the regularization strength)")
    return lam


def _check_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, v in (("x", x), ("y", y)):
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a 1-D array of numbers, got {type(v).__name__}"
                             ) from None
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}]={float(a[i])!r} is not finite; allowed: finite "
                             f"numbers (no NaN or inf; {bad.size} such value(s))")
        arrays.append(a)
    xa, ya = arrays
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size == 0:
        raise ValueError("x and y are empty; allowed: at least 1 point")
    return xa, ya


def _check_enough_points(x: np.ndarray, degree: int, regularized: bool) -> None:
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


def _fits_on(x: np.ndarray, degree: int, regularized: bool) -> bool:
    try:
        _check_enough_points(x, degree, regularized)
    except ValueError:
        return False
    return True
