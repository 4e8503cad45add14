"""features.extract (named blocks, validated parameters) and features.cached (computed once per
dataset/names/params, written atomically, reused on the second call)."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

import numpy as np
import pytest

from neuralab import data, features

pipeline = importlib.import_module("neuralab.features.pipeline")


def _rgb_dataset(rng: np.random.Generator, name: str = "tiny-rgb") -> data.Dataset:
    X = rng.uniform(0, 255, (30, 16, 16, 3)).round().astype(np.float32)  # 0..255, as loaders
    y = np.arange(30) % 3
    return data.Dataset(name, X[:18], y[:18], X[18:24], y[18:24], X[24:], y[24:],
                        image_shape=(16, 16, 3))


# ------------------------------------------------------------------ extract
def test_extract_concatenates_blocks_in_order(rng):
    x = rng.integers(0, 256, (4, 16, 16, 3), dtype=np.uint8)
    F = features.extract(x, ("color", "hog", "raw"), hog_pixels_per_cell=(4, 4),
                         hog_cells_per_block=(2, 2), color_bins=5)
    hog = features.hog(x, 9, (4, 4), (2, 2), channel_axis=-1)
    color = features.color_histogram(x, 5)
    assert F.shape == (4, 5 + hog.shape[1] + 16 * 16 * 3) and F.dtype == np.float32
    np.testing.assert_allclose(F[:, :5], color, rtol=1e-6)
    np.testing.assert_allclose(F[:, 5 : 5 + hog.shape[1]], hog, rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(F[:, 5 + hog.shape[1] :], x.reshape(4, -1))
    # Comma-separated names (as typed on the command line) and float64 output.
    G = features.extract(x, "color,hog,raw", dtype=np.float64, hog_pixels_per_cell=(4, 4),
                         hog_cells_per_block=(2, 2), color_bins=5)
    assert G.dtype == np.float64
    np.testing.assert_allclose(G, F, rtol=1e-6, atol=1e-6)


def test_extract_grayscale_and_flat_rows(rng):
    x = rng.random((3, 28, 28)).astype(np.float32)
    F = features.extract(x, "hog", hog_pixels_per_cell=(7, 7), hog_cells_per_block=(2, 2))
    np.testing.assert_allclose(F, features.hog(x, 9, (7, 7), (2, 2)), rtol=1e-6, atol=1e-7)
    flat = x.reshape(3, -1)
    np.testing.assert_array_equal(
        features.extract(flat, "hog", image_shape=(28, 28), hog_pixels_per_cell=(7, 7),
                         hog_cells_per_block=(2, 2)), F)
    # A single channel on the last axis is grayscale.
    np.testing.assert_array_equal(
        features.extract(x[..., None], "hog", hog_pixels_per_cell=(7, 7),
                         hog_cells_per_block=(2, 2)), F)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"names": ("hog", "sift")}, "names='sift' is not allowed; choose one of: hog, color, raw"),
        ({"names": ()}, "name one or more"),
        ({"names": ("raw", "raw")}, "repeats"),
        ({"names": "hog", "hog_bins": 3}, "unknown feature parameter 'hog_bins'"),
        ({"names": "hog", "color_bins": 3}, "configures the 'color' block"),
        ({"names": "hog", "hog_block_norm": "L3"}, "hog_block_norm='L3'"),
        ({"names": "color", "color_channel": "red"}, "color_channel='red'"),
        ({"names": "color", "color_bins": 0}, "bins=0"),
        ({"names": "hog", "hog_orientations": 0}, "orientations=0"),
        ({"names": "hog", "dtype": "int8"}, "dtype="),
    ],
)
def test_extract_bad_arguments(rng, kwargs, message):
    x = rng.integers(0, 256, (2, 24, 24, 3), dtype=np.uint8)
    with pytest.raises(ValueError, match=message):
        features.extract(x, **kwargs)


def test_extract_point_blocks(rng):
    X = rng.normal(size=(50, 2))
    F = features.extract(X, "raw,polar,playground", dtype=np.float64,
                         playground_names=("x1^2", "x1x2"))
    np.testing.assert_array_equal(F[:, :2], X)
    np.testing.assert_array_equal(F[:, 2:4], features.polar(X))
    np.testing.assert_array_equal(F[:, 4:], features.playground(X, ("x1^2", "x1x2")))
    assert features.extract(X, "playground").shape == (50, 7)
    with pytest.raises(ValueError, match="mixes image blocks"):
        features.extract(X, "hog,polar")
    with pytest.raises(ValueError, match=r"2-D points \(N, 2\)"):
        features.extract(rng.normal(size=(5, 3)), "polar")
    with pytest.raises(ValueError, match=r"names='x3' is not allowed; choose one of: x1, x2"):
        features.extract(X, "playground", playground_names=("x3",))


def test_extract_bad_images():
    with pytest.raises(ValueError, match="'color' block needs RGB"):
        features.extract(np.zeros((2, 24, 24)), "color")
    with pytest.raises(ValueError, match="image_shape"):
        features.extract(np.zeros((2, 576)), "hog")
    with pytest.raises(ValueError, match="does not fold"):
        features.extract(np.zeros((2, 576)), "hog", image_shape=(20, 20))
    with pytest.raises(ValueError, match="images must have shape"):
        features.extract(np.zeros(5), "raw")


# ------------------------------------------------------------------ cache
@pytest.fixture
def counted(monkeypatch):
    """Counts calls of the pipeline's extract (one per split computed)."""
    calls: list[int] = []
    real = pipeline.extract

    def counting(images, *args, **kwargs):
        calls.append(len(images))
        return real(images, *args, **kwargs)

    monkeypatch.setattr(pipeline, "extract", counting)
    return calls


