"""Preprocessing: flattening, mean-image subtraction, image scaling, standardization.

Two schemes, one for each kind of input:

- **Images** (pixels in ``[0, pixel_max]``): :class:`ImageScaler` subtracts the mean training
  image and divides by ONE global std, the CS231n / PyTorch convention. Its std is floored at
  1 % of ``pixel_max``, so every image with pixels in ``[0, pixel_max]`` maps into
  ``|x| <= 100``, whatever the training set.
- **Feature vectors and tabular data**: :class:`Standardizer` standardizes each feature with
  its own mean and std, the std floored at 1 % of the largest feature std so a near-constant
  feature cannot blow up.

Dividing every *pixel* by its own std (a :class:`Standardizer` on raw images) is what not to
do: MNIST's near-constant border pixels have a std near 0, and a test digit that touches one
becomes an input of size ~10^4 that dominates the loss.

Statistics are always fitted on the **training** split only and then applied unchanged to
validation and test data — fitting them on all splits would leak test information into
training. :func:`apply` does exactly that for a whole :class:`~neuralab.data.Dataset`.

A preprocessing step is either a plain function ``X -> X`` (like :func:`flatten`) or an object
with ``fit(X) -> self`` and ``transform(X) -> X`` (:class:`MeanImage`, :class:`ImageScaler`,
:class:`Standardizer`).
All outputs are ``float32``; statistics are accumulated in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

import numpy as np

from neuralab.checks import check_number
from neuralab.data.dataset import SPLITS, Dataset

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


def _sum_sq(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per-feature sum of squared deviations from ``mean`` (chunked, float64)."""
    sq = np.zeros(X.shape[1:], dtype=np.float64)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        d = X[start : start + _CHUNK_ROWS].astype(np.float64) - mean
        sq += np.einsum("i...,i...->...", d, d)
    return sq


