"""Layers and Sequential: whole-network gradient checks, train/eval, buffers, state, backends."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from neuralab.gradcheck import numeric_gradient, rel_error
from neuralab.losses import softmax_cross_entropy
from neuralab.nn import (
    ACTIVATION_REGISTRY,
    BatchNorm,
    Dropout,
    Flatten,
    Linear,
    Maxout,
    ReLU,
    Sequential,
    Tanh,
    activation_width,
    make_activation,
)
from neuralab.regularizers import L2

TOL = 1e-6
ORACLE = {"rtol": 1e-9, "atol": 1e-12}
D, H1, H2, C, N = 5, 8, 6, 4, 7
DROP_SEED = 7


def mlp(activation: str = "tanh", *, reuse_buffers: bool = True, seed: int = 0) -> Sequential:
    """The 3-layer MLP of the issue, in float64:
    Linear → BatchNorm → ReLU → Dropout → Linear → <activation> → Linear."""
    model = Sequential(
        Linear(D, H1, rng=seed), BatchNorm(H1), ReLU(), Dropout(0.3, rng=DROP_SEED),
        Linear(H1, activation_width(activation, H2), rng=seed + 1), make_activation(activation),
        Linear(H2, C, rng=seed + 2),
        reuse_buffers=reuse_buffers,
    )
    return model.to("numpy", dtype="float64")


def randomize(model: Sequential, rng: np.random.Generator) -> Sequential:
    """Nonzero biases and batch-norm γ/β, so no gradient check runs on the trivial init."""
    for name, p in model.named_params().items():
        if not name.endswith("weight"):
            p.value = p.value + rng.normal(0.0, 0.5, size=p.shape)
    return model


def data(rng: np.random.Generator, n: int = N) -> tuple[np.ndarray, np.ndarray]:
    return rng.normal(size=(n, D)), rng.integers(0, C, size=n)


def fixed_mask_loss(model: Sequential, x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax loss of ``model(x)`` with the SAME dropout mask on every call: the dropout
    layer's generator is re-seeded before each forward, so the loss is a smooth function."""
    model[3].rng = np.random.default_rng(DROP_SEED)
    return softmax_cross_entropy(model.forward(x), y)


# --------------------------------------------------------------------------- gradient checks
@pytest.mark.parametrize("activation", list(ACTIVATION_REGISTRY))
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_mlp_gradients_of_every_param_and_the_input(activation, mode, rng):
    model = randomize(mlp(activation), rng)
    x, y = data(rng)
    fixed_mask_loss(model, x, y)  # give batch norm running statistics that are not 0 and 1
    model.train(mode == "train")
    _, dscores = fixed_mask_loss(model, x, y)
    dx = model.backward(dscores)
    grads = {name: p.grad.copy() for name, p in model.named_params().items()}
    if mode == "train":
        assert (model[3]._mask == 0).any(), "the check must run with units actually dropped"

    def f() -> float:
        return fixed_mask_loss(model, x, y)[0]

    assert rel_error(numeric_gradient(f, x), dx) < TOL
    for name, p in model.named_params().items():
        num = numeric_gradient(f, p.value)
        if name == "0.bias" and mode == "train":
            # Batch norm subtracts the batch mean, so the bias before it has no effect at all:
            # its gradient is exactly 0 and a relative error would compare rounding noise.
            assert np.abs(grads[name]).max() < 1e-12 and np.abs(num).max() < 1e-8
        else:
            assert rel_error(num, grads[name]) < TOL, name


