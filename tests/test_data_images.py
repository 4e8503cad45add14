"""IDX (MNIST / Fashion-MNIST) and CIFAR-10 loaders, and the restricted unpickler."""

from __future__ import annotations

import gzip
import os
import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

from neuralab import data
from neuralab.data import images, testing

REAL_MNIST = Path("/work/shared/data/mnist")


def _assert_paired(ds: data.Dataset) -> None:
    """The fake images encode their label as brightness 25·k (+0..4): pairs must survive."""
    for split in ("train", "val", "test"):
        X, y = ds.split(split)
        if len(y):
            mean = X.reshape(len(y), -1).mean(axis=1)
            np.testing.assert_array_equal(np.floor(mean / 25).astype(int), y)


# --------------------------------------------------------------------------- IDX parsing
@pytest.mark.parametrize("gz", [True, False])
def test_read_idx_roundtrip(tmp_path, gz):
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    path = testing.write_idx(tmp_path / ("a.idx" + (".gz" if gz else "")), arr)
    out = data.read_idx(path, magic=images.IDX_IMAGES_MAGIC)
    np.testing.assert_array_equal(out, arr)


def _idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in arr.shape)
    return header + arr.astype(np.uint8).tobytes()


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        (b"\x00\x00", "shorter than the magic number"),
        (b"\x12\x34\x08\x01" + bytes(8), r"bad IDX magic number 0x12340801"),
        (b"\x00\x00\x08\x03\x00\x00", "truncated IDX header"),
        (_idx_bytes(np.zeros((3, 2, 2)))[:-1], "truncated.*shape \\(3, 2, 2\\)"),
        (_idx_bytes(np.zeros((3, 2, 2))) + b"x", "has trailing bytes"),
    ],
)
def test_read_idx_rejects_bad_files(tmp_path, payload, match):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=match) as err:
        data.read_idx(path)
    assert str(path) in str(err.value)


def test_read_idx_wrong_magic_for_role(tmp_path):
    path = testing.write_idx(tmp_path / "labels", np.zeros(5))
    with pytest.raises(ValueError, match="0x00000801 does not match the expected 0x00000803"):
        data.read_idx(path, magic=images.IDX_IMAGES_MAGIC)


def test_read_idx_corrupt_gzip(tmp_path):
    good = gzip.compress(_idx_bytes(np.zeros((50, 28, 28))))
    cut = tmp_path / "t10k-images-idx3-ubyte.gz"
    cut.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="corrupt or truncated gzip") as err:
        data.read_idx(cut)
    assert str(cut) in str(err.value)
    cut.write_bytes(b"not gzip at all")
    with pytest.raises(ValueError, match=str(cut)):
        data.read_idx(cut)


# --------------------------------------------------------------------------- MNIST loader
@pytest.mark.parametrize("gz", [True, False])
def test_mnist_full_folder(tmp_path, gz):
    testing.write_fake_mnist(tmp_path, n_train=100, n_test=30, gz=gz)
    with warnings.catch_warnings():
        warnings.simplefilter("error", data.DatasetNotice)  # no notice for a complete folder
        ds = data.load("mnist", root=tmp_path, seed=0)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (90, 10, 30)
    assert ds.X_train.shape[1:] == (28, 28) and ds.image_shape == (28, 28)
    assert ds.X_train.dtype == np.float32 and ds.X_train.max() <= 255
    assert ds.class_names == [str(i) for i in range(10)] and not ds.notes
    _assert_paired(ds)


def test_fashion_mnist_names_and_parent_folder(tmp_path):
    testing.write_fake_mnist(tmp_path / "fashion-mnist")
    ds = data.load("fashion_mnist", root=tmp_path)  # the parent folder works too
    assert ds.name == "fashion-mnist"
    assert ds.class_names[0] == "T-shirt/top" and ds.class_names[-1] == "Ankle boot"
    assert len(ds.class_names) == 10


def test_mnist_test_only_folder_is_split_with_notice(tmp_path):
    testing.write_fake_mnist(tmp_path, n_test=50, splits=("test",))
    with pytest.warns(data.DatasetNotice, match="only the 50 test images") as rec:
        ds = data.load("mnist", root=tmp_path, seed=1)
    assert len(rec) == 1 and "\n" not in str(rec[0].message)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (30, 10, 10)
    assert ds.notes == [str(rec[0].message)]
    _assert_paired(ds)


