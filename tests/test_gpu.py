"""Training on a GPU: torch CUDA tensors and CuPy arrays, end to end.

Each test runs once per GPU backend that this machine has (``torch:cuda``, ``cupy``) and is
skipped, with the reason, where there is none: CI has no GPU, so these run on a GPU machine
(``pytest -m gpu``). test_devices.py covers the same code paths on the CPU.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neuralab import backend as B
from neuralab import io as nio
from neuralab.cli import app
from neuralab.losses import get_loss, one_hot
from neuralab.models import mlp
from neuralab.optim import SGD
from neuralab.regularizers import L2
from neuralab.train import Trainer, TrainingDiverged, train_step
from training_runs import assert_runs_close, data, fit_run

pytestmark = pytest.mark.gpu

GPU_BACKENDS = {"torch:cuda": ("cuda", "torch"), "cupy": ("cuda", "cupy")}


@pytest.fixture(params=list(GPU_BACKENDS))
def gpu(request: pytest.FixtureRequest) -> str:
    """A GPU backend name; skipped where this machine lacks the GPU or the library."""
    try:
        B.get_backend(request.param)
    except ValueError:
        pytest.skip(f"needs a CUDA GPU and {request.param.split(':')[0]}, not found here")
    return request.param


def _device_kwargs(gpu: str) -> dict[str, str]:
    device, backend = GPU_BACKENDS[gpu]
    return {"device": device, "backend": backend}


def test_one_float64_step_equals_the_numpy_step(gpu: str) -> None:
    X, y = data()
    params = {}
    for backend in ("numpy", gpu):
        model = mlp(6, 3, (16, 16), batchnorm=True, seed=3).to(backend, dtype="float64")
        xb = B.get_backend(backend).asarray(X[:32], dtype="float64")
        target = one_hot(B.asarray(y[:32], like=xb), 3, xb)
        opt = SGD(model.params(), lr=0.1, momentum=0.9)
        for _ in range(2):  # the second step uses the momentum state
            train_step(model, get_loss("softmax", step=True), L2(1e-3), opt, xb, target)
        params[backend] = {k: B.to_numpy(v) for k, v in model.state_dict().items()}
    for name, value in params["numpy"].items():
        np.testing.assert_allclose(params[gpu][name], value, rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def test_fused_step_kernels_match_numpy(gpu: str) -> None:
    rng = np.random.default_rng(0)
    y, x, out = (rng.normal(size=(64, 33)).astype(np.float32) for _ in range(3))
    target = B.get_backend(gpu)
    y_dev = target.asarray(y)
    result = B.axpy_(y_dev, target.asarray(x), -0.3)
    assert result is y_dev  # in place
    # atol: the GPU fuses the multiply-add, numpy rounds the product first
    np.testing.assert_allclose(B.to_numpy(result), y - 0.3 * x, rtol=1e-6, atol=1e-6)
    grad = B.relu_grad(target.asarray(x), target.asarray(np.maximum(out, 0)))
    np.testing.assert_array_equal(B.to_numpy(grad), np.where(out > 0, x, 0))


def test_training_on_the_gpu_matches_the_cpu_without_dropout(gpu: str) -> None:
    cpu = fit_run(3, dropout=0.0, device="cpu")
    on_gpu = fit_run(3, dropout=0.0, **_device_kwargs(gpu))
    assert_runs_close(cpu, on_gpu, rtol=1e-4)  # float32; cuBLAS and OpenBLAS round apart


def test_dropout_masks_are_drawn_on_the_device_and_reproducible(gpu: str) -> None:
    like = B.get_backend(gpu).asarray(np.zeros((1000, 200), dtype=np.float32))
    masks = [B.dropout_mask(np.random.default_rng(seed), (1000, 200), 0.75, like)
             for seed in (0, 0, 1)]
    assert B.backend_of(masks[0]).name == B.backend_of(like).name  # made there, not copied
    m = B.to_numpy(masks[0])
    assert set(np.unique(m).tolist()) == {0.0, np.float32(1 / 0.75)}
    assert abs((m > 0).mean() - 0.75) < 0.01
    np.testing.assert_array_equal(B.to_numpy(masks[1]), m)  # same generator state, same mask
    assert (B.to_numpy(masks[2]) != m).any()


def test_a_killed_gpu_run_resumes_exactly(gpu: str, tmp_path: Path) -> None:
    kwargs = _device_kwargs(gpu)
    straight = fit_run(4, **kwargs)
    fit_run(2, tmp_path / "ck", **kwargs)
    resumed = fit_run(4, resume=tmp_path / "ck" / "last.safetensors", **kwargs)
    assert_runs_close(straight, resumed, rtol=1e-6)
    on_cpu = fit_run(4, resume=tmp_path / "ck" / "last.safetensors", device="cpu")
    assert len(on_cpu[1]) == 4  # a GPU checkpoint resumes on the CPU too


def test_models_saved_from_the_gpu_load_anywhere(gpu: str, tmp_path: Path) -> None:
    model = mlp(6, 3, (16,), batchnorm=True, seed=0).to(gpu).eval()  # loads in eval mode too
    path = nio.save(model, tmp_path / "m.safetensors")
    X = data()[0][:10]
    expected = B.to_numpy(model.forward(B.asarray(X, like=model[0].weight.value)))
    for backend in ("numpy", gpu):
        loaded = nio.load(path, backend=backend)
        got = loaded.forward(B.asarray(X, like=loaded[0].weight.value))
        np.testing.assert_allclose(B.to_numpy(got), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:overflow|invalid value:RuntimeWarning")
def test_divergence_on_the_gpu_names_its_step(gpu: str) -> None:
    X, y = data()
    X *= 1e3
    caught = []
    for sync_every in (1, None):  # None: the GPU default, reading every SYNC_STEPS steps
        trainer = Trainer(mlp(6, 3, (32,), seed=0), optimizer="sgd", lr=10.0, epochs=50,
                          sync_every=sync_every, **_device_kwargs(gpu))
        with pytest.raises(TrainingDiverged) as err:
            trainer.fit(X, y)
        caught.append((err.value.epoch, err.value.step))
    assert caught[0] == caught[1]


def test_cli_trains_on_the_gpu(gpu: str, tmp_path: Path) -> None:
    device, backend = GPU_BACKENDS[gpu]
    result = CliRunner().invoke(app, ["train", "--epochs", "3", "--quiet", "--device", device,
                                      "--backend", backend, "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    metrics = (tmp_path / "run" / "metrics.json").read_text()
    assert '"test_accuracy"' in metrics
    assert all(math.isfinite(v) for v in nio.read_arrays(
        tmp_path / "run" / "checkpoints" / "last.safetensors")[0]["model/0.weight"].ravel())
