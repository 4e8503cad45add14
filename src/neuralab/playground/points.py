"""The playground's points: the toy data set of a config, its train/test split, its features.

The session and the script it exports (:mod:`~neuralab.playground.export`) both turn points
into the network's inputs with :func:`featurize` and :func:`loss_targets`, so the two train on
the same arrays, bit for bit."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..data.toy2d import toy
from ..features import PLAYGROUND_FEATURES, playground, polar
from .protocol import PlaygroundConfig

__all__ = ["Points", "featurize", "generate_data", "loss_targets", "split_index"]


@dataclass
class Points:
    """Positions (N, 2) float32 and labels, int64 (classes) or float32 (targets), per split."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def split(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of the split ``"train"`` or ``"test"``."""
        return (self.X_train, self.y_train) if name == "train" else (self.X_test, self.y_test)

    def set_split(self, name: str, X: np.ndarray, y: np.ndarray) -> None:
        if name == "train":
            self.X_train, self.y_train = X, y
        else:
            self.X_test, self.y_test = X, y


def split_index(n: int, train_ratio: float, floor: bool = False) -> int:
    """How many of ``n`` shuffled points go to training (the first ones): ``n · ratio / 100``
    rounded to the nearest (halves up), or with ``floor`` rounded down as TensorFlow
    Playground does (``rules="tfp"``: 301 points at 70 % give 210)."""
    share = n * train_ratio / 100.0
    return math.floor(share if floor else share + 0.5)


def generate_data(config: PlaygroundConfig) -> Points:
    """The config's toy data set, split train/test by ``train_ratio`` (first points train;
    rounded down under TFP's rules)."""
    classes = config.classes if config.classification else None
    X, y = toy(config.dataset, n=config.n_points, noise=config.noise / 100.0,
               seed=config.data_seed, classes=classes)
    k = split_index(len(X), config.train_ratio, floor=config.tfp)
    return Points(X[:k], y[:k], X[k:], y[k:])


def featurize(X: np.ndarray, names: list[str] | tuple[str, ...],
              dtype: type = np.float32) -> np.ndarray:
    """The network's inputs for points ``X`` (N, 2): one column per feature name, float32
    (``dtype``: float64 under TFP's rules, computed from the points in float64).

    ``x1, x2, x1^2, x2^2, x1x2, sin_x1, sin_x2`` come from
    :func:`neuralab.features.playground`, ``r`` and ``theta`` from
    :func:`neuralab.features.polar`.
    """
    X = np.asarray(X, dtype=dtype).reshape(-1, 2)
    if X.shape[0] == 0:
        return np.zeros((0, len(names)), dtype=dtype)
    maps = [n for n in names if n in PLAYGROUND_FEATURES]
    cols: dict[str, np.ndarray] = dict(zip(maps, playground(X, maps).T, strict=True)) if maps \
        else {}
    if "r" in names or "theta" in names:
        cols.update(zip(("r", "theta"), polar(X).T, strict=True))
    return np.ascontiguousarray(np.stack([cols[n] for n in names], axis=1), dtype=dtype)


def loss_targets(y: np.ndarray, classification: bool) -> np.ndarray:
    """Labels as the losses take them: int64 classes (N,), or float32 targets (N, 1) for
    ``mse``, which compares (N, 1) predictions with (N, 1) targets."""
    if classification:
        return np.asarray(y).astype(np.int64)
    return np.asarray(y).astype(np.float32).reshape(-1, 1)