@pytest.mark.parametrize(
    ("setup", "match"),
    [
        ("no-folder", "does not exist.*neuralab data download mnist"),
        ("empty", "no IDX files in"),
        ("half-pair", "holds t10k-images-idx3-ubyte.gz but not t10k-labels-idx1-ubyte"),
    ],
)
def test_mnist_missing_files(tmp_path, setup, match):
    root = tmp_path / "mnist"
    if setup != "no-folder":
        root.mkdir()
    if setup == "half-pair":
        written = testing.write_fake_mnist(root, splits=("test",))
        written["t10k-labels-idx1-ubyte.gz"].unlink()
    with pytest.raises(FileNotFoundError, match=match) as err:
        data.load("mnist", root=root)
    assert str(root) in str(err.value)


def test_mnist_default_root_is_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "mnist")):
        data.load("mnist")
    testing.write_fake_mnist(tmp_path / "mnist")
    assert len(data.load("mnist").y_test) == 20


@pytest.mark.parametrize("damage", ["truncate", "magic", "mismatch", "label-range"])
def test_mnist_corrupt_files(tmp_path, damage):
    files = testing.write_fake_mnist(tmp_path, gz=False)
    images_path = files["train-images-idx3-ubyte"]
    labels_path = files["train-labels-idx1-ubyte"]
    if damage == "truncate":
        images_path.write_bytes(images_path.read_bytes()[:-100])
        bad, match = images_path, "truncated"
    elif damage == "magic":
        raw = bytearray(images_path.read_bytes())
        raw[3] = 1  # claims a labels file
        images_path.write_bytes(bytes(raw))
        bad, match = images_path, "does not match the expected 0x00000803"
    elif damage == "mismatch":
        testing.write_idx(labels_path, np.zeros(59))
        bad, match = labels_path, "59 labels"
    else:
        testing.write_idx(labels_path, np.full(60, 12))
        bad, match = labels_path, "label 12 is out of range"
    with pytest.raises(ValueError, match=match) as err:
        data.load("mnist", root=tmp_path)
    assert str(bad) in str(err.value)


@pytest.mark.skipif(not REAL_MNIST.is_dir(), reason=f"real MNIST test files not at {REAL_MNIST}")
def test_real_mnist_test_files():
    with pytest.warns(data.DatasetNotice, match="only the 10000 test images"):
        ds = data.load("mnist", root=REAL_MNIST, seed=0)
    sizes = (len(ds.y_train), len(ds.y_val), len(ds.y_test))
    assert sum(sizes) == 10_000 and sizes == (6000, 2000, 2000)
    assert ds.X_train.shape[1:] == (28, 28) and ds.X_train.dtype == np.float32
    assert ds.X_train.min() == 0 and ds.X_train.max() == 255
    # Stratified: every split has each digit at roughly its overall frequency (~10 %).
    for y in (ds.y_train, ds.y_val, ds.y_test):
        freq = np.bincount(y, minlength=10) / len(y)
        assert np.all((freq > 0.08) & (freq < 0.125))


# --------------------------------------------------------------------------- CIFAR-10
@pytest.mark.parametrize("fmt", ["python", "python3", "binary"])
def test_cifar10_formats(tmp_path, fmt):
    folder = testing.write_fake_cifar10(tmp_path, n_per_batch=20, format=fmt)
    ds = data.load("cifar10", root=tmp_path, seed=0)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (90, 10, 20)
    assert ds.X_train.shape[1:] == (32, 32, 3) and ds.image_shape == (32, 32, 3)
    assert ds.X_train.dtype == np.float32 and ds.class_names[0] == "airplane"
    assert ds.class_names[-1] == "truck"
    _assert_paired(ds)
    # The batches folder itself works as root too.
    assert len(data.load("cifar10", root=folder).y_test) == 20


def test_cifar10_sample_says_so_and_names_its_files(tmp_path):
    folder = testing.write_fake_cifar10(tmp_path, n_per_batch=20, format="binary")
    with pytest.warns(data.DatasetNotice, match="100 training and 20 test images, a sample"):
        ds = data.load("cifar10", root=tmp_path, seed=3)
    assert ds.notes and "50000 + 10000" in ds.notes[0]
    text = ds.summary()
    assert f"binary batches in {folder}" in text
    assert "data_batch_1.bin .. data_batch_5.bin (100 images: train, and val = 10% of them " \
           "stratified by seed 3), test_batch.bin (20 images: test)" in text
    assert "images per class: train 9, val 1, test 2" in text


def test_cifar10_channel_order(tmp_path):
    """Pixel (r, c) of channel ch is byte ch·1024 + r·32 + c of the record (planar R, G, B)."""
    out = tmp_path / "cifar-10-batches-bin"
    out.mkdir()
    record = np.zeros(3073, np.uint8)
    record[0] = 3
    record[1 + 0 * 1024 + 1 * 32 + 2] = 10  # R at row 1, col 2
    record[1 + 1 * 1024 + 1 * 32 + 2] = 20  # G
    record[1 + 2 * 1024 + 1 * 32 + 2] = 30  # B
    for name in images.CIFAR10_BIN_FILES:
        (out / name).write_bytes(np.tile(record, 10).tobytes())
    ds = data.load("cifar10", root=tmp_path, val_fraction=0.0)
    assert ds.X_test[0, 1, 2].tolist() == [10, 20, 30] and ds.y_test[0] == 3


