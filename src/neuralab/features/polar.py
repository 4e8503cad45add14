"""Polar coordinates of 2-D points: the lecture's feature transform for concentric classes.

Points inside a disc and points in a ring around it cannot be split by a line in ``(x, y)``,
but in ``(r, θ)`` the classes are ``r < 1`` and ``r > 1.5``: one threshold on one feature.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuralab.checks import check_array, check_finite

__all__ = ["polar"]


def polar(X: Any) -> np.ndarray:
    """``(r, θ)`` of 2-D points.

    Parameters
    ----------
    X : array_like
        ``(N, 2)`` points ``(x, y)``, finite.

    Returns
    -------
    numpy.ndarray
        ``(N, 2)``: column 0 is ``r = hypot(x, y) >= 0``, column 1 is ``θ = atan2(y, x)`` in
        ``(-π, π]`` (``-π``, which atan2 gives for ``y = -0.0, x < 0``, is reported as ``π``).
        float32 for float32 input, else float64.

    Examples
    --------
    >>> from neuralab import features
    >>> features.polar([[0.0, 2.0]]).round(4).tolist()
    [[2.0, 1.5708]]
    """
    x = check_array("X", X, 2, "(N, 2)")
    if x.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) (points x, y), got shape {x.shape}")
    x = x.astype(np.promote_types(x.dtype, np.float32), copy=False)
    check_finite("X", x)
    r = np.hypot(x[:, 0], x[:, 1])
    theta = np.arctan2(x[:, 1], x[:, 0])
    theta[theta == -np.pi] = np.pi  # the half-open interval (-π, π]
    return np.stack([r, theta], axis=1)
