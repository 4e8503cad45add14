"""Image datasets: scikit-learn's 8×8 digits, MNIST / Fashion-MNIST (IDX) and CIFAR-10.

This module holds the loaders: where the files are, which of them belong together, how the
splits are carved, the class names. The file formats are parsed in their own modules, with the
standard library and numpy — IDX in :mod:`neuralab.data.idx`, CIFAR-10's python and binary
batches in :mod:`neuralab.data.cifar` (re-exported here). Every problem with a file raises a
``ValueError`` that names the file and says what is wrong; a missing folder or file raises a
``FileNotFoundError`` that names the path and says how to get the data.

Pixel values are kept in their original units (0..16 for digits, 0..255 otherwise) as
``float32``; scaling and mean subtraction live in :mod:`neuralab.data.preprocess`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from neuralab.checks import check_choice
from neuralab.data.cifar import CIFAR10_RECORD as CIFAR10_RECORD
from neuralab.data.cifar import RestrictedUnpickler as RestrictedUnpickler
from neuralab.data.cifar import UnsafePickleError as UnsafePickleError
from neuralab.data.cifar import read_cifar_binary_batch, read_cifar_python_batch
from neuralab.data.cifar import restricted_load as restricted_load
from neuralab.data.dataset import Dataset, notice
from neuralab.data.idx import IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, read_idx
from neuralab.data.registry import data_home
from neuralab.data.splits import carve_val, check_fraction, three_way_split

MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_MNIST_CLASSES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]
CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]

# Standard IDX file stems; each may be stored raw or gzipped (``<stem>.gz``).
MNIST_FILES: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}

CIFAR10_PY_DIR = "cifar-10-batches-py"
CIFAR10_BIN_DIR = "cifar-10-batches-bin"
CIFAR10_PY_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
CIFAR10_BIN_FILES = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")
CIFAR10_FORMATS = ("auto", "python", "binary")
CIFAR10_SIZES = (50000, 10000)  # official training and test images


def _how_to_get(name: str) -> str:
    return (
        f"get the files with `neuralab data download {name}` "
        f"(Python: neuralab.data.download({name!r})), or pass root= / --root a folder that "
        "holds them"
    )


def _dataset_folder(name: str, root: str | Path | None) -> Path:
    return data_home(name) if root is None else Path(root).expanduser()


# --------------------------------------------------------------------------- digits
def load_digits(
    *, seed: int = 0, val_fraction: float | None = None, test_fraction: float = 0.2
) -> Dataset:
    """scikit-learn's bundled 8×8 handwritten digits (1797 images, no download).

    Parameters
    ----------
    seed : int
        Seed of the stratified train / val / test split.
    val_fraction, test_fraction : float
        Fractions held out; the default is a 60 / 20 / 20 split.

    Returns
    -------
    Dataset
        ``X_*`` of shape ``(N, 8, 8)``, ``float32`` pixel values 0..16 (as sklearn ships them);
        ``image_shape=(8, 8)``; classes ``"0" .. "9"``.
    """
    X, y = _read_digits()
    parts = three_way_split(
        X,
        y,
        val_fraction=0.2 if val_fraction is None else val_fraction,
        test_fraction=test_fraction,
        seed=seed,
    )
    return Dataset(
        "digits",
        *parts,
        class_names=MNIST_CLASSES,
        image_shape=(8, 8),
        description="scikit-learn's 8x8 handwritten digits (UCI), pixel values 0..16",
    )


def _read_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as (images (N, 8, 8) float32, labels (N,) int64).

    scikit-learn ships them as ``sklearn/datasets/data/digits.csv.gz`` (64 pixel columns, then
    the label). That file is read here directly: importing ``sklearn.datasets`` takes ~2 s
    (it pulls in SciPy), twenty times the rest of a small ``neuralab train`` run's start-up.
    ``find_spec`` locates the installed package without running its ``__init__``. Where the file
    is not there (another scikit-learn layout), scikit-learn's own loader is used.
    """
    from importlib.util import find_spec

    spec = find_spec("sklearn")
    if spec is None:
        raise ImportError("the digits dataset is bundled with scikit-learn; install it with "
                          "`pip install scikit-learn`")
    for folder in spec.submodule_search_locations or ():
        path = Path(folder) / "datasets" / "data" / "digits.csv.gz"
        if path.is_file():
            table = np.loadtxt(path, delimiter=",", dtype=np.float32)  # (1797, 65)
            return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    from sklearn.datasets import load_digits as sk_load_digits

    raw = sk_load_digits()
    return np.asarray(raw.images, dtype=np.float32), np.asarray(raw.target, dtype=np.int64)


