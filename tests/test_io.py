"""neuralab.io: safetensors save/load round trips, clear errors, and the PyTorch export."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from safetensors import safe_open

from neuralab import backend as B
from neuralab import io
from neuralab.nn import (
    ELU,
    BatchNorm,
    Dropout,
    Flatten,
    Identity,
    Layer,
    LeakyReLU,
    Linear,
    Maxout,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

IMAGE = (2, 3)  # each example is a 2×3 "image" that Flatten turns into 6 features
BATCH = 7


# --------------------------------------------------------------------------- models
def every_layer_mlp(dtype: str = "float32", dropout: bool = True) -> Sequential:
    """An MLP with every layer type and non-default hyper-parameters (widths: 6 -> 3)."""
    layers: list[Layer] = [
        Flatten(),
        Linear(6, 8, rng=1, dtype=dtype), BatchNorm(8, momentum=0.8, eps=1e-3, dtype=dtype),
        ReLU(),
        Linear(8, 8, rng=2, dtype=dtype), LeakyReLU(alpha=0.2),
        Linear(8, 8, init="xavier", rng=3, dtype=dtype), ELU(alpha=0.7),
        Linear(8, 12, init="normal", std=0.5, rng=4, dtype=dtype), Maxout(k=3),  # 12 -> 4
        Dropout(p=0.3, rng=5) if dropout else Identity(),
        Linear(4, 5, rng=6, dtype=dtype), Sigmoid(),
        Linear(5, 5, rng=7, dtype=dtype), Tanh(),
        Linear(5, 3, rng=8, dtype=dtype), Identity(),
    ]
    return Sequential(*layers)


def images(dtype: str = "float32", seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(BATCH, *IMAGE)).astype(dtype)


def trained_eval_model(dtype: str = "float32") -> Sequential:
    """A model whose batch-norm running statistics have moved, then put in eval mode."""
    model = every_layer_mlp(dtype)
    for seed in range(3):
        model.forward(images(dtype, seed))
    return model.eval()


def assert_same_state(a: Sequential, b: Sequential) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sorted(sa) == sorted(sb)
    for name in sa:
        x, y = B.to_numpy(sa[name]), B.to_numpy(sb[name])
        assert x.dtype == y.dtype, name
        np.testing.assert_array_equal(x, y, err_msg=name)


# --------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_round_trip_is_bitwise_in_eval_mode(tmp_path: Path, dtype: str) -> None:
    model = trained_eval_model(dtype)
    x = images(dtype, seed=9)
    path = tmp_path / "model.safetensors"
    assert io.save(model, path) == path
    loaded = io.load(path)

    assert not loaded.training and all(not layer.training for layer in loaded)
    assert loaded.get_config() == model.get_config()
    assert_same_state(model, loaded)  # includes BatchNorm's running mean and variance
    out = loaded.forward(x)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out, model.forward(x))


def test_round_trip_keeps_every_hyper_parameter(tmp_path: Path) -> None:
    io.save(trained_eval_model(), tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    kinds = [type(layer) for layer in loaded]
    assert kinds == [type(layer) for layer in every_layer_mlp()]
    bn = loaded[2]
    assert isinstance(bn, BatchNorm) and (bn.momentum, bn.eps) == (0.8, 1e-3)
    assert loaded[5].alpha == 0.2 and isinstance(loaded[5], LeakyReLU)
    assert loaded[7].alpha == 0.7 and isinstance(loaded[7], ELU)
    assert loaded[9].k == 3 and isinstance(loaded[9], Maxout)
    assert loaded[10].p == 0.3 and isinstance(loaded[10], Dropout)
    lin = loaded[8]
    assert isinstance(lin, Linear) and (lin.init, lin.std) == ("normal", 0.5)


def test_round_trip_keeps_training_mode(tmp_path: Path) -> None:
    model = every_layer_mlp()
    io.save(model, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    assert loaded.training and all(layer.training for layer in loaded)


def test_seed_makes_dropout_masks_reproducible(tmp_path: Path) -> None:
    io.save(every_layer_mlp(), tmp_path / "m.safetensors")
    x = images()
    a = io.load(tmp_path / "m.safetensors", seed=0).forward(x)
    b = io.load(tmp_path / "m.safetensors", seed=0).forward(x)
    np.testing.assert_array_equal(a, b)


def test_nested_sequential_round_trips(tmp_path: Path) -> None:
    model = Sequential(Sequential(Linear(3, 4, rng=0), BatchNorm(4)), ReLU(), Linear(4, 2, rng=1))
    model.forward(images()[:, 0, :])
    model.eval()
    io.save(model, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    assert isinstance(loaded[0], Sequential)
    assert_same_state(model, loaded)
    x = images(seed=3)[:, 0, :]
    np.testing.assert_array_equal(loaded.forward(x), model.forward(x))


def test_mixed_dtypes_are_kept_per_array(tmp_path: Path) -> None:
    model = Sequential(Linear(3, 4, rng=0, dtype="float64"), BatchNorm(4, dtype="float32"))
    io.save(model, tmp_path / "m.safetensors")
    with safe_open(str(tmp_path / "m.safetensors"), framework="numpy") as f:
        assert f.metadata()["dtype"] == "float32,float64"
    assert_same_state(model, io.load(tmp_path / "m.safetensors"))


def test_load_onto_torch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="the torch backend is optional")
    model = trained_eval_model("float64")
    io.save(model, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors", backend="torch")
    assert all(isinstance(p.value, torch.Tensor) for p in loaded.params())
    assert all(isinstance(b, torch.Tensor) for b in loaded.named_buffers().values())
    x = images("float64", seed=9)
    out = loaded.forward(torch.from_numpy(x))
    np.testing.assert_allclose(out.numpy(), model.forward(x), rtol=0, atol=1e-12)


def test_save_from_torch_backend(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="the torch backend is optional")
    model = trained_eval_model("float64")
    on_torch = trained_eval_model("float64").to("torch")
    io.save(on_torch, tmp_path / "m.safetensors")
    loaded = io.load(tmp_path / "m.safetensors")
    assert_same_state(model, loaded)


# --------------------------------------------------------------------------- the file itself
def test_file_is_plain_safetensors_with_json_metadata(tmp_path: Path) -> None:
    model = trained_eval_model()
    path = tmp_path / "m.safetensors"
    io.save(model, path)
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
        names = set(f.keys())
    assert meta["format_version"] == "2"
    assert meta["dtype"] == "float32"
    assert meta["training"] == "false"
    assert json.loads(meta["neuralab"]) == model.get_config()
    assert names == set(io.torch_state_dict(model))  # PyTorch's names: tests/test_io_torch_layout
    # safetensors layout: an 8-byte little-endian header length, then the JSON header
    raw = path.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    assert header["__metadata__"] == meta


def test_to_bytes_is_the_saved_file(tmp_path: Path) -> None:
    model = trained_eval_model().train()
    path = io.save(model, tmp_path / "m.safetensors")
    on_disk, in_memory = path.read_bytes(), io.to_bytes(model)
    # the same header (its key order is the writer's) and the same tensor bytes
    assert len(on_disk) == len(in_memory)
    assert safetensors.numpy.load(on_disk).keys() == safetensors.numpy.load(in_memory).keys()
    for name, arr in safetensors.numpy.load(in_memory).items():
        assert np.array_equal(arr, safetensors.numpy.load(on_disk)[name])
    with safe_open(str(path), framework="numpy") as f:
        assert f.metadata()["training"] == "true"
    # the playground's export: another mode and more metadata, loadable by io.load
    data = io.to_bytes(model, training=False, extra_metadata={"playground": "{}"})
    (tmp_path / "e.safetensors").write_bytes(data)
    with safe_open(str(tmp_path / "e.safetensors"), framework="numpy") as f:
        meta = f.metadata()
    assert meta["training"] == "false" and meta["playground"] == "{}"
    assert_same_state(model, io.load(tmp_path / "e.safetensors"))
    with pytest.raises(ValueError, match=r"format's own keys: \['training'\]"):
        io.to_bytes(model, extra_metadata={"training": "true"})
    with pytest.raises(TypeError, match="Sequential"):
        io.to_bytes(Linear(2, 2, rng=0))  # type: ignore[arg-type]

def test_save_accepts_str_and_replaces_atomically(tmp_path: Path) -> None:
    path = tmp_path / "m.safetensors"
    io.save(Sequential(Linear(2, 2, rng=0)), str(path))
    io.save(trained_eval_model(), str(path))  # overwrite: the new model wins
    assert len(io.load(path)) == len(every_layer_mlp())
    assert os.listdir(tmp_path) == ["m.safetensors"]  # no temporary left behind


def test_failed_save_leaves_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "m.safetensors"
    io.save(Sequential(Linear(2, 2, rng=0)), path)
    before = path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    with pytest.raises(OSError, match="disk full"):
        io.save(trained_eval_model(), path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.safetensors"]


def test_save_rejects_non_sequential_and_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="Sequential"):
        io.save(Linear(2, 2, rng=0), tmp_path / "m.safetensors")  # type: ignore[arg-type]
    missing = tmp_path / "nope" / "m.safetensors"
    with pytest.raises(ValueError, match="does not exist"):
        io.save(Sequential(Linear(2, 2, rng=0)), missing)


def test_import_does_not_import_torch() -> None:
    code = "import sys, neuralab.io; assert 'torch' not in sys.modules, 'torch was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- load errors
def write_raw(path: Path, tensors: dict[str, np.ndarray], metadata: dict[str, str] | None) -> Path:
    safetensors.numpy.save_file(tensors, str(path), metadata=metadata)
    return path


def meta(config: Any, **extra: str) -> dict[str, str]:
    """Metadata of a format "1" file: the tensors under neuralab's own names and shapes."""
    return {"neuralab": json.dumps(config), "format_version": "1", **extra}


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    path = tmp_path / "missing.safetensors"
    with pytest.raises(ValueError, match=re.escape(repr(str(path)))):
        io.load(path)


