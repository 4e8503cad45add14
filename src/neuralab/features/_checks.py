"""Argument checks shared by the feature functions.

Every check raises ``ValueError`` (or ``TypeError`` for a value of the wrong kind) naming the
parameter, the value received and what is allowed, as the rest of neuralab does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "check_batch",
    "check_choice",
    "check_finite",
    "check_int",
    "check_pair",
    "check_work_dtype",
]


def check_int(name: str, value: Any, minimum: int = 1) -> int:
    """``value`` as an ``int`` >= ``minimum`` (bools and non-integral floats are refused)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ValueError(f"{name}={value!r} is not allowed; expected an integer >= {minimum}")
    if value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed; expected an integer >= {minimum}")
    return int(value)


def check_pair(name: str, value: Any, minimum: int = 1) -> tuple[int, int]:
    """``value`` as a pair of ints ``(rows, cols)``, each >= ``minimum``; an int means both."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= minimum for v in pair
    ):
        raise ValueError(
            f"{name}={value!r} is not allowed; expected a pair of integers (rows, cols), "
            f"each >= {minimum}"
        )
    return int(pair[0]), int(pair[1])


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed`` (exact, case-sensitive match)."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{name}={value!r} is not allowed; choose one of: {', '.join(map(repr, allowed))}"
        )
    return value


def check_work_dtype(name: str, value: Any) -> np.dtype:
    """A computation dtype: float32 or float64."""
    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name}={value!r} is not allowed; choose one of: float32, float64")
    return dtype


def check_batch(name: str, images: Any, ndims: tuple[int, ...], shape_doc: str) -> np.ndarray:
    """``images`` as a real numeric ndarray with one of the allowed ``ndims``.

    Raises ``TypeError`` for non-numeric data (strings, objects, complex, bool) and
    ``ValueError`` for a wrong number of dimensions or an empty batch axis.
    """
    arr = np.asarray(images)
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (integer or float dtype), got dtype {arr.dtype}"
        )
    if arr.ndim not in ndims:
        raise ValueError(
            f"{name} must have shape {shape_doc} (ndim {' or '.join(map(str, ndims))}), "
            f"got shape {arr.shape}; for a single image pass images[None]"
        )
    return arr


def check_finite(name: str, arr: np.ndarray) -> None:
    """Raise if ``arr`` holds NaN or ±inf (integer arrays are always finite).

    A sum is one cheap pass and is non-finite whenever an element is; only then (or when the
    sum overflowed) are the elements inspected one by one.
    """
    if arr.dtype.kind != "f" or arr.size == 0:
        return
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} must be finite, got {float(arr[where])} at index {where} "
            f"({int(bad.sum())} non-finite values); replace or drop NaN/inf first"
        )