def test_cifar10_binary_bad_size_and_label(tmp_path):
    folder = testing.write_fake_cifar10(tmp_path, format="binary")
    bad = folder / "data_batch_3.bin"
    bad.write_bytes(bad.read_bytes()[:-7])
    with pytest.raises(ValueError, match="not a positive multiple of the 3073-byte") as err:
        data.load("cifar10", root=tmp_path)
    assert str(bad) in str(err.value)
    rec = np.zeros((2, 3073), np.uint8)
    rec[1, 0] = 11
    bad.write_bytes(rec.tobytes())
    with pytest.raises(ValueError, match="label 11 is out of range"):
        data.load("cifar10", root=tmp_path)


def test_cifar10_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"does not exist.*neuralab data download cifar10"):
        data.load("cifar10", root=tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="no CIFAR-10 batches"):
        data.load("cifar10", root=tmp_path)
    folder = testing.write_fake_cifar10(tmp_path)
    (folder / "data_batch_4").unlink()
    with pytest.raises(FileNotFoundError, match="lacks data_batch_4") as err:
        data.load("cifar10", root=tmp_path)
    assert str(folder) in str(err.value)
    with pytest.raises(ValueError, match="format='jpeg'"):
        data.load("cifar10", root=tmp_path, format="jpeg")
    with pytest.raises(FileNotFoundError, match="cifar-10-batches-bin"):
        data.load("cifar10", root=tmp_path, format="binary")


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ([1, 2, 3], "expected a pickled dict"),
        ({b"data": np.zeros((2, 3072), np.uint8)}, r"missing key\(s\) \['labels'\]"),
        ({b"data": np.zeros((2, 100), np.uint8), b"labels": [0, 1]}, r"shape \(N, 3072\)"),
        ({b"data": np.zeros((2, 3072), np.float64), b"labels": [0, 1]}, "uint8 array"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [0]}, "2 images but"),
        ({"data": np.zeros((2, 3072), np.uint8), "labels": [0, 10]}, "label 10 is out of range"),
    ],
)
def test_cifar10_python_batch_validation(tmp_path, batch, match):
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(batch, protocol=4))
    with pytest.raises(ValueError, match=match) as err:
        images.read_cifar_python_batch(path)
    assert str(path) in str(err.value)


def test_cifar10_python_batch_truncated(tmp_path):
    folder = testing.write_fake_cifar10(tmp_path)
    bad = folder / "test_batch"
    bad.write_bytes(bad.read_bytes()[:500])
    with pytest.raises(ValueError, match="corrupt or truncated") as err:
        data.load("cifar10", root=tmp_path)
    assert str(bad) in str(err.value)


# --------------------------------------------------------------------------- restricted unpickler
class _Exploit:
    """Unpickling this would run ``touch <marker>`` through os.system."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _EvalExploit:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


@pytest.mark.parametrize("where", ["top", "nested-in-batch"])
def test_restricted_unpickler_refuses_code_execution(tmp_path, where):
    marker = tmp_path / "pwned"
    exploit = _Exploit(marker)
    obj = exploit if where == "top" else {b"data": exploit, b"labels": [0]}
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(obj, protocol=4))
    with pytest.raises(data.UnsafePickleError, match=r"refused.*\b(posix|nt|os)\.system") as err:
        images.read_cifar_python_batch(path)
    assert isinstance(err.value, ValueError) and isinstance(err.value, pickle.UnpicklingError)
    assert str(path) in str(err.value)
    assert not marker.exists()  # nothing ran


def test_restricted_unpickler_refuses_builtins(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(pickle.dumps(_EvalExploit()))
    with pytest.raises(data.UnsafePickleError, match=r"builtins\.eval"):
        images.restricted_load(path)


def test_restricted_unpickler_allows_exactly_numpy_arrays(tmp_path):
    arr = np.arange(12, dtype=np.uint8).reshape(3, 4)
    path = tmp_path / "ok"
    path.write_bytes(testing.py2_pickle({b"data": arr, b"labels": [1, 2, 3]}))
    out = images.restricted_load(path)
    np.testing.assert_array_equal(out[b"data"], arr)
    assert out[b"labels"] == [1, 2, 3]
    assert data.RestrictedUnpickler.ALLOWED == {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
    }
