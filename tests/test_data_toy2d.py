"""Toy 2-D sets: the playground's formulas and noise semantics, the lecture's hard cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralab import data
from neuralab.data.toy2d import TOY_SETS

CLASSIFY = [n for n, s in TOY_SETS.items() if s.task == "classification"]
REGRESS = [n for n, s in TOY_SETS.items() if s.task == "regression"]


@pytest.mark.parametrize("name", list(TOY_SETS))
def test_shapes_dtypes_and_determinism(name):
    X, y = data.toy(name, n=101, noise=0.2, seed=5)
    assert X.shape == (101, 2) and X.dtype == np.float32 and y.shape == (101,)
    assert y.dtype == (np.int64 if name in CLASSIFY else np.float32)
    assert np.all(np.isfinite(X))
    X2, y2 = data.toy(name, n=101, noise=0.2, seed=5)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(y, y2)
    X3, _ = data.toy(name, n=101, noise=0.2, seed=6)
    assert not np.array_equal(X, X3)
    gen = np.random.default_rng(5)
    Xg, _ = data.toy(name, n=101, noise=0.2, seed=gen)
    np.testing.assert_array_equal(X, Xg)


def test_default_sizes_follow_the_playground():
    assert len(data.toy("circle")[1]) == 500
    assert len(data.toy("plane")[1]) == 1200
    assert len(data.toy("xor", n=1)[1]) == 1


# --------------------------------------------------------------------------- playground formulas
def test_circle_formula_and_label_noise():
    n = 2000
    X, y = data.toy("circle", n=n, noise=0.0, seed=0)
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.sum(y == 1) == n // 2 and np.sum(y == 0) == n // 2
    assert r.max() <= 5 + 1e-5
    assert np.all(r[y == 1] < 2.5) and np.all(r[y == 0] >= 3.5 - 1e-5)
    np.testing.assert_array_equal(y, (r < 2.5).astype(int))  # noise 0: the formula exactly
    Xn, yn = data.toy("circle", n=n, noise=0.3, seed=0)
    np.testing.assert_array_equal(Xn, X)  # label noise never moves a point
    flipped = np.mean(yn != y)
    assert 0.01 < flipped < 0.5


def test_xor_formula_padding_and_label_noise():
    X, y = data.toy("xor", n=2000, noise=0.0, seed=1)
    assert np.all(np.abs(X) >= 0.3 - 1e-6) and np.all(np.abs(X) <= 5.3 + 1e-5)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    assert 0.4 < y.mean() < 0.6
    Xn, yn = data.toy("xor", n=2000, noise=0.5, seed=1)
    np.testing.assert_array_equal(Xn, X)
    assert 0.02 < np.mean(yn != y) < 0.5


def test_gaussian_variance_map():
    for noise, var in ((0.0, 0.5), (0.5, 4.0), (0.25, 2.25)):
        X, y = data.toy("gaussian", n=20000, noise=noise, seed=2)
        assert abs(np.sum(y) - 10000) == 0
        pos = X[y == 1]
        np.testing.assert_allclose(pos.mean(axis=0), [2, 2], atol=0.1)
        np.testing.assert_allclose(pos.var(axis=0), [var, var], rtol=0.05)
        np.testing.assert_allclose(X[y == 0].mean(axis=0), [-2, -2], atol=0.1)


def test_spiral_formula_and_positional_noise():
    n = 200
    X, y = data.toy("spiral", n=n, noise=0.0, seed=0)
    m = n // 2
    i = np.arange(m)
    r = i / m * 5
    t = 1.75 * i / m * 2 * math.pi
    arm1 = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)  # delta = 0 -> class 1
    arm0 = np.stack([r * np.sin(t + math.pi), r * np.cos(t + math.pi)], axis=1)

    def sort_rows(a):
        return a[np.lexsort((a[:, 1], a[:, 0]))]

    np.testing.assert_allclose(sort_rows(X[y == 1]), sort_rows(arm1), atol=1e-5)
    np.testing.assert_allclose(sort_rows(X[y == 0]), sort_rows(arm0), atol=1e-5)
    Xn, yn = data.toy("spiral", n=n, noise=0.4, seed=0)
    np.testing.assert_array_equal(yn, y)  # positional noise: labels unchanged
    shift = np.abs(Xn - X)
    assert shift.max() <= 0.4 + 1e-5 and shift.max() > 0.2


def test_spiral_k_classes():
    X, y = data.toy("spiral", n=301, classes=3, seed=0)
    assert sorted(np.bincount(y).tolist()) == [100, 100, 101]
    assert np.hypot(X[:, 0], X[:, 1]).max() < 5


def test_plane_regression_is_a_linear_unclamped_scale():
    X, y = data.toy("plane", n=1000, noise=0.0, seed=0)
    assert np.all(np.abs(X) <= 6)
    np.testing.assert_allclose(y, (X[:, 0] + X[:, 1]) / 10, atol=1e-6)
    assert np.abs(y).max() > 1.0  # x + y reaches ±12: not clamped to [-1, 1]
    Xn, yn = data.toy("plane", n=1000, noise=0.5, seed=0)
    np.testing.assert_array_equal(Xn, X)
    assert np.abs(yn - y).max() > 0.1 and np.abs(yn - y).max() <= 0.6 + 1e-6


def test_multi_gaussian_values():
    X, y = data.toy("multi-gaussian", n=3000, noise=0.0, seed=0)
    assert np.all(np.abs(y) <= 1) and y.min() < -0.8 and y.max() > 0.8
    centres = np.array(
        [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
    )
    d = np.hypot(X[:, None, 0] - centres[:, 0], X[:, None, 1] - centres[:, 1])
    v = centres[:, 2] * np.clip(1 - d / 2, 0, 1)
    expected = v[np.arange(len(X)), np.argmax(np.abs(v), axis=1)]
    np.testing.assert_allclose(y, expected, atol=1e-5)
    far = d.min(axis=1) > 2
    assert far.any() and np.all(y[far] == 0)


# --------------------------------------------------------------------------- lecture hard cases
def test_quadrants_two_and_four_classes():
    X, y = data.toy("quadrants", n=400, seed=0)
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(int))
    assert np.sum(y) == 200
    X4, y4 = data.toy("quadrants", n=400, classes=4, seed=0)
    assert np.bincount(y4).tolist() == [100, 100, 100, 100]
    q1 = (X4[:, 0] >= 0) & (X4[:, 1] >= 0)
    q3 = (X4[:, 0] < 0) & (X4[:, 1] < 0)
    assert np.all(y4[q1] == 0) and np.all(y4[q3] == 2)
    assert np.all(np.abs(X4) <= 3)


def test_ring_formula():
    X, y = data.toy("ring", n=4000, seed=0)
    r = np.linalg.norm(X, axis=1)
    assert np.all(np.abs(X) <= 3)
    np.testing.assert_array_equal(y, ((r >= 1) & (r <= 2)).astype(int))
    assert abs(y.mean() - 3 * math.pi / 36) < 0.03
    Xn, yn = data.toy("ring", n=4000, noise=0.2, seed=0)
    np.testing.assert_array_equal(Xn, X)
    assert np.any(yn != y)


def test_three_modes_formula():
    X, y = data.toy("three-modes", n=601, seed=0)
    assert np.sum(y == 1) == 301 and np.sum(y == 0) == 300
    angles = np.deg2rad([90, 210, 330])
    centres = 2 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    d = np.linalg.norm(X[:, None] - centres[None], axis=2).min(axis=1)
    np.testing.assert_array_equal(y, (d <= 0.8).astype(int))
    assert np.all(np.abs(X) <= 3)


def test_moons_checkerboard_blobs():
    X, y = data.toy("moons", n=200, seed=0)
    assert np.bincount(y).tolist() == [100, 100]
    assert X[y == 0, 1].mean() > X[y == 1, 1].mean()  # class 0 is the upper moon
    Xc, yc = data.toy("checkerboard", n=1000, seed=0)
    cells = np.floor((Xc + 4) / 2).astype(int)
    np.testing.assert_array_equal(yc, (cells[:, 0] + cells[:, 1]) % 2)
    _, y3 = data.toy("checkerboard", n=1000, classes=3, seed=0)
    assert set(np.unique(y3)) == {0, 1, 2}
    Xb, yb = data.toy("blobs", n=6000, classes=6, seed=0)
    assert np.bincount(yb).tolist() == [1000] * 6
    centres = np.stack([Xb[yb == k].mean(axis=0) for k in range(6)])
    np.testing.assert_allclose(np.linalg.norm(centres, axis=1), 4.0, atol=0.1)  # radius 4, k > 4
    Xb2, yb2 = data.toy("blobs", n=2000, classes=2, seed=0)
    np.testing.assert_allclose(Xb2[yb2 == 0].mean(axis=0), [2, 2], atol=0.15)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"name": "donut"}, r"name='donut'.*circle, xor"),
        ({"name": "circle", "n": 0}, r"n=0 is out of range; allowed: integers >= 1"),
        ({"name": "circle", "n": 2.5}, r"n=2.5 is not an integer"),
        ({"name": "circle", "n": True}, r"n=True"),
        ({"name": "circle", "noise": 0.6},
         r"noise=0.6 is out of range; allowed: \[0, 0.5\] \(the playground's noise"),
        ({"name": "circle", "noise": -0.1}, r"noise=-0.1"),
        ({"name": "circle", "noise": float("nan")}, r"noise=nan is not a number"),
        ({"name": "circle", "classes": 3}, r"classes=3 is not allowed for 'circle'; allowed: 2"),
        ({"name": "spiral", "classes": 6}, r"classes=6.*allowed: 2, 3, 4, 5"),
        ({"name": "quadrants", "classes": 3}, r"allowed: 2, 4"),
        ({"name": "plane", "classes": 2}, r"classes=2 is not allowed for the regression set"),
    ],
)
def test_argument_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        data.toy(**kwargs)


def test_toy_names():
    assert data.toy_names("regression") == ("plane", "multi-gaussian")
    assert "circle" in data.toy_names() and "multi_gaussian" not in data.toy_names()
    X, _ = data.toy("multi_gaussian", n=3)  # underscores accepted
    assert X.shape == (3, 2)
