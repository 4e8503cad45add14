"""A 30-second tour of the engine: a 2-layer net learns the 3-class spiral (CS231n's toy set).

Run it with ``neuralab demo`` (or ``make run``). Every piece is the public API: a Sequential
model, the softmax loss, L2 regularization and Adam, trained by the
:class:`~neuralab.train.Trainer` — whose every minibatch step is
:func:`neuralab.train.train_step`, the one training step of the library (the playground and the
script it exports take the same step).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import backend as B
from .nn import Linear, ReLU, Sequential
from .optim import Adam
from .regularizers import L2
from .train import Callback, Trainer


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """K interleaved spiral arms in 2-D: X (K·n, 2) float32, y (K·n,) int64."""
    rng = B.make_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)  # radius grows along each arm
    k = np.repeat(np.arange(classes), n_per_class)
    theta = k * 2 * np.pi / classes + r * 4.0 + rng.normal(0.0, noise, r.size)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1).astype(np.float32)
    return x, k.astype(np.int64)


class _Report(Callback):
    """After epoch 1 and every 50th: the full loss (data loss in eval mode + R(W)) and the
    training accuracy."""

    def __init__(self, x: np.ndarray, y: np.ndarray, report: Callable[[str], None]) -> None:
        self.x, self.y, self.report = x, y, report

    def on_epoch_end(self, trainer: Trainer, epoch: int, record: dict[str, Any]) -> None:
        if epoch == 1 or epoch % 50 == 0:
            ev = trainer.evaluate(self.x, self.y)
            self.report(f"epoch {epoch:4d}   loss {ev['loss'] + record['reg_loss']:.4f}   "
                        f"train accuracy {ev['accuracy']:.3f}")


def run(
    epochs: int = 200, hidden: int = 100, lr: float = 1e-2, lam: float = 1e-4,
    batch_size: int = 64, seed: int = 0, report: Callable[[str], None] = print,
) -> float:
    """Train on the spiral and return the final training accuracy."""
    x, y = spiral(seed=seed)
    model = Sequential(Linear(2, hidden, rng=seed), ReLU(), Linear(hidden, 3, rng=seed + 1))
    trainer = Trainer(model, loss="softmax", regularizer=L2(lam),
                      optimizer=Adam(model.params(), lr=lr), epochs=epochs,
                      batch_size=batch_size, seed=seed,  # seed: the shuffle of each epoch
                      callbacks=[_Report(x, y, report)])
    trainer.fit(x, y)
    return trainer.evaluate(x, y)["accuracy"]
