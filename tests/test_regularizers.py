"""Regularizers: penalty vs add_grad by central differences, PyTorch oracles, clear errors."""

from __future__ import annotations

import numpy as np
import pytest

from neuralab.gradcheck import numeric_gradient, rel_error
from neuralab.nn import Param
from neuralab.regularizers import L1, L2, ElasticNet, NoReg, get_regularizer

TOL = 1e-6
ORACLE = {"rtol": 1e-12, "atol": 1e-14}
LAM, BETA = 0.3, 0.7

# name -> (regularizer, the same penalty written for torch autograd)
REGULARIZERS = {
    "l2": (L2(LAM), lambda w: LAM * (w * w).sum()),
    "l1": (L1(LAM), lambda w: LAM * w.abs().sum()),
    "elastic": (ElasticNet(LAM, BETA), lambda w: LAM * (BETA * w * w + w.abs()).sum()),
}


def make_params(rng: np.random.Generator) -> list[Param]:
    """Two weights and a bias, every entry at least 0.1 from 0 (L1's kink); only the weights
    have decay=True."""

    def away_from_zero(*shape: int) -> np.ndarray:
        return rng.uniform(0.1, 1.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)

    return [Param(away_from_zero(3, 4)), Param(away_from_zero(4), decay=False),
            Param(away_from_zero(4, 2))]


# --------------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("name", REGULARIZERS)
def test_add_grad_is_the_gradient_of_the_penalty(name, rng):
    reg, _ = REGULARIZERS[name]
    params = make_params(rng)
    for p in params:
        p.grad = np.zeros_like(p.value)
    reg.add_grad(params)
    for p in params:
        # biases (decay=False) get no penalty: their numeric gradient and their grad stay 0
        num = numeric_gradient(lambda: reg.penalty(params), p.value)
        assert rel_error(num, p.grad) < TOL


@pytest.mark.parametrize("name", REGULARIZERS)
def test_add_grad_adds_to_the_data_gradient_of_weights_only(name, rng):
    reg, _ = REGULARIZERS[name]
    params = make_params(rng)
    data_grads = [rng.normal(size=p.shape) for p in params]
    for p, g in zip(params, data_grads, strict=True):
        p.grad = g.copy()
    reg_only = make_params(np.random.default_rng(1234))  # same values, grads starting at 0
    for p in reg_only:
        p.grad = np.zeros_like(p.value)
    reg.add_grad(params)
    reg.add_grad(reg_only)
    for p, q, g in zip(params, reg_only, data_grads, strict=True):
        expected = g + q.grad if p.decay else g
        # elastic net adds its two terms one after the other: (g + a) + b, not g + (a + b)
        np.testing.assert_allclose(p.grad, expected, rtol=1e-14, atol=1e-15)


def test_params_without_a_gradient_are_skipped(rng):
    params = make_params(rng)  # grad is None until a backward pass
    L2(LAM).add_grad(params)
    assert all(p.grad is None for p in params)


# --------------------------------------------------------------------------- conventions
def test_conventions_on_a_tiny_example():
    w = Param(np.array([[1.0, -2.0], [0.0, 3.0]]))
    # L2 = λ·ΣW² (no ½), L1 = λ·Σ|W|, ElasticNet = λ·Σ(β·W² + |W|)
    assert L2(0.5).penalty([w]) == pytest.approx(0.5 * 14.0)
    assert L1(0.5).penalty([w]) == pytest.approx(0.5 * 6.0)
    assert ElasticNet(0.5, 2.0).penalty([w]) == pytest.approx(0.5 * (2.0 * 14.0 + 6.0))
    w.grad = np.zeros((2, 2))
    L1(0.5).add_grad([w])
    # subgradient 0 exactly at W = 0
    np.testing.assert_array_equal(w.grad, [[0.5, -0.5], [0.0, 0.5]])


def test_noreg_adds_nothing(rng):
    params = make_params(rng)
    for p in params:
        p.grad = np.ones_like(p.value)
    assert NoReg().penalty(params) == 0.0
    NoReg().add_grad(params)
    assert all((p.grad == 1.0).all() for p in params)


