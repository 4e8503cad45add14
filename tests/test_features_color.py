"""features.rgb_to_hsv / color_histogram: equal to matplotlib's rgb_to_hsv + np.histogram per
image, scaling rules, bad input."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from neuralab import features


@pytest.fixture(scope="module")
def mpl_rgb_to_hsv():
    colors = pytest.importorskip("matplotlib.colors",
                                 reason="matplotlib's rgb_to_hsv is the oracle")
    return colors.rgb_to_hsv


def _tricky_images(dtype, rng):
    x = rng.random((12, 9, 11, 3)).astype(dtype)
    x[0, :3] = x[0, :3, :, :1]  # gray: r == g == b, hue and saturation 0
    x[1, :3, :, 1] = x[1, :3, :, 0]  # r == g ties for the max
    x[2, :3, :, 2] = x[2, :3, :, 1]  # g == b ties
    x[3, :3, :, 0] = x[3, :3, :, 2]  # r == b ties
    x[4] = 0.0
    x[5] = 1.0
    x[6, :, :, 0] = 1.0  # red max with g < b: negative hue before the modulo
    x[6, :, :, 2] = np.maximum(x[6, :, :, 1], x[6, :, :, 2])
    q = rng.integers(0, 7, x[7:].shape) / 6  # values on the hue bin edges
    x[7:] = q.astype(dtype)
    return x


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rgb_to_hsv_equals_matplotlib_bit_for_bit(mpl_rgb_to_hsv, dtype):
    x = _tricky_images(dtype, np.random.default_rng(0))
    ours, ref = features.rgb_to_hsv(x), mpl_rgb_to_hsv(x)
    assert ours.dtype == ref.dtype
    np.testing.assert_array_equal(ours, ref)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("channel", ["hue", "saturation", "value"])
@pytest.mark.parametrize("bins", [1, 3, 6, 10, 17])
def test_color_histogram_equals_per_image_numpy_histogram(mpl_rgb_to_hsv, dtype, channel, bins):
    x = _tricky_images(dtype, np.random.default_rng(1))
    k = features.HSV_CHANNELS.index(channel)
    ours = features.color_histogram(x, bins=bins, channel=channel)
    ref = np.stack([np.histogram(mpl_rgb_to_hsv(im)[..., k], bins=bins, range=(0, 1))[0]
                    for im in x]) / (9 * 11)
    assert ours.shape == (12, bins) and ours.dtype == np.float64
    np.testing.assert_array_equal(ours, ref)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0)


def test_uint8_is_divided_by_255(mpl_rgb_to_hsv):
    x = np.random.default_rng(2).integers(0, 256, (5, 7, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(features.rgb_to_hsv(x), mpl_rgb_to_hsv(x / 255.0))
    ref = np.stack([np.histogram(mpl_rgb_to_hsv(im / 255.0)[..., 0], 8, range=(0, 1))[0]
                    for im in x]) / 49
    np.testing.assert_array_equal(features.color_histogram(x, 8), ref)
    # Float data in 0..255 (neuralab's image datasets) needs pixel_max=255.
    np.testing.assert_array_equal(
        features.color_histogram(x.astype(np.float32), 8, pixel_max=255), ref)


def test_hand_computed_hues():
    # Pure red, yellow, green, cyan, blue, magenta: hues 0, 1/6, ..., 5/6 -> one per bin of 6.
    pixels = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 1, 1], [0, 0, 1], [1, 0, 1]], float)
    image = pixels.reshape(1, 2, 3, 3)
    np.testing.assert_allclose(features.rgb_to_hsv(image)[0, ..., 0].ravel(),
                               np.arange(6) / 6)
    np.testing.assert_array_equal(features.color_histogram(image, bins=6), np.full((1, 6), 1 / 6))
    # Value is the max channel; saturation (max - min) / max.
    grey = np.full((1, 1, 2, 3), 0.5)
    np.testing.assert_array_equal(features.color_histogram(grey, 2, "saturation"), [[1.0, 0.0]])
    np.testing.assert_array_equal(features.color_histogram(grey, 2, "value"), [[0.0, 1.0]])


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda: features.color_histogram(np.zeros((2, 4, 4))), ValueError, "shape"),
        (lambda: features.color_histogram(np.zeros((2, 4, 4, 4))), ValueError, "3 channels"),
        (lambda: features.color_histogram(np.zeros((2, 4, 4, 3)), bins=0), ValueError,
         "bins=0"),
        (lambda: features.color_histogram(np.zeros((2, 4, 4, 3)), channel="red"), ValueError,
         "channel='red' is not allowed; choose one of: hue, saturation, value"),
        (lambda: features.color_histogram(np.full((2, 4, 4, 3), 2.0)), ValueError,
         "pixel_max=255"),
        (lambda: features.color_histogram(np.full((2, 4, 4, 3), np.nan)), ValueError,
         "finite"),
        (lambda: features.color_histogram(np.zeros((2, 4, 4, 3)), pixel_max=0), ValueError,
         r"pixel_max=0 is out of range; allowed: None or \(0, inf\)"),
        (lambda: features.color_histogram(np.zeros((2, 4, 4, 3), dtype=object)), TypeError,
         "real numbers"),
    ],
)
def test_bad_input(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


@pytest.mark.parametrize("channel", ["hue", "saturation", "value"])
@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
def test_threads_give_bit_identical_results(monkeypatch, channel, dtype):
    color_module = importlib.import_module("neuralab.features.color")
    rng = np.random.default_rng(4)
    x = _tricky_images(np.float64, rng)
    x = np.concatenate([x, rng.random((25, 9, 11, 3))])  # 37 images
    x = (x * 255).astype(np.uint8) if dtype == np.uint8 else x.astype(dtype)
    monkeypatch.setattr(color_module, "_CHUNK_PIXELS", 3 * 9 * 11)  # 13 chunks of <= 3 images
    single = features.color_histogram(x, bins=7, channel=channel, n_jobs=1)
    for n_jobs in (2, 3, 16, None):
        np.testing.assert_array_equal(
            features.color_histogram(x, bins=7, channel=channel, n_jobs=n_jobs), single)


@pytest.mark.parametrize("bad", [0, -2, 2.0, False, "4"])
def test_bad_n_jobs(bad):
    with pytest.raises(ValueError, match=r"n_jobs=.* allowed: None or integers >= 1"):
        features.color_histogram(np.zeros((2, 4, 4, 3)), n_jobs=bad)
