"""Writers of tiny, valid dataset files in the official formats, for tests and demos.

They let tests of the loaders, the downloader and the CLI run without the real (large) files:
``write_fake_mnist(tmp_path)`` writes the four IDX files with a handful of images,
``write_fake_cifar10(tmp_path)`` the six CIFAR-10 batches in the python or binary layout. The
images carry their label as brightness (class ``k`` -> pixel values near ``25·k``) so a test can
check that images and labels stay paired through a split.
"""

from __future__ import annotations

import gzip
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np

from neuralab.data.images import CIFAR10_CLASSES


def write_idx(path: str | Path, array: np.ndarray, *, gz: bool | None = None) -> Path:
    """Write ``array`` (uint8) as an IDX file: magic ``0x0000 08 <ndim>``, big-endian dims, data.

    ``gz`` defaults to ``path`` ending in ``.gz``. Returns the path.
    """
    path = Path(path)
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.tobytes()
    if gz if gz is not None else path.suffix == ".gz":
        payload = gzip.compress(payload, mtime=0)  # mtime=0: same bytes, same checksum
    path.write_bytes(payload)
    return path


def fake_images(
    n: int, shape: tuple[int, ...], n_classes: int = 10, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``(images (n, *shape) uint8, labels (n,) uint8)``; every class appears when n >= n_classes.

    Image ``i`` of class ``k`` has pixels ``25·k + U{0..4}``, so its label can be read back from
    its mean (``round(mean / 25)``).
    """
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % n_classes).astype(np.uint8)
    noise = rng.integers(0, 5, size=(n, *shape))
    images = (labels.reshape(-1, *([1] * len(shape))) * 25 + noise).astype(np.uint8)
    return images, labels


MNIST_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def write_fake_mnist(
    folder: str | Path,
    *,
    n_train: int = 60,
    n_test: int = 20,
    gz: bool = True,
    splits: tuple[str, ...] = ("train", "test"),
    seed: int = 0,
) -> dict[str, Path]:
    """Write MNIST-format IDX files (28×28 images) into ``folder``; returns ``{name: path}``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for split in splits:
        n = n_train if split == "train" else n_test
        images, labels = fake_images(n, (28, 28), seed=seed + (split == "test"))
        suffix = ".gz" if gz else ""
        img_name, lbl_name = (s + suffix for s in MNIST_NAMES[split])
        written[img_name] = write_idx(folder / img_name, images)
        written[lbl_name] = write_idx(folder / lbl_name, labels)
    return written


def _cifar_batches(n_per_batch: int, seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Six ``(stem, data (n, 3072) uint8 channel-planar, labels (n,) uint8)`` batches."""
    out = []
    for i, stem in enumerate([*(f"data_batch_{k}" for k in range(1, 6)), "test_batch"]):
        images, labels = fake_images(n_per_batch, (32, 32, 3), seed=seed + i)
        planar = images.transpose(0, 3, 1, 2).reshape(n_per_batch, 3072)  # HWC -> R, G, B planes
        out.append((stem, planar, labels))
    return out


def py2_pickle(obj: object) -> bytes:
    """Pickle ``obj`` the way Python 2's cPickle (protocol 2) wrote CIFAR-10's batches.

    Python 3 cannot produce those bytes itself (it pickles ``bytes`` through ``_codecs.encode``
    at protocol 2), so this writes the opcodes directly. Supported: dicts, lists, ``bytes`` (a
    Python 2 ``str``), ints, and C-contiguous uint8 numpy arrays, which reference exactly the
    globals the real files do: ``numpy.core.multiarray._reconstruct``, ``numpy.ndarray`` and
    ``numpy.dtype``.
    """
    out = bytearray(b"\x80\x02")  # PROTO 2

    def string(b: bytes) -> None:  # SHORT_BINSTRING / BINSTRING
        out.extend(
            b"U" + bytes([len(b)]) + b if len(b) < 256 else b"T" + struct.pack("<i", len(b)) + b
        )

    def dump(o: object) -> None:
        if isinstance(o, dict):
            out.extend(b"}(")  # EMPTY_DICT, MARK
            for k, v in o.items():
                dump(k)
                dump(v)
            out.extend(b"u")  # SETITEMS
        elif isinstance(o, list):
            out.extend(b"](")  # EMPTY_LIST, MARK
            for v in o:
                dump(v)
            out.extend(b"e")  # APPENDS
        elif isinstance(o, bytes):
            string(o)
        elif isinstance(o, bool | np.bool_):
            out.extend(b"\x88" if o else b"\x89")
        elif isinstance(o, int | np.integer):
            out.extend(b"J" + struct.pack("<i", int(o)))  # BININT
        elif isinstance(o, np.ndarray) and o.dtype == np.uint8:
            # _reconstruct(ndarray, (0,), b"b") then __setstate__((1, shape, dtype, False, raw))
            out.extend(b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n")
            out.extend(b"J\x00\x00\x00\x00\x85")  # (0,)
            string(b"b")
            out.extend(b"\x87R(J\x01\x00\x00\x00(")  # TUPLE3 REDUCE, MARK 1, MARK shape
            for d in o.shape:
                dump(int(d))
            out.extend(b"t")
            out.extend(b"cnumpy\ndtype\n")
            string(b"u1")
            out.extend(b"J\x00\x00\x00\x00J\x01\x00\x00\x00\x87R(J\x03\x00\x00\x00")
            string(b"|")
            out.extend(b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffJ\x00\x00\x00\x00tb\x89")
            string(np.ascontiguousarray(o).tobytes())
            out.extend(b"tb")  # TUPLE, BUILD
        else:
            raise TypeError(f"py2_pickle cannot write {type(o).__name__}")

    dump(obj)
    out.extend(b".")
    return bytes(out)


def write_fake_cifar10(
    folder: str | Path, *, n_per_batch: int = 20, format: str = "python", seed: int = 0
) -> Path:
    """Write the six CIFAR-10 batches into ``folder/cifar-10-batches-{py,bin}``; returns that dir.

    ``format="python"``: dicts ``{b"batch_label", b"data", b"labels", b"filenames"}`` pickled as
    Python 2 did (:func:`py2_pickle`), plus ``batches.meta``. ``format="python3"``: the same
    dicts with Python 3's ``pickle.dumps(protocol=4)``. ``format="binary"``: ``.bin`` files of
    3073-byte records plus ``batches.meta.txt``.
    """
    names = CIFAR10_CLASSES
    if format in ("python", "python3"):
        dumps = py2_pickle if format == "python" else lambda o: pickle.dumps(o, protocol=4)
        out = Path(folder) / "cifar-10-batches-py"
        out.mkdir(parents=True, exist_ok=True)
        for stem, data, labels in _cifar_batches(n_per_batch, seed):
            batch = {
                b"batch_label": stem.encode(),
                b"data": data,
                b"labels": [int(v) for v in labels],
                b"filenames": [f"{stem}_{i}.png".encode() for i in range(len(labels))],
            }
            (out / stem).write_bytes(dumps(batch))
        meta = {b"label_names": [n.encode() for n in names], b"num_cases_per_batch": n_per_batch}
        (out / "batches.meta").write_bytes(dumps(meta))
    elif format == "binary":
        out = Path(folder) / "cifar-10-batches-bin"
        out.mkdir(parents=True, exist_ok=True)
        for stem, data, labels in _cifar_batches(n_per_batch, seed):
            records = np.concatenate([labels[:, None], data], axis=1).astype(np.uint8)
            (out / f"{stem}.bin").write_bytes(records.tobytes())
        (out / "batches.meta.txt").write_text("\n".join(names) + "\n")
    else:
        raise ValueError(
            f"format={format!r} is not allowed; choose one of: python, python3, binary"
        )
    return out


def write_fake_cifar10_archive(path: str | Path, *, n_per_batch: int = 20, seed: int = 0) -> Path:
    """A ``cifar-10-python.tar.gz``-style archive of :func:`write_fake_cifar10`'s python batches.

    The archive is written next to a scratch folder ``<path>.src``; returns ``path``.
    """
    path = Path(path)
    src = write_fake_cifar10(path.with_name(path.name + ".src"), n_per_batch=n_per_batch, seed=seed)
    with tarfile.open(path, "w:gz") as tar:
        tar.add(src, arcname=src.name)
    return path
