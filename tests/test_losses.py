"""Data losses: gradient checks, PyTorch oracles, stability at huge scores, clear errors."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralab.gradcheck import numeric_gradient, rel_error
from neuralab.losses import get_loss, mse, multiclass_hinge, softmax, softmax_cross_entropy

TOL = 1e-6
ORACLE = {"rtol": 1e-9, "atol": 1e-12}
CLASSIFICATION = [softmax_cross_entropy, multiclass_hinge]


def hinge_scores(
    rng: np.random.Generator, n: int, c: int, delta: float = 1.0, both_branches: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Scores and labels whose hinge margins sⱼ − s_y + Δ all lie ≥ 1e-2 from the kink at 0, so
    central differences with h = 1e-5 see a smooth function; ``both_branches`` also asks for
    active and inactive margins, so the gradient check covers both."""
    for _ in range(1000):
        scores, y = rng.normal(0.0, 1.5, size=(n, c)), rng.integers(0, c, size=n)
        margins = scores - scores[np.arange(n), y][:, None] + delta
        others = margins[np.arange(c)[None, :] != y[:, None]]  # the j = y term is not a hinge
        mixed = (others > 0).any() and (others < 0).any()
        if np.abs(others).min() > 1e-2 and (mixed or not both_branches):
            return scores, y
    raise AssertionError("no scores away from the hinge kinks in 1000 draws")


# --------------------------------------------------------------------------- gradient checks
def test_softmax_cross_entropy_gradient(rng):
    scores, y = rng.normal(size=(6, 4)), rng.integers(0, 4, size=6)
    _, dscores = softmax_cross_entropy(scores, y)
    num = numeric_gradient(lambda: softmax_cross_entropy(scores, y)[0], scores)
    assert rel_error(num, dscores) < TOL


@pytest.mark.parametrize("delta", [1.0, 0.5])
def test_multiclass_hinge_gradient_away_from_the_kinks(delta, rng):
    scores, y = hinge_scores(rng, 6, 5, delta, both_branches=True)
    _, dscores = multiclass_hinge(scores, y, delta)
    num = numeric_gradient(lambda: multiclass_hinge(scores, y, delta)[0], scores)
    assert rel_error(num, dscores) < TOL


@pytest.mark.parametrize("shape", [(5, 3), (7,)])
def test_mse_gradient(shape, rng):
    pred, target = rng.normal(size=shape), rng.normal(size=shape)
    _, dpred = mse(pred, target)
    assert rel_error(numeric_gradient(lambda: mse(pred, target)[0], pred), dpred) < TOL


# --------------------------------------------------------------------------- torch oracles
def _scalar_vjp(torch_vjp, fn, *arrays):
    """torch's loss value and its gradient w.r.t. the first array (the scores)."""
    out, grads = torch_vjp(fn, np.array(1.0), *arrays)
    return float(out), grads[0]


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 8), c=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_softmax_cross_entropy_matches_torch(n, c, seed, torch, torch_vjp):
    rng = np.random.default_rng(seed)
    scores, y = rng.normal(0.0, 3.0, size=(n, c)), rng.integers(0, c, size=n)
    loss, dscores = softmax_cross_entropy(scores, y)
    loss_t, dscores_t = _scalar_vjp(
        torch_vjp, lambda s: torch.nn.functional.cross_entropy(s, torch.tensor(y)), scores
    )
    assert loss == pytest.approx(loss_t, rel=1e-12)
    np.testing.assert_allclose(dscores, dscores_t, **ORACLE)
    np.testing.assert_allclose(softmax(scores), torch.softmax(torch.tensor(scores), 1), **ORACLE)


@settings(max_examples=20, deadline=None)
@given(n=st.integers(1, 8), c=st.integers(2, 6), seed=st.integers(0, 2**32 - 1),
       delta=st.sampled_from([0.5, 1.0, 2.0]))
