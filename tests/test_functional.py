"""The kernels of neuralab.nn.functional: float64 gradient checks and PyTorch oracles.

Every forward/backward pair is checked twice: its backward against central differences of its
own forward (relative error < 1e-6), and its forward and backward against torch autograd.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neuralab import backend as B
from neuralab.gradcheck import numeric_gradient_array, rel_error
from neuralab.nn import functional as F

TOL = 1e-6  # gradient checks: ‖num − ana‖ / max(‖num‖, ‖ana‖)
ORACLE = {"rtol": 1e-9, "atol": 1e-12}  # float64 against torch: only summation order differs
LEAKY_ALPHA, ELU_ALPHA, K = 0.1, 1.5, 3

# name -> (forward(x) -> (out, cache), backward(dout, cache) -> dx, torch reference fn(torch, x))
OPS = {
    "sigmoid": (F.sigmoid_forward, F.sigmoid_backward, lambda t, x: t.sigmoid(x)),
    "tanh": (F.tanh_forward, F.tanh_backward, lambda t, x: t.tanh(x)),
    "relu": (F.relu_forward, F.relu_backward, lambda t, x: t.relu(x)),
    "leaky_relu": (
        F.leaky_relu_forward, F.leaky_relu_backward,  # default α = 0.01, as torch's
        lambda t, x: t.nn.functional.leaky_relu(x),
    ),
    "leaky_relu(0.1)": (
        lambda x: F.leaky_relu_forward(x, LEAKY_ALPHA), F.leaky_relu_backward,
        lambda t, x: t.nn.functional.leaky_relu(x, LEAKY_ALPHA),
    ),
    "elu": (F.elu_forward, F.elu_backward, lambda t, x: t.nn.functional.elu(x)),
    "elu(1.5)": (
        lambda x: F.elu_forward(x, ELU_ALPHA), F.elu_backward,
        lambda t, x: t.nn.functional.elu(x, ELU_ALPHA),
    ),
    "maxout(3)": (
        # groups of K CONSECUTIVE units: columns 0..2 -> output 0, 3..5 -> output 1, ...
        lambda x: F.maxout_forward(x, K), F.maxout_backward,
        lambda t, x: x.view(x.shape[0], -1, K).amax(-1),
    ),
    "identity": (F.identity_forward, F.identity_backward, lambda t, x: x.clone()),
}


def sample(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random float64 entries with |x| in [0.05, 3]: at least 5e3·h from the kinks at 0, so
    central differences never straddle ReLU's corner (maxout ties are as unlikely)."""
    return rng.uniform(0.05, 3.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


# --------------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("name", OPS)
def test_activation_backward_matches_numeric_gradient(name, rng):
    forward, backward, _ = OPS[name]
    x = sample(rng, (5, 4 * K))
    out, cache = forward(x)
    dout = rng.normal(size=out.shape)
    dx = backward(dout, cache)
    dx_num = numeric_gradient_array(lambda: forward(x)[0], x, dout)
    assert rel_error(dx_num, dx) < TOL


def test_affine_backward_matches_numeric_gradient(rng):
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    out, cache = F.affine_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    dx, dw, db = F.affine_backward(dout, cache)

    def f():
        return F.affine_forward(x, w, b)[0]

    assert rel_error(numeric_gradient_array(f, x, dout), dx) < TOL
    assert rel_error(numeric_gradient_array(f, w, dout), dw) < TOL
    assert rel_error(numeric_gradient_array(f, b, dout), db) < TOL


def test_dropout_backward_with_fixed_mask_matches_numeric_gradient(rng):
    x, p = rng.normal(size=(6, 5)), 0.4
    mask = (rng.random(x.shape) >= p) / (1 - p)  # the scaled mask, as dropout_forward takes it
    out, cache = F.dropout_forward(x, p, mask=mask)
    dout = rng.normal(size=out.shape)
    dx = F.dropout_backward(dout, cache)
    dx_num = numeric_gradient_array(lambda: F.dropout_forward(x, p, mask=mask)[0], x, dout)
    assert rel_error(dx_num, dx) < TOL


def test_batchnorm_train_backward_matches_numeric_gradient(rng):
    x = rng.normal(3.0, 2.0, size=(6, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    out, cache = F.batchnorm_forward(x, gamma, beta)
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = F.batchnorm_backward(dout, cache)

    def f():
        return F.batchnorm_forward(x, gamma, beta)[0]

    # dx includes the paths through the batch mean and variance, which depend on x
    assert rel_error(numeric_gradient_array(f, x, dout), dx) < TOL
    assert rel_error(numeric_gradient_array(f, gamma, dout), dgamma) < TOL
    assert rel_error(numeric_gradient_array(f, beta, dout), dbeta) < TOL


def test_batchnorm_eval_backward_matches_numeric_gradient(rng):
    x = rng.normal(size=(6, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    out, cache = F.batchnorm_forward(x, gamma, beta, mean=mean, var=var)
    dout = rng.normal(size=out.shape)
    dx, dgamma, dbeta = F.batchnorm_backward(dout, cache)

    def f():
        return F.batchnorm_forward(x, gamma, beta, mean=mean, var=var)[0]

    assert rel_error(numeric_gradient_array(f, x, dout), dx) < TOL
    assert rel_error(numeric_gradient_array(f, gamma, dout), dgamma) < TOL
    assert rel_error(numeric_gradient_array(f, beta, dout), dbeta) < TOL


# --------------------------------------------------------------------------- torch oracles
@pytest.mark.parametrize("name", OPS)
@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 6), h=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_activation_matches_torch(name, n, h, seed, torch, torch_vjp):
    forward, backward, reference = OPS[name]
    rng = np.random.default_rng(seed)
    x = sample(rng, (n, h * K))
    out, cache = forward(x)
    dout = rng.normal(size=out.shape)
    dx = backward(dout, cache)
    out_t, (dx_t,) = torch_vjp(lambda xt: reference(torch, xt), dout, x)
    np.testing.assert_allclose(out, out_t, **ORACLE)
    np.testing.assert_allclose(dx, dx_t, **ORACLE)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 8), d=st.integers(1, 8), h=st.integers(1, 8),
       seed=st.integers(0, 2**32 - 1))
def test_affine_matches_torch(n, d, h, seed, torch_vjp):
    rng = np.random.default_rng(seed)
    x, w, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
    out, cache = F.affine_forward(x, w, b)
    dout = rng.normal(size=out.shape)
    grads = F.affine_backward(dout, cache)
    out_t, grads_t = torch_vjp(lambda xt, wt, bt: xt @ wt + bt, dout, x, w, b)
    np.testing.assert_allclose(out, out_t, **ORACLE)
    for g, g_t in zip(grads, grads_t, strict=True):
        np.testing.assert_allclose(g, g_t, **ORACLE)


def test_dropout_matches_torch_with_the_same_mask(rng, torch_vjp):
    x, p = rng.normal(size=(8, 6)), 0.3
    mask = F.dropout_forward(np.ones_like(x), p, rng=np.random.default_rng(5))[0]
    out, cache = F.dropout_forward(x, p, mask=mask)
    dout = rng.normal(size=out.shape)
    dx = F.dropout_backward(dout, cache)
    out_t, (dx_t,) = torch_vjp(lambda xt: xt * xt.new_tensor(mask), dout, x)
    np.testing.assert_allclose(out, out_t, **ORACLE)
    np.testing.assert_allclose(dx, dx_t, **ORACLE)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 8), h=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_batchnorm_train_matches_torch(n, h, seed, torch, torch_vjp):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 3.0, size=(n, h))
    gamma, beta = rng.normal(size=h), rng.normal(size=h)
    out, cache = F.batchnorm_forward(x, gamma, beta, eps=1e-5)
    dout = rng.normal(size=out.shape)
    grads = F.batchnorm_backward(dout, cache)

    def reference(xt, gt, bt):
        return torch.nn.functional.batch_norm(xt, None, None, gt, bt, training=True, eps=1e-5)

    out_t, grads_t = torch_vjp(reference, dout, x, gamma, beta)
    np.testing.assert_allclose(out, out_t, **ORACLE)
    for g, g_t in zip(grads, grads_t, strict=True):
        np.testing.assert_allclose(g, g_t, **ORACLE)
    # the cache carries the batch statistics the layer's running update needs (biased var)
    np.testing.assert_allclose(cache["mean"], x.mean(axis=0), **ORACLE)
    np.testing.assert_allclose(cache["var"], x.var(axis=0), **ORACLE)