# --------------------------------------------------------------------------- MNIST
def _find(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _read_idx_pair(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    images = read_idx(images_path, magic=IDX_IMAGES_MAGIC)
    labels = read_idx(labels_path, magic=IDX_LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{images_path} holds {images.shape[0]} images but {labels_path} holds "
            f"{labels.shape[0]} labels; the files do not belong together"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: label {int(labels.max())} is out of range 0..9")
    return images, labels.astype(np.int64)


def _mnist_folder(name: str, root: str | Path | None) -> Path:
    folder = _dataset_folder(name, root)
    stems = [s for pair in MNIST_FILES.values() for s in pair]
    # Accept the parent folder too (root=/data when the files are in /data/mnist).
    if folder.is_dir() and not any(_find(folder, s) for s in stems):
        nested = folder / name
        if nested.is_dir() and any(_find(nested, s) for s in stems):
            return nested
    return folder


def load_mnist(
    *,
    root: str | Path | None = None,
    seed: int = 0,
    val_fraction: float | None = None,
    test_fraction: float = 0.2,
    variant: str = "mnist",
) -> Dataset:
    """MNIST or Fashion-MNIST from the four standard IDX files (raw or ``.gz``) in ``root``.

    Parameters
    ----------
    root : str or Path, optional
        Folder holding ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
        ``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (each optionally ``.gz``).
        Default: the download cache (see :func:`neuralab.data.data_home`).
    seed : int
        Seed of the stratified validation (and, see below, test) split.
    val_fraction : float, optional
        Default 0.1 of the 60k training images (6000) when both file pairs are present.
    test_fraction : float
        Only used when the folder holds a single pair of files (see Notes). Default 0.2.
    variant : {"mnist", "fashion-mnist"}
        Selects the dataset name and class names.

    Returns
    -------
    Dataset
        ``X_*`` of shape ``(N, 28, 28)``, ``float32`` 0..255; ``image_shape=(28, 28)``.

    Notes
    -----
    With both pairs present the official split is kept: train 60000 minus the validation
    part, test 10000. A folder holding **only** the 10k test pair (or only the train pair) is
    split stratified by ``seed`` into train / val / test (default 60 / 20 / 20) and a one-line
    :class:`~neuralab.data.DatasetNotice` says so (also stored in ``Dataset.notes``).
    """
    check_choice("variant", variant, ("mnist", "fashion-mnist"))
    folder = _mnist_folder(variant, root)
    expected = ", ".join(f"{s}[.gz]" for pair in MNIST_FILES.values() for s in pair)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"{variant}: folder {folder} does not exist; {_how_to_get(variant)}: {expected}"
        )
    pairs: dict[str, tuple[Path, Path]] = {}
    for split, (img_stem, lbl_stem) in MNIST_FILES.items():
        img, lbl = _find(folder, img_stem), _find(folder, lbl_stem)
        if img and lbl:
            pairs[split] = (img, lbl)
        elif img or lbl:
            missing = lbl_stem if img else img_stem
            raise FileNotFoundError(
                f"{variant}: {folder} holds {(img or lbl).name} but not {missing}[.gz]; "
                f"{_how_to_get(variant)}"
            )
    if not pairs:
        raise FileNotFoundError(
            f"{variant}: no IDX files in {folder}; {_how_to_get(variant)}: {expected}"
        )
    classes = MNIST_CLASSES if variant == "mnist" else FASHION_MNIST_CLASSES
    notes: list[str] = []
    if len(pairs) == 2:
        X, y = _read_idx_pair(*pairs["train"])
        X_test, y_test = _read_idx_pair(*pairs["test"])
        X_tr, y_tr, X_va, y_va = carve_val(
            X, y, val_fraction=0.1 if val_fraction is None else val_fraction, seed=seed
        )
        parts = (X_tr, y_tr, X_va, y_va, X_test, y_test)
    else:
        ((only, (img, lbl)),) = pairs.items()
        X, y = _read_idx_pair(img, lbl)
        vf = 0.2 if val_fraction is None else check_fraction("val_fraction", val_fraction)
        parts = three_way_split(X, y, val_fraction=vf, test_fraction=test_fraction, seed=seed)
        sizes = "/".join(str(len(p)) for p in parts[1::2])
        notice(
            f"{variant}: only the {len(y)} {only} images were found in {folder}; split them "
            f"{sizes} into train/val/test (seed {seed}); run `neuralab data download {variant}` "
            "for the full 60k training set",
            notes,
        )
    X_tr, y_tr, X_va, y_va, X_te, y_te = parts
    what = "Zalando's Fashion-MNIST" if variant == "fashion-mnist" else "LeCun et al.'s MNIST"
    return Dataset(
        variant,
        X_tr.astype(np.float32),
        y_tr,
        X_va.astype(np.float32),
        y_va,
        X_te.astype(np.float32),
        y_te,
        class_names=classes,
        image_shape=tuple(X.shape[1:]),
        description=f"{what} 28x28 grayscale images, pixel values 0..255, from {folder}",
        notes=notes,
    )


def load_fashion_mnist(
    *,
    root: str | Path | None = None,
    seed: int = 0,
    val_fraction: float | None = None,
    test_fraction: float = 0.2,
) -> Dataset:
    """Fashion-MNIST: :func:`load_mnist` with ``variant="fashion-mnist"`` (same file names)."""
    return load_mnist(
        root=root,
        seed=seed,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        variant="fashion-mnist",
    )


# --------------------------------------------------------------------------- CIFAR-10
def _cifar_locate(root: str | Path | None, fmt: str) -> tuple[Path, str]:
    base = _dataset_folder("cifar10", root)
    if not base.is_dir():
        raise FileNotFoundError(
            f"cifar10: folder {base} does not exist; {_how_to_get('cifar10')} "
            f"({CIFAR10_PY_DIR}/ or {CIFAR10_BIN_DIR}/, or their files directly)"
        )
    formats = ("python", "binary") if fmt == "auto" else (fmt,)
    for kind in formats:
        sub, first = (
            (CIFAR10_PY_DIR, CIFAR10_PY_FILES[0])
            if kind == "python"
            else (CIFAR10_BIN_DIR, CIFAR10_BIN_FILES[0])
        )
        for folder in (base, base / sub, base / "cifar10" / sub):
            if (folder / first).is_file():
                return folder, kind
    wanted = {
        "auto": f"{CIFAR10_PY_DIR}/ or {CIFAR10_BIN_DIR}/",
        "python": f"{CIFAR10_PY_DIR}/",
        "binary": f"{CIFAR10_BIN_DIR}/",
    }[fmt]
    raise FileNotFoundError(
        f"cifar10: no CIFAR-10 batches ({wanted}) in {base}; {_how_to_get('cifar10')}"
    )


def load_cifar10(
    *,
    root: str | Path | None = None,
    seed: int = 0,
    val_fraction: float | None = None,
    format: str = "auto",  # shadows the builtin on purpose: the CLI flag is --format
) -> Dataset:
    """CIFAR-10 from the official "python" or binary batches.

    Parameters
    ----------
    root : str or Path, optional
        A folder holding ``cifar-10-batches-py/`` or ``cifar-10-batches-bin/`` (as unpacked from
        the official archives), or one of those folders itself. Default: the download cache.
    seed : int
        Seed of the stratified validation split carved from the 50k training images.
    val_fraction : float, optional
        Default 0.1 (5000 images).
    format : {"auto", "python", "binary"}
        ``auto`` prefers the python batches when both are present.

    Returns
    -------
    Dataset
        ``X_*`` of shape ``(N, 32, 32, 3)`` (HWC, RGB), ``float32`` 0..255;
        ``image_shape=(32, 32, 3)``; the ten official class names (the same list
        ``batches.meta`` holds).
    """
    check_choice("format", format, CIFAR10_FORMATS)
    folder, kind = _cifar_locate(root, format)
    names, reader = (
        (CIFAR10_PY_FILES, read_cifar_python_batch)
        if kind == "python"
        else (CIFAR10_BIN_FILES, read_cifar_binary_batch)
    )
    missing = [n for n in names if not (folder / n).is_file()]
    if missing:
        raise FileNotFoundError(
            f"cifar10: {folder} lacks {', '.join(missing)}; {_how_to_get('cifar10')}"
        )
    batches = [reader(folder / n) for n in names]
    X = np.concatenate([b[0] for b in batches[:-1]])
    y = np.concatenate([b[1] for b in batches[:-1]])
    X_te, y_te = batches[-1]
    notes: list[str] = []
    if len(y) < CIFAR10_SIZES[0] or len(y_te) < CIFAR10_SIZES[1]:
        notice(
            f"cifar10: {folder} holds {len(y)} training and {len(y_te)} test images, a sample "
            f"of the official {CIFAR10_SIZES[0]} + {CIFAR10_SIZES[1]}: accuracies are not "
            "comparable with full CIFAR-10 results",
            notes,
        )
    # Carve on uint8 and convert each split once: a float32 copy of the whole pool would
    # double peak memory (~600 MB for the full 50k set).
    vf = 0.1 if val_fraction is None else val_fraction
    X_tr, y_tr, X_va, y_va = carve_val(X, y, val_fraction=vf, seed=seed)
    return Dataset(
        "cifar10",
        X_tr.astype(np.float32),
        y_tr,
        X_va.astype(np.float32),
        y_va,
        X_te.astype(np.float32),
        y_te,
        class_names=CIFAR10_CLASSES,
        image_shape=(32, 32, 3),
        description=(
            f"CIFAR-10 32x32 RGB images, pixel values 0..255, {kind} batches in {folder}: "
            f"{names[0]} .. {names[-2]} ({len(y)} images: train, and val = {vf:.0%} of them "
            f"stratified by seed {seed}), {names[-1]} "
            f"({len(y_te)} images: test)"
        ),
        notes=notes,
    )
