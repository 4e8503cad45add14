"""The ``Dataset`` container, the dataset registry and the split helpers.

Every loader returns a :class:`Dataset`: three splits (train / val / test) of numpy arrays plus
the metadata a model, a plot or the CLI needs (class names, image shape, task). :func:`load` is
the single entry point, ``load(name, root=..., seed=...)``; :func:`list_datasets` and
:func:`info` describe what is available without loading anything.

Array conventions (checked by ``Dataset.__post_init__``):

* ``X_*`` are ``float32`` with shape ``(N, *sample_shape)``: ``(N, D)`` for tabular / toy data,
  ``(N, H, W)`` or ``(N, H, W, C)`` for images (use :func:`neuralab.data.flatten` to get
  ``(N, H·W·C)`` for a fully-connected model).
* ``y_*`` are ``int64`` class indices in ``0 .. n_classes-1`` for classification and ``float32``
  targets of shape ``(N,)`` for regression.
* A split may be empty (``N = 0``), e.g. the runners table keeps every point in ``train``.

Randomness goes through ``np.random.default_rng(seed)`` created inside each function; nothing
here touches numpy's global random state.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

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


def data_home(name: str | None = None) -> Path:
    """The folder downloads go to and loaders read by default.

    ``$NEURALAB_DATA/<name>`` if the environment variable ``NEURALAB_DATA`` is set (and not
    empty), else ``~/.cache/neuralab/<name>``; without ``name``, the parent folder.
    """
    env = os.environ.get("NEURALAB_DATA", "").strip()
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "neuralab"
    return base / name if name else base


# --------------------------------------------------------------------------- Dataset
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
        if self.task not in TASKS:
            raise ValueError(
                f"task={self.task!r} is not allowed; choose one of: {', '.join(TASKS)}"
            )
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
        if which not in SPLITS:
            raise ValueError(f"split={which!r} is not allowed; choose one of: {', '.join(SPLITS)}")
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


# --------------------------------------------------------------------------- splits
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
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n={n!r} must be an integer >= 0")
    f = _check_fractions(fractions)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return [p.astype(np.int64) for p in _cut(rng.permutation(int(n)), f)]


def check_fraction(param: str, value: Any, *, allow_zero: bool = True) -> float:
    """``float(value)`` if it lies in ``[0, 1)`` (``(0, 1)`` without ``allow_zero``)."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and (0.0 <= value < 1.0 if allow_zero else 0.0 < value < 1.0)
    )
    if not ok:
        allowed = "[0, 1)" if allow_zero else "(0, 1)"
        raise ValueError(f"{param}={value!r} is out of range; allowed: a fraction in {allowed}")
    return float(value)


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