@pytest.mark.parametrize("name", [*REGULARIZERS, "none"])
def test_weight_decay_and_l1_strength_split_the_gradient(name, rng):
    """weight_decay() is c and l1_strength() is λ₁ with add_grad adding c·W + λ₁·sign(W):
    the smooth part the optimizer folds into its update, the L1 part it applies as a prox."""
    reg = REGULARIZERS[name][0] if name != "none" else NoReg()
    c, l1 = reg.weight_decay(), reg.l1_strength()
    assert c == {"l2": 2 * LAM, "none": 0.0, "l1": 0.0, "elastic": 2 * LAM * BETA}[name]
    assert l1 == {"l2": 0.0, "none": 0.0, "l1": LAM, "elastic": LAM}[name]
    params = make_params(rng)
    for p in params:
        p.grad = np.zeros_like(p.value)
    reg.add_grad(params)
    for p in params:
        expected = c * p.value + l1 * np.sign(p.value) if p.decay else 0.0
        np.testing.assert_allclose(p.grad, expected, rtol=1e-15)


def test_get_regularizer_by_name():
    assert isinstance(get_regularizer("none"), NoReg)
    assert isinstance(get_regularizer("l1", 0.2), L1) and get_regularizer("l1", 0.2).lam == 0.2
    assert isinstance(get_regularizer("l2", 0.2), L2)
    elastic = get_regularizer("elastic", 0.2, 0.3)
    assert isinstance(elastic, ElasticNet) and (elastic.lam, elastic.beta) == (0.2, 0.3)


# --------------------------------------------------------------------------- torch oracles
@pytest.mark.parametrize("name", REGULARIZERS)
def test_penalty_and_gradient_match_torch_autograd(name, rng, torch):
    reg, formula = REGULARIZERS[name]
    params = make_params(rng)
    for p in params:
        p.grad = np.zeros_like(p.value)
    penalty = reg.penalty(params)
    reg.add_grad(params)
    weights = [torch.tensor(p.value, requires_grad=True) for p in params if p.decay]
    penalty_t = sum(formula(w) for w in weights)
    penalty_t.backward()
    assert penalty == pytest.approx(float(penalty_t.detach()), rel=1e-12)
    for p, w in zip([p for p in params if p.decay], weights, strict=True):
        np.testing.assert_allclose(p.grad, w.grad.numpy(), **ORACLE)


@pytest.mark.parametrize("name", REGULARIZERS)
def test_regularizers_run_unchanged_on_torch_tensors(name, rng, torch):
    # the core contract: same code, same numbers, on the params' own backend
    reg, _ = REGULARIZERS[name]
    params = make_params(rng)
    on_torch = [Param(torch.tensor(p.value), decay=p.decay) for p in params]
    for p, q in zip(params, on_torch, strict=True):
        p.grad, q.grad = np.ones_like(p.value), torch.ones(q.shape, dtype=torch.float64)
    assert reg.penalty(on_torch) == pytest.approx(reg.penalty(params), rel=1e-12)
    reg.add_grad(params)
    reg.add_grad(on_torch)
    for p, q in zip(params, on_torch, strict=True):
        assert isinstance(q.grad, torch.Tensor)
        np.testing.assert_allclose(q.grad.numpy(), p.grad, **ORACLE)


def test_l2_equals_torch_weight_decay_of_two_lambda(rng, torch):
    # the docstring's claim: L2(lam) is torch.optim.SGD(weight_decay=2·lam)
    w = Param(rng.normal(size=(3, 2)))
    w.grad = rng.normal(size=(3, 2))
    w_t = torch.tensor(w.value, requires_grad=True)
    w_t.grad = torch.tensor(w.grad)
    torch.optim.SGD([w_t], lr=0.1, weight_decay=2 * LAM).step()
    L2(LAM).add_grad([w])
    np.testing.assert_allclose(w.value - 0.1 * w.grad, w_t.detach().numpy(), **ORACLE)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("make", [L1, L2, ElasticNet], ids=lambda c: c.__name__)
@pytest.mark.parametrize("lam", [-0.1, -1])
def test_negative_lambda_is_refused(make, lam):
    with pytest.raises(ValueError, match=rf"lam={lam!r} is out of range; allowed: \[0, inf\)"):
        make(lam)


@pytest.mark.parametrize("make", [L1, L2, ElasticNet], ids=lambda c: c.__name__)
@pytest.mark.parametrize("lam", [float("nan"), "0.1", None])
def test_lambda_must_be_a_number(make, lam):
    with pytest.raises(ValueError, match=rf"lam={lam!r} is not a number; allowed: \[0, inf\)"):
        make(lam)


def test_negative_elastic_net_beta_is_refused():
    with pytest.raises(ValueError, match=r"beta=-0.5 is out of range"):
        ElasticNet(0.1, -0.5)


def test_unknown_regularizer_name():
    with pytest.raises(ValueError, match="reg='l3' is not allowed; choose one of: none, l1"):
        get_regularizer("l3")
