"""Plain SGD applied inside backward: numpy's BLAS gemm with β (``_blas``), ``backend.gemm_``,
``Linear.backward(sgd=...)`` and ``train_step`` — each equal to the unfused computation."""

from __future__ import annotations

import numpy as np
import pytest

from neuralab import backend as B
from neuralab.backend import _blas
from neuralab.losses import get_loss, one_hot
from neuralab.nn import Dropout, InlineSGD, Linear, ReLU, Sequential
from neuralab.optim import SGD, Adam
from neuralab.regularizers import L1, L2, NoReg
from neuralab.train import train_step

LAYOUTS = ("C", "T")  # a C-contiguous operand, or the transpose of one


def _operand(rng: np.random.Generator, shape: tuple[int, int], layout: str, dtype) -> np.ndarray:
    a = rng.standard_normal(shape).astype(dtype)
    return a if layout == "C" else np.ascontiguousarray(a.T).T


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("la", LAYOUTS)
@pytest.mark.parametrize("lb", LAYOUTS)
def test_blas_gemm_adds_to_its_output_in_every_layout(rng, dtype, la, lb) -> None:
    a = _operand(rng, (37, 19), la, dtype)
    b = _operand(rng, (19, 23), lb, dtype)
    c = rng.standard_normal((37, 23)).astype(dtype)
    expected = 0.75 * c.astype(np.float64) - 0.3 * (a.astype(np.float64) @ b)
    assert _blas.available(c, a, b)
    out = B.gemm_(c, a, b, alpha=-0.3, beta=0.75)
    assert out is c  # in place
    tol = 1e-5 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(c, expected, rtol=tol, atol=tol)


def test_blas_is_numpys_own_library() -> None:
    # the products must share numpy's thread pool: the library is the one inside numpy's wheel
    path = _blas._numpy_blas_path()
    assert path is not None and "numpy" in path


def test_gemm_falls_back_where_blas_cannot_read_the_arrays(rng) -> None:
    a = rng.standard_normal((6, 10))[:, ::2]  # strided: BLAS cannot take it as it is
    b = rng.standard_normal((5, 4))
    c = rng.standard_normal((6, 4))
    expected = 2.0 * c + 0.5 * (a @ b)
    for reason, args in {
        "strided operand": (c, a, b),
        "mixed dtypes": (c.astype(np.float32), np.ascontiguousarray(a), b),
        "output aliases an input": (c, c[:, :4][:6, :], np.eye(4)),
        "integer arrays": (c.astype(int), a.astype(int), b.astype(int)),
    }.items():
        assert not _blas.available(*args), reason
    assert not B.gemm_accumulates(c, a, b)
    out = B.gemm_(c, a, b, alpha=0.5, beta=2.0)
    assert out is c
    np.testing.assert_allclose(c, expected, rtol=1e-14)


def test_gemm_on_torch_and_array_api_strict(rng, torch) -> None:
    import array_api_strict as xps

    a, b, c = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    expected = 0.9 * c - 0.1 * (a @ b)
    tc = torch.from_numpy(c.copy())
    assert not B.gemm_accumulates(tc, torch.from_numpy(a), torch.from_numpy(b))
    out = B.gemm_(tc, torch.from_numpy(a), torch.from_numpy(b), -0.1, 0.9)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-14)
    sc = B.gemm_(xps.asarray(c), xps.asarray(a), xps.asarray(b), -0.1, 0.9)
    np.testing.assert_allclose(np.asarray(sc), expected, rtol=1e-14)


def _sgd(lr: float, decay: float, *layers) -> InlineSGD:
    """Plain SGD covering the given layers' Params."""
    return InlineSGD(lr, decay, frozenset(id(p) for layer in layers for p in layer.params()))


@pytest.mark.parametrize("need_dx", [True, False])
@pytest.mark.parametrize("decay", [0.0, 0.02])
def test_linear_applies_sgd_inside_backward(rng, need_dx, decay) -> None:
    x, dout = rng.standard_normal((8, 5)), rng.standard_normal((8, 3))
    plain, fused = (Linear(5, 3, rng=0, dtype="float64") for _ in range(2))
    for layer in (plain, fused):
        layer.forward(x)
    dx_plain = plain.backward(dout, need_dx=need_dx)
    w_expected = plain.weight.value - 0.1 * (plain.weight.grad + decay * plain.weight.value)
    dx_fused = fused.backward(dout, need_dx=need_dx, sgd=_sgd(0.1, decay, fused))

    np.testing.assert_allclose(fused.weight.value, w_expected, rtol=1e-13, atol=1e-15)
    assert fused.weight.grad is None  # the optimizer must skip it now
    np.testing.assert_array_equal(fused.bias.grad, plain.bias.grad)  # the bias is not fused
    if need_dx:  # the input gradient uses W from BEFORE the update
        np.testing.assert_allclose(dx_fused, dx_plain, rtol=1e-14)
    else:
        assert dx_fused is None


