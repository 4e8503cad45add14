"""features.hog: equal to scikit-image's hog on every image of a batch, hand-computed fixtures
for the gradient / binning rules, adversarial bin edges, and bad input."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from neuralab import features

hog_module = importlib.import_module("neuralab.features.hog")

NORMS = ("L1", "L1-sqrt", "L2", "L2-Hys")


@pytest.fixture(scope="module")
def skhog():
    skimage_feature = pytest.importorskip(
        "skimage.feature", reason="scikit-image is the oracle for the HOG equality tests")
    return skimage_feature.hog


def _reference(skhog, images, channel_axis=None, **kw):
    return np.stack([skhog(im, channel_axis=channel_axis, feature_vector=True, **kw)
                     for im in images])


@pytest.fixture(scope="module")
def batches():
    rng = np.random.default_rng(20240611)
    out = {}
    for h, w in ((40, 48), (32, 32), (37, 29)):  # (37, 29): a remainder in both directions
        out[(h, w, "gray")] = rng.random((3, h, w))
        rgb = rng.random((3, h, w, 3))
        rgb[0, : h // 2] = rgb[0, : h // 2, :, :1]  # gray pixels: all channels tie exactly
        out[(h, w, "rgb")] = rgb
    return out


# ------------------------------------------------------------------ equality with scikit-image
@pytest.mark.parametrize("orientations", [9, 12])
@pytest.mark.parametrize("cell", [(8, 8), (4, 4)])
@pytest.mark.parametrize("block", [(1, 1), (2, 2), (3, 3)])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("kind", ["gray", "rgb"])
@pytest.mark.parametrize("size", [(40, 48), (32, 32)])
def test_equals_skimage(skhog, batches, orientations, cell, block, norm, kind, size):
    images = batches[(*size, kind)]
    axis = -1 if kind == "rgb" else None
    ours = features.hog(images, orientations, cell, block, norm, channel_axis=axis)
    ref = _reference(skhog, images, axis, orientations=orientations, pixels_per_cell=cell,
                     cells_per_block=block, block_norm=norm)
    assert ours.shape == ref.shape and ours.dtype == np.float64
    assert np.abs(ours - ref).max() <= 1e-6


@pytest.mark.parametrize("kind", ["gray", "rgb"])
def test_equals_skimage_odd_shapes_cells_and_orientations(skhog, batches, kind):
    images = batches[(37, 29, kind)]
    axis = -1 if kind == "rgb" else None
    for o, cell, block in [(7, (5, 3), (2, 3)), (4, (6, 7), (1, 2)), (1, (8, 8), (2, 2)),
                           (180, (9, 9), (1, 1))]:
        ours = features.hog(images, o, cell, block, "L2-Hys", channel_axis=axis)
        ref = _reference(skhog, images, axis, orientations=o, pixels_per_cell=cell,
                         cells_per_block=block)
        assert np.abs(ours - ref).max() <= 1e-6, (o, cell, block)


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.int16])
def test_equals_skimage_other_input_dtypes(skhog, dtype):
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, (4, 24, 20, 3)).astype(dtype)
    ours = features.hog(images, 9, (4, 4), (2, 2), channel_axis=-1)
    ref = _reference(skhog, images, -1, orientations=9, pixels_per_cell=(4, 4),
                     cells_per_block=(2, 2))
    assert np.abs(ours - ref).max() <= 1e-6


def test_integer_images_with_many_channel_ties(skhog):
    # Values 0..3: many pixels whose channels have equal |gradient| but different directions,
    # e.g. (1, 7) and (5, 5); skimage decides those with hypot, and so must we.
    rng = np.random.default_rng(3)
    images = rng.integers(0, 4, (6, 24, 24, 3)).astype(np.float64)
    for scale in (1.0, 1 / 3):
        ours = features.hog(images * scale, 12, (4, 4), (2, 2), channel_axis=-1)
        ref = _reference(skhog, images * scale, -1, orientations=12, pixels_per_cell=(4, 4),
                         cells_per_block=(2, 2))
        assert np.abs(ours - ref).max() <= 1e-6


def _deferred_pixels(monkeypatch, images, **kw):
    """``(features, number of pixels the exact path redid)`` of ``hog(images, **kw)``."""
    exact = hog_module._add_exact_votes
    seen = []

    def spy(x, spec, work, transform_sqrt, pixels, sums):
        seen.append(pixels.size)
        exact(x, spec, work, transform_sqrt, pixels, sums)

    monkeypatch.setattr(hog_module, "_add_exact_votes", spy)
    return features.hog(images, **kw), sum(seen)


def test_grey_and_opposite_pixels_are_not_deferred_but_real_ties_are(skhog, monkeypatch):
    # R = G = B: every pixel with a gradient ties, but any channel gives the same vote, so the
    # fast path keeps them (only edge-close angles go to the exact path); so do channels with
    # opposite gradients (G = 255 - R: -g votes as g). Values 0..3 tie channels with
    # different gradients, which skimage decides with hypot: those are deferred.
    rng = np.random.default_rng(5)
    grey = np.repeat(rng.integers(0, 256, (4, 32, 32, 1)) / 255.0, 3, axis=-1)
    red = rng.integers(0, 256, (4, 32, 32, 1)).astype(np.float64)
    opposite = np.concatenate([red, 255 - red, red // 2], axis=-1)
    few = rng.integers(0, 4, (4, 32, 32, 3)).astype(np.float64)
    for images, most in ((grey, 0.01), (opposite, 0.01), (opposite / 255, 1.0), (few, 1.0)):
        ours, deferred = _deferred_pixels(monkeypatch, images, channel_axis=-1)
        ref = _reference(skhog, images, -1)
        assert np.abs(ours - ref).max() <= 1e-6
        assert deferred <= most * images[..., 0].size
    assert deferred >= 0.05 * few[..., 0].size


def test_structured_images_equal_skimage(skhog):
    yy, xx = np.mgrid[0:32, 0:32].astype(float)
    gray = np.stack([xx, yy, -xx, -yy, xx + yy, xx - yy, np.zeros_like(xx), (xx // 4 + yy // 4) % 2,
                     np.hypot(xx - 16, yy - 16), np.sin(xx / 3) * np.cos(yy / 5)])
    # 4 and 12 put bin edges at 45°/90°/135°, hit exactly by ramps; for 26 the fast path's
    # float32 scale cannot put 90° exactly on its edge (see _orientation_constants).
    for o in (4, 9, 12, 26):
        ours = features.hog(gray, o, (8, 8), (2, 2), "L1")
        ref = _reference(skhog, gray, None, orientations=o, pixels_per_cell=(8, 8),
                         cells_per_block=(2, 2), block_norm="L1")
        assert np.abs(ours - ref).max() <= 1e-6
    rgb = np.stack([gray, gray[::-1], gray[:, ::-1]], axis=-1)
    ours = features.hog(rgb, 12, (8, 8), (2, 2), channel_axis=-1)
    ref = _reference(skhog, rgb, -1, orientations=12, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2))
    assert np.abs(ours - ref).max() <= 1e-6


def _centre_gradient_images(g_row, g_col):
    """3x3 images whose only non-zero gradient is (g_row, g_col) at the centre pixel."""
    x = np.zeros((len(g_row), 3, 3))
    x[:, 2, 1] = g_row  # g_row(1, 1) = I[2, 1] - I[0, 1]
    x[:, 1, 2] = g_col  # g_col(1, 1) = I[1, 2] - I[1, 0]
    return x


@pytest.mark.parametrize("orientations", [1, 2, 3, 4, 7, 9, 12, 180])
def test_gradients_on_and_near_bin_edges(skhog, orientations):
    # Directions exactly on every bin edge and rotated off it by 1e-17 .. 1e-5 rad, both ways,
    # at several magnitudes; plus exact axes, signed zeros and a θ that rounds to 180°.
    edges = np.deg2rad((180.0 / orientations) * np.arange(orientations + 1))
    offsets = np.array([0, 1e-17, 1e-16, 1e-15, 1e-12, 1e-9, 1e-7, 1e-6, 1e-5])
    angles = (edges[:, None] + np.concatenate([offsets, -offsets])[None, :]).ravel()
    angles = np.concatenate([angles, angles + np.pi])
    mags = np.array([1.0, 3.7e-3, 255.0, 1e-9, 1e9])
    a, m = np.repeat(angles, mags.size), np.tile(mags, angles.size)
    g_row = np.concatenate([m * np.sin(a),
                            [0, 0, -0.0, -0.0, 1, -1, 5, 5, 1e-300, -1e-300, -1e-17, 1e-17]])
    g_col = np.concatenate([m * np.cos(a),
                            [1, -1, 1, -1, 0, 0, 5, -5, -1, -1, 1, 1]])
    images = _centre_gradient_images(g_row, g_col)
    ours = features.hog(images, orientations, (3, 3), (1, 1), "L1")
    ref = _reference(skhog, images, None, orientations=orientations, pixels_per_cell=(3, 3),
                     cells_per_block=(1, 1), block_norm="L1")
    assert np.abs(ours - ref).max() <= 1e-6


@pytest.mark.parametrize("scale", [1e-20, 1e-6, 1e6, 1e25, 1e35])
def test_extreme_scales_equal_skimage(skhog, batches, scale):
    # 1e25: squared magnitudes overflow float32; 1e35: differences too. Every pixel then takes
    # the exact path. (From ~1e150 on, skimage's own block norms overflow to NaN.)
    images = batches[(32, 32, "rgb")] * scale
    ours = features.hog(images, 9, (8, 8), (2, 2), channel_axis=-1)
    ref = _reference(skhog, images, -1, orientations=9, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2))
    assert np.abs(ours - ref).max() <= 1e-6


def test_float32_dtype_equals_skimage_on_float32_images(skhog, batches):
    images = batches[(37, 29, "rgb")].astype(np.float32)
    ours = features.hog(images, 9, (4, 4), (3, 3), channel_axis=-1, dtype=np.float32)
    assert ours.dtype == np.float32
    ref = _reference(skhog, images, -1, orientations=9, pixels_per_cell=(4, 4),
                     cells_per_block=(3, 3))
    assert np.abs(ours - ref).max() <= 1e-6


def test_transform_sqrt_and_channels_first(skhog, batches):
    images = batches[(32, 32, "rgb")]
    ref = _reference(skhog, images, -1, orientations=9, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2), transform_sqrt=True)
    ours = features.hog(images, 9, (8, 8), (2, 2), channel_axis=-1, transform_sqrt=True)
    assert np.abs(ours - ref).max() <= 1e-6
    first = np.ascontiguousarray(images.transpose(0, 3, 1, 2))  # (N, C, H, W)
    ours = features.hog(first, 9, (8, 8), (2, 2), channel_axis=1, transform_sqrt=True)
    assert np.abs(ours - ref).max() <= 1e-6


def test_memory_layouts_give_the_same_features(skhog, monkeypatch):
    # Values 0..3 make ~half of the pixels ties for the exact path, which gathers them from the
    # images in each layout its own way (interleaved, channels first, anything else), as the
    # fast path copies non-contiguous images channel by channel: the features must not change.
    images = np.random.default_rng(11).integers(0, 4, (5, 24, 32, 3)).astype(np.float64)
    ref = _reference(skhog, images, -1, orientations=9, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2))
    ours, deferred = _deferred_pixels(monkeypatch, images, channel_axis=-1,
                                      pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    assert np.abs(ours - ref).max() <= 1e-6 and deferred >= 0.05 * images[..., 0].size
    first = np.ascontiguousarray(images.transpose(0, 3, 1, 2))  # (N, C, H, W) in memory
    mirrored = images[:, :, ::-1].copy()[:, :, ::-1]  # negative strides
    for layout, axis in ((first, 1), (first.transpose(0, 2, 3, 1), -1),
                         (np.asfortranarray(images), -1), (mirrored, -1)):
        assert not layout.flags.c_contiguous or axis == 1
        np.testing.assert_array_equal(
            features.hog(layout, 9, (8, 8), (2, 2), channel_axis=axis), ours)


def test_chunking_does_not_change_results(monkeypatch, batches):
    images = np.concatenate([batches[(32, 32, "rgb")]] * 5)  # 15 images
    whole = features.hog(images, 9, (8, 8), (2, 2), channel_axis=-1)
    monkeypatch.setattr(hog_module, "_CHUNK_PIXELS", 3 * 32 * 32)  # chunks of 3 images
    np.testing.assert_array_equal(features.hog(images, 9, (8, 8), (2, 2), channel_axis=-1),
                                  whole)
    monkeypatch.setattr(hog_module, "_GROUP_PIXELS", 6 * 32 * 32)  # groups of 2 chunks
    np.testing.assert_array_equal(features.hog(images, 9, (8, 8), (2, 2), channel_axis=-1),
                                  whole)


# ------------------------------------------------------------------ threads (n_jobs)
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("kind", ["gray", "rgb"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_threads_give_bit_identical_results(monkeypatch, batches, norm, kind, dtype):
    # Many small chunks, so that every thread gets several and they interleave.
    base = batches[(37, 29, kind)]
    images = np.concatenate([base, base[::-1] * 0.5, base ** 2, base[:, ::-1]] * 3)  # 36
    axis = -1 if kind == "rgb" else None
    monkeypatch.setattr(hog_module, "_CHUNK_PIXELS", 2 * 37 * 29)  # chunks of 2 images
    monkeypatch.setattr(hog_module, "_GROUP_PIXELS", 4 * 37 * 29)  # 9 groups of 2 chunks
    kw = {"channel_axis": axis, "dtype": dtype, "transform_sqrt": norm == "L1"}
    single = features.hog(images, 9, (4, 4), (2, 2), norm, n_jobs=1, **kw)
    for n_jobs in (2, 3, 7, 64, None):
        np.testing.assert_array_equal(features.hog(images, 9, (4, 4), (2, 2), norm,
                                                   n_jobs=n_jobs, **kw), single)


def test_threads_at_the_default_chunk_size():
    # 32x32 images: 512 per group, so 1100 images make 3 groups (the last one partial).
    images = np.random.default_rng(5).random((1100, 32, 32, 3))
    single = features.hog(images, 9, (8, 8), (3, 3), channel_axis=-1, n_jobs=1)
    for n_jobs in (None, 2, 5):
        np.testing.assert_array_equal(
            features.hog(images, 9, (8, 8), (3, 3), channel_axis=-1, n_jobs=n_jobs), single)


def test_run_chunks_gives_each_thread_its_state_and_each_chunk_once():
    import threading

    states, done, lock = [], [], threading.Lock()

    def make_state():
        state = {"thread": threading.get_ident()}
        with lock:
            states.append(state)
        return state

    def work(state, i):
        with lock:
            done.append((i, state["thread"] == threading.get_ident()))

    hog_module.run_chunks(40, 3, make_state, work)
    # One state per worker; the calling thread is one of them and the pool runs the others
    # (on one or two threads: an idle pool thread may take the next worker).
    assert len(states) == 3 and len({s["thread"] for s in states}) >= 2
    assert threading.get_ident() in {s["thread"] for s in states}
    assert sorted(i for i, _ in done) == list(range(40)) and all(ok for _, ok in done)
    states.clear()
    done.clear()
    hog_module.run_chunks(5, 1, make_state, work)  # n_jobs=1: the calling thread, no pool
    assert [s["thread"] for s in states] == [threading.get_ident()]
    assert sorted(i for i, _ in done) == list(range(5))


def test_run_chunks_raises_the_first_error_and_stops():
    done = []

    def work(state, i):
        if i == 3:
            raise RuntimeError("chunk 3 failed")
        done.append(i)

    with pytest.raises(RuntimeError, match="chunk 3 failed"):
        hog_module.run_chunks(1000, 2, dict, work)
    assert len(done) < 999  # the other thread stopped early


def test_resolve_n_jobs():
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert hog_module.resolve_n_jobs(None, 1000) == min(cpus, 1000)
    assert hog_module.resolve_n_jobs(None, 1) == 1
    assert hog_module.resolve_n_jobs(8, 3) == 3
    assert hog_module.resolve_n_jobs(np.int64(2), 3) == 2
    assert hog_module.resolve_n_jobs(4, 0) == 1


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_n_jobs(bad):
    with pytest.raises(ValueError, match=r"n_jobs=.* allowed: None or integers >= 1"):
        features.hog(np.zeros((2, 16, 16)), 9, (8, 8), (2, 2), n_jobs=bad)
    with pytest.raises(ValueError, match=r"n_jobs=.* allowed: None or integers >= 1"):
        features.hog(np.zeros((0, 16, 16)), 9, (8, 8), (2, 2), n_jobs=bad)


def test_non_finite_values_are_reported_with_their_index_from_threads(monkeypatch):
    monkeypatch.setattr(hog_module, "_CHUNK_PIXELS", 16 * 16)  # one image per chunk
    monkeypatch.setattr(hog_module, "_GROUP_PIXELS", 16 * 16)  # and per group
    x = np.zeros((9, 16, 16, 3))
    x[7, 3, 4, 1] = np.nan
    with pytest.raises(ValueError, match=r"images\[7, 3, 4, 1\]=nan is not finite"):
        features.hog(x, 9, (8, 8), (2, 2), channel_axis=-1, n_jobs=3)


# ------------------------------------------------------------------ hand-computed fixtures
def _cell_hist(images, orientations, cell=(8, 8)):
    """The single cell's histogram, recovered from L1 normalization with a (1, 1) block:
    out = h / (Σh + eps)  =>  h = out · eps / (1 - Σout)."""
    out = features.hog(images, orientations, cell, (1, 1), "L1")
    return out * 1e-5 / (1 - out.sum(axis=1, keepdims=True))


@pytest.mark.parametrize("orientations", [1, 2, 9, 12, 13, 26, 180])
def test_horizontal_ramp_votes_into_the_0_degree_bin(orientations):
    ramp = np.tile(np.arange(8.0), (8, 1))[None]  # I[r, c] = c
    # g_col = 2 in columns 1..6 (0 in the border columns), g_row = 0: 48 votes of 2 at 0°,
    # mean over the 64 pixels of the cell = 1.5.
    expected = np.zeros(orientations)
    expected[0] = 1.5
    np.testing.assert_allclose(_cell_hist(ramp, orientations)[0], expected, rtol=1e-6,
                               atol=1e-9)
    # Decreasing: θ = 180°, the same unsigned orientation, bin 0 (for every number of bins:
    # the fast path's float32 angle must land exactly on the bin, see _orientation_constants).
    np.testing.assert_allclose(_cell_hist(-ramp, orientations)[0], expected, rtol=1e-6,
                               atol=1e-9)


@pytest.mark.parametrize(("orientations", "bin_"), [(9, 4), (12, 6), (4, 2), (26, 13), (2, 1)])
def test_vertical_ramp_votes_into_the_90_degree_bin(orientations, bin_):
    ramp = np.tile(np.arange(8.0)[:, None], (1, 8))[None]  # I[r, c] = r
    # 90° lies inside [80°, 100°) for 9 bins and on the left edge of [90°, 105°) for 12.
    expected = np.zeros(orientations)
    expected[bin_] = 1.5
    np.testing.assert_allclose(_cell_hist(ramp, orientations)[0], expected, rtol=1e-6,
                               atol=1e-9)
    # Decreasing: θ = -90°, the same unsigned orientation.
    np.testing.assert_allclose(_cell_hist(-ramp, orientations)[0], expected, rtol=1e-6,
                               atol=1e-9)


def test_diagonal_ramp_interior_and_border_pixels():
    r, c = np.mgrid[0:8, 0:8].astype(float)
    image = (r + c)[None]
    # Interior 6x6 pixels: (g_row, g_col) = (2, 2), 45° -> bin 2 of 9, vote 2√2 each.
    # First/last row, interior columns: (0, 2) -> 0°, bin 0; 12 votes of 2.
    # First/last column, interior rows: (2, 0) -> 90°, bin 4; 12 votes of 2. Corners: 0.
    expected = np.zeros(9)
    expected[[0, 2, 4]] = [24, 36 * 2 * np.sqrt(2), 24]
    np.testing.assert_allclose(_cell_hist(image, 9)[0], expected / 64, rtol=1e-6)


def test_colour_keeps_the_channel_with_the_largest_gradient():
    r, c = np.mgrid[0:8, 0:8].astype(float)
    image = np.stack([c, 3 * r, np.zeros_like(r)], axis=-1)[None]  # green's gradient wins
    out = features.hog(image, 9, (8, 8), (1, 1), "L1", channel_axis=-1)
    h = out * 1e-5 / (1 - out.sum())
    # Interior rows: green's (6, 0) at 90°; first/last row: green is 0 there, red's (0, 2) wins.
    expected = np.zeros(9)
    expected[4] = 6 * 8 * 6 / 64
    expected[0] = 2 * 6 * 2 / 64
    np.testing.assert_allclose(h[0], expected, rtol=1e-6)


def test_pixels_beyond_the_cell_grid_only_feed_gradients():
    ramp = np.tile(np.arange(9.0), (10, 1))[None]  # 10x9 image, one 8x8 cell
    # Column 7 is inside the cell but not the image border: g_col = I[:, 8] - I[:, 6] = 2 there.
    # So 7 columns x 8 rows vote 2 at 0°: 112 / 64 = 1.75. Rows 8, 9 and column 8 vote nothing.
    expected = np.zeros(9)
    expected[0] = 1.75
    np.testing.assert_allclose(_cell_hist(ramp, 9)[0], expected, rtol=1e-6, atol=1e-9)


def test_constant_images_give_zero_features():
    out = features.hog(np.full((2, 16, 16), 0.5), 9, (8, 8), (2, 2))
    np.testing.assert_array_equal(out, 0.0)


def test_shapes_and_hog_shape():
    x = np.zeros((5, 40, 48))
    assert features.hog_shape((40, 48), 9, (8, 8), (3, 3)) == (3, 4, 3, 3, 9)
    assert features.hog(x, 9, (8, 8), (3, 3)).shape == (5, 3 * 4 * 3 * 3 * 9)
    assert features.hog(np.zeros((0, 16, 16)), 9, (8, 8), (2, 2)).shape == (0, 36)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"images": np.zeros((16, 16))}, "images must have shape"),
        ({"images": np.zeros((2, 16, 16, 3))}, "images must have shape"),
        ({"images": np.zeros((2, 16, 16)), "channel_axis": -1}, "images must have shape"),
        ({"images": np.zeros((2, 16, 16, 3)), "channel_axis": 0}, "channel_axis=0"),
        ({"images": np.zeros((2, 8, 12))}, "too small"),
        ({"images": np.zeros((2, 16, 16)), "orientations": 0}, "orientations=0"),
        ({"images": np.zeros((2, 16, 16)), "orientations": 2.5}, "orientations=2.5"),
        ({"images": np.zeros((2, 16, 16)), "pixels_per_cell": (0, 8)}, "pixels_per_cell"),
        ({"images": np.zeros((2, 16, 16)), "cells_per_block": 3.0}, "cells_per_block"),
        ({"images": np.zeros((2, 16, 16)), "block_norm": "L3"}, "block_norm='L3'"),
        ({"images": np.zeros((2, 16, 16)), "dtype": np.int32}, "dtype="),
        ({"images": -np.ones((2, 16, 16)), "transform_sqrt": True}, "transform_sqrt"),
    ],
)
def test_bad_arguments_raise_value_error(kwargs, message):
    kwargs = {"pixels_per_cell": (8, 8), "cells_per_block": (2, 2), **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        features.hog(**kwargs)


def test_error_messages_say_what_is_allowed():
    allowed = "block_norm='l2' is not allowed; choose one of: L1, L1-sqrt, L2, L2-Hys"
    with pytest.raises(ValueError, match=allowed):
        features.hog(np.zeros((1, 16, 16)), block_norm="l2")
    with pytest.raises(ValueError, match="at least 24 rows and 24 columns"):
        features.hog(np.zeros((1, 16, 40)))  # default 8x8 cells, 3x3 blocks


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_values_are_rejected_with_their_index(bad):
    x = np.zeros((7, 16, 16, 3))
    x[5, 15, 15, 2] = bad
    message = rf"images\[5, 15, 15, 2\]={bad!r} is not finite; allowed: finite"
    with pytest.raises(ValueError, match=message):
        features.hog(x, 9, (8, 8), (2, 2), channel_axis=-1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("channel", [0, 1, 2, None])
def test_non_finite_values_inside_an_image_are_rejected(bad, channel):
    # Inside, every neighbour's gradient is non-finite, in the channel that wins (or not).
    x = np.random.default_rng(2).random((4, 16, 16, 3))
    if channel is None:
        x = x[..., 0].copy()
        x[2, 7, 9] = bad
        where = r"\[2, 7, 9\]"
    else:
        x[2, 7, 9, channel] = bad
        where = rf"\[2, 7, 9, {channel}\]"
    with pytest.raises(ValueError, match=r"images" + where + rf"={bad!r} is not finite"):
        features.hog(x, 9, (8, 8), (2, 2), channel_axis=None if channel is None else -1)


def test_non_numeric_images_raise_type_error():
    with pytest.raises(TypeError, match="real numbers"):
        features.hog(np.zeros((1, 16, 16), dtype=complex))
    with pytest.raises(TypeError, match="real numbers"):
        features.hog(np.zeros((1, 16, 16), dtype=bool))


def test_every_norm_and_size_combination_runs():
    # Cheap smoke test of the whole parameter grid (no oracle): finite, in [0, 1].
    x = np.random.default_rng(0).random((2, 20, 20, 3))
    for o, cell, block, norm in itertools.product((1, 9), ((5, 5), (4, 10)), ((1, 1), (2, 2)),
                                                  NORMS):
        out = features.hog(x, o, cell, block, norm, channel_axis=-1)
        assert np.isfinite(out).all() and out.min() >= 0 and out.max() <= 1