# --------------------------------------------------------------------------- registry
@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` / :func:`info` report about one registered dataset.

    Attributes
    ----------
    name : str
        The name :func:`load` accepts.
    description : str
        One line.
    task : {"classification", "regression"}
    needs_files : bool
        True if loading reads files from disk (``root=`` or the download cache).
    downloadable : bool
        True if :func:`neuralab.data.download` can fetch those files.
    files : tuple of str
        The file or folder names the loader looks for (empty if it needs none).
    splits : str
        How train / val / test are formed by default.
    options : tuple of str
        Extra keyword arguments :func:`load` forwards to the loader.
    """

    name: str
    description: str
    task: str
    needs_files: bool
    downloadable: bool
    files: tuple[str, ...] = ()
    splits: str = ""
    options: tuple[str, ...] = ()
    loader: str = field(default="", repr=False)  # "module:function", imported on first load
    loader_kwargs: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        need = "needs files" if self.needs_files else "built in"
        if self.downloadable:
            need += ", downloadable"
        return f"{self.name:<15} {self.task:<14} {need:<26} {self.description}"


_REGISTRY: dict[str, DatasetInfo] = {}
_ALIASES: dict[str, str] = {
    "fashion": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "cifar": "cifar10",
    "cifar-10": "cifar10",
    "multigaussian": "multi-gaussian",
    "gauss": "gaussian",
    "threemodes": "three-modes",
}


def register(info: DatasetInfo) -> DatasetInfo:
    """Add ``info`` to the registry (replacing an entry of the same name) and return it."""
    _REGISTRY[info.name] = info
    return info


def _canonical(name: Any) -> str:
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a dataset name; choose one of: {_names()}")
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key.replace("-", ""), _ALIASES.get(key, key))
    if key not in _REGISTRY:
        raise ValueError(f"name={name!r} is not a known dataset; choose one of: {_names()}")
    return key


def _names() -> str:
    return ", ".join(_REGISTRY)


def list_datasets() -> list[DatasetInfo]:
    """Every registered dataset, in registry order.

    Returns
    -------
    list of DatasetInfo
        ``str(info)`` is a one-line row: name, task, whether it needs files, description.
    """
    return list(_REGISTRY.values())


def info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name`` (``ValueError`` listing the names if unknown)."""
    return _REGISTRY[_canonical(name)]


def _resolve(spec: str) -> Callable[..., Dataset]:
    module, _, func = spec.partition(":")
    return getattr(importlib.import_module(module), func)


def load(
    name: str,
    *,
    root: str | Path | None = None,
    download: bool = False,
    seed: int = 0,
    val_fraction: float | None = None,
    **kwargs: Any,
) -> Dataset:
    """Load a registered dataset as a :class:`Dataset`.

    Parameters
    ----------
    name : str
        One of the names in :func:`list_datasets` (case-insensitive; ``_`` and ``-`` are
        interchangeable, so ``fashion_mnist`` works).
    root : str or Path, optional
        Folder holding the dataset's files. Default: the download cache
        ``$NEURALAB_DATA/<name>`` or ``~/.cache/neuralab/<name>``. Ignored by datasets that need
        no files (digits, runners, toy sets).
    download : bool
        Fetch missing files first with :func:`neuralab.data.download` (only for datasets whose
        :func:`info` says ``downloadable``).
    seed : int
        Seed of the validation (and, where carved, test) split; also the toy generators' seed.
    val_fraction : float, optional
        Fraction of the training pool held out for validation, in ``[0, 1)``. ``None`` uses the
        dataset's default (see ``info(name).splits``).
    **kwargs
        Dataset-specific options listed in ``info(name).options`` (e.g. ``n``, ``noise``,
        ``classes`` for toy sets, ``test_fraction`` where a test split is carved).

    Returns
    -------
    Dataset

    Raises
    ------
    ValueError
        Unknown name (the message lists the allowed names) or a bad option value.
    TypeError
        An option the dataset does not accept (the message lists those it does).
    FileNotFoundError
        The dataset's files are missing (the message names the folder and how to get them).
    """
    key = _canonical(name)
    entry = _REGISTRY[key]
    unknown = sorted(set(kwargs) - set(entry.options))
    if unknown:
        allowed = ", ".join(entry.options) or "none"
        raise TypeError(
            f"load({key!r}) got unexpected option(s) {', '.join(unknown)}; "
            f"options for {key}: {allowed}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise ValueError(f"seed={seed!r} must be an integer")
    if val_fraction is not None:
        check_fraction("val_fraction", val_fraction)
    if download:
        if not entry.downloadable:
            raise ValueError(f"download=True: {key} cannot be downloaded (it needs no files)")
        from neuralab.data.download import download as fetch

        root = fetch(key, root)
    loader = _resolve(entry.loader)
    call: dict[str, Any] = dict(entry.loader_kwargs)
    call.update(kwargs, seed=int(seed))
    if val_fraction is not None:
        call["val_fraction"] = val_fraction
    if entry.needs_files:
        call["root"] = root
    return loader(**call)


# --------------------------------------------------------------------------- built-in entries
# Loaders are named as "module:function" strings and imported on first use, so importing this
# module (and `neuralab.data`) does not import scikit-learn or parse anything.
_MNIST_NAMES = (
    "train-images-idx3-ubyte[.gz]",
    "train-labels-idx1-ubyte[.gz]",
    "t10k-images-idx3-ubyte[.gz]",
    "t10k-labels-idx1-ubyte[.gz]",
)


def _register_builtins() -> None:
    from neuralab.data.toy2d import TOY_SETS

    register(
        DatasetInfo(
            "digits",
            "scikit-learn's bundled 8x8 handwritten digits, 1797 images, 10 classes",
            "classification",
            needs_files=False,
            downloadable=False,
            splits="stratified 60/20/20 train/val/test by seed",
            options=("test_fraction",),
            loader="neuralab.data.images:load_digits",
        )
    )
    for name, what in (
        ("mnist", "MNIST handwritten digits, 28x28 grayscale, 10 classes"),
        ("fashion-mnist", "Zalando's Fashion-MNIST clothing, 28x28 grayscale, 10 classes"),
    ):
        register(
            DatasetInfo(
                name,
                what,
                "classification",
                needs_files=True,
                downloadable=True,
                files=_MNIST_NAMES,
                splits=(
                    "official 60k train (10% held out for val by seed) / 10k test; a folder "
                    "with only the 10k test files is split 60/20/20 by seed, with a notice"
                ),
                options=("test_fraction",),
                loader="neuralab.data.images:load_mnist",
                loader_kwargs=(("variant", name),),
            )
        )
    register(
        DatasetInfo(
            "cifar10",
            "CIFAR-10 32x32 colour images, 10 classes (python or binary batches)",
            "classification",
            needs_files=True,
            downloadable=True,
            files=("cifar-10-batches-py/", "cifar-10-batches-bin/"),
            splits="official 50k train (10% held out for val by seed) / 10k test",
            options=("format",),
            loader="neuralab.data.images:load_cifar10",
        )
    )
    register(
        DatasetInfo(
            "runners",
            "the lecture's runners: age -> best average speed, 8 points",
            "regression",
            needs_files=False,
            downloadable=False,
            splits="all 8 points in train; val and test empty",
            loader="neuralab.data.runners:load_runners",
        )
    )
    for spec in TOY_SETS.values():
        register(
            DatasetInfo(
                spec.name,
                f"2-D toy set, {spec.description}",
                spec.task,
                needs_files=False,
                downloadable=False,
                splits=f"n={spec.default_n} generated points, 60/20/20 by seed",
                options=("n", "noise", "classes", "test_fraction"),
                loader="neuralab.data.toy2d:load_toy",
                loader_kwargs=(("name", spec.name),),
            )
        )


_register_builtins()