def test_a_weight_without_decay_is_not_decayed(rng) -> None:
    layer = Linear(4, 2, rng=0, dtype="float64")
    layer.weight.decay = False
    w0 = layer.weight.value.copy()
    x, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    layer.forward(x)
    layer.backward(dout, sgd=_sgd(0.5, 10.0, layer))
    np.testing.assert_allclose(layer.weight.value, w0 - 0.5 * x.T @ dout, rtol=1e-13)


def _mlp(seed: int = 0) -> Sequential:
    return Sequential(Linear(20, 32, rng=seed), ReLU(), Dropout(0.2, rng=seed + 1),
                      Linear(32, 16, rng=seed + 2), ReLU(), Linear(16, 4, rng=seed + 3))


def _train(opt_cls, reg, steps: int = 5, **opt_kw) -> tuple[Sequential, list[float], bool]:
    """A few train_steps; returns the model, the losses and whether weights were fused."""
    data = np.random.default_rng(9)
    x = data.standard_normal((64, 20)).astype(np.float32)
    y = data.integers(0, 4, size=64)
    model = _mlp()
    model.reuse_buffers(True)
    opt = opt_cls(model.params(), **opt_kw)
    target, losses = one_hot(y, 4, x), []
    for _ in range(steps):
        loss, _ = train_step(model, get_loss("softmax", step=True), reg, opt, x, target)
        losses.append(float(loss))
    fused = all(p.grad is None for p in model.params() if p.decay)
    return model, losses, fused


@pytest.mark.parametrize("reg", [NoReg(), L2(1e-3)], ids=["noreg", "l2"])
def test_train_step_with_plain_sgd_fuses_and_matches_the_unfused_step(reg, monkeypatch) -> None:
    fused_model, fused_losses, fused = _train(SGD, reg, lr=0.2)
    assert fused  # every weight was updated inside backward
    monkeypatch.setattr(SGD, "sgd_in_backward", lambda self, c=0.0: None)  # the optimizer does it
    plain_model, plain_losses, was_fused = _train(SGD, reg, lr=0.2)
    assert not was_fused
    np.testing.assert_allclose(fused_losses, plain_losses, rtol=1e-5)
    for p, q in zip(fused_model.params(), plain_model.params(), strict=True):
        np.testing.assert_allclose(p.value, q.value, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("opt_cls", "reg", "kw"), [
    (SGD, L2(1e-3), {"lr": 0.1, "momentum": 0.9}),  # momentum needs its velocity
    (Adam, L2(1e-3), {"lr": 1e-3}),
    (SGD, L1(1e-3), {"lr": 0.1}),  # L1's gradient goes through p.grad
])
def test_other_rules_keep_the_gradients(opt_cls, reg, kw) -> None:
    _, losses, fused = _train(opt_cls, reg, **kw)
    assert not fused
    assert np.all(np.isfinite(losses))


def test_sgd_in_backward_is_only_offered_by_plain_sgd() -> None:
    params = _mlp().params()
    inline = SGD(params, lr=0.3).sgd_in_backward(0.01)
    assert (inline.lr, inline.weight_decay) == (0.3, 0.01)
    assert all(inline.covers(p) for p in params)
    assert SGD(params, lr=0.3, momentum=0.9).sgd_in_backward(0.01) is None
    assert Adam(params).sgd_in_backward(0.0) is None


def test_a_weight_the_optimizer_does_not_hold_stays_frozen() -> None:
    data = np.random.default_rng(2)
    x = data.standard_normal((32, 20)).astype(np.float32)
    target = one_hot(data.integers(0, 4, size=32), 4, x)
    model = _mlp()
    first = model[0]  # frozen: the optimizer gets every Param but the first layer's
    frozen = [p.value.copy() for p in first.params()]
    opt = SGD([p for p in model.params() if all(p is not q for q in first.params())], lr=0.5)
    for _ in range(3):
        train_step(model, get_loss("softmax", step=True), L2(1e-3), opt, x, target)
    for p, before in zip(first.params(), frozen, strict=True):
        np.testing.assert_array_equal(p.value, before)
    assert model[3].weight.grad is None  # the others were still updated inside backward


def test_torch_models_ignore_the_fusion(torch) -> None:
    model = _mlp().to("torch")
    x = torch.randn(16, 20, dtype=torch.float32)
    model.forward(x)
    model.backward(torch.ones(16, 4), need_dx=False, sgd=_sgd(0.1, 0.0, *model))
    assert all(p.grad is not None for p in model.params())  # the optimizer still updates them
