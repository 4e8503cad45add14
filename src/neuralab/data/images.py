"""Image datasets: scikit-learn's 8×8 digits, MNIST / Fashion-MNIST (IDX) and CIFAR-10.

Everything is parsed with the standard library and numpy: IDX headers are read by hand, CIFAR's
"python" batches go through :class:`RestrictedUnpickler` (a pickle file can otherwise run
arbitrary code), CIFAR's binary batches are fixed-size records. Every problem with a file raises
a ``ValueError`` that names the file and says what is wrong; a missing folder or file raises a
``FileNotFoundError`` that names the path and says how to get the data.

Pixel values are kept in their original units (0..16 for digits, 0..255 otherwise) as
``float32``; scaling and mean subtraction live in :mod:`neuralab.data.preprocess`.
"""

from __future__ import annotations

import gzip
import io
import pickle
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from neuralab.checks import check_choice
from neuralab.data.dataset import Dataset, notice
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
IDX_LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension
IDX_IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
# IDX type codes (third magic byte) -> big-endian numpy dtype.
_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}

CIFAR10_PY_DIR = "cifar-10-batches-py"
CIFAR10_BIN_DIR = "cifar-10-batches-bin"
CIFAR10_PY_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")
CIFAR10_BIN_FILES = (*(f"data_batch_{i}.bin" for i in range(1, 6)), "test_batch.bin")
CIFAR10_RECORD = 1 + 3 * 32 * 32  # one label byte, then R, G, B planes of 32×32 bytes
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
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as err:  # scikit-learn is an optional dependency
        raise ImportError(
            "the digits dataset is bundled with scikit-learn; install it with "
            "`pip install scikit-learn`"
        ) from err
    raw = sk_load_digits()
    X = np.asarray(raw.images, dtype=np.float32)
    y = np.asarray(raw.target, dtype=np.int64)
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


# --------------------------------------------------------------------------- IDX
def _read_bytes(path: Path) -> bytes:
    """Whole file contents, transparently gunzipped for ``*.gz``."""
    if path.suffix == ".gz":
        try:
            with gzip.open(path, "rb") as fh:
                return fh.read()
        except (OSError, EOFError, zlib.error) as err:
            # BadGzipFile (an OSError), EOFError for a cut-off stream, zlib.error for bad data.
            raise ValueError(f"{path}: corrupt or truncated gzip file ({err})") from err
    return path.read_bytes()


