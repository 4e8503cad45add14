"""The TensorFlow Playground's input features for 2-D points.

The playground feeds a network any subset of seven maps of a point ``(x1, x2)``:
``x1, x2, x1², x2², x1·x2, sin(x1), sin(x2)``. With ``x1²`` and ``x2²`` a linear classifier
separates the circle data set; with ``x1·x2`` the XOR data set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from neuralab.checks import check_array, check_finite, check_names
from neuralab.config import PLAYGROUND_FEATURES

__all__ = ["PLAYGROUND_FEATURES", "playground"]

_MAPS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a * a,
    "x2^2": lambda a, b: b * b,
    "x1x2": lambda a, b: a * b,
    "sin_x1": lambda a, b: np.sin(a),
    "sin_x2": lambda a, b: np.sin(b),
}

# PLAYGROUND_FEATURES, the names playground() accepts in the playground's order, is
# neuralab.config's (the table TrainConfig reads): the maps above are those names, in that order.
if tuple(_MAPS) != PLAYGROUND_FEATURES:  # pragma: no cover - a table edited on one side only
    raise ImportError(f"features.playground maps {tuple(_MAPS)} but neuralab.config lists "
                      f"PLAYGROUND_FEATURES={PLAYGROUND_FEATURES}")


def check_playground_names(names: Any) -> tuple[str, ...]:
    """``names`` as a tuple of distinct names from :data:`PLAYGROUND_FEATURES` (a single name
    or a comma-separated string is accepted too)."""
    return check_names("names", names, PLAYGROUND_FEATURES, "feature")


def playground(X: Any, names: Sequence[str] | str = PLAYGROUND_FEATURES) -> np.ndarray:
    """Playground feature maps of 2-D points.

    Parameters
    ----------
    X : array_like
        ``(N, 2)`` points ``(x1, x2)``, finite.
    names : sequence of str or str
        Features to compute, in this order; each one of :data:`PLAYGROUND_FEATURES`
        (``x1, x2, x1^2, x2^2, x1x2, sin_x1, sin_x2``). A comma-separated string works too.

    Returns
    -------
    numpy.ndarray
        ``(N, len(names))``, float32 for float32 input, else float64.

    Examples
    --------
    >>> from neuralab import features
    >>> features.playground([[2.0, 3.0]], names=("x1^2", "x1x2")).tolist()
    [[4.0, 6.0]]
    """
    names = check_playground_names(names)
    x = check_array("X", X, 2, "(N, 2)")
    if x.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) (points x1, x2), got shape {x.shape}")
    x = x.astype(np.promote_types(x.dtype, np.float32), copy=False)
    check_finite("X", x)
    a, b = x[:, 0], x[:, 1]
    out = np.empty((x.shape[0], len(names)), dtype=x.dtype)
    for j, name in enumerate(names):  # a loop over the few features, each vectorized
        out[:, j] = _MAPS[name](a, b)
    return out