def test_garbage_file_is_not_a_neuralab_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.safetensors"
    path.write_bytes(b"this is not a model at all")
    with pytest.raises(ValueError, match="not a neuralab model file"):
        io.load(path)


@pytest.mark.parametrize("metadata", [None, {"author": "someone"}])
def test_safetensors_without_our_metadata_is_rejected(
    tmp_path: Path, metadata: dict[str, str] | None,
) -> None:
    path = write_raw(tmp_path / "other.safetensors", {"w": np.zeros(3)}, metadata)
    with pytest.raises(ValueError, match="not a neuralab model file"):
        io.load(path)


def test_unknown_layer_type_is_named(tmp_path: Path) -> None:
    config = {"type": "Sequential", "layers": [{"type": "Conv2d", "channels": 3}]}
    path = write_raw(tmp_path / "m.safetensors", {}, meta(config))
    with pytest.raises(ValueError, match=r"unknown layer type 'Conv2d'.*Linear"):
        io.load(path)


def test_shape_mismatch_is_reported(tmp_path: Path) -> None:
    small = Sequential(Linear(3, 4, rng=0))
    tensors = {k: B.to_numpy(v) for k, v in small.state_dict().items()}
    config = Sequential(Linear(5, 4, rng=0)).get_config()
    path = write_raw(tmp_path / "m.safetensors", tensors, meta(config))
    with pytest.raises(ValueError, match=r"0\.weight.*\(3, 4\).*\(5, 4\)"):
        io.load(path)


