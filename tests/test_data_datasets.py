"""Dataset container, registry, load(), split helpers and the runners table."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralab import data
from neuralab.data.splits import carve_val, three_way_split


def _tiny(**changes):
    rng = np.random.default_rng(0)
    kw = dict(
        X_train=rng.random((6, 2)),
        y_train=np.array([0, 1, 2, 0, 1, 2]),
        X_val=rng.random((3, 2)),
        y_val=np.array([0, 1, 2]),
        X_test=np.zeros((0, 2)),
        y_test=np.zeros(0, dtype=int),
        class_names=["a", "b", "c"],
    )
    kw.update(changes)
    return data.Dataset("tiny", **kw)


# --------------------------------------------------------------------------- Dataset
def test_dataset_converts_dtypes_and_reports_shapes():
    ds = _tiny()
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert ds.X_test.shape == (0, 2)
    assert (ds.n_features, ds.n_classes, ds.n_outputs) == (2, 3, 3)
    assert "tiny" in repr(ds) and "6/3/0" in repr(ds) and "classes=3" in repr(ds)
    text = ds.summary()
    assert "train" in text and "3 classes: a, b, c" in text
    X, y = ds.split("val")
    assert X.shape == (3, 2) and y.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="split='dev'"):
        ds.split("dev")


def test_dataset_image_features_and_regression():
    ds = _tiny(
        X_train=np.zeros((6, 4, 4, 3)),
        X_val=np.zeros((3, 4, 4, 3)),
        X_test=np.zeros((0, 4, 4, 3)),
        image_shape=[4, 4, 3],
    )
    assert ds.n_features == 48 and ds.image_shape == (4, 4, 3)
    reg = data.Dataset(
        "r", np.zeros((2, 1)), [0.5, 1.5], np.zeros((0, 1)), [], np.zeros((0, 1)), [],
        task="regression",
    )  # fmt: skip
    assert reg.y_train.dtype == np.float32 and reg.n_classes == 0 and reg.n_outputs == 1
    assert "regression" in repr(reg)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"task": "clustering"}, "task='clustering'"),
        ({"y_train": np.zeros(5, dtype=int)}, "y_train must have shape"),
        ({"X_val": np.zeros((3, 5))}, "sample shape"),
        ({"y_val": np.array([0, 1, 3])}, r"labels in \[0, 3\].*3 class names"),
        ({"X_train": np.zeros(6)}, "ndim >= 2"),
        ({"y_train": np.array([0, 1, 2, 0, 1, 2.5])}, "integer class indices"),
    ],
)
def test_dataset_validation(changes, match):
    with pytest.raises(ValueError, match=match):
        _tiny(**changes)


def test_dataset_without_class_names_numbers_them():
    ds = _tiny(class_names=[])
    assert ds.class_names == ["0", "1", "2"]


# --------------------------------------------------------------------------- registry
def test_list_datasets_and_info():
    infos = data.list_datasets()
    names = [i.name for i in infos]
    for expected in ("digits", "mnist", "fashion-mnist", "cifar10", "runners", "circle", "spiral"):
        assert expected in names
    by_name = {i.name: i for i in infos}
    assert by_name["mnist"].needs_files and by_name["mnist"].downloadable
    assert not by_name["digits"].needs_files and not by_name["runners"].needs_files
    assert by_name["runners"].task == "regression"
    assert "needs files" in str(by_name["cifar10"]) and "cifar10" in str(by_name["cifar10"])
    assert data.info("Fashion_MNIST").name == "fashion-mnist"
    assert data.info("CIFAR-10").name == "cifar10"


def test_unknown_name_lists_allowed_names():
    with pytest.raises(ValueError, match="imagenet") as err:
        data.load("imagenet")
    assert "mnist" in str(err.value) and "digits" in str(err.value)
    with pytest.raises(ValueError, match="choose one of"):
        data.info("nope")


def test_load_rejects_unknown_options_and_bad_values():
    with pytest.raises(TypeError, match=r"unexpected option.*colour.*options for digits"):
        data.load("digits", colour=True)
    with pytest.raises(ValueError, match=r"val_fraction=1\.5"):
        data.load("circle", val_fraction=1.5)
    with pytest.raises(ValueError, match="seed='x'"):
        data.load("circle", seed="x")
    with pytest.raises(ValueError, match="cannot be downloaded"):
        data.load("runners", download=True)
    with pytest.raises(ValueError, match="must be < 1"):
        data.load("circle", val_fraction=0.5, test_fraction=0.5)


def test_load_toy_through_registry():
    ds = data.load("spiral", n=300, noise=0.1, classes=3, seed=2)
    assert (len(ds.y_train), len(ds.y_val), len(ds.y_test)) == (180, 60, 60)
    assert ds.n_classes == 3 and ds.X_train.shape[1:] == (2,) and ds.image_shape is None
    # Stratified: each class has its share of the validation split.
    assert np.bincount(ds.y_val).tolist() == [20, 20, 20]
    reg = data.load("plane", n=100)
    assert reg.task == "regression" and reg.y_train.dtype == np.float32
    assert len(reg.y_train) + len(reg.y_val) + len(reg.y_test) == 100


def test_load_digits():
    pytest.importorskip("sklearn", reason="digits are bundled with scikit-learn")
    ds = data.load("digits", seed=0)
    assert ds.image_shape == (8, 8) and ds.X_train.shape[1:] == (8, 8)
    n = len(ds.y_train) + len(ds.y_val) + len(ds.y_test)
    assert n == 1797
    assert abs(len(ds.y_train) - 0.6 * n) <= 1 and abs(len(ds.y_test) - 0.2 * n) <= 1
    assert ds.X_train.min() == 0 and ds.X_train.max() == 16  # raw units, no scaling
    assert ds.n_classes == 10
    again = data.load("digits", seed=0)
    other = data.load("digits", seed=1)
    np.testing.assert_array_equal(ds.X_val, again.X_val)
    assert not np.array_equal(ds.y_val, other.y_val)


def test_digits_are_scikit_learns_without_importing_it():
    """The digits come from scikit-learn's bundled file, read without importing sklearn
    (~2 s of a small run's start-up), and equal sklearn's own loader bit for bit."""
    sk_datasets = pytest.importorskip("sklearn.datasets", reason="digits ship with sklearn")
    code = ("import sys; from neuralab.data.images import _read_digits; X, y = _read_digits(); "
            "print(X.shape, y.shape, X.dtype, y.dtype, 'sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["(1797,", "8,", "8)", "(1797,)", "float32", "int64", "False"]
    from neuralab.data.images import _read_digits

    X, y = _read_digits()
    raw = sk_datasets.load_digits()
    np.testing.assert_array_equal(X, raw.images.astype(np.float32))
    np.testing.assert_array_equal(y, raw.target)


def test_import_is_light():
    code = (
        "import sys, neuralab.data; "
        "heavy = [m for m in ('sklearn', 'torch', 'PIL', 'matplotlib', 'rich', 'urllib.request') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_data_home_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path))
    assert data.data_home("mnist") == tmp_path / "mnist"
    monkeypatch.delenv("NEURALAB_DATA")
    assert data.data_home("mnist").parts[-3:] == (".cache", "neuralab", "mnist")


# --------------------------------------------------------------------------- splits
def test_stratified_split_partitions_and_preserves_proportions():
    y = np.repeat(np.arange(4), [100, 50, 30, 20])  # 200 samples, unbalanced
    parts = data.stratified_split(y, (0.6, 0.2, 0.2), seed=0)
    assert [len(p) for p in parts] == [120, 40, 40]
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(200))
    for p, f in zip(parts, (0.6, 0.2, 0.2), strict=True):
        counts = np.bincount(y[p], minlength=4)
        np.testing.assert_allclose(counts, f * np.array([100, 50, 30, 20]), atol=1)


def test_stratified_split_is_deterministic_by_seed():
    y = np.arange(500) % 7
    a = data.stratified_split(y, (0.8, 0.2), seed=3)
    b = data.stratified_split(y, (0.8, 0.2), seed=3)
    c = data.stratified_split(y, (0.8, 0.2), seed=4)
    for pa, pb in zip(a, b, strict=True):
        np.testing.assert_array_equal(pa, pb)
    assert not np.array_equal(np.sort(a[1]), np.sort(c[1]))


def test_split_does_not_touch_global_rng():
    # The legacy global generator is exactly what must stay untouched, hence the NPY002 noqa.
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    data.stratified_split(np.arange(50) % 2, (0.5, 0.5), seed=1)
    data.toy("circle", n=50, seed=1)
    data.load("spiral", n=50, seed=1)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 5), min_size=1, max_size=200),
    st.sampled_from([(1.0,), (0.5, 0.5), (0.7, 0.2, 0.1), (0.0, 1.0), (0.6, 0.2, 0.2)]),
    st.integers(0, 2**32 - 1),
)
def test_stratified_split_properties(labels, fractions, seed):
    y = np.array(labels)
    parts = data.stratified_split(y, fractions, seed)
    n = len(y)
    bounds = np.rint(np.cumsum(fractions) * n).astype(int)
    assert [len(p) for p in parts] == np.diff(np.concatenate([[0], bounds])).tolist()
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(n))
    for cls in np.unique(y):
        n_c = int(np.sum(y == cls))
        for p, f in zip(parts, fractions, strict=True):
            # Each class gets its proportional share to within about one sample per cut.
            assert abs(int(np.sum(y[p] == cls)) - f * n_c) <= 2


@pytest.mark.parametrize(
    ("fractions", "match"),
    [((0.5, 0.4), "must sum to 1"), ((1.2, -0.2), ">= 0"), ((), "non-empty")],
)
def test_split_fraction_validation(fractions, match):
    with pytest.raises(ValueError, match=match):
        data.stratified_split(np.zeros(10), fractions, 0)


def test_random_split_and_helpers():
    parts = data.random_split(10, (0.5, 0.5), seed=0)
    assert sorted(np.concatenate(parts).tolist()) == list(range(10))
    with pytest.raises(ValueError, match="n=-1"):
        data.random_split(-1, (1.0,), 0)
    X = np.arange(20, dtype=np.float32)[:, None]
    y = np.arange(20) % 2
    Xtr, ytr, Xva, yva = carve_val(X, y, val_fraction=0.25, seed=0)
    assert (len(ytr), len(yva)) == (15, 5)
    np.testing.assert_array_equal(Xtr[:, 0] % 2, ytr)  # rows stay paired with labels
    np.testing.assert_array_equal(Xva[:, 0] % 2, yva)
    parts6 = three_way_split(X, y, val_fraction=0.2, test_fraction=0.2, seed=0, stratify=False)
    assert [len(a) for a in parts6] == [12, 12, 4, 4, 4, 4]


# --------------------------------------------------------------------------- runners
def test_runners_table_matches_lecture():
    x, y = data.runners()
    assert x.dtype == np.float64 and y.dtype == np.float64
    assert x.tolist() == [10, 15, 20, 25, 29, 40, 50, 60]
    assert y.tolist() == [6, 9, 11, 12, 13, 11, 10, 9]
    ds = data.load("runners")
    assert ds.task == "regression" and ds.X_train.shape == (8, 1) and ds.X_val.shape == (0, 1)
    np.testing.assert_array_equal(ds.y_train, y.astype(np.float32))
    with pytest.raises(ValueError, match=r"val_fraction=0\.5"):
        data.load("runners", val_fraction=0.5)