def test_sequential_computes_the_composition_of_its_layers(rng):
    model = Sequential(Linear(D, H1, rng=0), ReLU(), Linear(H1, C, rng=1)).to("numpy", "float64")
    w1, b1, w2, b2 = (p.value for p in model.params())
    x, dout = rng.normal(size=(N, D)), rng.normal(size=(N, C))
    h = np.maximum(x @ w1 + b1, 0.0)
    np.testing.assert_allclose(model.forward(x), h @ w2 + b2, rtol=1e-12)
    dx = model.backward(dout)
    dh = (dout @ w2.T) * (h > 0)
    np.testing.assert_allclose(model[2].weight.grad, h.T @ dout, rtol=1e-12)
    np.testing.assert_allclose(model[2].bias.grad, dout.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(model[0].weight.grad, x.T @ dh, rtol=1e-12)
    np.testing.assert_allclose(dx, dh @ w1.T, rtol=1e-12)


def test_backward_can_skip_the_input_gradient(rng):
    model = mlp()
    x, y = data(rng)
    _, dscores = fixed_mask_loss(model, x, y)
    assert model.backward(dscores, need_dx=False) is None
    skipped = [p.grad.copy() for p in model.params()]
    model.backward(dscores)
    for g, p in zip(skipped, model.params(), strict=True):
        np.testing.assert_array_equal(g, p.grad)


# --------------------------------------------------------------------------- params and modes
def test_named_params_and_params():
    model = mlp("maxout")
    names = ["0.weight", "0.bias", "1.gamma", "1.beta", "4.weight", "4.bias", "6.weight", "6.bias"]
    assert list(model.named_params()) == names
    assert model.params() == list(model.named_params().values())  # the same Param objects
    # regularizers act on weights only: not on biases, not on batch norm's γ and β
    assert [p.decay for p in model.params()] == [n.endswith("weight") for n in names]
    assert model.named_params()["4.weight"].shape == (H1, 2 * H2)  # maxout: k·H units
    assert list(model.named_buffers()) == ["1.running_mean", "1.running_var"]


def test_train_and_eval_reach_every_layer():
    model = mlp()
    assert model.eval() is model
    assert not model.training and not any(layer.training for layer in model)
    assert model.train() is model
    assert model.training and all(layer.training for layer in model)


def test_dropout_drops_in_training_and_is_the_identity_in_eval():
    layer, x = Dropout(0.5, rng=0), np.ones((50, 40))
    out = layer.forward(x)
    assert set(np.unique(out)) == {0.0, 2.0}  # inverted dropout: kept units scaled by 1/(1 − p)
    assert not np.array_equal(layer.forward(x), out)  # a fresh mask on every call
    layer.eval()
    np.testing.assert_array_equal(layer.forward(x), x)
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_with_the_same_seed_drops_the_same_units():
    x = np.ones((10, 10))
    np.testing.assert_array_equal(Dropout(0.5, rng=3).forward(x), Dropout(0.5, rng=3).forward(x))


def test_batchnorm_uses_batch_statistics_in_training_and_running_ones_in_eval(rng):
    layer = BatchNorm(3, eps=1e-5, dtype="float64")
    layer.gamma.value, layer.beta.value = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 3.0])
    x = rng.normal(4.0, 3.0, size=(64, 3))
    out = layer.forward(x)
    # train: every column normalized by its own batch mean and (biased) variance
    np.testing.assert_allclose(out.mean(axis=0), layer.beta.value, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), layer.gamma.value, rtol=1e-5)
    running = (layer.running_mean.copy(), layer.running_var.copy())
    layer.eval()
    out = layer.forward(x)
    expected = (x - running[0]) / np.sqrt(running[1] + 1e-5) * layer.gamma.value + layer.beta.value
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    # eval never touches the running statistics
    np.testing.assert_array_equal(layer.running_mean, running[0])
    np.testing.assert_array_equal(layer.running_var, running[1])


def test_model_eval_is_deterministic_and_train_is_not(rng):
    model = mlp()
    x, _ = data(rng)
    model.forward(x)
    model.eval()
    np.testing.assert_array_equal(model.forward(x), model.forward(x))
    model.train()
    assert not np.array_equal(model.forward(x), model.forward(x))  # new dropout masks


# --------------------------------------------------------------------------- fresh gradients
@pytest.mark.parametrize("reuse_buffers", [True, False])
def test_backward_writes_fresh_gradients(reuse_buffers, rng):
    model = mlp(reuse_buffers=reuse_buffers)
    x, y = data(rng)
    _, dscores = fixed_mask_loss(model, x, y)
    dx = model.backward(dscores).copy()
    first = [p.grad.copy() for p in model.params()]
    L2(0.5).add_grad(model.params())  # what a training step adds on top of the data gradient
    dx_again = model.backward(dscores)
    # the same gradients again: not doubled, and without the regularizer's share
    np.testing.assert_array_equal(dx_again, dx)
    for g, p in zip(first, model.params(), strict=True):
        np.testing.assert_array_equal(p.grad, g)


