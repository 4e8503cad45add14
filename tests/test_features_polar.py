"""features.polar and features.playground, and the lecture's point about them: a feature
transform can make data linearly separable -- and some data stays non-separable."""

from __future__ import annotations

import numpy as np
import pytest

from neuralab import data, features, models
from neuralab.train import Trainer


# ------------------------------------------------------------------ polar
def test_polar_hand_values():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [-3.0, 0.0], [-3.0, -0.0], [0.0, -1.0], [3.0, 4.0],
                  [0.0, 0.0]])
    P = features.polar(X)
    np.testing.assert_allclose(P[:, 0], [1, 2, 3, 3, 1, 5, 0])
    np.testing.assert_allclose(P[:, 1], [0, np.pi / 2, np.pi, np.pi, -np.pi / 2,
                                         np.arctan2(4, 3), 0])
    assert P.dtype == np.float64


def test_polar_range_and_round_trip(rng):
    X = rng.normal(size=(500, 2)) * 10
    r, theta = features.polar(X).T
    assert theta.min() > -np.pi and theta.max() <= np.pi
    np.testing.assert_allclose(np.stack([r * np.cos(theta), r * np.sin(theta)], 1), X,
                               atol=1e-12)
    assert features.polar(X.astype(np.float32)).dtype == np.float32
    assert features.polar(np.array([[3, 4]])).tolist() == [[5.0, pytest.approx(0.9273, 1e-4)]]


@pytest.mark.parametrize(
    ("X", "message"),
    [(np.zeros(3), "shape"), (np.zeros((3, 3)), r"\(N, 2\)"), ([[np.nan, 0.0]], "finite"),
     ([[np.inf, 0.0]], "finite")],
)
def test_polar_bad_input(X, message):
    with pytest.raises(ValueError, match=message):
        features.polar(X)


# ------------------------------------------------------------------ playground
def test_playground_maps_and_order():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]])
    Z = features.playground(X)
    assert features.PLAYGROUND_FEATURES == ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1",
                                            "sin_x2")
    expected = np.array([[2, 3, 4, 9, 6, np.sin(2), np.sin(3)],
                         [-1, 0.5, 1, 0.25, -0.5, np.sin(-1), np.sin(0.5)]])
    np.testing.assert_allclose(Z, expected)
    np.testing.assert_allclose(features.playground(X, ("x1x2", "x1")), expected[:, [4, 0]])
    np.testing.assert_allclose(features.playground(X, "x2^2, sin_x1"), expected[:, [3, 5]])


@pytest.mark.parametrize("names", [("x3",), ("x1", "cos_x1"), (), ("x1", "x1"), 5])
def test_playground_names_are_validated(names):
    with pytest.raises(ValueError, match=r"x1, x2, x1\^2, x2\^2, x1x2, sin_x1, sin_x2|once"):
        features.playground(np.zeros((2, 2)), names)


# ------------------------------------------------------------------ the lecture's point
def _concentric(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Class 0: r < 1; class 1: 1.5 < r < 2.5; equal counts; angles uniform."""
    g = np.random.default_rng(seed)
    r = np.concatenate([g.uniform(0.0, 1.0, n_per_class), g.uniform(1.5, 2.5, n_per_class)])
    a = g.uniform(-np.pi, np.pi, 2 * n_per_class)
    return np.stack([r * np.cos(a), r * np.sin(a)], 1), np.repeat([0, 1], n_per_class)


def _test_accuracy(model, X_train, y_train, X_test, y_test, *, epochs, lr) -> float:
    scaler = data.Standardizer().fit(X_train)  # training statistics only
    trainer = Trainer(model, loss="softmax", optimizer="adam", lr=lr, epochs=epochs,
                      batch_size=32, seed=0)
    trainer.fit(scaler.transform(X_train), y_train)
    return trainer.evaluate(scaler.transform(X_test), y_test)["accuracy"]


def test_concentric_classes_are_linear_in_polar_coordinates():
    X_train, y_train = _concentric(300, seed=0)
    X_test, y_test = _concentric(300, seed=1)
    raw = _test_accuracy(models.linear(2, 2, seed=0), X_train, y_train, X_test, y_test,
                         epochs=40, lr=0.05)
    polar = _test_accuracy(models.linear(2, 2, seed=0), features.polar(X_train), y_train,
                           features.polar(X_test), y_test, epochs=40, lr=0.05)
    assert raw <= 0.75  # no line separates a disc from a ring around it
    assert polar > 0.98  # in (r, θ) it is one threshold on r


def test_ring_is_not_linear_even_in_polar_coordinates_but_an_mlp_learns_it():
    X_train, y_train = data.toy("ring", n=1000, seed=0)  # class 1 iff 1 <= |x| <= 2
    X_test, y_test = data.toy("ring", n=1000, seed=1)
    P_train, P_test = features.polar(X_train), features.polar(X_test)
    # Class 1 is a band 1 <= r <= 2 with class 0 on both sides, for every θ: no line in
    # (r, θ) splits it. Even the best single threshold on r misclassifies r < 1 (~9 %):
    r = P_train[:, 0]
    best_threshold = max(np.mean((r <= t) == y_train) for t in np.linspace(0, 4.3, 431))
    best_threshold = max(best_threshold, max(np.mean((r >= t) == y_train)
                                             for t in np.linspace(0, 4.3, 431)))
    assert best_threshold < 0.93
    linear = _test_accuracy(models.linear(2, 2, seed=0), P_train, y_train, P_test, y_test,
                            epochs=40, lr=0.05)
    assert linear <= 0.8  # softmax on (r, θ) lands near the 75 % majority class, not higher
    # A 2-layer net learns the two boundaries, from (r, θ) and even from raw (x, y).
    mlp_polar = _test_accuracy(models.mlp(2, 2, (16,), seed=0), P_train, y_train, P_test,
                               y_test, epochs=60, lr=0.02)
    mlp_raw = _test_accuracy(models.mlp(2, 2, (32,), seed=0), X_train, y_train, X_test, y_test,
                             epochs=150, lr=0.01)
    assert mlp_polar > 0.95
    assert mlp_raw > 0.95
