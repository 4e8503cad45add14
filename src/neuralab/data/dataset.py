"""The ``Dataset`` container every loader returns, and the notices loaders emit.

A :class:`Dataset` holds three splits (train / val / test) of numpy arrays plus the metadata a
model, a plot or the CLI needs (class names, image shape, task).

Array conventions (checked by ``Dataset.__post_init__``):

* ``X_*`` are ``float32`` with shape ``(N, *sample_shape)``: ``(N, D)`` for tabular / toy data,
  ``(N, H, W)`` or ``(N, H, W, C)`` for images (use :func:`neuralab.data.flatten` to get
  ``(N, H·W·C)`` for a fully-connected model).
* ``y_*`` are ``int64`` class indices in ``0 .. n_classes-1`` for classification and ``float32``
  targets of shape ``(N,)`` for regression.
* A split may be empty (``N = 0``), e.g. the runners table keeps every point in ``train``.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from neuralab.checks import check_choice

Task = Literal["classification", "regression"]
TASKS: tuple[str, ...] = ("classification", "regression")
SPLITS: tuple[str, ...] = ("train", "val", "test")


class DatasetNotice(UserWarning):
    """A one-line, non-fatal message about how a dataset was assembled.

    Emitted with :func:`warnings.warn` (and also stored in :attr:`Dataset.notes`), e.g. when an
    MNIST folder holds only the 10k test files and they are split into train/val/test. The CLI
    catches this category and prints ``str(warning.message)`` as one line; library users see a
    normal Python warning, which they can silence with
    ``warnings.simplefilter("ignore", DatasetNotice)``.
    """


def notice(message: str, notes: list[str] | None = None) -> None:
    """Emit ``message`` as a :class:`DatasetNotice` and append it to ``notes`` if given."""
    if notes is not None:
        notes.append(message)
    # stacklevel 3: point at the caller of the loader, not at this helper.
    warnings.warn(message, DatasetNotice, stacklevel=3)


@dataclass(eq=False, repr=False)
class Dataset:
    """Train / validation / test splits of one dataset plus its metadata.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"mnist"``.
    X_train, X_val, X_test : numpy.ndarray
        ``float32``, shape ``(N_split, *sample_shape)``; all three share ``sample_shape``.
    y_train, y_val, y_test : numpy.ndarray
        Shape ``(N_split,)``: ``int64`` class indices (classification) or ``float32`` targets
        (regression).
    class_names : list of str
        One name per class, index ``k`` names class ``k``; empty for regression.
    image_shape : tuple of int or None
        ``(H, W)`` or ``(H, W, C)`` for image data (the shape one sample had on disk, kept even
        after :func:`~neuralab.data.flatten`, so a flat row can be shown as a picture again);
        ``None`` for tabular and toy data.
    task : {"classification", "regression"}
    description : str
        One line saying where the data came from.
    notes : list of str
        Notices emitted while loading (see :class:`DatasetNotice`).

    Notes
    -----
    Arrays are converted to the dtypes above on construction; shapes are validated (same number
    of rows in ``X`` and ``y``, same sample shape in every split, labels in range).
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str] = field(default_factory=list)
    image_shape: tuple[int, ...] | None = None
    task: Task = "classification"
    description: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        check_choice("task", self.task, TASKS)
        y_dtype = np.int64 if self.task == "classification" else np.float32
        sample_shape = None
        for split in SPLITS:
            X = np.asarray(getattr(self, f"X_{split}"), dtype=np.float32)
            y = np.asarray(getattr(self, f"y_{split}"))
            if X.ndim < 2:
                raise ValueError(
                    f"{self.name}: X_{split} must have shape (N, features...) with ndim >= 2, "
                    f"got shape {X.shape}"
                )
            if y.ndim != 1 or y.shape[0] != X.shape[0]:
                raise ValueError(
                    f"{self.name}: y_{split} must have shape ({X.shape[0]},) to match "
                    f"X_{split} {X.shape}, got {y.shape}"
                )
            if sample_shape is None:
                sample_shape = X.shape[1:]
            elif X.shape[1:] != sample_shape:
                raise ValueError(
                    f"{self.name}: X_{split} has sample shape {X.shape[1:]} but X_train has "
                    f"{sample_shape}; every split must share one sample shape"
                )
            if self.task == "classification":
                if y.size and not np.issubdtype(y.dtype, np.integer):
                    if not np.all(np.equal(np.mod(y, 1), 0)):
                        raise ValueError(
                            f"{self.name}: y_{split} must hold integer class indices, got {y.dtype}"
                        )
                y = y.astype(np.int64, copy=False)
                if self.class_names and y.size:
                    lo, hi = int(y.min()), int(y.max())
                    if lo < 0 or hi >= len(self.class_names):
                        raise ValueError(
                            f"{self.name}: y_{split} has labels in [{lo}, {hi}] but there are "
                            f"{len(self.class_names)} class names (allowed 0..."
                            f"{len(self.class_names) - 1})"
                        )
            else:
                y = y.astype(y_dtype, copy=False)
            setattr(self, f"X_{split}", X)
            setattr(self, f"y_{split}", y)
        self.class_names = [str(c) for c in self.class_names]
        if self.task == "classification" and not self.class_names:
            # No names given: number the classes seen in any split.
            k = 1 + max(int(getattr(self, f"y_{s}").max(initial=-1)) for s in SPLITS)
            self.class_names = [str(i) for i in range(k)]
        if self.image_shape is not None:
            self.image_shape = tuple(int(d) for d in self.image_shape)

    # ---------------------------------------------------------------- properties
    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one sample as stored, ``X_train.shape[1:]``."""
        return tuple(self.X_train.shape[1:])

    @property
    def n_features(self) -> int:
        """Number of input features of one flattened sample, ``prod(sample_shape)``."""
        return math.prod(self.sample_shape)

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(class_names)``); 0 for regression."""
        return len(self.class_names) if self.task == "classification" else 0

    @property
    def n_outputs(self) -> int:
        """Width of a model's output layer: ``n_classes`` for classification, 1 for regression."""
        return self.n_classes if self.task == "classification" else 1

    def split(self, which: str) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` of one split; ``which`` is ``"train"``, ``"val"`` or ``"test"``."""
        check_choice("split", which, SPLITS)
        return getattr(self, f"X_{which}"), getattr(self, f"y_{which}")

    def replace(self, **changes: Any) -> Dataset:
        """A copy with some fields replaced (validated like a new Dataset)."""
        return dataclasses.replace(self, **changes)

    # ---------------------------------------------------------------- text
    def __repr__(self) -> str:
        sizes = "/".join(str(len(getattr(self, f"y_{s}"))) for s in SPLITS)
        shape = f", image_shape={self.image_shape}" if self.image_shape else ""
        kind = f"classes={self.n_classes}" if self.task == "classification" else "regression"
        return (
            f"Dataset({self.name!r}, train/val/test={sizes}, features={self.n_features}, "
            f"{kind}{shape})"
        )

    def summary(self) -> str:
        """A short multi-line description: sizes, shapes, dtypes, value range, classes."""
        lines = [f"{self.name}: {self.description}" if self.description else self.name]
        for s in SPLITS:
            X, y = self.split(s)
            lines.append(f"  {s:<5} X {X.shape} {X.dtype}  y {y.shape} {y.dtype}")
        if self.X_train.size:
            lines.append(
                f"  X_train values in [{float(self.X_train.min()):g}, "
                f"{float(self.X_train.max()):g}]"
            )
        if self.task == "classification":
            names = ", ".join(self.class_names[:10]) + (" ..." if self.n_classes > 10 else "")
            lines.append(f"  {self.n_classes} classes: {names}")
            counts = []
            for s in SPLITS:
                n = np.bincount(self.split(s)[1], minlength=self.n_classes)
                if n.sum():
                    counts.append(f"{s} {n.min()}" + (f"-{n.max()}" if n.max() > n.min() else ""))
            if counts:
                lines.append(f"  images per class: {', '.join(counts)}")
        else:
            lines.append("  regression target (float32)")
        if self.image_shape:
            lines.append(f"  image shape {self.image_shape}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)