def test_reused_buffers_give_exactly_the_same_results(rng):
    models = [randomize(mlp(reuse_buffers=r), np.random.default_rng(5)) for r in (True, False)]
    for step, n in enumerate([N, N, 3, N]):  # a batch-size change re-creates the buffers
        x, y = data(rng, n)
        results = []
        for model in models:
            model[3].rng = np.random.default_rng(step)
            loss, dscores = softmax_cross_entropy(model.forward(x), y)
            dx = model.backward(dscores)
            results.append((loss, dx, [p.grad.copy() for p in model.params()]))
            for p in model.params():  # an SGD step, so later steps see new weights
                p.value -= 0.1 * p.grad
        (loss_a, dx_a, grads_a), (loss_b, dx_b, grads_b) = results
        assert loss_a == loss_b
        np.testing.assert_array_equal(dx_a, dx_b)
        for a, b in zip(grads_a, grads_b, strict=True):
            np.testing.assert_array_equal(a, b)


def test_returned_outputs_and_input_gradients_are_not_overwritten_later(rng):
    model = mlp(reuse_buffers=True)
    x1, y1 = data(rng)
    x2, y2 = data(rng)  # same batch size: the layers' buffers are reused
    out1 = model.forward(x1)
    _, dscores1 = softmax_cross_entropy(out1, y1)
    dx1 = model.backward(dscores1)
    saved_out, saved_dx = out1.copy(), dx1.copy()
    out2 = model.forward(x2)
    model.backward(softmax_cross_entropy(out2, y2)[1])
    np.testing.assert_array_equal(out1, saved_out)
    np.testing.assert_array_equal(dx1, saved_dx)


# --------------------------------------------------------------------------- state
def test_state_dict_round_trip(rng):
    source, target = mlp(seed=0), mlp(seed=10)
    x, _ = data(rng)
    source.forward(x)  # move the running statistics away from their initial values
    state = source.state_dict()
    assert set(state) == set(source.named_params()) | set(source.named_buffers())
    target.load_state_dict(state)
    source.eval(), target.eval()
    np.testing.assert_array_equal(target.forward(x), source.forward(x))
    # the target holds copies: changing the source afterwards leaves it alone
    state["0.weight"][...] = 0.0
    state["1.running_mean"][...] = 0.0
    assert target.state_dict()["0.weight"].any() and target.state_dict()["1.running_mean"].any()


def test_load_state_dict_casts_to_the_models_dtype():
    target = mlp()
    state = {k: v.astype(np.float32) for k, v in mlp(seed=3).state_dict().items()}
    target.load_state_dict(state)
    assert all(v.dtype == np.float64 for v in target.state_dict().values())


def test_load_state_dict_reports_missing_and_unexpected_names():
    model = mlp()
    state = model.state_dict()
    del state["4.weight"]
    state["9.weight"] = np.zeros(3)
    with pytest.raises(ValueError, match=r"missing \['4.weight'\], unexpected \['9.weight'\]"):
        model.load_state_dict(state)


def test_load_state_dict_reports_a_wrong_shape():
    state = mlp().state_dict()
    state["0.weight"] = np.zeros((3, H1))
    with pytest.raises(ValueError, match=r"state\['0.weight'\] has shape \(3, 8\), the model "
                                         r"needs \(5, 8\)"):
        mlp().load_state_dict(state)


# --------------------------------------------------------------------------- backends
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_torch_model_computes_what_the_numpy_model_computes(mode, rng, torch):
    model = randomize(mlp(), rng)
    x, y = data(rng)
    model.forward(x)  # nontrivial running statistics for eval mode
    model.train(mode == "train")
    on_torch = copy.deepcopy(model).to("torch")  # same weights, same dropout generator state
    out = model.forward(x)
    out_t = on_torch.forward(torch.tensor(x))
    assert isinstance(out_t, torch.Tensor) and out_t.dtype == torch.float64
    np.testing.assert_allclose(out_t.numpy(), out, **ORACLE)
    dx = model.backward(softmax_cross_entropy(out, y)[1])
    dx_t = on_torch.backward(softmax_cross_entropy(out_t, torch.tensor(y))[1])
    np.testing.assert_allclose(dx_t.numpy(), dx, **ORACLE)
    for p, p_t in zip(model.params(), on_torch.params(), strict=True):
        np.testing.assert_allclose(p_t.grad.numpy(), p.grad, **ORACLE)


