"""Data losses: ``loss(scores, y) -> (loss, dscores)``, averaged over the batch.

scores: (N, C) class scores ``f(x, W)``; y: (N,) integer labels in [0, C). ``loss`` is a
Python float and ``dscores`` (N, C) its gradient, on the scores' backend.

* ``softmax_cross_entropy``: Lᵢ = −log(e^{s_yᵢ} / Σⱼ e^{sⱼ}).
* ``multiclass_hinge`` (multiclass SVM, Weston & Watkins 1999): Lᵢ = Σ_{j≠yᵢ} max(0, sⱼ − s_yᵢ + Δ).
* ``mse`` (regression): mean over all N·C entries of (ŷ − y)², as ``torch.nn.MSELoss``.

:func:`example_losses` gives each example's Lᵢ, the terms of those means.
"""

from __future__ import annotations

from collections.abc import Callable

from . import backend as B
from .backend import Array
from .checks import check_choice
from .config import LOSSES, check_range

LossFn = Callable[..., tuple[float, Array]]


class NonFiniteScores(ValueError):
    """Scores hold NaN or inf: the model diverged (the Trainer turns this into
    :class:`~neuralab.train.TrainingDiverged`)."""


def _check_scores(scores: Array, name: str = "scores") -> None:
    if scores.ndim != 2:
        raise ValueError(f"{name} must have shape (N, C), got shape {tuple(scores.shape)}")
    if scores.shape[0] == 0:
        raise ValueError(f"{name} is empty (N = 0); a loss needs at least one example")
    if not B.all_finite(scores):
        raise NonFiniteScores(
            f"{name} contain NaN or inf; the model has diverged (try a lower learning rate)"
        )


def one_hot(y: Array, n_classes: int, like: Array) -> Array:
    """Integer labels y (N,) in [0, C) as a one-hot (N, C) matrix with ``like``'s dtype and
    device; a clear ``ValueError`` for anything else."""
    xp = B.namespace(like)
    if y.ndim != 1:
        raise ValueError(f"y must be a 1-D array of class labels, got shape {tuple(y.shape)}")
    if not xp.isdtype(y.dtype, "integral"):
        raise ValueError(f"y must hold integer class labels, got dtype {y.dtype}")
    if y.shape[0]:
        lo, hi = int(xp.min(y)), int(xp.max(y))
        if lo < 0 or hi >= n_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(f"y contains label {bad}, outside the {n_classes} classes "
                             f"[0, {n_classes - 1}]")
    classes = xp.arange(n_classes, device=B.device(like), dtype=y.dtype)
    return xp.astype(y[:, None] == classes[None, :], like.dtype)


def _one_hot(scores: Array, y: Array) -> Array:
    """Validate labels y (N,) against scores (N, C) and return the one-hot (N, C) matrix."""
    n, c = scores.shape
    if y.ndim != 1 or y.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) to match scores {tuple(scores.shape)}, "
                         f"got shape {tuple(y.shape)}")
    return one_hot(y, c, scores)


def softmax(scores: Array) -> Array:
    """Row-wise softmax, (N, C) -> (N, C): the exp of :func:`neuralab.backend.log_softmax`,
    which shifts by the row max so that it never overflows."""
    return B.namespace(scores).exp(B.log_softmax(scores))


def softmax_cross_entropy(scores: Array, y: Array) -> tuple[float, Array]:
    """Mean softmax (cross-entropy) loss and its gradient ``(softmax − onehot(y)) / N``.

    Computed by :func:`neuralab.backend.softmax_xent` (the kernel of the training step too)
    with ``precise=True``: subtracting the row max keeps exp from overflowing at scores of
    ±1e4, and a confident correct prediction keeps its tiny loss (e.g. 3.4e-48 for scores
    [10, −100, −100], as log1p of the other classes' probabilities) instead of rounding
    log(1 + 3.4e-48) to exactly 0.
    """
    _check_scores(scores)
    loss, dscores = B.softmax_xent(scores, _one_hot(scores, y), precise=True)
    return B.to_float(loss), dscores


def multiclass_hinge(scores: Array, y: Array, delta: float = 1.0) -> tuple[float, Array]:
    """Mean multiclass SVM loss (Weston–Watkins) with margin Δ, and its (sub)gradient.

    Lᵢ = Σ_{j≠yᵢ} max(0, sⱼ − s_yᵢ + Δ). Each violated margin adds +1 to dsⱼ and −1 to ds_yᵢ
    (subgradient 0 exactly at the hinge), all divided by N.
    """
    check_range("delta", delta)
    _check_scores(scores)
    loss, dscores = hinge_step(scores, _one_hot(scores, y), delta)
    return B.to_float(loss), dscores


