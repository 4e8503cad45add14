"""The Trainer: the loop, History, divergence, callbacks, checkpoints and exact resume."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from neuralab.callbacks import Checkpoint, EarlyStopping, ProgressBar
from neuralab.models import linear, mlp
from neuralab.optim import StepDecay
from neuralab.regularizers import L2
from neuralab.train import Callback, History, Trainer, TrainingDiverged


def blobs(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three well-separated Gaussian blobs in 4-D."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[3.0, 0, 0, 0], [0, 3.0, 0, 0], [0, 0, 3.0, 0]])
    return (centres[y] + rng.normal(size=(n, 4))).astype(np.float32), y


class StepCounter(Callback):
    def __init__(self) -> None:
        self.steps: list[tuple[int, int]] = []

    def on_step_end(self, trainer: Trainer, epoch: int, step: int, loss: float) -> None:
        self.steps.append((epoch, step))


def test_steps_per_epoch_is_ceil_n_over_batch_size() -> None:
    X, y = blobs(101)
    counter = StepCounter()
    Trainer(linear(4, 3, seed=0), epochs=2, batch_size=25, callbacks=[counter]).fit(X, y)
    assert len(counter.steps) == 2 * math.ceil(101 / 25)
    assert counter.steps[-1] == (2, 4)


def test_training_learns_and_records_history(tmp_path: Path) -> None:
    X, y = blobs()
    trainer = Trainer(mlp(4, 3, (16,), seed=0), regularizer=L2(1e-3), lr=1e-2, epochs=15)
    history = trainer.fit(X[:200], y[:200], X[200:], y[200:])
    assert len(history) == 15 and trainer.epoch_ == 15
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["val_accuracy"][-1] > 0.95
    assert all(r > 0 for r in history["reg_loss"])  # data and regularization loss kept apart
    history.to_csv(tmp_path / "h.csv")
    again = History.from_csv(tmp_path / "h.csv")
    assert again["val_loss"] == pytest.approx(history["val_loss"])
    assert (tmp_path / "h.csv").read_text().splitlines()[0].startswith("epoch,lr,train_loss")


def test_train_step_folds_l2_into_the_update_and_applies_l1_as_a_prox() -> None:
    """train_step gives the parameters of the textbook sequence — backward, add the L2
    gradient, the optimizer's update, then L1's soft-threshold — and leaves the data gradient
    in p.grad; a penalty with neither form (weight_decay() None) goes through add_grad."""
    from neuralab import backend as B
    from neuralab.losses import get_loss, one_hot
    from neuralab.optim import Adam
    from neuralab.regularizers import L1, ElasticNet, Regularizer
    from neuralab.train import train_step

    class Quartic(Regularizer):  # R = λ·ΣW⁴: its gradient 4λW³ is no multiple of W
        lam = 0.05

        def _penalty(self, w):
            return self.lam * float((w**4).sum())

        def _add_grad(self, grad, w):
            return grad + 4 * self.lam * w**3

    X, y = blobs(32)
    X64 = X.astype(np.float64)
    target = one_hot(y, 3, X64)
    loss_fn = get_loss("softmax", step=True)
    for reg in (L2(0.05), L1(0.05), ElasticNet(0.05, 0.5), Quartic()):
        folded = mlp(4, 3, (8,), seed=1).to("numpy", dtype="float64")
        manual = mlp(4, 3, (8,), seed=1).to("numpy", dtype="float64")
        opt_f, opt_m = Adam(folded.params(), lr=0.1), Adam(manual.params(), lr=0.1)
        for _ in range(3):
            train_step(folded, loss_fn, reg, opt_f, X64, target)
            scores = manual.forward(X64)
            manual.backward(loss_fn(scores, target)[1], need_dx=False)
            data_grads = [B.copy(p.grad) for p in manual.params()]
            if isinstance(reg, Quartic):
                reg.add_grad(manual.params())
            else:  # the smooth part's gradient c·W, then the update, then the prox
                for p in manual.params():
                    if p.decay:
                        p.grad = p.grad + reg.weight_decay() * p.value
            opt_m.step()
            for i, p in enumerate(manual.params()):
                if p.decay and reg.l1_strength():
                    v_hat = opt_m.state["v"][i] / (1 - opt_m.beta2**opt_m.t)
                    tau = opt_m.lr / (np.sqrt(v_hat) + opt_m.eps) * reg.l1_strength()
                    p.value = np.sign(p.value) * np.maximum(np.abs(p.value) - tau, 0.0)
        for (name, a), b in zip(folded.state_dict().items(), manual.state_dict().values(),
                                strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=name)
        grads = [p.grad for p in manual.params()] if isinstance(reg, Quartic) else data_grads
        for p, g in zip(folded.params(), grads, strict=True):
            np.testing.assert_allclose(p.grad, g, rtol=1e-12, atol=1e-14)
        if reg.l1_strength():  # the prox made exact zeros
            assert any((p.value == 0).any() for p in folded.params() if p.decay)


def test_reshuffles_every_epoch_from_the_seed() -> None:
    X, y = blobs(64)

    class Batches(Callback):
        def __init__(self) -> None:
            self.first: list[float] = []

        def on_step_end(self, trainer: Trainer, epoch: int, step: int, loss: float) -> None:
            if step == 0:
                self.first.append(loss)

    runs = []
    for seed in (0, 0, 1):
        cb = Batches()
        Trainer(linear(4, 3, seed=0), epochs=3, batch_size=8, seed=seed, lr=1e-9,
                callbacks=[cb]).fit(X, y)
        runs.append(cb.first)
    assert runs[0] == runs[1]  # same seed, same batches
    assert runs[0] != runs[2]  # another seed, other batches
    assert len(set(runs[0])) == 3  # a different first batch in each epoch


@pytest.mark.filterwarnings("error::RuntimeWarning")  # no numpy overflow warning before it
def test_divergence_names_epoch_step_and_suggests_a_lower_lr() -> None:
    X, y = blobs()
    X *= 1e3
    trainer = Trainer(mlp(4, 3, (32,), seed=0), optimizer="sgd", lr=10.0, epochs=50)
    with pytest.raises(TrainingDiverged, match=r"epoch \d+, step \d+.*lower learning rate"):
        trainer.fit(X, y)


def test_schedule_sets_the_learning_rate_per_epoch() -> None:
    X, y = blobs(50)
    trainer = Trainer(linear(4, 3, seed=0), lr=0.1, schedule=StepDecay(0.1, 2, 0.5), epochs=5)
    history = trainer.fit(X, y)
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025])


def test_early_stopping_stops_and_restores_the_best_weights() -> None:
    X, y = blobs()
    Xv, yv = blobs(60, seed=1)
    yv = (yv + 1) % 3  # a validation set that gets worse as training improves
    stopper = EarlyStopping(patience=2)
    trainer = Trainer(mlp(4, 3, (8,), seed=0), lr=1e-2, epochs=100, callbacks=[stopper])
    trainer.fit(X, y, Xv, yv)
    assert trainer.epoch_ < 100
    assert trainer.epoch_ == stopper.best_epoch_ + 2
    restored = trainer.evaluate(Xv, yv)["loss"]
    assert restored == pytest.approx(min(trainer.history_["val_loss"]), rel=1e-5)


def test_checkpoints_are_written_and_best_follows_the_monitor(tmp_path: Path) -> None:
    X, y = blobs()
    ckpt = Checkpoint(tmp_path / "ck")
    trainer = Trainer(mlp(4, 3, (8,), seed=0), lr=1e-2, epochs=3, callbacks=[ckpt])
    trainer.fit(X[:200], y[:200], X[200:], y[200:])
    assert ckpt.last_path.is_file() and ckpt.best_path.is_file()
    assert not list((tmp_path / "ck").glob("*.tmp"))  # temp files renamed away
    assert ckpt.best_ == min(trainer.history_["val_loss"])


def test_progress_bar_prints_epoch_lines() -> None:
    from rich.console import Console

    console = Console(record=True, width=120)
    X, y = blobs(60)
    Trainer(linear(4, 3, seed=0), epochs=2, callbacks=[ProgressBar(console=console)]).fit(X, y)
    text = console.export_text()
    assert "epoch   1" in text and "epoch   2" in text and "acc" in text


def test_bad_inputs_are_clear_errors() -> None:
    X, y = blobs(30)
    trainer = Trainer(linear(4, 3, seed=0), epochs=1)
    with pytest.raises(ValueError, match="y has 29 rows but X has 30"):
        trainer.fit(X, y[:-1])
    with pytest.raises(ValueError, match="y contains label 5"):
        trainer.fit(X, np.full(30, 5))
    with pytest.raises(ValueError, match="batch_size=0"):
        Trainer(linear(4, 3, seed=0), batch_size=0)
    with pytest.raises(ValueError, match="loss='hinge'"):
        Trainer(linear(4, 3, seed=0), loss="hinge")


def test_regression_with_mse() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (200, 2)).astype(np.float32)
    y = (X[:, 0] - 2 * X[:, 1]).astype(np.float32)
    trainer = Trainer(linear(2, 1, seed=0), loss="mse", lr=5e-2, epochs=40)
    history = trainer.fit(X, y)
    assert history["train_accuracy"][-1] is None
    assert trainer.evaluate(X, y)["loss"] < 1e-3


# --------------------------------------------------------------------------- kill and resume
SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import numpy as np
    from neuralab.callbacks import Checkpoint
    from neuralab.models import mlp
    from neuralab.regularizers import L2
    from neuralab.train import Callback, Trainer

    def data():
        rng = np.random.default_rng(0)
        y = np.arange(240) % 3
        X = (np.eye(3, 5)[y] * 2 + rng.normal(size=(240, 5))).astype(np.float32)
        return X, y

    def make(ckpt_dir, extra=()):
        model = mlp(5, 3, (16, 16), dropout=0.3, batchnorm=True, seed=4)
        return Trainer(model, regularizer=L2(1e-3), optimizer="adam", lr=1e-2, epochs=6,
                       batch_size=32, seed=9, callbacks=[Checkpoint(ckpt_dir), *extra])

    class Kill(Callback):
        def on_step_end(self, trainer, epoch, step, loss):
            if epoch == 4 and step == 3:  # mid-epoch, after the epoch-3 checkpoint
                os.kill(os.getpid(), signal.SIGKILL)

    if __name__ == "__main__":
        X, y = data()
        make(sys.argv[1], [Kill()]).fit(X, y)
""")


