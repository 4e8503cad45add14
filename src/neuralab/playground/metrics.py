"""The metrics of a frame: losses and accuracies of both splits, the test confusion matrix
(classification), R² and RMSE on the test split (regression); ``None`` where undefined."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..losses import NonFiniteScores
from ..viz import confusion_matrix
from .frames import json_number
from .protocol import PlaygroundConfig

__all__ = ["frame_metrics", "split_loss"]

Split = tuple[np.ndarray, np.ndarray]  # (scores, targets)


def frame_metrics(config: PlaygroundConfig, loss_fn: Callable[..., Any], train: Split,
                  test: Split, losses: tuple[float | None, float | None] | None = None,
                  ) -> dict[str, Any]:
    """The frame header's metric fields, from the scores and targets of each split.

    ``losses``: the splits' :func:`split_loss` when the caller has them already (the session
    computed them for its history from the same scores); else they are computed here.
    """
    if losses is None:
        losses = (split_loss(loss_fn, *train), split_loss(loss_fn, *test))
    m: dict[str, Any] = {}
    for split, (s, y), loss in (("train", train, losses[0]), ("test", test, losses[1])):
        m[f"{split}_loss"] = loss
        m[f"{split}_accuracy"] = (
            json_number(np.mean(np.argmax(s, axis=1) == y)) if config.classification
            and len(y) else None)
    m["r2"] = m["rmse"] = m["confusion"] = None
    scores, y = test
    if not len(y):
        return m
    if config.classification:
        m["confusion"] = confusion_matrix(y, np.argmax(scores, axis=1), config.classes).tolist()
    else:
        resid = scores - y
        ss_res = float(np.sum(resid.astype(np.float64) ** 2))
        ss_tot = float(np.sum((y - y.mean()).astype(np.float64) ** 2))
        m["rmse"] = json_number(math.sqrt(ss_res / len(y))) if math.isfinite(ss_res) else None
        m["r2"] = json_number(1.0 - ss_res / ss_tot) if ss_tot > 0 and math.isfinite(ss_res) \
            else None
    return m


def split_loss(loss_fn: Callable[..., Any], scores: np.ndarray, y: np.ndarray) -> float | None:
    """The mean data loss of one split's scores (N, C) and targets (N,); None for no points or
    scores that are not finite."""
    if not len(y):
        return None
    try:
        return json_number(loss_fn(scores, y)[0])
    except NonFiniteScores:
        return None