def mse(pred: Array, target: Array) -> tuple[float, Array]:
    """Mean squared error over all entries: (1/(N·C)) Σ (ŷ − y)², gradient 2(ŷ − y)/(N·C).

    pred, target: (N, C) (or (N,), treated as C = 1).
    """
    if tuple(pred.shape) != tuple(target.shape):
        raise ValueError(f"target must have the shape of pred {tuple(pred.shape)}, "
                         f"got {tuple(target.shape)}")
    _check_scores(pred if pred.ndim == 2 else B.namespace(pred).reshape(pred, (-1, 1)), "pred")
    loss, dpred = mse_step(pred, target)
    return B.to_float(loss), dpred


# --------------------------------------------------------------------------- training-step forms
# ``*_step(scores, target) -> (loss, dscores)``: the same losses for the training loop, where the
# labels were validated once for the whole training set and arrive as a one-hot (N, C) target.
# They read nothing back to the host: ``loss`` stays a 0-d array on the scores' device, so a GPU
# never stalls waiting for the CPU to look at it (the Trainer reads losses in batches).


def softmax_step(scores: Array, onehot: Array) -> tuple[Array, Array]:
    """Softmax loss and gradient in few passes (:func:`neuralab.backend.softmax_xent`):
    L = −mean(log p_y) with p = softmax(s), dL/ds = (p − onehot) / N; scores and onehot (N, C).
    (The public :func:`softmax_cross_entropy` is the same kernel with ``precise=True``, for
    tiny losses; both give the same gradient.)"""
    return B.softmax_xent(scores, onehot)


def _hinge_terms(scores: Array, onehot: Array, delta: float) -> tuple[Array, Array]:
    """The margins sⱼ − s_y + Δ (0 at j = y) and where they are violated (1.0 / 0.0), both
    (N, C): Lᵢ is the row sum of their product."""
    xp = B.namespace(scores)
    s_y = xp.sum(scores * onehot, axis=1, keepdims=True)  # (N, 1)
    margins = (scores - s_y + delta) * (1.0 - onehot)  # the j = y term is excluded
    return margins, xp.astype(margins > 0, scores.dtype)


def hinge_step(scores: Array, onehot: Array, delta: float = 1.0) -> tuple[Array, Array]:
    """Weston–Watkins hinge loss and subgradient from a one-hot target (see multiclass_hinge)."""
    xp = B.namespace(scores)
    n = scores.shape[0]
    margins, active = _hinge_terms(scores, onehot, delta)
    loss = xp.sum(margins * active) / n
    dscores = (active - onehot * xp.sum(active, axis=1, keepdims=True)) / n
    return loss, dscores


def mse_step(pred: Array, target: Array) -> tuple[Array, Array]:
    """Mean squared error and its gradient, pred and target (N, C)."""
    xp = B.namespace(pred, target)
    diff = pred - target
    size = B.prod(tuple(diff.shape))
    return xp.sum(diff * diff) / size, (2.0 / size) * diff


REGISTRY: dict[str, LossFn] = {
    "softmax": softmax_cross_entropy, "svm": multiclass_hinge, "mse": mse,
}
assert tuple(REGISTRY) == LOSSES


STEP_REGISTRY: dict[str, LossFn] = {
    "softmax": softmax_step, "svm": hinge_step, "mse": mse_step,
}


def example_losses(name: str, scores: Array, y: Array, delta: float = 1.0) -> Array:
    """Each example's loss Lᵢ, (N,): the terms whose mean the loss ``name`` returns
    (``get_loss(name)(scores, y)[0]``, up to rounding).

    ``softmax``: −log softmax(s)_yᵢ (from :func:`neuralab.backend.log_softmax`, as
    :func:`softmax`); ``svm``: Σ_{j≠yᵢ} max(0, sⱼ − s_yᵢ + Δ) (the margins of
    :func:`hinge_step`); ``mse``: the row's mean (ŷ − y)² (``y`` the (N, C) targets).
    scores (N, C), y (N,) integer labels for the classification losses.
    """
    check_choice("loss", name, LOSSES)
    xp = B.namespace(scores)
    if name == "mse":
        if tuple(scores.shape) != tuple(y.shape):
            raise ValueError(f"target must have the shape of pred {tuple(scores.shape)}, "
                             f"got {tuple(y.shape)}")
        _check_scores(scores, "pred")
        diff = scores - y
        return xp.mean(diff * diff, axis=1)
    _check_scores(scores)
    onehot = _one_hot(scores, y)
    if name == "softmax":
        return -xp.sum(B.log_softmax(scores) * onehot, axis=1)
    check_range("delta", delta)
    margins, active = _hinge_terms(scores, onehot, delta)
    return xp.sum(margins * active, axis=1)


def get_loss(name: str, step: bool = False) -> LossFn:
    """A loss function by name: ``softmax``, ``svm`` or ``mse``; ``step=True`` gives its
    training-step form (one-hot target, loss left on the device)."""
    check_choice("loss", name, LOSSES)
    return (STEP_REGISTRY if step else REGISTRY)[name]
