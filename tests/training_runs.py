"""One small, fully featured training run that tests repeat on several backends and devices.

The run uses everything that could differ between backends: dropout (masks from a generator),
batch norm (running statistics), an L2 penalty, momentum (optimizer state), a validation set and
per-epoch checkpoints. ``fit_run`` returns plain numpy arrays and floats, so runs on different
backends compare directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from neuralab import backend as B
from neuralab.callbacks import Checkpoint
from neuralab.models import mlp
from neuralab.regularizers import L2
from neuralab.train import Trainer


def data(n: int = 240, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three noisy classes in 6-D (float32 features, int64 labels)."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = np.eye(3, 6)[y] * 2.0 + rng.normal(size=(n, 6))
    return X.astype(np.float32), y


def make_trainer(
    epochs: int, ckpt_dir: Path | None = None, *, dropout: float = 0.2, lr: float = 0.05,
    **device: Any,
) -> Trainer:
    """The run's Trainer; ``device`` holds ``device=``/``backend=``/``sync_every=``."""
    model = mlp(6, 3, (16, 16), dropout=dropout, batchnorm=True, seed=3)
    callbacks = [Checkpoint(ckpt_dir)] if ckpt_dir is not None else []
    return Trainer(model, regularizer=L2(1e-3), optimizer="momentum", lr=lr, epochs=epochs,
                   batch_size=32, seed=7, callbacks=callbacks, **device)


def fit_run(
    epochs: int, ckpt_dir: Path | None = None, resume: Path | None = None, **kwargs: Any,
) -> tuple[dict[str, np.ndarray], list[dict[str, Any]]]:
    """Train (or resume) and return (final state as numpy arrays, history records)."""
    X, y = data()
    trainer = make_trainer(epochs, ckpt_dir, **kwargs)
    history = trainer.fit(X[:192], y[:192], X[192:], y[192:], resume=resume)
    state = {k: B.to_numpy(v) for k, v in trainer.model.state_dict().items()}
    return state, history.records


def assert_runs_close(a: tuple[dict, list], b: tuple[dict, list], rtol: float) -> None:
    """Same parameters and the same learning curves, to ``rtol``."""
    (state_a, hist_a), (state_b, hist_b) = a, b
    assert state_a.keys() == state_b.keys()
    for name in state_a:
        np.testing.assert_allclose(state_b[name], state_a[name], rtol=rtol, atol=rtol,
                                   err_msg=name)
    assert len(hist_a) == len(hist_b)
    for ra, rb in zip(hist_a, hist_b, strict=True):
        for key in ("train_loss", "reg_loss", "train_accuracy", "val_loss", "val_accuracy"):
            assert isinstance(rb[key], float), key  # metrics come back as Python floats
            np.testing.assert_allclose(rb[key], ra[key], rtol=rtol, atol=rtol, err_msg=key)