def test_multiclass_hinge_matches_torch_multi_margin_loss_times_c(
    n, c, seed, delta, torch, torch_vjp
):
    # torch's multi_margin_loss(p=1, margin=Δ) is (1/C)·Σ_{j≠y} max(0, Δ − s_y + sⱼ) per
    # example (then the batch mean): it divides each example's sum by C. Weston–Watkins, as on
    # the slide, does not, so ours = torch · C — for the loss and for its gradient.
    scores, y = hinge_scores(np.random.default_rng(seed), n, c, delta)
    loss, dscores = multiclass_hinge(scores, y, delta)

    def reference(s):
        return c * torch.nn.functional.multi_margin_loss(s, torch.tensor(y), p=1, margin=delta)

    loss_t, dscores_t = _scalar_vjp(torch_vjp, reference, scores)
    assert loss == pytest.approx(loss_t, rel=1e-12)
    np.testing.assert_allclose(dscores, dscores_t, **ORACLE)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 8), c=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_mse_matches_torch(n, c, seed, torch, torch_vjp):
    rng = np.random.default_rng(seed)
    pred, target = rng.normal(size=(n, c)), rng.normal(size=(n, c))
    loss, dpred = mse(pred, target)
    loss_t, dpred_t = _scalar_vjp(
        torch_vjp, lambda p: torch.nn.functional.mse_loss(p, torch.tensor(target)), pred
    )
    assert loss == pytest.approx(loss_t, rel=1e-12)
    np.testing.assert_allclose(dpred, dpred_t, **ORACLE)


# --------------------------------------------------------------------------- values and stability
def test_losses_return_a_float_and_a_gradient_shaped_like_the_scores(rng):
    scores, y = rng.normal(size=(3, 4)), np.array([0, 3, 1])
    for loss_fn in CLASSIFICATION:
        loss, dscores = loss_fn(scores, y)
        assert type(loss) is float
        assert dscores.shape == scores.shape and dscores.dtype == scores.dtype


def test_softmax_keeps_a_tiny_loss_instead_of_rounding_it_to_zero():
    # L = log(1 + 2e^-110) ≈ 2e^-110 ≈ 3.4e-48, which log(Σ e^s) − s_y would round to 0
    loss, _ = softmax_cross_entropy(np.array([[10.0, -100.0, -100.0]]), np.array([0]))
    assert loss == pytest.approx(2 * math.exp(-110), rel=1e-12)


# Rows: confident and right, confident and wrong, a tie between two huge scores.
HUGE = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [1e4, 1e4, -1e4]])
HUGE_Y = np.array([0, 0, 2])


def _quietly(fn, *args):
    """Call ``fn`` with overflow / invalid / divide-by-zero floating point errors and every
    warning turned into exceptions. (Underflow stays quiet: e^-2e4 rounds to 0, correctly.)"""
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args)


def test_softmax_at_huge_scores_reaches_its_analytic_limit():
    loss, dscores = _quietly(softmax_cross_entropy, HUGE, HUGE_Y)
    # per example: 0, 2e4, 2e4 + log 2; gradient (softmax − onehot) / N with exact 0/1/½ probs
    assert loss == pytest.approx((0.0 + 2e4 + 2e4 + math.log(2.0)) / 3, rel=1e-15)
    expected = np.array([[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.5, 0.5, -1.0]]) / 3
    np.testing.assert_allclose(dscores, expected, rtol=1e-15, atol=0)


def test_multiclass_hinge_at_huge_scores_reaches_its_analytic_limit():
    loss, dscores = _quietly(multiclass_hinge, HUGE, HUGE_Y)
    # per example: 0; (2e4 + 1) + (1e4 + 1); 2·(2e4 + 1)
    assert loss == pytest.approx((30002.0 + 40002.0) / 3, rel=1e-15)
    expected = np.array([[0.0, 0.0, 0.0], [-2.0, 1.0, 1.0], [1.0, 1.0, -2.0]]) / 3
    np.testing.assert_allclose(dscores, expected, rtol=1e-15, atol=0)


