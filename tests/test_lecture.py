"""The lecture's worked numbers (../shared/lecture.txt, CS 231n slides), reproduced exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from neuralab.losses import multiclass_hinge, softmax, softmax_cross_entropy
from neuralab.nn import functional as F

# "Example with an image with 4 pixels, and 3 classes (cat/dog/ship)": the slide's W is (C, D)
# and computes W x; neuralab's affine map is x W with W of shape (D, C), so we pass W.T.
W_SLIDE = np.array([[0.2, -0.5, 0.1, 2.0], [1.5, 1.3, 2.1, 0.0], [0.0, 0.25, 0.2, -0.3]])
B_SLIDE = np.array([1.1, 3.2, -1.2])
CAT_PIXELS = np.array([[56.0, 231.0, 24.0, 2.0]])


def test_cat_image_scores() -> None:
    scores, _ = F.affine_forward(CAT_PIXELS, W_SLIDE.T, B_SLIDE)
    # The slide prints 61.95 for the ship score: that is W x without the ship bias of -1.2.
    # W x + b gives 61.95 - 1.2 = 60.75, which is what we test.
    np.testing.assert_allclose(scores[0], [-96.8, 437.9, 60.75], atol=1e-9)
    wx, _ = F.affine_forward(CAT_PIXELS, W_SLIDE.T, np.zeros(3))
    assert wx[0, 2] == pytest.approx(61.95)  # the slide's number, without the bias


SVM_SCORES = np.array([  # rows: the cat, car and frog images; columns: cat, car, frog scores
    [3.2, 5.1, -1.7],
    [1.3, 4.9, 2.0],
    [2.2, 2.5, -3.1],
])
SVM_LABELS = np.array([0, 1, 2])


def test_softmax_probabilities_and_loss_of_the_cat_image() -> None:
    probs = softmax(SVM_SCORES[:1])
    np.testing.assert_allclose(np.round(probs[0], 2), [0.13, 0.87, 0.00])
    loss, _ = softmax_cross_entropy(SVM_SCORES[:1], np.array([0]))
    assert round(loss, 2) == 2.04  # L = -log(0.13)


@pytest.mark.parametrize(("i", "expected"), [(0, 2.9), (1, 0.0), (2, 12.9)])
def test_multiclass_svm_loss_per_image(i: int, expected: float) -> None:
    loss, _ = multiclass_hinge(SVM_SCORES[i : i + 1], SVM_LABELS[i : i + 1])
    assert loss == pytest.approx(expected)


def test_multiclass_svm_loss_over_the_dataset() -> None:
    loss, _ = multiclass_hinge(SVM_SCORES, SVM_LABELS)
    assert round(loss, 2) == 5.27  # (2.9 + 0 + 12.9) / 3


@pytest.mark.parametrize("c", [2, 3, 10])
def test_losses_at_initialization_with_near_equal_scores(c: int) -> None:
    # "At initialization W is small so all s ≈ 0": softmax loss log(C), SVM loss C - 1.
    scores = np.full((4, c), 1e-3) + np.random.default_rng(0).normal(0, 1e-9, (4, c))
    y = np.arange(4) % c
    soft, _ = softmax_cross_entropy(scores, y)
    svm, _ = multiclass_hinge(scores, y)
    assert soft == pytest.approx(math.log(c), rel=1e-6)
    assert svm == pytest.approx(c - 1, rel=1e-6)


def test_minimum_loss_is_zero_for_the_svm() -> None:
    loss, grad = multiclass_hinge(np.array([[5.0, 1.0, 2.0]]), np.array([0]))
    assert loss == 0.0
    assert not grad.any()  # at the minimum nothing pushes the scores


@pytest.mark.parametrize(
    ("scores", "softmax_loss"),
    [([10.0, -2.0, 3.0], 9.18e-4), ([10.0, 9.0, 9.0], 0.551), ([10.0, -100.0, -100.0], 3.4e-48)],
)
def test_svm_is_satisfied_where_softmax_keeps_pushing(
    scores: list[float], softmax_loss: float
) -> None:
    s, y = np.array([scores]), np.array([0])
    assert multiclass_hinge(s, y)[0] == 0.0
    loss, _ = softmax_cross_entropy(s, y)
    assert loss > 0.0  # a confident, correct prediction is still not rounded to exactly 0
    assert loss == pytest.approx(softmax_loss, rel=2e-3)