PARAMS = {"hog_pixels_per_cell": (4, 4), "hog_cells_per_block": (2, 2), "color_bins": 6}


def test_cached_computes_once_then_loads(rng, tmp_path, counted):
    ds = _rgb_dataset(rng)
    first = features.cached(ds, ("hog", "color"), PARAMS, cache_dir=tmp_path)
    assert counted == [18, 6, 6]  # train, val, test
    path = features.cache_path(ds, ("hog", "color"), PARAMS, cache_dir=tmp_path)
    assert path.exists() and path.parent == tmp_path
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind
    mtime = path.stat().st_mtime_ns

    second = features.cached(ds, ("hog", "color"), PARAMS, cache_dir=tmp_path)
    assert counted == [18, 6, 6]  # nothing recomputed
    assert path.stat().st_mtime_ns == mtime
    for split in ("train", "val", "test"):
        np.testing.assert_array_equal(second.split(split)[0], first.split(split)[0])
        np.testing.assert_array_equal(second.split(split)[1], ds.split(split)[1])
    assert "loaded from" in second.notes[-1] and "computed" in first.notes[-1]

    # The values are the pipeline's; pixels 0..255 were scaled by 255 for the colour block.
    expected = features.extract(ds.X_val, ("hog", "color"), color_pixel_max=255.0, **PARAMS)
    np.testing.assert_array_equal(first.X_val, expected)
    assert first.n_features == expected.shape[1] and first.image_shape is None
    assert first.class_names == ds.class_names


def test_cache_key_depends_on_params_names_and_data(rng, tmp_path, counted):
    ds = _rgb_dataset(rng)
    features.cached(ds, "hog,color", PARAMS, cache_dir=tmp_path)
    features.cached(ds, "hog,color", {**PARAMS, "color_bins": 7}, cache_dir=tmp_path)
    features.cached(ds, "color,hog", PARAMS, cache_dir=tmp_path)
    other = ds.replace(X_train=ds.X_train[::-1].copy())  # same shapes, other contents/order
    features.cached(other, "hog,color", PARAMS, cache_dir=tmp_path)
    assert len(counted) == 4 * 3
    assert len(list(tmp_path.glob("*.npz"))) == 4
    features.cached(other, "hog,color", PARAMS, cache_dir=tmp_path)
    assert len(counted) == 4 * 3


def test_corrupt_cache_is_recomputed_and_replaced(rng, tmp_path, counted):
    ds = _rgb_dataset(rng)
    path = features.cache_path(ds, "hog", {"hog_cells_per_block": (1, 1)}, cache_dir=tmp_path)
    path.write_bytes(b"not a zip file")
    with pytest.warns(RuntimeWarning, match="unreadable feature cache"):
        out = features.cached(ds, "hog", {"hog_cells_per_block": (1, 1)}, cache_dir=tmp_path)
    assert len(counted) == 3
    features.cached(ds, "hog", {"hog_cells_per_block": (1, 1)}, cache_dir=tmp_path)
    assert len(counted) == 3
    assert out.X_train.shape == (18, 2 * 2 * 9)


def test_failed_write_leaves_no_partial_file(rng, tmp_path, monkeypatch):
    ds = _rgb_dataset(rng)

    def broken_savez(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pipeline.np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        features.cached(ds, "raw", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_cached_toy_points(tmp_path, counted):
    ds = data.load("ring", n=200, seed=0)
    out = features.cached(ds, "polar,playground", {"playground_names": "x1^2,x2^2"},
                          cache_dir=tmp_path)
    assert out.X_train.shape == (ds.X_train.shape[0], 4)
    np.testing.assert_allclose(out.X_test[:, :2], features.polar(ds.X_test), rtol=1e-6)
    features.cached(ds, "polar,playground", {"playground_names": ("x1^2", "x2^2")},
                    cache_dir=tmp_path)  # the same parameters, spelled differently
    assert len(counted) == 3


def test_cached_default_folder_follows_neuralab_data(rng, tmp_path, monkeypatch):
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path))
    ds = _rgb_dataset(rng)
    path = features.cache_path(ds, "raw")
    assert path.parent == tmp_path / "features"
    features.cached(ds, "raw")
    assert path.exists()


def test_cached_then_standardize_and_train(rng, tmp_path):
    from neuralab import models
    from neuralab.train import Trainer

    ds = features.cached(_rgb_dataset(rng), "hog,color", PARAMS, cache_dir=tmp_path)
    ds = data.apply(ds, data.Standardizer())  # training statistics only
    model = models.linear(ds.n_features, ds.n_classes, seed=0)
    history = Trainer(model, epochs=2, batch_size=8).fit(ds.X_train, ds.y_train,
                                                         ds.X_val, ds.y_val)
    assert len(history) == 2


# ------------------------------------------------------------------ import stays light
def test_import_does_not_pull_heavy_modules():
    code = ("import sys, neuralab.features; "
            "print(sorted(m for m in ('skimage', 'matplotlib', 'torch', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]"
