"""Accuracy on real data with fixed seeds: scikit-learn's 8×8 digits (the issue's thresholds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neuralab.config import TrainConfig
from neuralab.experiment import run


@pytest.mark.parametrize(
    ("overrides", "threshold"),
    [
        ({"model": {"kind": "linear"}, "loss": "softmax", "lr": 1e-2}, 0.95),
        ({"model": {"kind": "linear"}, "loss": "svm", "lr": 1e-2}, 0.94),
        ({"model": {"kind": "mlp", "hidden": [100]}, "loss": "softmax"}, 0.97),
    ],
    ids=["softmax", "svm", "mlp"],
)
def test_digits_test_accuracy(overrides: dict, threshold: float, tmp_path: Path) -> None:
    config = TrainConfig.parse({"data": "digits", "epochs": 50, "seed": 0, **overrides})
    result = run(config, tmp_path, progress=False)
    assert result.metrics["test_accuracy"] >= threshold, result.metrics
