"""Callbacks for :class:`~neuralab.train.Trainer`: progress bar, early stopping, checkpoints."""

from __future__ import annotations

import copy
import math
import time
from pathlib import Path
from typing import Any

from . import backend as B
from .checks import check_choice, check_int, check_number
from .train import Callback, Trainer

MONITORS = ("val_loss", "val_accuracy", "train_loss", "train_accuracy")


def _improved(value: float | None, best: float | None, mode: str, min_delta: float) -> bool:
    if value is None:
        return False
    if best is None:
        return True
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _mode(monitor: str) -> str:
    return "max" if monitor.endswith("accuracy") else "min"


class ProgressBar(Callback):
    """A rich progress bar over all steps: epoch, loss, samples/s and ETA; one summary line per
    epoch (printed to ``console``, a ``rich.console.Console``; stderr by default)."""

    def __init__(self, console: Any = None, epoch_lines: bool = True) -> None:
        self.console = console
        self.epoch_lines = epoch_lines

    def on_train_begin(self, trainer: Trainer) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._console = self.console or Console(stderr=True)
        self._progress = Progress(
            TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"), BarColumn(),
            MofNCompleteColumn(), TextColumn("loss {task.fields[loss]:.4f}"),
            TextColumn("{task.fields[speed]:,.0f} samples/s"), TimeRemainingColumn(),
            console=self._console, transient=True,
        )
        n_steps = math.ceil(trainer.n_train_ / trainer.batch_size)
        remaining = (trainer.epochs - trainer.epoch_) * n_steps
        self._task = self._progress.add_task(
            "train", total=remaining, epoch=trainer.epoch_ + 1, epochs=trainer.epochs,
            loss=float("nan"), speed=0.0,
        )
        self._t0, self._samples = time.perf_counter(), 0
        self._progress.start()

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self._progress.update(self._task, epoch=epoch)

    def on_step_end(self, trainer: Trainer, epoch: int, step: int, loss: float) -> None:
        self._samples += trainer.batch_size
        speed = self._samples / max(time.perf_counter() - self._t0, 1e-9)
        self._progress.update(self._task, advance=1, loss=loss, speed=speed)

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        if not self.epoch_lines:
            return
        parts = [f"epoch {epoch:>3}", f"loss {record['train_loss']:.4f}"]
        for key, label in (("train_accuracy", "acc"), ("val_loss", "val_loss"),
                           ("val_accuracy", "val_acc")):
            if record.get(key) is not None:
                parts.append(f"{label} {record[key]:.4f}")
        self._progress.console.print("  ".join(parts), highlight=False)

    def on_train_end(self, trainer: Trainer) -> None:
        self._progress.stop()


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``restore_best=True`` puts back the weights of the best epoch seen in this run.
    """

    def __init__(
        self, patience: int = 5, monitor: str = "val_loss", min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        self.patience = check_int("patience", patience, 1)
        self.monitor = check_choice("monitor", monitor, MONITORS)
        self.min_delta = min_delta
        self.restore_best = restore_best

    def on_train_begin(self, trainer: Trainer) -> None:
        # Rebuilt from the history, so a resumed run continues the same count.
        self.best_, self.wait_, self.best_epoch_, self._best_state = None, 0, 0, None
        for record in trainer.history_.records:
            self._observe(record)
        self.stopped_epoch_ = None

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        if record.get(self.monitor) is None:
            raise ValueError(f"EarlyStopping(monitor={self.monitor!r}): the history has no "
                             f"{self.monitor}; pass validation data to fit()")
        if self._observe(record) and self.restore_best:
            self._best_state = {k: B.copy(v) for k, v in trainer.model.state_dict().items()}
        if self.wait_ >= self.patience:
            trainer.stop_training = True
            self.stopped_epoch_ = epoch

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best and self._best_state is not None and self.stopped_epoch_:
            trainer.model.load_state_dict(self._best_state)

    def _observe(self, record: dict[str, Any]) -> bool:
        value = record.get(self.monitor)
        if _improved(value, self.best_, _mode(self.monitor), self.min_delta):
            self.best_, self.wait_, self.best_epoch_ = value, 0, int(record["epoch"])
            return True
        self.wait_ += 1
        return False


class Checkpoint(Callback):
    """Write ``last.safetensors`` (the full training state, for ``fit(resume=...)``) after
    every epoch, and ``best.safetensors`` whenever ``monitor`` improves. Both are written
    atomically: a crash mid-write leaves the previous file intact.

    Parameters
    ----------
    directory : str or Path
    monitor : {"val_loss", "val_accuracy", "train_loss", "train_accuracy"}
        Without validation data the ``val_`` monitors fall back to their ``train_`` twins.
    every_seconds : float, default 0
        0: write after every epoch. s > 0: write at the end of an epoch only once s seconds
        have passed since the last write, and always when training ends. For runs of many
        short epochs, where two fsynced files per epoch are a good part of the time (50
        epochs of a linear classifier on digits: 0.3 s of training, 0.1–0.7 s of writes). A
        run killed between writes resumes from the last one, at most s seconds of training
        earlier; ``best.safetensors`` then holds the best epoch up to that write.
    """

    def __init__(self, directory: str | Path, monitor: str = "val_loss",
                 every_seconds: float = 0.0) -> None:
        self.directory = Path(directory)
        self.monitor = check_choice("monitor", monitor, MONITORS)
        self.every_seconds = check_number("every_seconds", every_seconds, 0.0)

    @property
    def last_path(self) -> Path:
        return self.directory / "last.safetensors"

    @property
    def best_path(self) -> Path:
        return self.directory / "best.safetensors"

    def on_train_begin(self, trainer: Trainer) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.best_ = None
        for record in trainer.history_.records:
            self._observe(record)
        self._written = time.monotonic()
        self._unsaved = False  # epochs ended since the last write
        self._best_state: tuple[dict[str, Any], dict[str, Any]] | None = None  # not yet written

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        improved = self._observe(record)
        if time.monotonic() - self._written >= self.every_seconds:
            if improved:
                self._best_state = None  # superseded by this epoch's, written now
                trainer.save_checkpoint(self.best_path)
            self._write(trainer)
            return
        self._unsaved = True
        if improved:  # keep a copy: the weights move on before the next write
            arrays, meta = trainer.state_dict()
            self._best_state = ({k: B.copy(v) for k, v in arrays.items()},
                                copy.deepcopy(meta))

    def on_train_end(self, trainer: Trainer) -> None:
        if self._unsaved:
            self._write(trainer)

    def _write(self, trainer: Trainer) -> None:
        """``last`` now, and the best epoch's state kept since the last write, if any."""
        from .io import write_arrays

        if self._best_state is not None:
            arrays, meta = self._best_state
            write_arrays(self.best_path, arrays, {"checkpoint": meta})
            self._best_state = None
        trainer.save_checkpoint(self.last_path)
        self._written, self._unsaved = time.monotonic(), False

    def _observe(self, record: dict[str, Any]) -> bool:
        value = record.get(self.monitor)
        if value is None and self.monitor.startswith("val_"):  # no validation data: use train
            value = record.get(self.monitor.replace("val_", "train_"))
        if _improved(value, self.best_, _mode(self.monitor), 0.0):
            self.best_ = value
            return True
        return False
