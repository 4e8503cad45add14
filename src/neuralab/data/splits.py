"""Splitting samples into train / val / test: stratified by class or at random.

Randomness goes through ``np.random.default_rng(seed)`` created inside each function (or a
generator passed in); nothing here touches numpy's global random state.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from neuralab.checks import check_int, check_number


def _check_fractions(fractions: Sequence[float]) -> np.ndarray:
    f = np.asarray(fractions, dtype=np.float64)
    if f.ndim != 1 or f.size < 1 or np.any(~np.isfinite(f)) or np.any(f < 0):
        raise ValueError(
            f"fractions={tuple(fractions)!r} must be a non-empty sequence of numbers >= 0"
        )
    if abs(f.sum() - 1.0) > 1e-6:
        raise ValueError(f"fractions={tuple(fractions)!r} must sum to 1, got {f.sum():g}")
    return f


def _cut(order: np.ndarray, f: np.ndarray) -> list[np.ndarray]:
    """Cut ``order`` into consecutive pieces of sizes ``round(cumsum(f) * n)``."""
    bounds = np.rint(np.cumsum(f) * order.size).astype(np.int64)
    bounds[-1] = order.size  # guard against rounding of a sum like 0.9999999
    return np.split(order, bounds[:-1])


def stratified_split(
    y: np.ndarray, fractions: Sequence[float], seed: int | np.random.Generator = 0
) -> list[np.ndarray]:
    """Split sample indices into parts with the class proportions of ``y`` in every part.

    Parameters
    ----------
    y : numpy.ndarray
        Shape ``(N,)``, integer class labels (any values; only equality matters).
    fractions : sequence of float
        Size of each part as a fraction of ``N``, e.g. ``(0.6, 0.2, 0.2)``; must sum to 1.
    seed : int or numpy.random.Generator
        Seed of a fresh ``np.random.default_rng(seed)`` (or a generator to draw from). The same
        seed always gives the same split; different seeds give different splits.

    Returns
    -------
    list of numpy.ndarray
        One ``int64`` index array per fraction. Together they are a permutation of
        ``arange(N)``; each is in random order (indexing with it also shuffles).

    Notes
    -----
    Part sizes are exactly ``round(cumsum(fractions)·N)`` differences. Each class gets, in every
    part, its proportional share ``fraction·N_class`` to within 2 samples (usually 1): samples
    are ordered by their randomly permuted rank inside their class divided by the class size
    (an even interleaving of the classes), and that order is cut at the part boundaries.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must have shape (N,), got {y.shape}")
    f = _check_fractions(fractions)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = y.shape[0]
    perm = rng.permutation(n)
    # Within-class rank of each sample in the random permutation, via a stable sort by label.
    by_class = perm[np.argsort(y[perm], kind="stable")]
    _, starts, counts = np.unique(y[by_class], return_index=True, return_counts=True)
    cls = np.repeat(np.arange(counts.size), counts)
    rank = np.arange(n) - starts[cls]
    # Quantile of the sample inside its class; a random per-class offset breaks ties between
    # classes of equal size so no class is systematically first at a cut.
    offset = rng.random(counts.size)
    q = (rank + offset[cls]) / counts[cls]
    order = by_class[np.argsort(q, kind="stable")]
    parts = _cut(order, f)
    # Shuffle within parts so the interleaving pattern does not leak into minibatch order.
    return [p[rng.permutation(p.size)].astype(np.int64) for p in parts]


def random_split(
    n: int, fractions: Sequence[float], seed: int | np.random.Generator = 0
) -> list[np.ndarray]:
    """Split ``arange(n)`` into random parts of sizes ``round(cumsum(fractions)·n)`` differences.

    The unstratified counterpart of :func:`stratified_split`, for regression targets.
    Returns one ``int64`` index array per fraction, each in random order.
    """
    n = check_int("n", n, 0)
    f = _check_fractions(fractions)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return [p.astype(np.int64) for p in _cut(rng.permutation(int(n)), f)]


def check_fraction(param: str, value: Any, *, allow_zero: bool = True) -> float:
    """``float(value)`` if it lies in ``[0, 1)`` (``(0, 1)`` without ``allow_zero``)."""
    return check_number(param, value, 0.0, 1.0, low_closed=allow_zero, high_closed=False)


def three_way_split(
    X: np.ndarray,
    y: np.ndarray,
    *,
    val_fraction: float,
    test_fraction: float,
    seed: int,
    stratify: bool = True,
) -> tuple[np.ndarray, ...]:
    """``(X_train, y_train, X_val, y_val, X_test, y_test)`` carved from one pool of samples.

    ``X`` has shape ``(N, ...)``, ``y`` shape ``(N,)``. Stratified by ``y`` unless ``stratify``
    is false (regression). Train gets ``1 - val_fraction - test_fraction``.
    """
    val_fraction = check_fraction("val_fraction", val_fraction)
    test_fraction = check_fraction("test_fraction", test_fraction)
    train_fraction = 1.0 - val_fraction - test_fraction
    if train_fraction <= 0:
        raise ValueError(
            f"val_fraction={val_fraction!r} + test_fraction={test_fraction!r} must be < 1 "
            "so that the training split is not empty"
        )
    fr = (train_fraction, val_fraction, test_fraction)
    parts = stratified_split(y, fr, seed) if stratify else random_split(len(y), fr, seed)
    return tuple(a for idx in parts for a in (X[idx], y[idx]))


def carve_val(
    X: np.ndarray, y: np.ndarray, *, val_fraction: float, seed: int, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X_train, y_train, X_val, y_val)``: a validation split carved out of a training set."""
    val_fraction = check_fraction("val_fraction", val_fraction)
    fr = (1.0 - val_fraction, val_fraction)
    parts = stratified_split(y, fr, seed) if stratify else random_split(len(y), fr, seed)
    tr, va = parts
    return X[tr], y[tr], X[va], y[va]
