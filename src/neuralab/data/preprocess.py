"""Preprocessing: flattening, mean-image subtraction, standardization.

Statistics are always fitted on the **training** split only and then applied unchanged to
validation and test data — fitting them on all splits would leak test information into
training. :func:`apply` does exactly that for a whole :class:`~neuralab.data.Dataset`.

A preprocessing step is either a plain function ``X -> X`` (like :func:`flatten`) or an object
with ``fit(X) -> self`` and ``transform(X) -> X`` (:class:`MeanImage`, :class:`Standardizer`).
All outputs are ``float32``; statistics are accumulated in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from neuralab.data.datasets import SPLITS, Dataset

# Rows per chunk when accumulating statistics: bounds the float64 temporaries to ~100 MB even
# for CIFAR-10 (3072 features), instead of a float64 copy of the whole training set.
_CHUNK_ROWS = 4096


@runtime_checkable
class Transform(Protocol):
    """A fitted preprocessing step: ``fit`` on training data, ``transform`` any split."""

    def fit(self, X: np.ndarray) -> Any: ...

    def transform(self, X: np.ndarray) -> np.ndarray: ...


def flatten(X: np.ndarray) -> np.ndarray:
    """Stretch every sample into a row, as the lecture's linear classifier does.

    Parameters
    ----------
    X : numpy.ndarray
        Shape ``(N, *sample_shape)``, e.g. ``(N, 32, 32, 3)``.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, prod(sample_shape))``, float32 (a view when ``X`` is already contiguous
        float32). Order is C order: for HWC images the three channel values of a pixel are
        adjacent.
    """
    X = np.asarray(X, dtype=np.float32)
    if X.ndim < 1:
        raise ValueError(f"X must have shape (N, ...), got a scalar of shape {X.shape}")
    return X.reshape(X.shape[0], -1)


def _check_fit_input(X: np.ndarray, who: str) -> np.ndarray:
    X = np.asarray(X)
    if X.ndim < 2 or X.shape[0] == 0:
        raise ValueError(f"{who}.fit needs X of shape (N >= 1, features...), got {X.shape}")
    return X


def _mean(X: np.ndarray) -> np.ndarray:
    """Per-feature mean over axis 0, float64, accumulated in chunks of rows."""
    total = np.zeros(X.shape[1:], dtype=np.float64)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        total += X[start : start + _CHUNK_ROWS].sum(axis=0, dtype=np.float64)
    return total / X.shape[0]


def _std(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per-feature population standard deviation (two-pass, chunked, float64)."""
    sq = np.zeros(X.shape[1:], dtype=np.float64)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        d = X[start : start + _CHUNK_ROWS].astype(np.float64) - mean
        sq += np.einsum("i...,i...->...", d, d)
    return np.sqrt(sq / X.shape[0])


class _Fitted:
    def _require_fit(self, X: np.ndarray) -> np.ndarray:
        if getattr(self, "mean_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(X_train) first")
        X = np.asarray(X)
        if X.shape[1:] != self.mean_.shape:
            raise ValueError(
                f"X has sample shape {X.shape[1:]} but {type(self).__name__} was fitted on "
                f"sample shape {self.mean_.shape}"
            )
        return X

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        """``fit(X)`` then ``transform(X)``."""
        return self.fit(X).transform(X)  # type: ignore[attr-defined]


class MeanImage(_Fitted):
    """Subtract the mean training image (per pixel and channel), as in the CS231n pipeline.

    Attributes
    ----------
    mean_ : numpy.ndarray or None
        Shape ``sample_shape`` (e.g. ``(32, 32, 3)``), float32, set by :meth:`fit`.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> MeanImage:
        """Compute the mean over the samples of ``X`` (shape ``(N, *sample_shape)``)."""
        X = _check_fit_input(X, "MeanImage")
        self.mean_ = _mean(X).astype(np.float32)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``X - mean_``, float32, same shape as ``X``."""
        X = self._require_fit(X)
        return (X.astype(np.float32, copy=False) - self.mean_).astype(np.float32, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """``X + mean_`` (e.g. to show a preprocessed image)."""
        X = self._require_fit(X)
        return (X.astype(np.float32, copy=False) + self.mean_).astype(np.float32, copy=False)


class Standardizer(_Fitted):
    """Per-feature standardization ``(X - mean) / std`` with training statistics.

    Features with zero variance in the training data (e.g. MNIST's always-black border pixels)
    carry no information; they are mapped to 0 in every split instead of being divided by zero.

    Attributes
    ----------
    mean_, std_ : numpy.ndarray or None
        Shape ``sample_shape``, float32 (population std, ``ddof=0``), set by :meth:`fit`.
    """

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> Standardizer:
        """Compute per-feature mean and std over the samples of ``X``."""
        X = _check_fit_input(X, "Standardizer")
        mean = _mean(X)
        self.std_ = _std(X, mean).astype(np.float32)
        self.mean_ = mean.astype(np.float32)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean_) / std_`` where ``std_ > 0``, 0 where ``std_ == 0``; float32."""
        X = self._require_fit(X)
        live = self.std_ > 0
        scale = np.where(live, self.std_, np.float32(1.0))  # never divide by zero
        out = (X.astype(np.float32, copy=False) - self.mean_) / scale
        return np.where(live, out, np.float32(0.0)).astype(np.float32, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """``X·std_ + mean_`` (zero-variance features come back as their training mean)."""
        X = self._require_fit(X)
        return (X.astype(np.float32, copy=False) * self.std_ + self.mean_).astype(np.float32)


Step = Transform | Callable[[np.ndarray], np.ndarray]


def apply(dataset: Dataset, *steps: Step) -> Dataset:
    """Apply preprocessing steps to every split of ``dataset``, fitted on the training split only.

    Parameters
    ----------
    dataset : Dataset
    *steps : Transform or callable
        Applied in order. An object with ``fit``/``transform`` is fitted on the (already
        transformed) ``X_train`` and then transforms all three splits; a plain function
        ``X -> X`` is applied to each split. Fitted objects keep their statistics, so they can
        be reused on new data later.

    Returns
    -------
    Dataset
        A new dataset (the input is not modified) with the transformed ``X_*``; labels,
        class names and ``image_shape`` are kept (``image_shape`` still says how to show a
        flattened row as a picture).

    Examples
    --------
    >>> from neuralab.data import load, apply, flatten, Standardizer  # doctest: +SKIP
    >>> ds = apply(load("digits"), flatten, Standardizer())            # doctest: +SKIP
    """
    X = {s: dataset.split(s)[0] for s in SPLITS}
    for step in steps:
        if hasattr(step, "fit") and hasattr(step, "transform"):
            step.fit(X["train"])
            X = {s: step.transform(x) for s, x in X.items()}
        elif callable(step):
            X = {s: step(x) for s, x in X.items()}
        else:
            raise TypeError(
                f"step={step!r} is neither a callable X -> X nor an object with fit/transform"
            )
    return dataset.replace(**{f"X_{s}": x for s, x in X.items()}, notes=list(dataset.notes))


def subtract_mean(dataset: Dataset) -> Dataset:
    """``apply(dataset, MeanImage())``: subtract the mean training image from every split."""
    return apply(dataset, MeanImage())


def standardize(dataset: Dataset) -> Dataset:
    """``apply(dataset, Standardizer())``: per-feature standardization with training stats."""
    return apply(dataset, Standardizer())