def _std(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per-feature population standard deviation (two-pass, chunked, float64)."""
    return np.sqrt(_sum_sq(X, mean) / X.shape[0])


class _Fitted:
    def _check_fitted(self) -> None:
        if getattr(self, "mean_", None) is None:
            raise RuntimeError(f"{type(self).__name__} is not fitted; call fit(X_train) first")

    def _require_fit(self, X: np.ndarray) -> np.ndarray:
        self._check_fitted()
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


def _min_max(X: np.ndarray) -> tuple[float, float]:
    """Smallest and largest value of ``X`` (chunked: no float copy of the whole array)."""
    lo, hi = np.inf, -np.inf
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        chunk = X[start : start + _CHUNK_ROWS]
        lo, hi = min(lo, float(chunk.min())), max(hi, float(chunk.max()))
    return lo, hi


def _float32_at_least(value: float) -> np.float32:
    """The smallest float32 that is >= ``value`` (float32 rounding must not shrink a floor)."""
    f = np.float32(value)
    return f if float(f) >= value else np.nextafter(f, np.float32(np.inf))


class ImageScaler(_Fitted):
    """Subtract the mean training image, divide by one global std: the default for images.

    ``transform(X) = (X - mean_) / scale_`` where ``mean_`` is the per-pixel (and channel) mean
    training image — the lecture's "subtract the mean image" — and ``scale_`` is a single number:
    the std of all mean-subtracted training pixels (``std_``), floored at ``floor · pixel_max``.
    That is what CS231n does for CIFAR-10 and what ``torchvision.transforms.Normalize`` does with
    a dataset's mean and std; unlike per-pixel standardization (:class:`Standardizer`) it keeps
    the relative scale of the pixels, so a pixel that is almost always black stays small.

    **Guarantee.** If the training pixels lie in ``[0, pixel_max]``, then every image with
    pixels in ``[0, pixel_max]`` — any split, any new image, even all-0 or all-``pixel_max`` —
    maps into ``|x| <= 1 / floor``, i.e. ``|x| <= 100`` with the default ``floor=0.01``: then
    ``|X - mean_| <= pixel_max`` and ``scale_ >= 0.01 · pixel_max``. The bound holds exactly in
    float32 (``scale_`` is rounded up, ``mean_`` kept inside ``[0, pixel_max]``). Inputs outside
    ``[0, pixel_max]`` are transformed by the same formula but are not covered by the bound.

    Parameters
    ----------
    pixel_max : float, optional
        Largest possible pixel value (16 for digits, 255 for MNIST and CIFAR-10, 1.0 for images
        in ``[0, 1]``). ``None`` (default): the largest value in the training data.
    floor : float, default 0.01
        ``scale_`` is at least ``floor · pixel_max``; in ``(0, 1]``. It only matters for training
        sets that are nearly constant (real image data sets have a std of 20–40 % of the range).

    Attributes
    ----------
    mean_ : numpy.ndarray or None
        The mean training image, shape ``sample_shape``, float32, set by :meth:`fit`.
    std_ : float or None
        Population std (``ddof=0``) of all mean-subtracted training pixels together.
    scale_ : float or None
        What :meth:`transform` divides by: ``max(std_, floor · pixel_max_)``.
    pixel_max_ : float or None
        The ``pixel_max`` used (given or inferred).

    Examples
    --------
    >>> from neuralab.data import load, apply, flatten, ImageScaler   # doctest: +SKIP
    >>> ds = apply(load("digits"), flatten, ImageScaler(pixel_max=16))  # doctest: +SKIP
    """

    def __init__(self, pixel_max: float | None = None, floor: float = 0.01) -> None:
        self.pixel_max = check_number(
            "pixel_max", pixel_max, 0.0, low_closed=False, optional=True,
            note=" (the largest pixel value, e.g. 255; None: the training data's)")
        self.floor = check_number("floor", floor, 0.0, 1.0, low_closed=False)
        self.mean_: np.ndarray | None = None
        self.std_: float | None = None
        self.scale_: float | None = None
        self.pixel_max_: float | None = None

    def fit(self, X: np.ndarray) -> ImageScaler:
        """Mean image, global std and ``scale_`` from training images ``X`` (shape
        ``(N, *sample_shape)``, pixels in ``[0, pixel_max]``; a ``ValueError`` otherwise)."""
        X = _check_fit_input(X, "ImageScaler")
        lo, hi = _min_max(X)
        pixel_max = self.pixel_max if self.pixel_max is not None else hi
        if not (np.isfinite(lo) and np.isfinite(hi)):
            raise ValueError("ImageScaler.fit: X contains NaN or inf; pixels must be finite")
        if pixel_max <= 0:
            raise ValueError(f"ImageScaler.fit: every training pixel is {hi:g}, so pixel_max "
                             f"cannot be inferred; pass pixel_max (e.g. 255)")
        # Compared as float32, the precision transform computes in (0.1 is 0.1000000015).
        pixel_max = float(np.float32(pixel_max))
        if lo < 0 or float(np.float32(hi)) > pixel_max:
            raise ValueError(
                f"ImageScaler.fit: X has pixels in [{lo:g}, {hi:g}], outside [0, "
                f"pixel_max={pixel_max:g}]; pass the images' pixel_max (allowed: pixels in "
                f"[0, pixel_max]), or use Standardizer for data that are not images")
        mean = np.clip(_mean(X), 0.0, pixel_max)
        std = float(np.sqrt(_sum_sq(X, mean).sum() / X.size))
        self.pixel_max_ = pixel_max
        self.mean_ = np.clip(mean.astype(np.float32), np.float32(0), np.float32(pixel_max))
        self.std_ = std
        self.scale_ = float(_float32_at_least(max(std, self.floor * self.pixel_max_)))
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean_) / scale_``, float32, same shape as ``X``."""
        X = self._require_fit(X)
        out = X.astype(np.float32, copy=False) - self.mean_
        return (out / np.float32(self.scale_)).astype(np.float32, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """``X · scale_ + mean_``: back to pixels (e.g. to show a preprocessed image)."""
        X = self._require_fit(X)
        out = X.astype(np.float32, copy=False) * np.float32(self.scale_) + self.mean_
        return out.astype(np.float32, copy=False)

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays (the mean image) and JSON metadata (std, scale, pixel_max, floor) that
        :func:`from_state` turns back into this scaler."""
        self._check_fitted()
        meta = {"kind": "image_scaler", "std": self.std_, "scale": self.scale_,
                "pixel_max": self.pixel_max_, "floor": self.floor}
        return {"mean": self.mean_}, meta

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ImageScaler:
        """The inverse of :meth:`get_state`."""
        scaler = cls(pixel_max=meta["pixel_max"], floor=meta["floor"])
        scaler.mean_ = np.asarray(arrays["mean"], dtype=np.float32)
        scaler.std_, scaler.scale_ = float(meta["std"]), float(meta["scale"])
        scaler.pixel_max_ = float(meta["pixel_max"])
        return scaler


class Standardizer(_Fitted):
    """Per-feature standardization ``(X - mean) / scale`` with training statistics.

    The default for feature vectors (HOG, colour histograms) and tabular data, whose features
    have unrelated units. ``scale_`` is each feature's std, floored at ``floor`` times the largest
    feature std (1 % by default): a feature that is nearly constant in the training data (an
    almost-empty histogram bin, an almost-always-black pixel) is divided by that floor instead of
    by its own tiny std, so a value it never took in training cannot become an input of size
    10^4. Features whose std is at least 1 % of the largest are standardized exactly. For images
    use :class:`ImageScaler` instead, which keeps the pixels' relative scale.

    Features with zero variance in the training data carry no information; they are mapped to 0
    in every split instead of being divided by anything.

    Parameters
    ----------
    floor : float, default 0.01
        In ``[0, 1]``; ``scale_ = max(std_, floor · max(std_))`` for features with ``std_ > 0``.
        ``floor=0`` divides every feature by its own std (no floor, the behaviour before the
        floor existed).

    Attributes
    ----------
    mean_, std_, scale_ : numpy.ndarray or None
        Shape ``sample_shape``, float32, set by :meth:`fit`: the per-feature mean, population std
        (``ddof=0``) and what :meth:`transform` divides by.
    """

    def __init__(self, floor: float = 0.01) -> None:
        self.floor = check_number("floor", floor, 0.0, 1.0)
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.scale_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> Standardizer:
        """Compute per-feature mean, std and ``scale_`` over the samples of ``X``."""
        X = _check_fit_input(X, "Standardizer")
        mean = _mean(X)
        std = _std(X, mean)
        least = self.floor * float(std.max()) if std.size else 0.0
        self.std_ = std.astype(np.float32)
        self.mean_ = mean.astype(np.float32)
        self.scale_ = np.maximum(self.std_, _float32_at_least(least)) if least > 0 else self.std_
        return self

    def _scale(self) -> np.ndarray:
        # A Standardizer whose mean_/std_ were set by hand (or read from an old file) has no
        # scale_: it divides by std_, as before the floor existed.
        return self.scale_ if self.scale_ is not None else self.std_

    def transform(self, X: np.ndarray) -> np.ndarray:
        """``(X - mean_) / scale_`` where ``std_ > 0``, 0 where ``std_ == 0``; float32."""
        X = self._require_fit(X)
        live = self.std_ > 0
        scale = np.where(live, self._scale(), np.float32(1.0))  # never divide by zero
        out = (X.astype(np.float32, copy=False) - self.mean_) / scale
        return np.where(live, out, np.float32(0.0)).astype(np.float32, copy=False)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """``X·scale_ + mean_`` (zero-variance features come back as their training mean)."""
        X = self._require_fit(X)
        scale = np.where(self.std_ > 0, self._scale(), np.float32(0.0))
        return (X.astype(np.float32, copy=False) * scale + self.mean_).astype(np.float32)

    def get_state(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """Arrays and JSON metadata that :func:`from_state` turns back into this scaler."""
        self._check_fitted()
        arrays = {"mean": self.mean_, "std": self.std_, "scale": self._scale()}
        return arrays, {"kind": "standardizer", "floor": self.floor}

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Standardizer:
        """The inverse of :meth:`get_state`. State without ``scale`` (written before the floor
        existed) divides by ``std``, exactly as it did then."""
        scaler = cls(floor=meta.get("floor", 0.0))
        scaler.mean_ = np.asarray(arrays["mean"], dtype=np.float32)
        scaler.std_ = np.asarray(arrays["std"], dtype=np.float32)
        scaler.scale_ = (np.asarray(arrays["scale"], dtype=np.float32) if "scale" in arrays
                         else scaler.std_)
        return scaler


def from_state(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> ImageScaler | Standardizer:
    """A fitted scaler from the ``get_state()`` of an :class:`ImageScaler` or
    :class:`Standardizer`; ``meta["kind"]`` says which (``"image_scaler"``, ``"standardizer"``).
    """
    kind = meta.get("kind")
    if kind not in PREPROCESS_KINDS:
        raise ValueError(f"kind={kind!r} is not a preprocessing scheme; allowed: "
                         f"{', '.join(PREPROCESS_KINDS)}")
    return PREPROCESS_KINDS[kind].from_state(arrays, meta)


PREPROCESS_KINDS: dict[str, type[ImageScaler] | type[Standardizer]] = {
    "image_scaler": ImageScaler, "standardizer": Standardizer}

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
