"""The softmax loss with its gradient in one call, and the reductions the trainer reads
(correct predictions, Σa²)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import Array, _is_cupy, namespace
from .cupy_kernels import _cupy_softmax_xent
from .ops import _const_row, log_softmax, row_max


def softmax_xent(scores: Array, onehot: Array, *, precise: bool = False) -> tuple[Array, Array]:
    """Mean softmax cross-entropy of scores (N, C) against one-hot targets (N, C), as a 0-d
    array, and its gradient ``(softmax(s) − onehot) / N``, (N, C).

    The library's one softmax cross-entropy: the training step
    (:func:`neuralab.losses.softmax_step`) and the public loss
    (:func:`neuralab.losses.softmax_cross_entropy`, ``precise=True``) both call it. Per
    backend, one kernel: numpy below, CuPy the CUDA kernel of :mod:`.cupy_kernels` (with
    ``precise=True`` the array-API one), every other namespace (torch, ``array_api_strict``)
    through :func:`log_softmax`.

    With z = s − max(s) per row (so exp never overflows) and S = Σⱼ e^{zⱼ}:
    L = mean(log S − z_y) and softmax(s) = e^z / S. On numpy that is 9 passes over small
    arrays, the gradient written over e^z; elsewhere log-softmax, then its exp (torch: one
    fused kernel each).

    ``precise=True`` keeps a tiny loss that log S − z_y rounds to 0 (see
    :func:`_precise_mean`); it costs a few more passes, which the training step does not pay.
    """
    n, c = scores.shape
    scale = 1.0 / n
    if isinstance(scores, np.ndarray) and isinstance(onehot, np.ndarray):
        z = scores - row_max(scores)[:, None]
        e = np.exp(z)
        ones = _const_row(1.0, c, e.dtype)
        total = np.matmul(e, ones)  # (N,) row sums (BLAS), each ≥ 1
        log_total = np.log(total)
        e /= total[:, None]
        if precise:
            loss = _precise_mean(log_total - np.matmul(z * onehot, ones), e, onehot, np)
        else:
            # Σ log S and Σ(−z_y) are both ≥ 0: no cancellation in their difference
            loss = (log_total.sum() - np.vdot(onehot, z)) * scale
        e -= onehot
        e *= scale
        return np.asarray(loss), e
    if _is_cupy(scores) and not precise:
        return _cupy_softmax_xent(scores, onehot, scale)
    xp = namespace(scores)
    log_p = log_softmax(scores)  # (N, C)
    p = xp.exp(log_p)
    if precise:
        loss = _precise_mean(-xp.sum(log_p * onehot, axis=1), p, onehot, xp)
    else:
        loss = xp.sum(log_p * onehot) * -scale
    return loss, (p - onehot) * scale


def _precise_mean(rows: Array, probs: Array, onehot: Array, xp: Any) -> Array:
    """The mean of the row losses ``rows`` = −log p_y, with the rows where p_y > ½ computed
    again as −log1p(−Σ_{j≠y} pⱼ).

    log S − z_y cannot go below the float's resolution at 1: for scores [10, −100, −100] and
    y = 0 it gives exactly 0 where the loss is log(1 + 2e^−110) ≈ 3.4e-48. The other classes'
    probabilities are each accurate to the last bits (e^{zⱼ} / S), so their sum q = 1 − p_y
    is too, and −log1p(−q) keeps the tiny loss. Where p_y ≤ ½, −log p_y ≥ log 2 is accurate
    as it is.
    """
    q = xp.sum(probs * (1.0 - onehot), axis=1)  # (N,) Σ over the classes other than y
    confident = q < 0.5
    tiny = -xp.log1p(-q * xp.astype(confident, q.dtype))  # no log1p(−1) for q ≥ ½
    return xp.sum(xp.where(confident, tiny, rows)) / rows.shape[0]


def count_hits(scores: Array, y: Array) -> Array:
    """How many rows of scores (N, C) have their argmax at the label y (N,): a 0-d array on
    the scores' device (a Python int on numpy), not read back to the host."""
    if isinstance(scores, np.ndarray):
        return np.count_nonzero(scores.argmax(axis=1) == y)
    xp = namespace(scores)
    return xp.sum(xp.astype(xp.argmax(scores, axis=1) == y, xp.int64))


def sumsq(a: Array) -> float:
    """Σ a² as a Python float (one BLAS dot product on numpy, no temporary)."""
    if isinstance(a, np.ndarray):
        flat = a.reshape(-1)
        return float(np.dot(flat, flat))
    xp = namespace(a)
    return float(xp.sum(a * a))
