"""The training loop: minibatch SGD-family training with a History, callbacks and checkpoints.

One epoch is ``steps_per_epoch = ceil(N / batch_size)`` steps over a fresh permutation of the
training set. The permutation is a pure function of ``(seed, epoch)`` and every other source of
randomness (dropout masks) is saved in checkpoints, so a run killed at any point and resumed
from its last checkpoint ends with exactly the parameters of an uninterrupted run.

Each step::

    scores = model.forward(x)                       # (N, C)
    data_loss, dscores = loss(scores, y)            # mean over the batch
    model.backward(dscores)                         # fills p.grad
    regularizer.add_grad(params)                    # + ∂R/∂W on weights
    optimizer.step()
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import backend as B
from .backend import Array
from .config import check_positive_int
from .losses import NonFiniteScores, get_loss
from .nn import BatchNorm, Sequential
from .optim import Optimizer, Schedule, get_optimizer
from .regularizers import NoReg, Regularizer

COLUMNS = ("epoch", "lr", "train_loss", "reg_loss", "train_accuracy", "val_loss",
           "val_accuracy", "seconds")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""

    def __init__(self, epoch: int, step: int, lr: float) -> None:
        self.epoch, self.step, self.lr = epoch, step, lr
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: the loss is NaN or infinite "
            f"(lr={lr:g}); try a lower learning rate, e.g. --lr {lr / 10:g}"
        )


@dataclass
class History:
    """One record per epoch (see ``COLUMNS``); ``None`` where a value does not apply
    (no validation data, or accuracy for a regression loss).

    ``train_loss`` / ``train_accuracy`` are the means over the epoch's minibatches (in train
    mode, as Keras reports them); ``reg_loss`` is R(W) at the end of the epoch.
    """

    records: list[dict[str, float | None]] = field(default_factory=list)

    def append(self, record: dict[str, float | None]) -> None:
        self.records.append({k: record.get(k) for k in COLUMNS})

    def __getitem__(self, column: str) -> list[float | None]:
        if column not in COLUMNS:
            raise KeyError(f"History has no column {column!r}; columns: {', '.join(COLUMNS)}")
        return [r[column] for r in self.records]

    def __len__(self) -> int:
        return len(self.records)

    @property
    def last(self) -> dict[str, float | None]:
        return self.records[-1] if self.records else {}

    def to_csv(self, path: str | Path | None = None) -> str:
        """The history as CSV text; written atomically to ``path`` when given."""
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in self.records:
            writer.writerow({k: "" if r[k] is None else r[k] for k in COLUMNS})
        text = buf.getvalue()
        if path is not None:
            from .io import atomic_write_text

            atomic_write_text(path, text)
        return text

    @classmethod
    def from_csv(cls, path: str | Path) -> History:
        with open(path, newline="") as fh:
            rows = list(csv.DictReader(fh))
        history = cls()
        for row in rows:
            history.append({k: (float(v) if v != "" else None) for k, v in row.items()})
        return history


class Callback:
    """Hooks into :meth:`Trainer.fit`; override what you need. Set ``trainer.stop_training``
    to end the run after the current epoch."""

    def on_train_begin(self, trainer: Trainer) -> None: ...
    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...
    def on_step_end(self, trainer: Trainer, epoch: int, step: int, loss: float) -> None: ...
    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None: ...
    def on_train_end(self, trainer: Trainer) -> None: ...


class Trainer:
    """Trains a model with a loss, a regularizer and an optimizer.

    Parameters
    ----------
    model : Sequential
    loss : {"softmax", "svm", "mse"}
    regularizer : Regularizer, optional
        Default: no regularization.
    optimizer : str or Optimizer
        A name (``sgd``, ``momentum``, ``nesterov``, ``rmsprop``, ``adam``), built with ``lr``,
        or an Optimizer already holding ``model.params()``.
    lr : float
        Learning rate (for a named optimizer and the default constant schedule).
    schedule : Schedule, optional
        Learning rate per epoch; the optimizer's lr is set from it before each epoch.
    epochs, batch_size, seed : int
        ``seed`` fixes the shuffling (weights and dropout come from the model's own seed).
    callbacks : sequence of Callback

    Attributes
    ----------
    history_ : History
    epoch_ : int
        Epochs completed.
    n_train_ : int
        Training examples seen by the last ``fit``.
    """

    def __init__(
        self, model: Sequential, loss: str = "softmax", regularizer: Regularizer | None = None,
        optimizer: str | Optimizer = "adam", lr: float = 1e-3, schedule: Schedule | None = None,
        epochs: int = 10, batch_size: int = 64, seed: int = 0,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.model = model
        self.loss = loss
        self.regularizer = regularizer
        self.optimizer = optimizer
        self.lr = lr
        self.schedule = schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.seed = seed
        self.callbacks = callbacks
        self._loss_fn = get_loss(loss)
        self.regularizer_ = regularizer or NoReg()
        self.optimizer_ = (optimizer if isinstance(optimizer, Optimizer)
                           else get_optimizer(optimizer, model.params(), lr))
        self.schedule_ = schedule or Schedule(self.optimizer_.lr)
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        self.history_ = History()
        self.epoch_ = 0
        self.stop_training = False

    # -- training ----------------------------------------------------------------------------
    def fit(
        self, X: Any, y: Any, X_val: Any = None, y_val: Any = None, *,
        resume: str | Path | None = None,
    ) -> History:
        """Train until ``epochs`` epochs are done (or a callback stops it); return the History.

        X: (N, D) features, y: (N,) integer labels (or (N,)/(N, C) targets for ``mse``).
        ``resume`` continues from a checkpoint written by :meth:`save_checkpoint` (or the
        :class:`~neuralab.callbacks.Checkpoint` callback).
        """
        X, y = self._to_model(X, y, "X", "y")
        has_val = X_val is not None
        if has_val:
            X_val, y_val = self._to_model(X_val, y_val, "X_val", "y_val")
        if resume is not None:
            self.load_checkpoint(resume)
        n = self.n_train_ = X.shape[0]
        steps = math.ceil(n / self.batch_size)
        self._check_last_batch(n)
        params = self.model.params()
        self.stop_training = False
        self.model.train()
        for cb in self.callbacks:
            cb.on_train_begin(self)
        while self.epoch_ < self.epochs and not self.stop_training:
            epoch = self.epoch_ + 1
            self.optimizer_.lr = self.schedule_(epoch - 1)
            for cb in self.callbacks:
                cb.on_epoch_begin(self, epoch)
            start = time.perf_counter()
            order = B.epoch_permutation(self.seed, epoch, n)
            loss_sum, correct = 0.0, 0.0
            for step in range(steps):
                idx = order[step * self.batch_size : (step + 1) * self.batch_size]
                xb, yb = B.take_rows(X, idx), B.take_rows(y, idx)
                scores = self.model.forward(xb)
                try:
                    data_loss, dscores = self._loss_fn(scores, yb)
                except NonFiniteScores:
                    raise TrainingDiverged(epoch, step, self.optimizer_.lr) from None
                if not math.isfinite(data_loss):
                    raise TrainingDiverged(epoch, step, self.optimizer_.lr)
                self.model.backward(dscores, need_dx=False)
                self.regularizer_.add_grad(params)
                self.optimizer_.step()
                loss_sum += data_loss * idx.shape[0]
                if self.classification:
                    correct += _count_correct(scores, yb)
                for cb in self.callbacks:
                    cb.on_step_end(self, epoch, step, data_loss)
            record: dict[str, Any] = {
                "epoch": epoch, "lr": self.optimizer_.lr, "train_loss": loss_sum / n,
                "reg_loss": self.regularizer_.penalty(params),
                "train_accuracy": correct / n if self.classification else None,
            }
            if has_val:
                val = self.evaluate(X_val, y_val)
                record["val_loss"], record["val_accuracy"] = val["loss"], val["accuracy"]
            record["seconds"] = time.perf_counter() - start
            self.epoch_ = epoch
            self.history_.append(record)
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, self.history_.last)
        for cb in self.callbacks:
            cb.on_train_end(self)
        return self.history_

    @property
    def classification(self) -> bool:
        return self.loss != "mse"

    # -- inference ---------------------------------------------------------------------------
    def predict_scores(self, X: Any) -> Array:
        """Scores (N, C) in eval mode (see :func:`predict_scores`)."""
        return predict_scores(self.model, self._to_model(X, None, "X", None)[0])

    def evaluate(self, X: Any, y: Any) -> dict[str, float | None]:
        """``{"loss": data loss, "accuracy": ...}`` on (X, y) in eval mode."""
        X, y = self._to_model(X, y, "X", "y")
        return evaluate(self.model, self.loss, X, y)

    # -- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> tuple[dict[str, Array], dict[str, Any]]:
        """Arrays (model state + optimizer slots) and JSON metadata (epoch, optimizer step,
        dropout generator states, history) — everything :meth:`fit` needs to resume."""
        arrays = {f"model/{k}": v for k, v in self.model.state_dict().items()}
        opt = self.optimizer_.state_dict()
        arrays.update({f"optim/{k}": v for k, v in opt["slots"].items()})
        meta = {
            "epoch": self.epoch_,
            "optimizer": {"t": opt["t"], "lr": opt["lr"]},
            "rng": {str(i): B.rng_state(layer.rng) for i, layer in enumerate(self.model)
                    if hasattr(layer, "rng")},
            "history": self.history_.records,
            "model": self.model.get_config(),
        }
        return arrays, meta

    def load_state_dict(self, arrays: dict[str, Array], meta: dict[str, Any]) -> None:
        self.model.load_state_dict(
            {k.removeprefix("model/"): v for k, v in arrays.items() if k.startswith("model/")})
        slots = {k.removeprefix("optim/"): v for k, v in arrays.items() if k.startswith("optim/")}
        self.optimizer_.load_state_dict({**meta["optimizer"], "slots": slots})
        for i, state in meta["rng"].items():
            B.set_rng_state(self.model[int(i)].rng, state)
        self.history_ = History()
        for record in meta["history"]:
            self.history_.append(record)
        self.epoch_ = int(meta["epoch"])

    def save_checkpoint(self, path: str | Path) -> Path:
        """Write the full training state atomically (temp file + rename)."""
        from .io import write_arrays

        arrays, meta = self.state_dict()
        return write_arrays(path, arrays, {"checkpoint": meta})

    def load_checkpoint(self, path: str | Path) -> None:
        from .io import read_arrays

        arrays, meta = read_arrays(path)
        if "checkpoint" not in meta:
            raise ValueError(f"resume={str(path)!r} is not a neuralab training checkpoint")
        self.load_state_dict(arrays, meta["checkpoint"])

    # -- helpers -----------------------------------------------------------------------------
    def _check_last_batch(self, n: int) -> None:
        """Fail before training, not mid-epoch, when the last batch would hold one example:
        batch norm cannot estimate a variance from a single example."""
        if n > 1 and n % self.batch_size == 1 and any(
            isinstance(layer, BatchNorm) for layer in self.model
        ):
            raise ValueError(
                f"batch_size={self.batch_size} leaves a last batch of 1 example out of N={n}, "
                f"which BatchNorm cannot normalize; choose a batch_size with N % batch_size != 1"
            )

    def _to_model(self, X: Any, y: Any, xname: str, yname: str | None) -> tuple[Array, Array]:
        """X (and y) moved to the model's backend; shapes checked against each other."""
        like = self.model.params()[0].value
        X = B.asarray(X, like=like)
        if X.ndim != 2:
            raise ValueError(f"{xname} must have shape (N, D), got shape {tuple(X.shape)}")
        if y is None:
            return X, None
        y = B.asarray(y, like=like)
        if y.shape[0] != X.shape[0]:
            raise ValueError(f"{yname} has {y.shape[0]} rows but {xname} has {X.shape[0]}")
        if not self.classification and y.ndim == 1:
            y = B.namespace(y).reshape(y, (-1, 1))  # regression targets as (N, 1)
        return X, y


def predict_scores(model: Sequential, X: Array, batch_size: int = 2048) -> Array:
    """Scores (N, C) of ``model`` in eval mode, in batches of ``batch_size`` rows; the model's
    train/eval mode is restored afterwards. X must be on the model's backend."""
    was_training = model.training
    model.eval()
    try:
        chunks = [model.forward(X[i : i + batch_size]) for i in range(0, X.shape[0], batch_size)]
        return B.namespace(X).concat(chunks, axis=0)
    finally:
        model.train(was_training)


def evaluate(model: Sequential, loss: str, X: Array, y: Array) -> dict[str, float | None]:
    """Mean data loss and (for classification losses) accuracy of ``model`` on (X, y)."""
    scores = predict_scores(model, X)
    value, _ = get_loss(loss)(scores, y)
    acc = _count_correct(scores, y) / X.shape[0] if loss != "mse" else None
    return {"loss": value, "accuracy": acc}


def _count_correct(scores: Array, y: Array) -> float:
    """How many rows of scores (N, C) have their argmax at the label y (N,)."""
    xp = B.namespace(scores)
    return float(xp.sum(xp.astype(xp.argmax(scores, axis=1) == y, xp.int64)))
