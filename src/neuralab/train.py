"""The training loop: minibatch SGD-family training with a History, callbacks and checkpoints.

One epoch is ``steps_per_epoch = ceil(N / batch_size)`` steps over a fresh permutation of the
training set. The permutation is a pure function of ``(seed, epoch)`` and every other source of
randomness (dropout masks) is saved in checkpoints, so a run killed at any point and resumed
from its last checkpoint ends with exactly the parameters of an uninterrupted run.

Each step (:func:`train_step`)::

    scores = model.forward(x)                       # (N, C)
    data_loss, dscores = loss(scores, target)       # mean over the batch
    model.backward(dscores)                         # fills every p.grad
    optimizer.step(weight_decay=c, l1=λ)            # L2 part: c·W folded into the update;
                                                    # L1 part: soft-threshold after it

R(W) itself is not needed for the update: it is computed once per epoch, for the History.

The same loop trains on any backend. ``Trainer(device="cuda")`` moves the model to the GPU; the
data goes there once per ``fit``, each epoch's order once per epoch, and batches are gathered,
dropout masks drawn and metrics summed on the device. Reading a value back to the host makes the
CPU wait for the GPU, so on a GPU the step losses are read in groups of ``sync_every`` steps
(step callbacks then run in groups too); on the CPU they are read after every step.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import backend as B
from .backend import Array
from .checks import check_int
from .losses import NonFiniteScores, get_loss, one_hot
from .nn import BatchNorm, Sequential
from .optim import Optimizer, Schedule, get_optimizer
from .regularizers import NoReg, Regularizer

SYNC_STEPS = 32  # on a GPU: default steps between reads of the losses
GATHER_ELEMENTS = 1 << 18  # entries of X gathered at once: 1 MB of float32, still in cache

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
    device : {"cpu", "cuda", "cuda:N"}, optional
        Where to train; the model is moved there (in place). None: where the model already is.
    backend : {"numpy", "torch", "cupy", "array_api_strict"}, optional
        The array library: on ``cpu`` numpy by default (or torch CPU tensors), on ``cuda`` torch
        by default (or CuPy). See :func:`neuralab.backend.resolve_backend`.
    sync_every : int, optional
        Read the step losses back every this many steps: check them (a NaN raises
        :class:`TrainingDiverged` naming its step), add them up and pass them to the step
        callbacks. 1 also stops on non-finite scores before the loss. None: 1 on the CPU,
        ``SYNC_STEPS`` on a GPU (where each read stalls the device).
    transform : callable, optional
        ``transform(xb, epoch, step) -> xb``, applied to each training minibatch (N, D) before
        its step, on the model's backend: data augmentation (``data.augment.Augmenter``,
        which ``experiment`` passes for ``augment``). It must be a pure function of its
        arguments (seeded by epoch and step), so that a resumed run stays bit-identical.
        Validation and evaluation see X unchanged.

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
        callbacks: Sequence[Callback] = (), device: str | None = None,
        backend: str | None = None, sync_every: int | None = None,
        transform: Callable[[Array, int, int], Array] | None = None,
    ) -> None:
        target = B.resolve_backend(device, backend)
        if target is not None:
            B.get_backend(target)  # a missing library or GPU fails here, with what to install
            model.to(target)
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
        self.device = device
        self.backend = backend
        self.sync_every = sync_every
        self.transform = transform
        self._step_loss = get_loss(loss, step=True)
        self.regularizer_ = regularizer or NoReg()
        self.optimizer_ = (optimizer if isinstance(optimizer, Optimizer)
                           else get_optimizer(optimizer, model.params(), lr))
        self.schedule_ = schedule or Schedule(self.optimizer_.lr)
        check_int("epochs", epochs, 1)
        check_int("batch_size", batch_size, 1)
        if sync_every is not None:
            check_int("sync_every", sync_every, 1)
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
        self._check_last_batch(n)
        # The loss's target for every example, made once on the model's device: one-hot rows
        # for the classification losses (labels validated here, not at every step), y for mse.
        target = one_hot(y, self._n_outputs(), X) if self.classification else y
        sync_every = self.sync_every or (1 if B.on_host(X) else SYNC_STEPS)
        eager = sync_every == 1
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
            if not B.is_numpy(X):
                order = B.asarray(order, like=X)  # to the device once per epoch
            tally = _EpochTally(self, epoch)
            rows = (X, target, y) if self.classification else (X, target)
            for step, (xb, tb, *yb) in enumerate(self._batches(rows, order)):
                if self.transform is not None:
                    xb = self.transform(xb, epoch, step)
                loss, scores = self.step(xb, tb, check_finite=eager, epoch=epoch, index=step)
                tally.add(step, loss, xb.shape[0],
                          B.count_hits(scores, yb[0]) if yb else None)
                if len(tally.pending) == sync_every:
                    tally.flush()
            tally.flush()
            record: dict[str, Any] = {
                "epoch": epoch, "lr": self.optimizer_.lr, "train_loss": tally.loss_sum / n,
                "reg_loss": self.regularizer_.penalty(self.model.params()),
                "train_accuracy": tally.correct() / n if self.classification else None,
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

    def step(
        self, xb: Array, target: Array, *, check_finite: bool = True, epoch: int = 0,
        index: int = 0,
    ) -> tuple[Array, Array]:
        """One training step on a batch (see :func:`train_step`); returns (loss as a 0-d array,
        scores). ``check_finite`` stops at once on non-finite scores (cheap on the host). A
        non-finite loss is found in any case (see ``_EpochTally``), so numpy's overflow warnings
        on the way there are off: ``TrainingDiverged`` reports it."""
        try:
            with B.checked_overflow():
                return train_step(self.model, self._step_loss, self.regularizer_,
                                  self.optimizer_, xb, target, check_finite=check_finite)
        except NonFiniteScores:
            raise TrainingDiverged(epoch, index, self.optimizer_.lr) from None

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
        dropout generator states, history) — everything :meth:`fit` needs to resume. The
        model's arrays (``model/...``) are in the weight files' layout, PyTorch's
        (:func:`neuralab.io.torch_state_dict`); the optimizer's slots keep the Params' shapes."""
        from .io import torch_state_dict

        arrays = {f"model/{k}": v for k, v in torch_state_dict(self.model).items()}
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

    def load_state_dict(self, arrays: dict[str, Array], meta: dict[str, Any],
                        version: str | None = None) -> None:
        """Resume from :meth:`state_dict`'s arrays and metadata; ``version`` is the format of
        the file they were read from (``"1"``: the model's arrays in neuralab's own layout;
        default: the current format)."""
        from .io import FORMAT_VERSION, file_state

        model_arrays = {k.removeprefix("model/"): v for k, v in arrays.items()
                        if k.startswith("model/")}
        self.model.load_state_dict(file_state(self.model, model_arrays, version or FORMAT_VERSION))
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
        from .io import read_arrays_file

        arrays, meta, version = read_arrays_file(path)
        if "checkpoint" not in meta:
            raise ValueError(f"resume={str(path)!r} is not a neuralab training checkpoint")
        self.load_state_dict(arrays, meta["checkpoint"], version)

    # -- helpers -----------------------------------------------------------------------------
    def _batches(self, arrays: tuple[Array, ...], order: Array) -> Iterator[tuple[Array, ...]]:
        """Each step's rows of ``arrays`` (X, the targets, y: N rows each) in ``order``.

        A block of whole batches (about ``GATHER_ELEMENTS`` entries of X, at least one batch)
        is gathered at once and each batch is a slice of it: one gather per array and block
        instead of one per array and step — a small model's step gathered its x, target and y
        rows in three calls of ~2 µs. The block stays cache-sized: an MNIST batch is a block of
        its own, gathered just before its step as before (8 MB blocks made a 784-256-10 fit 2 %
        slower). The batches are the same rows in the same order either way.
        """
        n, batch = order.shape[0], self.batch_size
        block = max(1, GATHER_ELEMENTS // (batch * arrays[0].shape[1])) * batch
        for start in range(0, n, block):
            # stops clipped to the length: the array API leaves out-of-bounds stops undefined
            parts = [B.take_rows(a, order[start : min(start + block, n)]) for a in arrays]
            m = parts[0].shape[0]
            for lo in range(0, m, batch):
                yield tuple(p[lo : min(lo + batch, m), ...] for p in parts)

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

    def _n_outputs(self) -> int:
        """C: the width of the model's last Linear layer."""
        return next(layer.out_features for layer in reversed(self.model.layers)
                    if hasattr(layer, "out_features"))

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


def train_step(
    model: Sequential, loss_fn: Any, regularizer: Regularizer, optimizer: Optimizer, xb: Array,
    target: Array, *, check_finite: bool = False,
) -> tuple[Array, Array]:
    """One step of minibatch training: forward, loss, backward, regularizer, update.

    The one training step of the project: :class:`Trainer`, the playground's session, the
    script it exports and ``neuralab demo`` all call it.

    xb (N, D) and target (N, C) live on the model's backend; ``loss_fn`` is a training-step
    loss (``losses.get_loss(name, step=True)``: one-hot targets for the classification
    losses). Returns the batch's mean data loss as a 0-d array (not read back to the host) and
    the scores (N, C).

    The regularizer's smooth part (L2: gradient c·W) is applied by the optimizer as weight
    decay c, inside its update; ``p.grad`` holds the data gradient alone. Its L1 part is the
    optimizer's proximal step after the update (:meth:`Optimizer.step`). A regularizer with
    neither form adds its gradient to ``p.grad`` first.
    """
    scores = model.forward(xb)
    if check_finite and not B.all_finite(scores):
        raise NonFiniteScores("scores contain NaN or inf")
    loss, dscores = loss_fn(scores, target)
    model.backward(dscores, need_dx=False)
    decay = regularizer.weight_decay()
    if decay is None:
        regularizer.add_grad(optimizer.params)  # the optimizer's list: no per-step model walk
        decay = 0.0
    optimizer.step(weight_decay=decay, l1=regularizer.l1_strength())
    return loss, scores


class _EpochTally:
    """An epoch's running loss and accuracy. Step losses wait on the device in ``pending``
    until :meth:`flush` reads them back together: then each is checked (a non-finite loss
    raises :class:`TrainingDiverged` naming its step) and handed to the step callbacks."""

    def __init__(self, trainer: Trainer, epoch: int) -> None:
        self.trainer, self.epoch = trainer, epoch
        self.pending: list[tuple[int, Array, int]] = []  # (step, loss, batch size)
        self.loss_sum = 0.0
        self._hits: Array | None = None  # correct predictions so far, summed on the device

    def add(self, step: int, loss: Array, size: int, hits: Array | None) -> None:
        self.pending.append((step, loss, size))
        if hits is not None:
            self._hits = hits if self._hits is None else self._hits + hits

    def flush(self) -> None:
        if not self.pending:
            return
        values = B.to_floats([loss for _, loss, _ in self.pending])
        trainer = self.trainer
        for (step, _, size), value in zip(self.pending, values, strict=True):
            if not math.isfinite(value):
                raise TrainingDiverged(self.epoch, step, trainer.optimizer_.lr)
            self.loss_sum += value * size
            for cb in trainer.callbacks:
                cb.on_step_end(trainer, self.epoch, step, value)
        self.pending.clear()

    def correct(self) -> float:
        return 0.0 if self._hits is None else B.to_float(self._hits)


def predict_scores(model: Sequential, X: Array, batch_size: int = 2048) -> Array:
    """Scores (N, C) of ``model`` in eval mode, in batches of ``batch_size`` rows; the model's
    train/eval mode is restored afterwards. X must be on the model's backend."""
    was_training = model.training
    model.eval()
    try:
        n = X.shape[0]
        # every axis indexed and the stop clipped: the array API defines nothing else
        chunks = [model.forward(X[i : min(i + batch_size, n), ...])
                  for i in range(0, n, batch_size)]
        return B.namespace(X).concat(chunks, axis=0)
    finally:
        model.train(was_training)


def evaluate(model: Sequential, loss: str, X: Array, y: Array) -> dict[str, float | None]:
    """Mean data loss and (for classification losses) accuracy of ``model`` on (X, y)."""
    scores = predict_scores(model, X)
    value, _ = get_loss(loss)(scores, y)
    acc = B.to_float(B.count_hits(scores, y)) / X.shape[0] if loss != "mse" else None
    return {"loss": value, "accuracy": acc}