def test_mse_at_huge_values_is_finite():
    loss, dpred = _quietly(mse, np.array([[1e4, -1e4]]), np.array([[-1e4, 1e4]]))
    assert loss == 4e8
    np.testing.assert_array_equal(dpred, [[2e4, -2e4]])


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
@pytest.mark.parametrize("shape", [(4,), (2, 2, 3)])
def test_scores_must_be_two_dimensional(loss_fn, shape):
    msg = r"scores must have shape \(N, C\), got shape " + re.escape(str(shape))
    with pytest.raises(ValueError, match=msg):
        loss_fn(np.zeros(shape), np.zeros(2, dtype=int))


@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
@pytest.mark.parametrize("y_shape", [(3,), (4, 1)])
def test_labels_must_match_the_batch(loss_fn, y_shape):
    msg = r"y must have shape \(4,\).*got shape " + re.escape(str(y_shape))
    with pytest.raises(ValueError, match=msg):
        loss_fn(np.zeros((4, 3)), np.zeros(y_shape, dtype=int))


@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
@pytest.mark.parametrize("bad", [3, -1, 10])
def test_labels_must_be_valid_classes(loss_fn, bad):
    y = np.array([0, bad, 1])
    with pytest.raises(ValueError, match=rf"y contains label {bad}, outside the 3 classes"):
        loss_fn(np.zeros((3, 3)), y)


@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
def test_labels_must_be_integers(loss_fn):
    with pytest.raises(ValueError, match="y must hold integer class labels, got dtype float64"):
        loss_fn(np.zeros((3, 3)), np.array([0.0, 1.0, 2.0]))


@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_are_reported_as_divergence(loss_fn, bad):
    scores = np.zeros((2, 3))
    scores[1, 2] = bad
    with pytest.raises(ValueError, match=r"scores contain NaN or inf.*lower learning rate"):
        loss_fn(scores, np.array([0, 1]))


@pytest.mark.parametrize("loss_fn", CLASSIFICATION)
def test_an_empty_batch_is_refused(loss_fn):
    with pytest.raises(ValueError, match=r"scores is empty \(N = 0\)"):
        loss_fn(np.zeros((0, 3)), np.zeros(0, dtype=int))


@pytest.mark.parametrize("delta", [0.0, -1.0])
def test_hinge_margin_must_be_positive(delta):
    with pytest.raises(ValueError, match=rf"delta={delta!r} is out of range"):
        multiclass_hinge(np.zeros((2, 3)), np.array([0, 1]), delta)


def test_mse_target_must_match_pred():
    msg = r"target must have the shape of pred \(4, 2\), got \(4, 3\)"
    with pytest.raises(ValueError, match=msg):
        mse(np.zeros((4, 2)), np.zeros((4, 3)))


def test_mse_rejects_non_finite_predictions():
    with pytest.raises(ValueError, match="pred contain NaN or inf"):
        mse(np.array([1.0, np.nan]), np.zeros(2))


def test_get_loss_by_name_and_unknown_names():
    assert get_loss("softmax") is softmax_cross_entropy
    assert get_loss("svm") is multiclass_hinge
    assert get_loss("mse") is mse
    with pytest.raises(ValueError, match="loss='hinge' is not allowed; choose one of: softmax"):
        get_loss("hinge")


# --------------------------------------------------------------------------- training-step forms
@pytest.mark.parametrize("name", ["softmax", "svm"])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_step_forms_match_the_public_losses(name, backend, rng):
    if backend == "torch":
        pytest.importorskip("torch", reason="the torch path of the step losses")
    from neuralab import backend as B
    from neuralab.losses import one_hot

    scores_np = rng.normal(scale=5.0, size=(7, 4))
    y_np = rng.integers(0, 4, size=7)
    scores = B.get_backend(backend).asarray(scores_np)
    y = B.asarray(y_np, like=scores)
    loss, grad = get_loss(name, step=True)(scores, one_hot(y, 4, scores))
    ref_loss, ref_grad = get_loss(name)(scores_np, y_np)
    if backend == "torch":
        assert type(loss) is type(scores) and loss.ndim == 0  # left on the device
    assert float(loss) == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(B.to_numpy(grad), ref_grad, rtol=1e-12, atol=1e-15)


