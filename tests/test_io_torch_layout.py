"""Weight files in PyTorch's layout: a PyTorch user loads them with plain
``module.load_state_dict(safetensors.torch.load_file(path))``; files of format "1" still load;
checkpoints follow the same layout; ``neuralab export`` to ONNX, TorchScript and safetensors."""

from __future__ import annotations

import base64
import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import safetensors.numpy
from safetensors import safe_open
from typer.testing import CliRunner

from neuralab import backend as B
from neuralab import export as ex
from neuralab import io
from neuralab.models import mlp
from neuralab.nn import (
    ELU,
    BatchNorm,
    Dropout,
    LeakyReLU,
    Linear,
    Maxout,
    Sequential,
    Sigmoid,
    Tanh,
)
from neuralab.train import Trainer

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "maxout", "elu")
D, C = 5, 3


def x_rows(n: int = 9, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, D)).astype(np.float32)


def moved(model: Sequential, seed: int = 1) -> Sequential:
    """``model`` with every weight random (no zero bias, no unit γ: a swapped pair shows) and
    batch-norm running statistics moved by a few training-mode passes; in eval mode."""
    rng = np.random.default_rng(seed)
    for p in model.params():
        p.value = rng.normal(scale=0.5, size=p.value.shape).astype(np.float32)
    for s in range(3):
        model.forward(x_rows(16, seed=10 + s))
    return model.eval()


def by_hand(config: dict[str, Any]) -> Any:
    """The torch.nn.Sequential a PyTorch user writes from the file's architecture metadata
    (no neuralab.io.to_torch): one module per layer, freshly initialised."""
    import torch

    nn = torch.nn
    make = {
        "Linear": lambda c: nn.Linear(c["in_features"], c["out_features"]),
        "BatchNorm": lambda c: nn.BatchNorm1d(c["num_features"], eps=c["eps"],
                                              momentum=1 - c["momentum"]),
        "Dropout": lambda c: nn.Dropout(c["p"]),
        "Sigmoid": lambda c: nn.Sigmoid(), "Tanh": lambda c: nn.Tanh(), "ReLU": lambda c: nn.ReLU(),
        "LeakyReLU": lambda c: nn.LeakyReLU(c["alpha"]), "ELU": lambda c: nn.ELU(c["alpha"]),
        "Maxout": lambda c: io.TorchMaxout(c["k"]), "Identity": lambda c: nn.Identity(),
    }
    return nn.Sequential(*(make[c["type"]](c) for c in config["layers"]))


def architecture(path: Path) -> dict[str, Any]:
    with safe_open(str(path), framework="numpy") as f:
        return json.loads(f.metadata()["neuralab"])


def every_layer() -> Sequential:
    """Every activation, batch norm, dropout and maxout in one network (5 -> 3)."""
    return Sequential(
        Linear(D, 8, rng=1), BatchNorm(8, momentum=0.8), Sigmoid(), Dropout(0.3, rng=0),
        Linear(8, 8, rng=2), Tanh(), Linear(8, 8, rng=3), LeakyReLU(0.2),
        Linear(8, 12, rng=4), Maxout(3), Linear(4, 6, rng=5), ELU(0.7),
        Linear(6, 6, rng=6), BatchNorm(6), Linear(6, C, rng=7),
    )