def test_batchnorm_running_statistics_match_torch(rng, torch):
    # ours: running = m·running + (1 − m)·batch; torch: running = (1 − m')·running + m'·batch,
    # so torch's momentum m' = 1 − m. Both update the variance with the UNBIASED batch variance.
    momentum, eps = 0.8, 1e-3
    layer = BatchNorm(4, momentum=momentum, eps=eps, dtype="float64")
    layer.gamma.value, layer.beta.value = rng.normal(size=4), rng.normal(size=4)
    weight, bias = torch.tensor(layer.gamma.value), torch.tensor(layer.beta.value)
    running_mean = torch.zeros(4, dtype=torch.float64)
    running_var = torch.ones(4, dtype=torch.float64)
    for n in (5, 2, 9):
        x = rng.normal(2.0, 3.0, size=(n, 4))
        out = layer.forward(x)
        out_t = torch.nn.functional.batch_norm(
            torch.tensor(x), running_mean, running_var, weight, bias, training=True,
            momentum=1 - momentum, eps=eps,
        )
        np.testing.assert_allclose(out, out_t.numpy(), **ORACLE)
        np.testing.assert_allclose(layer.running_mean, running_mean.numpy(), **ORACLE)
        np.testing.assert_allclose(layer.running_var, running_var.numpy(), **ORACLE)
    x = rng.normal(size=(3, 4))
    out_t = torch.nn.functional.batch_norm(torch.tensor(x), running_mean, running_var, weight,
                                           bias, training=False, eps=eps)
    np.testing.assert_allclose(layer.eval().forward(x), out_t.numpy(), **ORACLE)


# --------------------------------------------------------------------------- other layers
def test_flatten_turns_images_into_rows_and_back(rng):
    layer, x = Flatten(), rng.normal(size=(2, 3, 4, 5))
    out = layer.forward(x)
    np.testing.assert_array_equal(out, x.reshape(2, 60))
    np.testing.assert_array_equal(layer.backward(out), x)


def test_sequential_indexing_and_len():
    layers = [Linear(2, 3, rng=0), Tanh()]
    model = Sequential(*layers)
    assert len(model) == 2 and model[1] is layers[1] and list(model) == layers


# --------------------------------------------------------------------------- bad input
def test_linear_rejects_an_input_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"Linear\(4, 3\) expects input of shape \(N, 4\), "
                                         r"got \(5, 3\)"):
        Linear(4, 3, rng=0).forward(np.zeros((5, 3), dtype=np.float32))


def test_linear_rejects_a_one_dimensional_input():
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 4\), got \(4,\)"):
        Linear(4, 3, rng=0).forward(np.zeros(4, dtype=np.float32))


@pytest.mark.parametrize("p", [1.0, -0.1, 2])
def test_dropout_probability_must_lie_in_the_unit_interval(p):
    with pytest.raises(ValueError, match=rf"p={p!r} is out of range; allowed: \[0, 1\)"):
        Dropout(p)


def test_unknown_activation_name():
    with pytest.raises(ValueError, match=r"activation='swish' is not allowed; choose one of: "
                                         r"sigmoid, tanh, relu"):
        make_activation("swish")


def test_activation_with_an_argument_it_does_not_take():
    with pytest.raises(ValueError, match=r"activation='relu' does not take \['alpha'\]"):
        make_activation("relu", alpha=0.1)


def test_maxout_width_must_be_a_multiple_of_k():
    with pytest.raises(ValueError, match=r"input width 7 is not a multiple of k=3"):
        Maxout(k=3).forward(np.zeros((2, 7)))


@pytest.mark.parametrize("k", [1, 0, 2.5])
def test_maxout_needs_at_least_two_pieces(k):
    message = rf"k={k!r} is (out of range|not an integer); allowed: integers >= 2"
    with pytest.raises(ValueError, match=message):
        Maxout(k=k)


def test_batchnorm_rejects_an_input_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"BatchNorm\(4\) expects input of shape \(N, 4\), "
                                         r"got \(5, 3\)"):
        BatchNorm(4).forward(np.zeros((5, 3), dtype=np.float32))


def test_batchnorm_training_needs_two_examples():
    with pytest.raises(ValueError, match="at least 2 examples"):
        BatchNorm(3).forward(np.zeros((1, 3), dtype=np.float32))


@pytest.mark.parametrize(("param", "value"), [("in_features", 0), ("out_features", -2)])
def test_linear_sizes_must_be_positive(param, value):
    sizes = {"in_features": 3, "out_features": 3, param: value}
    message = rf"{param}={value} is out of range; allowed: integers >= 1"
    with pytest.raises(ValueError, match=message):
        Linear(sizes["in_features"], sizes["out_features"])


def test_sequential_accepts_only_layers():
    with pytest.raises(TypeError, match=r"layers\[1\] must be a neuralab Layer, got function"):
        Sequential(ReLU(), lambda x: x)