def test_batchnorm_eval_matches_torch(rng, torch, torch_vjp):
    x = rng.normal(size=(5, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, size=4)
    out, cache = F.batchnorm_forward(x, gamma, beta, eps=1e-3, mean=mean, var=var)
    dout = rng.normal(size=out.shape)
    grads = F.batchnorm_backward(dout, cache)

    def reference(xt, gt, bt):
        return torch.nn.functional.batch_norm(
            xt, torch.tensor(mean), torch.tensor(var), gt, bt, training=False, eps=1e-3
        )

    out_t, grads_t = torch_vjp(reference, dout, x, gamma, beta)
    np.testing.assert_allclose(out, out_t, **ORACLE)
    for g, g_t in zip(grads, grads_t, strict=True):
        np.testing.assert_allclose(g, g_t, **ORACLE)


# --------------------------------------------------------------------------- behaviour
def test_maxout_takes_groups_of_consecutive_units():
    x = np.array([[1.0, 5.0, 2.0, -1.0, -3.0, -2.0]])
    out, cache = F.maxout_forward(x, 3)
    np.testing.assert_array_equal(out, [[5.0, -1.0]])
    # the gradient goes to the winner of each group and nowhere else
    np.testing.assert_array_equal(F.maxout_backward(np.array([[10.0, 20.0]]), cache),
                                  [[0.0, 10.0, 0.0, 20.0, 0.0, 0.0]])


def test_affine_writes_into_given_buffers_with_the_same_result(rng):
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    dout = rng.normal(size=(4, 3))
    fresh, cache = F.affine_forward(x, w, b)
    buf = np.empty((4, 3))
    out, _ = F.affine_forward(x, w, b, out=buf)
    assert out is buf
    np.testing.assert_array_equal(out, fresh)
    bufs = {"dx": np.empty_like(x), "dw": np.empty_like(w), "db": np.empty_like(b)}
    for g, g_buf in zip(F.affine_backward(dout, cache), F.affine_backward(dout, cache, **bufs),
                        strict=True):
        np.testing.assert_array_equal(g, g_buf)


def test_affine_backward_can_skip_the_input_gradient(rng):
    x, w, b = rng.normal(size=(4, 5)), rng.normal(size=(5, 3)), rng.normal(size=3)
    _, cache = F.affine_forward(x, w, b)
    dout = rng.normal(size=(4, 3))
    dx, dw, db = F.affine_backward(dout, cache, need_dx=False)
    _, dw_full, db_full = F.affine_backward(dout, cache)
    assert dx is None
    np.testing.assert_array_equal(dw, dw_full)
    np.testing.assert_array_equal(db, db_full)


@pytest.mark.parametrize("p", [0.0, 0.5])
def test_dropout_is_the_identity_in_eval_mode_and_at_p_zero(p, rng):
    x = rng.normal(size=(4, 3))
    out, cache = F.dropout_forward(x, p, training=p == 0.0, rng=rng)
    np.testing.assert_array_equal(out, x)
    dout = rng.normal(size=x.shape)
    np.testing.assert_array_equal(F.dropout_backward(dout, cache), dout)


def test_dropout_mask_is_inverted_and_drops_a_fraction_p():
    p, x = 0.3, np.ones((200, 100))
    out, _ = F.dropout_forward(x, p, rng=np.random.default_rng(0))
    # kept units are scaled by 1/(1 − p) so the expected activation is unchanged
    assert set(np.unique(out)) == {0.0, 1.0 / (1.0 - p)}
    assert abs((out == 0).mean() - p) < 0.01  # 20 000 draws: 4.5 standard deviations
    assert abs(out.mean() - 1.0) < 0.02
    # same seed, same mask: dropout is reproducible through its explicit generator
    again, _ = F.dropout_forward(x, p, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, again)


# --------------------------------------------------------------------------- stability
BIG = np.array([[1e4, -1e4, 0.0, 30.0, -800.0]])


@pytest.mark.parametrize(
    ("name", "expected_out", "expected_dx"),
    [
        ("sigmoid", [1.0, 0.0, 0.5, 1.0, 0.0], [0.0, 0.0, 0.25, 0.0, 0.0]),
        ("tanh", [1.0, -1.0, 0.0, 1.0, -1.0], [0.0, 0.0, 1.0, 0.0, 0.0]),
        ("elu", [1e4, -1.0, 0.0, 30.0, -1.0], [1.0, 0.0, 1.0, 1.0, 0.0]),
    ],
)
def test_saturating_activations_stay_finite_at_huge_inputs(name, expected_out, expected_dx):
    forward, backward, _ = OPS[name]
    # Overflow, 0/0 and x/0 raise. Underflow does not: e^-1e4 IS 0 in float64, the correctly
    # rounded value, and numpy never reports it by default either.
    with np.errstate(all="raise", under="ignore"), warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = forward(BIG)
        dx = backward(np.ones_like(BIG), cache)
    np.testing.assert_allclose(out[0], expected_out, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(dx[0], expected_dx, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- bad input
def test_maxout_width_must_be_a_multiple_of_k():
    with pytest.raises(ValueError, match=r"width 5 .*k=2"):
        F.maxout_forward(np.zeros((3, 5)), 2)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_dropout_kernel_rejects_p_outside_the_unit_interval(p):
    # p = 1 would divide by 1 − p = 0; p < 0 would "keep" with probability > 1
    with pytest.raises(ValueError, match=rf"p={p!r}.*\[0, 1\)"):
        F.dropout_forward(np.ones((2, 2)), p, rng=np.random.default_rng(0))


def test_dropout_in_training_needs_a_mask_or_a_generator():
    with pytest.raises(ValueError, match="rng="):
        F.dropout_forward(np.ones((2, 2)), 0.5)


def test_numeric_gradient_works_on_non_contiguous_arrays() -> None:
    # A transposed view: a flattened reshape would be a copy and the perturbation lost.
    from neuralab.gradcheck import numeric_gradient, sampled_rel_errors

    base = np.arange(6.0).reshape(2, 3)
    x = base.T  # (3, 2), not C-contiguous
    grad = numeric_gradient(lambda: float(np.sum(x**2)), x)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-8)
    assert max(sampled_rel_errors(lambda: float(np.sum(x**2)), x, 2 * x, num_checks=4)) < 1e-8


def test_maxout_routes_a_tie_to_the_first_piece_on_every_backend():
    # as torch.max / argmax: the gradient goes to one piece, never split or doubled
    x = np.array([[2.0, 2.0, -1.0, 3.0, 0.5, 0.5]])
    out, cache = F.maxout_forward(x, 2)
    np.testing.assert_array_equal(out, [[2.0, 3.0, 0.5]])
    np.testing.assert_array_equal(F.maxout_backward(np.array([[1.0, 2.0, 3.0]]), cache),
                                  [[1.0, 0.0, 0.0, 2.0, 3.0, 0.0]])
    strict = B.get_backend("array_api_strict")
    _, cache_s = F.maxout_forward(strict.asarray(x), 2)
    dx_s = F.maxout_backward(strict.asarray(np.array([[1.0, 2.0, 3.0]])), cache_s)
    np.testing.assert_array_equal(B.to_numpy(dx_s), [[1.0, 0.0, 0.0, 2.0, 3.0, 0.0]])
