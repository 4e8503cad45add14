"""The lecture's runners table: best average speed (mph) of runners at different ages (years).

The polynomial-regression example: "You are a scientist studying runners. You measure average
speeds of the best runners at different ages." Eight points, rising to a peak near 29 and falling
after, so a line underfits and a degree-7 polynomial interpolates every point.
"""

from __future__ import annotations

import numpy as np

from neuralab.data.dataset import Dataset

AGES: tuple[float, ...] = (10, 15, 20, 25, 29, 40, 50, 60)  # years
SPEEDS: tuple[float, ...] = (6, 9, 11, 12, 13, 11, 10, 9)  # mph


def runners() -> tuple[np.ndarray, np.ndarray]:
    """The table as two arrays.

    Returns
    -------
    x : numpy.ndarray
        Shape ``(8,)``, float64 ages in years: 10, 15, 20, 25, 29, 40, 50, 60.
    y : numpy.ndarray
        Shape ``(8,)``, float64 best average speeds in mph: 6, 9, 11, 12, 13, 11, 10, 9.
    """
    return np.array(AGES, dtype=np.float64), np.array(SPEEDS, dtype=np.float64)


def load_runners(*, seed: int = 0, val_fraction: float | None = None) -> Dataset:
    """The table as a regression :class:`~neuralab.data.Dataset`.

    All eight points are in the training split; validation and test are empty (shape
    ``(0, 1)``): with eight points the lecture fits and inspects them all, and polynomial degree
    is chosen on the training fit. ``seed`` is accepted for a uniform :func:`load` call and has no
    effect. ``val_fraction`` must be ``None`` or 0 (nothing is held out).

    Returns
    -------
    Dataset
        ``X_train`` ``(8, 1)`` float32 ages, ``y_train`` ``(8,)`` float32 speeds, ``task=
        "regression"``.
    """
    if val_fraction not in (None, 0, 0.0):
        raise ValueError(
            f"val_fraction={val_fraction!r} is not allowed for runners: all 8 points are training "
            "points; allowed: None or 0"
        )
    x, y = runners()
    empty_X = np.zeros((0, 1), dtype=np.float32)
    empty_y = np.zeros((0,), dtype=np.float32)
    return Dataset(
        "runners",
        x[:, None].astype(np.float32),
        y.astype(np.float32),
        empty_X,
        empty_y,
        empty_X.copy(),
        empty_y.copy(),
        class_names=[],
        image_shape=None,
        task="regression",
        description="the lecture's runners: age (years) -> best average speed (mph), 8 points",
    )