def test_missing_tensor_is_reported(tmp_path: Path) -> None:
    config = Sequential(Linear(3, 4, rng=0)).get_config()
    path = write_raw(tmp_path / "m.safetensors", {"0.weight": np.zeros((3, 4))}, meta(config))
    with pytest.raises(ValueError, match=r"missing \['0.bias'\]"):
        io.load(path)


@pytest.mark.parametrize(
    ("metadata", "message"),
    [
        ({"neuralab": "{not json", "format_version": "1"}, "not valid JSON"),
        (meta({"type": "Sequential", "layers": []}, format_version="3"), "format_version='3'"),
        (meta({"type": "Linear", "in_features": 2}), "not a Sequential"),
        (meta({"type": "Sequential", "layers": [{"type": "ReLU", "bogus": 1}]}), "does not fit"),
    ],
    ids=["bad-json", "future-version", "not-sequential", "bad-kwargs"],
)
def test_corrupt_metadata_is_reported(
    tmp_path: Path, metadata: dict[str, str], message: str,
) -> None:
    path = write_raw(tmp_path / "m.safetensors", {}, metadata)
    with pytest.raises(ValueError, match=message):
        io.load(path)


def test_bad_backend_fails_before_reading(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="backend='tpu'"):
        io.load(tmp_path / "missing.safetensors", backend="tpu")


# --------------------------------------------------------------------------- to_torch
def torch_forward(module: Any, x: np.ndarray) -> np.ndarray:
    import torch

    return module(torch.from_numpy(x)).detach().numpy()


@pytest.mark.parametrize(("dtype", "atol"), [("float64", 1e-12), ("float32", 1e-5)])
def test_to_torch_matches_in_eval_mode(dtype: str, atol: float) -> None:
    pytest.importorskip("torch", reason="to_torch needs PyTorch")
    model = trained_eval_model(dtype)
    module = io.to_torch(model)
    assert not module.training and not any(m.training for m in module.modules())
    x = images(dtype, seed=9)
    got = torch_forward(module, x)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, model.forward(x), rtol=0, atol=atol)