def test_killed_run_resumes_to_exactly_the_uninterrupted_parameters(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "ck")],
                          capture_output=True, text=True)
    assert proc.returncode == -9, proc.stderr  # really killed by SIGKILL

    sys.path.insert(0, str(tmp_path))
    try:
        import run as helper  # the same data and configuration as the killed process
    finally:
        sys.path.remove(str(tmp_path))
    X, y = helper.data()
    resumed = helper.make(tmp_path / "resumed")
    resumed.fit(X, y, resume=tmp_path / "ck" / "last.safetensors")
    assert resumed.history_["epoch"] == [1, 2, 3, 4, 5, 6]

    straight = helper.make(tmp_path / "straight")
    straight.fit(X, y)
    for name, value in straight.model.state_dict().items():
        np.testing.assert_array_equal(resumed.model.state_dict()[name], value, err_msg=name)


def test_a_last_batch_of_one_with_batch_norm_fails_before_training() -> None:
    X, y = blobs(65)
    trainer = Trainer(mlp(4, 3, (8,), batchnorm=True, seed=0), epochs=1, batch_size=32)
    with pytest.raises(ValueError, match="batch_size=32 leaves a last batch of 1"):
        trainer.fit(X, y)
    assert trainer.epoch_ == 0  # nothing was trained
    Trainer(mlp(4, 3, (8,), seed=0), epochs=1, batch_size=32).fit(X, y)  # fine without BN


