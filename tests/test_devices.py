"""Training on a chosen device and array library: ``Trainer(device=, backend=)``,
``neuralab train --device/--backend``, and the same numbers from every CPU backend.

The GPU side of this (torch CUDA and CuPy) is in test_gpu.py; here the torch CPU backend stands
in for it: the same code path, with the device's deferred reads forced by ``sync_every``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neuralab import backend as B
from neuralab.cli import app
from neuralab.models import mlp
from neuralab.train import Callback, Trainer, TrainingDiverged
from training_runs import assert_runs_close, data, fit_run, make_trainer


@pytest.mark.parametrize(("device", "backend", "expected"), [
    (None, None, None), ("cpu", None, "numpy"), ("cpu", "torch", "torch"),
    ("cpu", "numpy", "numpy"), ("cuda", None, "torch:cuda"), ("cuda", "torch", "torch:cuda"),
    ("cuda:1", None, "torch:cuda:1"), ("cuda", "cupy", "cupy"), (None, "cupy", "cupy"),
    (None, "torch", "torch"),
])
def test_resolve_backend(device: str | None, backend: str | None, expected: str | None) -> None:
    assert B.resolve_backend(device, backend) == expected


@pytest.mark.parametrize(("device", "backend", "message"), [
    ("gpu", None, r"device='gpu' is not allowed; choose cpu, cuda or cuda:N"),
    ("cuda:x", None, r"device='cuda:x' is not allowed"),
    ("cpu:0", None, r"device='cpu:0' is not allowed"),
    ("cpu", "cupy", r"backend='cupy' runs on CUDA GPUs only"),
    ("cuda", "numpy", r"backend='numpy' runs on the CPU only"),
    ("cuda:1", "cupy", r"CUDA_VISIBLE_DEVICES=1"),
    (None, "jax", r"backend='jax' is not allowed; choose one of: numpy"),
])
def test_bad_device_choices_are_clear(device: str, backend: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        B.resolve_backend(device, backend)


def test_missing_cuda_names_what_to_install(torch) -> None:
    model = mlp(6, 3, (8,), seed=0)
    if torch.cuda.is_available():  # on a GPU machine the same call must simply work
        Trainer(model, device="cuda")
        assert model[0].weight.value.device.type == "cuda"
        return
    with pytest.raises(ValueError, match=r"needs a CUDA build of PyTorch|sees no GPU"):
        Trainer(model, device="cuda")
    assert B.is_numpy(model[0].weight.value)  # nothing was moved


def test_missing_cupy_names_what_to_install() -> None:
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(ValueError, match=r"needs CuPy.*pip install cupy-cuda12x"):
            Trainer(mlp(6, 3, (8,), seed=0), backend="cupy")
    else:  # CuPy present: then either it finds a GPU or says it needs one
        try:
            Trainer(mlp(6, 3, (8,), seed=0), backend="cupy")
        except ValueError as err:
            assert "needs an NVIDIA GPU" in str(err)


def test_trainer_moves_the_model_and_keeps_outputs_on_its_backend(torch) -> None:
    X, y = data()
    trainer = make_trainer(1, device="cpu", backend="torch")
    assert isinstance(trainer.model[0].weight.value, torch.Tensor)
    trainer.fit(X, y)  # numpy data is moved to the model's backend once
    assert isinstance(trainer.predict_scores(X), torch.Tensor)
    assert trainer.optimizer_.state["v"][0].device.type == "cpu"  # momentum slots there too


def test_full_loop_on_torch_cpu_tensors_gives_the_numpy_results(torch, tmp_path: Path) -> None:
    numpy_run = fit_run(4, tmp_path / "np", device="cpu")
    torch_run = fit_run(4, tmp_path / "torch", device="cpu", backend="torch")
    assert_runs_close(numpy_run, torch_run, rtol=1e-5)


def test_checkpoints_resume_on_the_same_and_on_another_backend(torch, tmp_path: Path) -> None:
    straight = fit_run(4, device="cpu")
    fit_run(2, tmp_path / "torch", device="cpu", backend="torch")  # stops after epoch 2
    last = tmp_path / "torch" / "last.safetensors"
    resumed_torch = fit_run(4, resume=last, device="cpu", backend="torch")
    resumed_numpy = fit_run(4, resume=last, device="cpu")  # written by torch, read by numpy
    assert_runs_close(straight, resumed_torch, rtol=1e-5)
    assert_runs_close(straight, resumed_numpy, rtol=1e-5)


def test_deferred_reads_give_the_same_run_and_every_step_callback() -> None:
    # On a GPU losses are read every SYNC_STEPS steps; sync_every forces that path here.
    class Steps(Callback):
        def __init__(self) -> None:
            self.seen: list[tuple[int, int, float]] = []

        def on_step_end(self, trainer: Trainer, epoch: int, step: int, loss: float) -> None:
            self.seen.append((epoch, step, loss))

    runs = []
    for sync_every in (1, 4):
        steps = Steps()
        X, y = data()
        trainer = make_trainer(3, sync_every=sync_every)
        trainer.callbacks = [steps]
        trainer.fit(X, y)
        runs.append((trainer.history_.records, steps.seen))
    (hist_eager, seen_eager), (hist_lazy, seen_lazy) = runs
    assert [(e, s) for e, s, _ in seen_lazy] == [(e, s) for e, s, _ in seen_eager]
    assert [loss for *_, loss in seen_lazy] == pytest.approx([loss for *_, loss in seen_eager])
    assert all(isinstance(loss, float) for *_, loss in seen_lazy)
    assert [r["train_loss"] for r in hist_lazy] == pytest.approx(
        [r["train_loss"] for r in hist_eager])


@pytest.mark.filterwarnings("ignore:overflow|invalid value:RuntimeWarning")
def test_divergence_is_found_at_its_step_when_reads_are_deferred() -> None:
    X, y = data()
    X *= 1e3  # with lr = 10 plain SGD blows up within a few epochs
    caught = []
    for sync_every in (1, 5):  # 5: NaN flows on until the deferred read finds it
        trainer = Trainer(mlp(6, 3, (32,), seed=0), optimizer="sgd", lr=10.0, epochs=50,
                          sync_every=sync_every)
        with pytest.raises(TrainingDiverged, match="lower learning rate") as err:
            trainer.fit(X, y)
        caught.append((err.value.epoch, err.value.step))
    assert caught[0] == caught[1]


def test_sync_every_is_validated() -> None:
    with pytest.raises(ValueError, match="sync_every=0 is out of range; allowed: integers >= 1"):
        make_trainer(1, sync_every=0)


# --------------------------------------------------------------------------- the CLI
runner = CliRunner()


def _train(out: Path, *flags: str) -> dict[str, float]:
    result = runner.invoke(app, ["train", "--epochs", "3", "--hidden", "32", "--dropout", "0.2",
                                 "--quiet", "--out", str(out), *flags])
    assert result.exit_code == 0, result.output
    return json.loads((out / "metrics.json").read_text())


def test_cli_trains_and_resumes_on_torch_cpu_like_numpy(torch, tmp_path: Path) -> None:
    numpy_metrics = _train(tmp_path / "np", "--device", "cpu")
    torch_metrics = _train(tmp_path / "torch", "--device", "cpu", "--backend", "torch")
    config = json.loads((tmp_path / "torch" / "config.json").read_text())
    assert (config["device"], config["backend"]) == ("cpu", "torch")
    # --resume continues the torch run (its config says torch); numpy runs the 5 straight
    resumed = runner.invoke(app, ["train", "--resume", str(tmp_path / "torch"), "--epochs", "5",
                                  "--quiet"])
    assert resumed.exit_code == 0, resumed.output
    straight = _train(tmp_path / "np5", "--device", "cpu", "--epochs", "5")
    resumed_metrics = json.loads((tmp_path / "torch" / "metrics.json").read_text())
    for key, value in numpy_metrics.items():
        if key != "seconds":
            assert torch_metrics[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key
            assert resumed_metrics[key] == pytest.approx(straight[key], rel=1e-5, abs=1e-6), key
    assert resumed_metrics["epochs"] == 5


@pytest.mark.parametrize(("flags", "message"), [
    (["--device", "gpu"], "device='gpu' is not allowed; choose cpu, cuda or cuda:N"),
    (["--device", "cpu", "--backend", "cupy"], "backend='cupy' runs on CUDA GPUs only"),
    (["--backend", "jax"], "backend='jax' is not allowed"),
])
def test_cli_device_errors_are_one_line_with_status_2(flags: list[str], message: str) -> None:
    result = runner.invoke(app, ["train", "--quiet", *flags])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1  # one line, not a report
