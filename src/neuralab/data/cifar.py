"""CIFAR-10's two file formats: the "python" batches (pickles, read through
:class:`RestrictedUnpickler`, since a pickle file can otherwise run arbitrary code) and the
binary batches (fixed-size records). Each reader returns ``(images (N, 32, 32, 3) uint8,
labels (N,) int64)``; every problem with a file raises a ``ValueError`` that names it. The
loader that finds and reads the six batches lives in :mod:`neuralab.data.images`.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

CIFAR10_RECORD = 1 + 3 * 32 * 32  # one label byte, then R, G, B planes of 32×32 bytes


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


# --------------------------------------------------------------------------- batches
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