def test_checkpoints_every_seconds_write_at_the_end_and_keep_the_best_epoch(
    tmp_path: Path,
) -> None:
    """With every_seconds longer than the run, nothing is written until training ends; then
    last holds the final state and best the best epoch's, as the per-epoch writes would."""
    from neuralab.io import read_arrays_file

    X, y = blobs()
    Xv, yv = blobs(60, seed=1)
    yv = (yv + 1) % 3  # validation gets worse as training improves: best is an early epoch

    seen: list[bool] = []

    class Look(Callback):
        def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict) -> None:
            seen.append((tmp_path / "ck" / "last.safetensors").exists())

    lazy = Checkpoint(tmp_path / "ck", every_seconds=3600)
    trainer = Trainer(mlp(4, 3, (8,), seed=0), lr=1e-2, epochs=6, callbacks=[lazy, Look()])
    trainer.fit(X, y, Xv, yv)
    eager = Checkpoint(tmp_path / "eager")
    Trainer(mlp(4, 3, (8,), seed=0), lr=1e-2, epochs=6, callbacks=[eager]).fit(X, y, Xv, yv)
    assert seen == [False] * 6
    for name in ("last.safetensors", "best.safetensors"):
        arrays, meta, _ = read_arrays_file(tmp_path / "ck" / name)
        want, want_meta, _ = read_arrays_file(tmp_path / "eager" / name)
        assert meta["checkpoint"]["epoch"] == want_meta["checkpoint"]["epoch"]
        timeless = [[{k: v for k, v in r.items() if k != "seconds"} for r in m["checkpoint"]
                     ["history"]] for m in (meta, want_meta)]
        assert timeless[0] == timeless[1]
        for key in want:
            np.testing.assert_array_equal(arrays[key], want[key], err_msg=f"{name} {key}")
    best_epoch = read_arrays_file(tmp_path / "ck" / "best.safetensors")[1]["checkpoint"]["epoch"]
    assert best_epoch < 6
    with pytest.raises(ValueError, match="every_seconds"):
        Checkpoint(tmp_path, every_seconds=-1)