# --------------------------------------------------------------------------- the file layout
def test_file_names_and_shapes_are_torch_state_dict_ones(tmp_path: Path) -> None:
    model = moved(mlp(D, C, (4,), activation="maxout", k=2, batchnorm=True, dropout=0.2, seed=0))
    path = io.save(model, tmp_path / "m.safetensors")
    with safe_open(str(path), framework="numpy") as f:
        meta, shapes = f.metadata(), {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
    assert meta["format_version"] == io.FORMAT_VERSION == "2" and meta["dtype"] == "float32"
    # Linear(5, 8) BatchNorm(8) Maxout(2) Dropout Linear(4, 3): parameter-free layers count
    assert shapes == {"0.weight": (8, 5), "0.bias": (8,), "1.weight": (8,), "1.bias": (8,),
                      "1.running_mean": (8,), "1.running_var": (8,),
                      "1.num_batches_tracked": (), "4.weight": (3, 4), "4.bias": (3,)}
    tensors = safetensors.numpy.load_file(str(path))
    np.testing.assert_array_equal(tensors["0.weight"], model[0].weight.value.T)
    np.testing.assert_array_equal(tensors["1.weight"], model[1].gamma.value)
    np.testing.assert_array_equal(tensors["1.bias"], model[1].beta.value)
    assert tensors["1.num_batches_tracked"].dtype == np.int64


def test_file_layout_is_exactly_to_torch_state_dict(tmp_path: Path) -> None:
    pytest.importorskip("torch", reason="compares with the torch module to_torch builds")
    model = moved(every_layer())
    path = io.save(model, tmp_path / "m.safetensors")
    with safe_open(str(path), framework="numpy") as f:
        keys = list(f.keys())
    theirs = io.to_torch(model).state_dict()
    assert sorted(keys) == sorted(theirs)
    assert list(io.torch_state_dict(model)) == list(theirs)  # PyTorch's order too
    for name, value in safetensors.numpy.load_file(str(path)).items():
        np.testing.assert_array_equal(value, theirs[name].numpy(), err_msg=name)


@pytest.mark.parametrize("batchnorm", [False, True], ids=["plain", "batchnorm"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_plain_load_state_dict_gives_our_scores(tmp_path: Path, activation: str,
                                                 batchnorm: bool) -> None:
    """What a PyTorch user does: build the module from the architecture, load the file with
    plain load_state_dict(load_file(path)) (strict), eval mode: our scores."""
    torch = pytest.importorskip("torch", reason="loads the file into a torch module")
    import safetensors.torch

    model = moved(mlp(D, C, (6, 4), activation=activation, batchnorm=batchnorm, dropout=0.25,
                      seed=2))
    path = io.save(model, tmp_path / "model.safetensors")
    module = by_hand(architecture(path))
    module.load_state_dict(safetensors.torch.load_file(path))  # strict: every key, every shape
    module.eval()
    x = x_rows()
    with torch.no_grad():
        got = module(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, model.forward(x), rtol=0, atol=1e-5)


def test_a_square_layer_cannot_load_transposed(tmp_path: Path) -> None:
    """A 64-64-64-10 MLP: W (64, 64) fits either way round, so only the layout tells."""
    torch = pytest.importorskip("torch", reason="loads the file into a torch module")
    import safetensors.torch

    model = mlp(64, 10, (64, 64), seed=3).eval()
    w = model[2].weight.value  # Linear(64, 64)
    assert w.shape == (64, 64) and not np.allclose(w, w.T)
    path = io.save(model, tmp_path / "model.safetensors")
    saved = safetensors.numpy.load_file(str(path))
    np.testing.assert_array_equal(saved["2.weight"], w.T)  # torch's (out, in)
    np.testing.assert_array_equal(saved["0.weight"], model[0].weight.value.T)

    module = by_hand(architecture(path))
    module.load_state_dict(safetensors.torch.load_file(path))
    x = np.random.default_rng(4).normal(size=(12, 64)).astype(np.float32)
    with torch.no_grad():
        got = module.eval()(torch.from_numpy(x)).numpy()
    ours = model.forward(x)
    np.testing.assert_allclose(got, ours, rtol=0, atol=1e-5)
    assert np.abs(got - ours).max() < 1e-5 < np.abs(ours).max()  # not a vacuous all-zero match


def test_a_torch_state_dict_loads_back_into_neuralab() -> None:
    """from_torch_state_dict inverts the layout: a torch module's weights into our model."""
    torch = pytest.importorskip("torch", reason="starts from a torch module")
    model = moved(every_layer())
    module = io.to_torch(model)
    with torch.no_grad():
        for p in module.parameters():
            p.mul_(1.5)
    state = {k: v.numpy() for k, v in module.state_dict().items()}
    target = every_layer()
    target.load_state_dict(io.from_torch_state_dict(target, state))
    target.eval()
    x = x_rows()
    with torch.no_grad():
        expected = module.eval()(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(target.forward(x), expected, rtol=0, atol=1e-5)


def test_weights_that_do_not_fit_are_named_in_torch_terms(tmp_path: Path) -> None:
    model = Sequential(Linear(3, 4, rng=0), BatchNorm(4))
    # C order: torch_state_dict's transposed weights are views, and safetensors writes memory
    state = {k: np.asarray(B.to_numpy(v), order="C") for k, v in io.torch_state_dict(model).items()}
    renamed = {"1.gamma" if k == "1.running_var" else k: v for k, v in state.items()}
    with pytest.raises(ValueError,
                       match=r"missing \['1\.running_var'\], unexpected \['1\.gamma'\]"):
        io.from_torch_state_dict(model, renamed)
    wrong = {**state, "0.weight": np.zeros((3, 4), np.float32)}  # ours, not transposed
    with pytest.raises(ValueError, match=r"state\['0\.weight'\] has shape \(3, 4\), the model "
                                         r"needs \(4, 3\)"):
        io.from_torch_state_dict(model, wrong)
    # through io.load: the file's path first
    path = tmp_path / "m.safetensors"
    meta = {"neuralab": json.dumps(model.get_config()), "format_version": "2"}
    safetensors.numpy.save_file(wrong, str(path), metadata=meta)
    with pytest.raises(ValueError, match=r"m\.safetensors: state\['0\.weight'\] has shape"):
        io.load(path)
    # num_batches_tracked is PyTorch's bookkeeping: a file without it loads
    del state["1.num_batches_tracked"]
    safetensors.numpy.save_file(state, str(path), metadata=meta)
    np.testing.assert_array_equal(io.load(path)[0].weight.value, model[0].weight.value)


# --------------------------------------------------------------------------- format "1"
def write_v1(model: Sequential, path: Path) -> Path:
    """A model file as neuralab wrote it before format "2": our own names and shapes (Linear
    weight (in, out), BatchNorm gamma/beta), format_version "1"."""
    tensors = {k: np.ascontiguousarray(B.to_numpy(v)) for k, v in model.state_dict().items()}
    safetensors.numpy.save_file(tensors, str(path), metadata={
        "neuralab": json.dumps(model.get_config()), "format_version": "1", "dtype": "float32",
        "training": "false"})
    return path


def test_a_format_1_file_still_loads(tmp_path: Path) -> None:
    model = moved(every_layer())
    path = write_v1(model, tmp_path / "old.safetensors")
    with safe_open(str(path), framework="numpy") as f:
        assert "0.weight" in f.keys() and f.get_slice("0.weight").get_shape() == [D, 8]
        assert "1.gamma" in f.keys()
    loaded = io.load(path)
    assert not loaded.training
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[name], value, err_msg=name)
    x = x_rows()
    np.testing.assert_array_equal(loaded.forward(x), model.forward(x))
    # saved again, it is a format "2" file
    io.save(loaded, tmp_path / "new.safetensors")
    with safe_open(str(tmp_path / "new.safetensors"), framework="numpy") as f:
        assert f.metadata()["format_version"] == "2"
        assert f.get_slice("0.weight").get_shape() == [8, D]


def blobs(n: int = 96) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    return (np.eye(3, D)[y] * 2 + rng.normal(size=(n, D))).astype(np.float32), y


def trainer(epochs: int) -> Trainer:
    return Trainer(mlp(D, C, (6,), batchnorm=True, dropout=0.2, seed=4), optimizer="adam",
                   lr=1e-2, epochs=epochs, batch_size=32, seed=9)


def test_checkpoints_hold_the_model_in_torch_layout_and_format_1_ones_resume(
    tmp_path: Path,
) -> None:
    X, y = blobs()
    first = trainer(2)
    first.fit(X, y)
    path = first.save_checkpoint(tmp_path / "last.safetensors")
    arrays, meta = io.read_arrays(path)
    np.testing.assert_array_equal(arrays["model/0.weight"], first.model[0].weight.value.T)
    assert {"model/1.weight", "model/1.bias", "model/1.num_batches_tracked"} <= arrays.keys()
    assert io.read_arrays_file(path).version == "2"

    # the same checkpoint in format "1": the model under our names and shapes
    old = {k: v for k, v in arrays.items() if not k.startswith("model/")}
    old.update({f"model/{k}": np.ascontiguousarray(B.to_numpy(v))
                for k, v in first.model.state_dict().items()})
    v1 = tmp_path / "v1.safetensors"
    safetensors.numpy.save_file(old, str(v1), metadata={
        "neuralab_arrays": json.dumps(meta), "format_version": "1"})

    resumed = {}
    for name, ckpt in (("v2", path), ("v1", v1)):
        t = trainer(4)
        t.fit(X, y, resume=ckpt)
        resumed[name] = t.model.state_dict()
    straight = trainer(4)
    straight.fit(X, y)
    for name, value in straight.model.state_dict().items():
        for version in ("v1", "v2"):
            np.testing.assert_array_equal(resumed[version][name], value,
                                          err_msg=f"{version} {name}")


def test_a_future_format_is_refused(tmp_path: Path) -> None:
    model = Sequential(Linear(2, 2, rng=0))
    path = tmp_path / "m.safetensors"
    safetensors.numpy.save_file({}, str(path), metadata={
        "neuralab": json.dumps(model.get_config()), "format_version": "3"})
    with pytest.raises(ValueError, match=r"format_version='3' is not supported; this neuralab "
                                         r"reads format_version '1' and '2'"):
        io.load(path)


# --------------------------------------------------------------------------- export
EXPORT_PACKAGES = ("torch", "onnx", "onnxscript", "onnxruntime")


def same_file(a: bytes, b: bytes) -> bool:
    """The same tensors and metadata (safetensors orders the metadata keys as it likes)."""
    header = [json.loads(x[8 : 8 + int.from_bytes(x[:8], "little")]) for x in (a, b)]
    ta, tb = safetensors.numpy.load(a), safetensors.numpy.load(b)
    return (header[0]["__metadata__"] == header[1]["__metadata__"] and ta.keys() == tb.keys()
            and all(np.array_equal(ta[k], tb[k]) and ta[k].shape == tb[k].shape for k in ta))


def need(*names: str) -> None:
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (pip install 'neuralab[export]' and torch)")


def test_onnx_export_runs_in_onnxruntime_with_our_scores(tmp_path: Path) -> None:
    need(*EXPORT_PACKAGES)
    import onnxruntime

    model = moved(every_layer())
    path = ex.export(model, tmp_path / "model.onnx", "onnx")
    assert model.training is False and all(not layer.training for layer in model)
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["x"]
    for n in (1, 7, 33):  # the batch axis is dynamic
        x = x_rows(n, seed=n)
        (got,) = session.run(["scores"], {"x": x})
        assert got.shape == (n, C)
        np.testing.assert_allclose(got, model.forward(x), rtol=0, atol=1e-5)


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_torchscript_export_gives_our_scores(tmp_path: Path) -> None:
    need("torch")
    import torch

    model = moved(every_layer())
    path = ex.export(model, tmp_path / "model.pt", "torchscript")
    loaded = torch.jit.load(str(path))
    assert not loaded.training
    for n in (1, 9):
        x = x_rows(n, seed=n)
        with torch.no_grad():
            got = loaded(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, model.forward(x), rtol=0, atol=1e-5)


def test_safetensors_export_is_the_eval_mode_file(tmp_path: Path) -> None:
    model = every_layer()  # training mode: the export is in eval mode, the model unchanged
    path = ex.export(model, tmp_path / "model.safetensors", "safetensors")
    assert model.training
    assert same_file(path.read_bytes(), io.to_bytes(model, training=False))
    assert not io.load(path).training


def test_export_refuses_unknown_formats_and_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = every_layer()
    with pytest.raises(ValueError, match="to='tflite' is not a format; choose one of: onnx, "
                                         "torchscript, safetensors"):
        ex.export(model, tmp_path / "m", "tflite")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name in ("onnx", "torch") else real(name, *a))
    with pytest.raises(ValueError, match=r"export to onnx needs torch, onnx: pip install "
                                         r"'neuralab\[export\]' and PyTorch"):
        ex.export(model, tmp_path / "m.onnx", "onnx")
    assert not (tmp_path / "m.onnx").exists()
    ex.export(model, tmp_path / "m.safetensors", "safetensors")  # needs neither


# --------------------------------------------------------------------------- neuralab export
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from neuralab.cli import app

    out = tmp_path_factory.mktemp("runs") / "run"
    result = CliRunner().invoke(app, ["train", "--epochs", "2", "--hidden", "16", "--quiet",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def cli(*args: str) -> Any:
    from neuralab.cli import app

    return CliRunner().invoke(app, ["export", *args])


def test_cli_exports_a_run(run_dir: Path, tmp_path: Path) -> None:
    result = cli(str(run_dir), "--to", "safetensors")
    assert result.exit_code == 0, result.output
    path = run_dir / "export" / "model.safetensors"
    assert result.output.strip() == (f"wrote {path} (safetensors: input x (N, 64), output "
                                     f"scores (N, 10))")
    model = io.load(run_dir / "model.safetensors")
    assert same_file(path.read_bytes(), io.to_bytes(model, training=False))

    again = cli(str(run_dir), "--to", "safetensors")  # the file exists: refused, untouched
    assert again.exit_code == 2
    assert "exists; replace it with --overwrite" in again.output
    assert len(again.output.strip().splitlines()) == 1
    assert cli(str(run_dir), "--to", "safetensors", "--overwrite").exit_code == 0

    target = tmp_path / "mine.safetensors"
    assert cli(str(run_dir), "--to", "safetensors", "--out", str(target)).exit_code == 0
    assert io.load(target).get_config() == model.get_config()


@pytest.mark.filterwarnings("ignore:`torch.jit.load` is deprecated:DeprecationWarning")
def test_cli_exports_onnx_and_torchscript(run_dir: Path, tmp_path: Path) -> None:
    need(*EXPORT_PACKAGES)
    import onnxruntime
    import torch

    model = io.load(run_dir / "model.safetensors")
    x = np.random.default_rng(0).normal(size=(5, 64)).astype(np.float32)
    result = cli(str(run_dir), "--to", "onnx", "--out", str(tmp_path / "m.onnx"))
    assert result.exit_code == 0, result.output
    session = onnxruntime.InferenceSession(str(tmp_path / "m.onnx"),
                                           providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"x": x})[0], model.forward(x), rtol=0,
                               atol=1e-5)
    result = cli(str(run_dir), "--to", "torchscript")
    assert result.exit_code == 0, result.output
    with torch.no_grad():
        got = torch.jit.load(str(run_dir / "export" / "model.pt"))(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, model.forward(x), rtol=0, atol=1e-5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--to", "tflite"], "--to 'tflite' is not a format; choose one of: onnx, torchscript"),
        (["--to", "safetensors", "--out", "{tmp}"], "is a folder; name the file to write"),
    ],
    ids=["format", "out-folder"],
)
def test_cli_bad_inputs_are_one_line(run_dir: Path, tmp_path: Path, args: list[str],
                                     message: str) -> None:
    result = cli(str(run_dir), *(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_cli_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = cli(str(tmp_path), "--to", "safetensors")
    assert result.exit_code == 2
    assert "is not a neuralab run directory" in result.output
    assert not (tmp_path / "export").exists()  # nothing written


def test_cli_says_what_to_install(run_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "onnxscript" else real(name, *a))
    result = cli(str(run_dir), "--to", "onnx", "--overwrite")
    assert result.exit_code == 2
    assert "needs onnxscript: pip install 'neuralab[export]'" in result.output


# --------------------------------------------------------------------------- other writers
def test_the_playground_and_estimator_exports_load_into_torch(tmp_path: Path) -> None:
    """Every writer goes through io: the playground's model export and an estimator's model
    (saved with io.save) load into a torch module with plain load_state_dict."""
    torch = pytest.importorskip("torch", reason="loads the files into torch modules")
    import safetensors.torch

    from neuralab.estimators import MLPClassifier
    from neuralab.playground.points import featurize
    from neuralab.playground.protocol import parse_message
    from neuralab.playground.session import Session

    session = Session()
    session.apply(parse_message(json.dumps(
        {"type": "config", "config": {"batchnorm": True, "dropout": 0.3}})))
    for _ in range(2):
        session.train_epoch()
    reply = session.apply(parse_message('{"type": "export", "what": "model"}'))[0]
    played = tmp_path / "playground.safetensors"
    played.write_bytes(base64.b64decode(reply["content"]))
    x_play = featurize(np.array([[0.5, -1.0], [3.0, 2.0], [-2.0, 1.5]]), session.config.features)

    X, y = blobs()
    estimator = MLPClassifier(hidden_layer_sizes=(6,), activation="maxout", batchnorm=True,
                              epochs=3, random_state=0).fit(X, y)
    fitted = io.save(estimator.model_, tmp_path / "estimator.safetensors")

    for path, x in ((played, x_play), (fitted, X[:9])):
        ours = io.load(path).eval()
        dtype = ours.params()[0].value.dtype  # the file's float dtype
        module = by_hand(architecture(path)).to(getattr(torch, str(dtype)))
        module.load_state_dict(safetensors.torch.load_file(path))
        x = x.astype(dtype)
        with torch.no_grad():
            got = module.eval()(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(got, ours.forward(x), rtol=0, atol=1e-5, err_msg=path.name)


def to_format_1(path: Path, model: Sequential) -> None:
    """Rewrite ``model``'s file or checkpoint as neuralab wrote it before format "2"."""
    with safe_open(str(path), framework="numpy") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    prefix = "model/" if "neuralab_arrays" in meta else ""
    ours = io.from_torch_state_dict(model, {k.removeprefix(prefix): v for k, v in tensors.items()
                                            if k.startswith(prefix)})
    old = {k: v for k, v in tensors.items() if not k.startswith(prefix)}
    old.update({prefix + k: np.ascontiguousarray(v) for k, v in ours.items()})
    safetensors.numpy.save_file(old, str(path), metadata={**meta, "format_version": "1"})


def test_a_run_directory_of_format_1_evaluates_resumes_and_exports(tmp_path: Path) -> None:
    """A run trained before format "2": eval, train --resume and export all read it."""
    from neuralab import experiment
    from neuralab.config import TrainConfig

    run = tmp_path / "run"
    config = {"data": "digits", "model": {"hidden": [8], "batchnorm": True}, "epochs": 2,
              "seed": 0}
    experiment.run(TrainConfig.parse(config), run, progress=False, pictures=False)
    metrics = experiment.evaluate_run(run)
    model = io.load(run / "model.safetensors")
    for name in ("model.safetensors", "checkpoints/last.safetensors"):
        to_format_1(run / name, model)
    assert io.read_arrays_file(run / "checkpoints" / "last.safetensors").version == "1"
    with safe_open(str(run / "model.safetensors"), framework="numpy") as f:
        assert f.metadata()["format_version"] == "1" and "1.gamma" in f.keys()
    assert experiment.evaluate_run(run) == pytest.approx(metrics)  # the old model file loads

    result = cli(str(run), "--to", "safetensors")  # a format "2" copy of the old model
    assert result.exit_code == 0, result.output
    with safe_open(str(run / "export" / "model.safetensors"), framework="numpy") as f:
        assert f.metadata()["format_version"] == "2"

    resumed = experiment.run(TrainConfig.parse({**config, "epochs": 3}), run, resume=True,
                             progress=False, pictures=False)
    assert resumed.metrics["epochs"] == 3
    with safe_open(str(run / "model.safetensors"), framework="numpy") as f:
        assert f.metadata()["format_version"] == "2"
