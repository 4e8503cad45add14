"""A 30-second tour of the engine: a 2-layer net learns the 3-class spiral (CS231n's toy set).

Run it with ``neuralab demo`` (or ``make run``). Every piece is the public API: a Sequential
model, the softmax loss, L2 regularization and Adam, in a plain minibatch loop.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import backend as B
from .losses import softmax_cross_entropy
from .nn import Linear, ReLU, Sequential
from .optim import Adam
from .regularizers import L2


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """K interleaved spiral arms in 2-D: X (K·n, 2) float32, y (K·n,) int64."""
    rng = B.make_rng(seed)
    r = np.tile(np.linspace(0.0, 1.0, n_per_class), classes)  # radius grows along each arm
    k = np.repeat(np.arange(classes), n_per_class)
    theta = k * 2 * np.pi / classes + r * 4.0 + rng.normal(0.0, noise, r.size)
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1).astype(np.float32)
    return x, k.astype(np.int64)


def run(
    epochs: int = 200, hidden: int = 100, lr: float = 1e-2, lam: float = 1e-4,
    batch_size: int = 64, seed: int = 0, report: Callable[[str], None] = print,
) -> float:
    """Train on the spiral and return the final training accuracy."""
    x, y = spiral(seed=seed)
    model = Sequential(Linear(2, hidden, rng=seed), ReLU(), Linear(hidden, 3, rng=seed + 1))
    reg, opt = L2(lam), Adam(model.params(), lr=lr)
    rng = B.make_rng(seed)
    n = x.shape[0]
    for epoch in range(1, epochs + 1):
        order = rng.permutation(n)  # reshuffle every epoch
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            _, dscores = softmax_cross_entropy(model.forward(x[idx]), y[idx])
            model.backward(dscores, need_dx=False)
            reg.add_grad(model.params())
            opt.step()
        if epoch == 1 or epoch % 50 == 0:
            model.eval()
            scores = model.forward(x)
            model.train()
            loss = softmax_cross_entropy(scores, y)[0] + reg.penalty(model.params())
            acc = float((scores.argmax(axis=1) == y).mean())
            report(f"epoch {epoch:4d}   loss {loss:.4f}   train accuracy {acc:.3f}")
    return acc