def test_mse_step_matches_mse(rng):
    from neuralab.losses import mse_step

    pred, target = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    loss, grad = mse_step(pred, target)
    ref_loss, ref_grad = mse(pred, target)
    assert float(loss) == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-12)


@pytest.mark.parametrize("n_classes", [3, 100])  # the numpy path's two ways to the row max
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_softmax_step_is_stable_and_matches_torch(backend, n_classes, rng, torch):
    from neuralab import backend as B
    from neuralab.losses import one_hot, softmax_step

    scores_np = rng.normal(scale=5.0, size=(6, n_classes))
    scores_np[0, :3] = [1e4, -1e4, 0.0]  # no overflow, and a loss of exactly 0 stays finite
    scores_np[1] += 1e4
    y_np = rng.integers(0, n_classes, size=6)
    y_np[0] = 0
    scores = B.get_backend(backend).asarray(scores_np)
    loss, grad = softmax_step(scores, one_hot(B.asarray(y_np, like=scores), n_classes, scores))
    s = torch.tensor(scores_np, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(s, torch.tensor(y_np))
    expected.backward()
    assert float(loss) == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(B.to_numpy(grad), s.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_log_softmax_is_stable_and_matches_torch(backend, torch):
    from neuralab import backend as B

    scores_np = np.array([[1e4, -1e4, 0.0], [1.0, 2.0, 3.0]])
    out = B.to_numpy(B.log_softmax(B.get_backend(backend).asarray(scores_np)))
    expected = torch.log_softmax(torch.tensor(scores_np), dim=1).numpy()
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert np.isfinite(out[1]).all() and out[0, 0] == 0.0


def test_one_hot_validates_labels():
    from neuralab.losses import one_hot

    like = np.zeros((1, 3), dtype=np.float32)
    assert one_hot(np.array([2, 0]), 3, like).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.array([2, 0]), 3, like).dtype == np.float32
    with pytest.raises(ValueError, match=r"label 3, outside the 3 classes \[0, 2\]"):
        one_hot(np.array([0, 3]), 3, like)
    with pytest.raises(ValueError, match="integer class labels"):
        one_hot(np.array([0.5]), 3, like)
    with pytest.raises(ValueError, match="1-D array"):
        one_hot(np.zeros((2, 2), dtype=int), 3, like)


# --------------------------------------------------------------------------- per example
@pytest.mark.parametrize("name", ["softmax", "svm", "mse"])
def test_example_losses_are_the_terms_of_the_mean(name, rng):
    """example_losses gives each Lᵢ: one row's loss alone, and the batch loss is their mean."""
    from neuralab.losses import example_losses

    n, c = 7, 4
    scores = rng.normal(0.0, 2.0, size=(n, c))
    y = rng.normal(size=(n, c)) if name == "mse" else rng.integers(0, c, size=n)
    per = example_losses(name, scores, y)
    assert per.shape == (n,)
    loss = get_loss(name)
    assert np.mean(per) == pytest.approx(loss(scores, y)[0], rel=1e-12)
    for i in range(n):
        assert per[i] == pytest.approx(loss(scores[i:i + 1], y[i:i + 1])[0], rel=1e-12, abs=1e-15)
    assert (per >= 0).all()
    with pytest.raises(ValueError, match="loss='hinge' is not allowed"):
        example_losses("hinge", scores, y)


@pytest.mark.parametrize("shape", [(2500, 2), (64, 10), (7, 3), (100, 64), (5, 65), (3, 1)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_log_softmax_fast_path_gives_the_formulas_bits(shape: tuple[int, int], dtype: str) -> None:
    """numpy's log_softmax reduces few-class rows along the transposed copy (the playground's
    2500 × 2 grid is its case): the same bits as z − log Σ e^z by row, at every width."""
    from neuralab import backend as B

    s = (np.random.default_rng(0).normal(size=shape) * 10).astype(dtype)
    z = s - np.max(s, axis=1, keepdims=True)
    np.testing.assert_array_equal(B.log_softmax(s),
                                  z - np.log(np.sum(np.exp(z), axis=1, keepdims=True)))