def read_idx(path: str | Path, *, magic: int | None = None) -> np.ndarray:
    """Parse one IDX file (raw or ``.gz``) into a numpy array.

    The IDX format: a 4-byte magic number ``0x00 0x00 <type> <ndim>``, then ``ndim`` big-endian
    uint32 dimensions, then the data in C order.

    Parameters
    ----------
    path : str or Path
    magic : int, optional
        Required magic number, e.g. ``0x00000801`` (labels) or ``0x00000803`` (images).

    Returns
    -------
    numpy.ndarray
        Shape given by the header, native-endian version of the header's dtype (``uint8`` for
        MNIST).

    Raises
    ------
    ValueError
        Wrong magic number, too-short header, or a byte count that does not match the dims
        (truncated or padded file); the message names the file.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(
            f"{path}: not an IDX file: {len(raw)} bytes, shorter than the magic number"
        )
    found = int.from_bytes(raw[:4], "big")
    code, ndim = raw[2], raw[3]
    if raw[0] != 0 or raw[1] != 0 or code not in _IDX_DTYPES or ndim == 0:
        raise ValueError(
            f"{path}: bad IDX magic number 0x{found:08x}; expected 0x00000801 (labels) or "
            "0x00000803 (images) — is this an MNIST file?"
        )
    if magic is not None and found != magic:
        raise ValueError(
            f"{path}: IDX magic number 0x{found:08x} does not match the expected 0x{magic:08x} "
            f"({'labels' if magic == IDX_LABELS_MAGIC else 'images'} file); were the image and "
            "label files swapped or renamed?"
        )
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(
            f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, file has "
            f"{len(raw)}"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "has trailing bytes"
        raise ValueError(
            f"{path}: {what}: the header says shape {dims} ({expected - header} data bytes) but "
            f"the file holds {len(raw) - header} data bytes"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return data.astype(dtype.newbyteorder("="), copy=False)


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


# --------------------------------------------------------------------------- safe unpickling
class UnsafePickleError(pickle.UnpicklingError, ValueError):
    """A pickle asked for a global outside the allow-list (it could run code); nothing ran."""


def _numpy_reconstruct() -> Any:
    # numpy >= 2 moved numpy.core to numpy._core; numpy.core still exists but warns on access.
    core = getattr(np, "_core", None)
    if core is None:  # numpy 1.x
        core = np.core
    return core.multiarray._reconstruct


class RestrictedUnpickler(pickle.Unpickler):
    """An unpickler that can rebuild numpy arrays and nothing else that is callable.

    Plain data (dicts, lists, bytes, str, numbers) needs no globals. CIFAR-10's python batches
    additionally reference exactly the three globals numpy uses to pickle an array:
    ``numpy.core.multiarray._reconstruct`` (``numpy._core.multiarray._reconstruct`` when written
    by numpy >= 2), ``numpy.ndarray`` and ``numpy.dtype``. Any other global — ``os.system``,
    ``builtins.eval``, ``subprocess.Popen`` ... — raises :class:`UnsafePickleError` naming it,
    before it can be called.
    """

    ALLOWED: frozenset[tuple[str, str]] = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy", "ndarray"),
            ("numpy", "dtype"),
        }
    )

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise UnsafePickleError(
                f"refused to unpickle the global {module}.{name}: only numpy array "
                "reconstruction (numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype) "
                "is allowed"
            )
        if name == "_reconstruct":
            return _numpy_reconstruct()
        return np.ndarray if name == "ndarray" else np.dtype


def restricted_load(path: str | Path) -> Any:
    """Unpickle ``path`` with :class:`RestrictedUnpickler` (``encoding="bytes"``, as CIFAR needs).

    Raises
    ------
    UnsafePickleError
        (a ``ValueError``) if the pickle references a forbidden global; the message names the file
        and the global.
    ValueError
        If the file is not a readable pickle (truncated, corrupt).
    """
    path = Path(path)
    data = path.read_bytes()
    try:
        # Python 2 pickles hold str, which must come back as bytes: keys are b"data", b"labels".
        return RestrictedUnpickler(io.BytesIO(data), encoding="bytes").load()
    except UnsafePickleError as err:
        raise UnsafePickleError(f"{path}: {err}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError, IndexError) as err:
        raise ValueError(
            f"{path}: not a readable pickle, the file is corrupt or truncated "
            f"({type(err).__name__}: {err})"
        ) from err


# --------------------------------------------------------------------------- CIFAR-10
def _planar_to_hwc(pixels: np.ndarray) -> np.ndarray:
    """``(N, 3072)`` uint8 rows, R plane then G then B (row-major 32×32) -> ``(N, 32, 32, 3)``."""
    return pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


def _check_labels(path: Path, labels: np.ndarray) -> None:
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        bad = int(labels.max() if labels.max() > 9 else labels.min())
        raise ValueError(f"{path}: label {bad} is out of range 0..9")


def read_cifar_python_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 "python" batch: a pickled dict with ``b"data"`` and ``b"labels"``.

    Returns
    -------
    images : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8 (HWC, RGB).
    labels : numpy.ndarray
        ``(N,)`` int64 in 0..9.
    """
    path = Path(path)
    batch = restricted_load(path)
    if not isinstance(batch, dict):
        raise ValueError(f"{path}: expected a pickled dict, got {type(batch).__name__}")
    # Files written by Python 2 decode their keys as bytes; accept str keys as well.
    batch = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(
            f"{path}: missing key(s) {sorted({'data', 'labels'} - set(batch))}; "
            f"found {sorted(map(str, batch))}"
        )
    data, labels = batch["data"], batch["labels"]
    if (
        not isinstance(data, np.ndarray)
        or data.dtype != np.uint8
        or data.ndim != 2
        or data.shape[1] != 3072
    ):
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise ValueError(f"{path}: b'data' must be a uint8 array of shape (N, 3072), got {got}")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{path}: b'labels' must be a list of ints ({err})") from err
    if labels.shape != (data.shape[0],):
        raise ValueError(f"{path}: {data.shape[0]} images but b'labels' has shape {labels.shape}")
    _check_labels(path, labels)
    return _planar_to_hwc(data), labels


def read_cifar_binary_batch(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """One CIFAR-10 binary batch: records of 1 label byte + 3072 pixel bytes (R, G, B planes).

    Returns ``(images (N, 32, 32, 3) uint8, labels (N,) int64)``; ``ValueError`` naming the file
    if its size is not a positive multiple of 3073 bytes or a label is out of range.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0 or size % CIFAR10_RECORD:
        raise ValueError(
            f"{path}: size {size} bytes is not a positive multiple of the {CIFAR10_RECORD}-byte "
            "record (1 label byte + 3072 pixel bytes); the file is truncated or not a CIFAR-10 "
            "binary batch"
        )
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, CIFAR10_RECORD)
    labels = records[:, 0].astype(np.int64)
    _check_labels(path, labels)
    return _planar_to_hwc(records[:, 1:]), labels


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