def test_to_torch_module_types_and_hyper_parameters() -> None:
    torch = pytest.importorskip("torch", reason="to_torch needs PyTorch")
    nn = torch.nn
    model = trained_eval_model("float64")
    module = io.to_torch(model)
    expected = [nn.Flatten, nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Linear, nn.LeakyReLU,
                nn.Linear, nn.ELU, nn.Linear, io.TorchMaxout, nn.Dropout, nn.Linear,
                nn.Sigmoid, nn.Linear, nn.Tanh, nn.Linear, nn.Identity]
    assert [type(m) for m in module] == expected
    lin, ours = module[1], model[1]
    assert tuple(lin.weight.shape) == (8, 6)  # torch stores (out, in): our W transposed
    np.testing.assert_array_equal(lin.weight.detach().numpy(), ours.weight.value.T)
    bn = module[2]
    assert bn.momentum == pytest.approx(0.2) and bn.eps == 1e-3
    np.testing.assert_array_equal(bn.running_mean.numpy(), model[2].running_mean)
    np.testing.assert_array_equal(bn.running_var.numpy(), model[2].running_var)
    assert module[5].negative_slope == 0.2 and module[7].alpha == 0.7
    assert module[9].k == 3 and module[10].p == 0.3
    assert lin.weight.dtype == torch.float64


def test_to_torch_matches_batchnorm_in_train_mode() -> None:
    """One training-mode forward: same outputs (batch statistics) and same running stats."""
    pytest.importorskip("torch", reason="to_torch needs PyTorch")
    model = every_layer_mlp("float64", dropout=False)
    module = io.to_torch(model)
    assert module.training and all(m.training for m in module.modules())
    x = images("float64", seed=9)
    np.testing.assert_allclose(torch_forward(module, x), model.forward(x), rtol=0, atol=1e-12)
    ours, theirs = model[2], module[2]
    np.testing.assert_allclose(theirs.running_mean.numpy(), ours.running_mean, rtol=0, atol=1e-12)
    np.testing.assert_allclose(theirs.running_var.numpy(), ours.running_var, rtol=0, atol=1e-12)


def test_to_torch_keeps_per_layer_modes_and_copies_weights() -> None:
    pytest.importorskip("torch", reason="to_torch needs PyTorch")
    model = every_layer_mlp("float64")
    model[10].eval()  # dropout off, the rest training
    module = io.to_torch(model)
    assert module.training and module[2].training and not module[10].training
    before = model[1].weight.value.copy()
    with __import__("torch").no_grad():
        module[1].weight.add_(1.0)
    np.testing.assert_array_equal(model[1].weight.value, before)


def test_to_torch_from_torch_backend() -> None:
    torch = pytest.importorskip("torch", reason="to_torch needs PyTorch")
    model = trained_eval_model("float64").to("torch")
    module = io.to_torch(model)
    x = torch.from_numpy(images("float64", seed=9))
    np.testing.assert_allclose(module(x).detach().numpy(), model.forward(x).numpy(),
                               rtol=0, atol=1e-12)


def test_to_torch_nested_sequential() -> None:
    torch = pytest.importorskip("torch", reason="to_torch needs PyTorch")
    model = Sequential(Sequential(Linear(6, 4, rng=0, dtype="float64"), Tanh()), Maxout(2))
    module = io.to_torch(model)
    assert isinstance(module[0], torch.nn.Sequential)
    x = images("float64").reshape(BATCH, -1)
    np.testing.assert_allclose(torch_forward(module, x), model.forward(x), rtol=0, atol=1e-12)


def test_to_torch_rejects_layers_without_an_equivalent() -> None:
    pytest.importorskip("torch", reason="to_torch needs PyTorch")

    class Custom(ReLU):
        pass

    with pytest.raises(ValueError, match="Custom has no PyTorch equivalent"):
        io.to_torch(Sequential(Linear(2, 2, rng=0), Custom()))
    with pytest.raises(TypeError, match="Sequential"):
        io.to_torch(Linear(2, 2, rng=0))  # type: ignore[arg-type]


def test_torch_maxout_module_pickles() -> None:
    """torch.save(module) pickles it; TorchMaxout must be importable by name for that.

    (Our own files never use pickle; this is about what users do with the exported module.)
    """
    pytest.importorskip("torch", reason="to_torch needs PyTorch")
    module = io.to_torch(Sequential(Linear(4, 6, rng=0, dtype="float64"), Maxout(3)))
    clone = pickle.loads(pickle.dumps(module))
    x = images("float64")[:, 0, :2].repeat(2, axis=1)  # (N, 4)
    np.testing.assert_array_equal(torch_forward(clone, x), torch_forward(module, x))
