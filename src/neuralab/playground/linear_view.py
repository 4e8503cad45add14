"""The linear-classifier view: a network without hidden layers as CS231n's linear
classification demo shows it.

With ``hidden == []`` the network is one Linear layer, s = xW + b with W (D, C) and b (C,): a
linear classifier. For the training points the frame then carries each point's features, its
C scores, its true class and its loss Lᵢ under the configured loss (multiclass hinge or
softmax cross-entropy), and the objective split as the demo writes it: data loss + reg loss.
Everything comes from the library: the scores from the frame's own eval pass, Lᵢ from
:func:`neuralab.losses.example_losses`, the data loss from the loss function the frame's
``train_loss`` uses, the reg loss from the regularizer's :meth:`penalty
<neuralab.regularizers.Regularizer.penalty>` (what the Trainer reports as ``reg_loss``).

Only under the library's rules and for classification: TensorFlow Playground's network has one
tanh output unit trained on ½(o − t)², not C class scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..losses import NonFiniteScores, example_losses, get_loss
from ..nn import Param
from ..regularizers import Regularizer
from .frames import json_array, json_number
from .protocol import PlaygroundConfig

__all__ = ["MAX_ROWS", "linear_view"]

#: Training points sent per frame: the worst ones (largest Lᵢ) when there are more. Frames
#: come up to 30 times a second; 100 rows of 9 features and 5 scores are ~12 KB of JSON.
MAX_ROWS = 100


def linear_view(config: PlaygroundConfig, hidden_blocks: int, scores: np.ndarray,
                features: np.ndarray, y: np.ndarray, regularizer: Regularizer,
                params: list[Param]) -> dict[str, Any] | None:
    """The frame header's ``linear`` field, or None unless the network is a linear classifier
    (no hidden block, classification, the library's rules).

    Parameters
    ----------
    hidden_blocks : int
        The network's hidden layers (0 for a linear classifier).
    scores : ndarray (N, C)
        The training points' scores from the frame's eval pass: xW + b.
    features : ndarray (N, D)
        The training points' network inputs.
    y : ndarray (N,)
        Their classes (int).
    regularizer, params
        The session's regularizer and the network's parameters (its penalty is the reg loss).

    Returns
    -------
    dict
        ``n`` (N), ``loss`` (the loss's name), ``rows`` (indices into the training points,
        worst first, at most :data:`MAX_ROWS`), ``features``, ``scores``, ``labels``,
        ``losses`` (those rows'), ``data_loss`` (the mean Lᵢ over all N points, ``None``
        without points or for a diverged network), ``reg_loss``, ``total_loss``.
    """
    if hidden_blocks or config.tfp or not config.classification:
        return None
    n = scores.shape[0]
    losses: np.ndarray | None = None
    data_loss = None
    if n:
        try:
            losses = np.asarray(example_losses(config.loss, scores, y), dtype=np.float64)
            data_loss = json_number(get_loss(config.loss)(scores, y)[0])
        except NonFiniteScores:
            losses = None
    if losses is None:
        rows = np.arange(min(n, MAX_ROWS))
    else:  # worst first; ties keep the data's order
        rows = np.argsort(-losses, kind="stable")[:MAX_ROWS]
    reg_loss = json_number(regularizer.penalty(params))
    total = json_number(data_loss + reg_loss) if data_loss is not None and reg_loss is not None \
        else None
    return {
        "n": n, "loss": config.loss, "rows": rows.tolist(),
        "features": json_array(features[rows], 4),
        "scores": json_array(scores[rows]),
        "labels": y[rows].tolist(),
        "losses": json_array(losses[rows]) if losses is not None else [None] * len(rows),
        "data_loss": data_loss, "reg_loss": reg_loss, "total_loss": total,
    }
