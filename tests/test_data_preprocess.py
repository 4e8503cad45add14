"""Preprocessing: flatten, mean image, standardizer, apply() with training statistics only."""

from __future__ import annotations

import numpy as np
import pytest

from neuralab import data


def _images(rng: np.random.Generator) -> data.Dataset:
    X = rng.uniform(0, 255, (40, 4, 4, 3)).astype(np.float32)
    X[..., 0, 0, :] = 7.0  # a constant pixel: zero variance
    y = np.arange(40) % 2
    return data.Dataset(
        "img", X[:20], y[:20], X[20:30] + 100, y[20:30], X[30:], y[30:], image_shape=(4, 4, 3)
    )


def test_flatten_shapes_and_order():
    X = np.arange(2 * 2 * 2 * 3).reshape(2, 2, 2, 3)
    F = data.flatten(X)
    assert F.shape == (2, 12) and F.dtype == np.float32
    np.testing.assert_array_equal(F[1], np.arange(12, 24))  # C order: channels adjacent
    same = np.zeros((5, 3), np.float32)
    assert np.shares_memory(data.flatten(same), same)  # no copy when already flat float32


def test_mean_image_uses_training_split_only(rng):
    ds = _images(rng)
    out = data.subtract_mean(ds)
    mean = ds.X_train.mean(axis=0)
    np.testing.assert_allclose(out.X_train, ds.X_train - mean, atol=1e-4)
    # The validation split was shifted by +100; a mean fitted on it would have removed that.
    np.testing.assert_allclose(out.X_val.mean(), (ds.X_val - mean).mean(), atol=1e-3)
    assert out.X_val.mean() > 90
    assert out.image_shape == (4, 4, 3) and out.y_train is ds.y_train
    assert ds.X_train.mean() > 100  # the input dataset is unchanged
    m = data.MeanImage().fit(ds.X_train)
    np.testing.assert_allclose(m.inverse_transform(m.transform(ds.X_test)), ds.X_test, atol=1e-3)


def test_standardizer_zero_variance_and_stats(rng):
    ds = _images(rng)
    st = data.Standardizer()
    Z = st.fit_transform(ds.X_train)
    assert Z.dtype == np.float32 and Z.shape == ds.X_train.shape
    assert np.all(np.isfinite(Z))
    np.testing.assert_array_equal(Z[:, 0, 0, :], 0.0)  # zero variance -> 0, no division
    live = Z[:, 1:, 1:, :]
    np.testing.assert_allclose(live.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(live.std(axis=0), 1, atol=1e-4)
    # Another split with a different value at the dead pixel still maps it to 0.
    other = ds.X_val.copy()
    other[:, 0, 0, :] = 99.0
    assert np.all(st.transform(other)[:, 0, 0, :] == 0)
    np.testing.assert_allclose(
        st.inverse_transform(st.transform(ds.X_test))[:, 1:], ds.X_test[:, 1:], atol=1e-2
    )


def test_standardizer_matches_numpy_on_large_chunked_input(rng):
    X = rng.normal(3.0, 2.0, (9000, 5)).astype(np.float32)  # > one 4096-row chunk
    st = data.Standardizer().fit(X)
    np.testing.assert_allclose(st.mean_, X.astype(np.float64).mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(st.std_, X.astype(np.float64).std(axis=0), rtol=1e-5)


def test_apply_chains_steps(rng):
    ds = _images(rng)
    out = data.apply(ds, data.flatten, data.Standardizer())
    assert out.X_train.shape == (20, 48) and out.X_val.shape == (10, 48)
    assert out.n_features == 48
    np.testing.assert_allclose(out.X_train[:, 3:].mean(axis=0), 0, atol=1e-5)
    std = data.standardize(ds)
    assert std.X_test.shape == ds.X_test.shape


def test_preprocess_errors(rng):
    with pytest.raises(RuntimeError, match="not fitted"):
        data.Standardizer().transform(np.zeros((2, 3)))
    st = data.Standardizer().fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="sample shape"):
        st.transform(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="N >= 1"):
        data.MeanImage().fit(np.zeros((0, 3)))
    with pytest.raises(TypeError, match="neither a callable"):
        data.apply(_images(rng), 42)
