"""Array operations with an optional ``out=``, and the buffers the layers reuse.

On numpy each op writes into ``out`` (no multi-MB allocation per training step, which is ~20 %
of a step's time); on other namespaces ``out`` is ignored and a fresh array returned. Callers
always use the *return value*, so the same code is correct on both paths. Some ops also have a
faster path on torch or CuPy (one fused kernel where the array API needs several).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from .arrays import Array, _is_cupy, _is_torch, asarray, device, namespace
from .cupy_kernels import _cupy_kernel


class Workspace:
    """Named output buffers a layer reuses from one step to the next (numpy only).

    ``get`` returns None (meaning "allocate a fresh array") unless the workspace is enabled and
    ``like`` is a numpy array; a buffer is re-created whenever the shape or dtype changes.
    """

    def __init__(self) -> None:
        self.enabled = False
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, key: str, shape: tuple[int, ...], like: Array) -> np.ndarray | None:
        if not self.enabled or not isinstance(like, np.ndarray):
            return None
        buf = self._buffers.get(key)
        if buf is not None and buf.shape == shape and buf.dtype == like.dtype:
            return buf  # the every-step case, first
        buf = self._buffers[key] = np.empty(shape, dtype=like.dtype)
        return buf

    def reuse(self, current: Array | None, key: str, shape: tuple[int, ...],
              like: Array) -> np.ndarray | None:
        """``current`` itself where it is a numpy array of ``shape`` and ``like``'s dtype (an
        output a layer keeps in its Param, e.g. a gradient, which its owner may have replaced
        by a view of a packed array), else :meth:`get` ``(key, shape, like)``; None when not
        enabled."""
        if (self.enabled and isinstance(current, np.ndarray) and current.shape == shape
                and current.dtype == like.dtype):
            return current
        return self.get(key, shape, like)

    def clear(self) -> None:
        self._buffers.clear()


# --------------------------------------------------------------------------- ops with out=
# Each takes the array-API route unless ``out`` is a numpy array, in which case numpy writes the
# result into ``out`` and returns it. Always use the return value.


FEW_CLASSES = 64  # up to this many columns, row maxima are taken on the transpose (row_max)


def row_max(a: np.ndarray) -> np.ndarray:
    """Row maxima of a numpy (N, C) array, (N,). numpy reduces a short last axis row by row
    (12 µs for 256 × 10); for up to ``FEW_CLASSES`` columns they are taken along the first axis
    of the transposed copy, one vectorized pass per column (2 µs). The same values either way."""
    if a.shape[1] <= FEW_CLASSES:
        return np.maximum.reduce(np.ascontiguousarray(a.T), axis=0)
    return a.max(axis=1)


def _np(out: Any) -> bool:
    return out is not None and isinstance(out, np.ndarray)


_CONST_ROWS: dict[tuple[float, int, np.dtype], np.ndarray] = {}


def _const_row(value: float, n: int, dtype: np.dtype) -> np.ndarray:
    """A cached read-only (n,) array filled with ``value`` (tiny: one per value, width and
    dtype; the values used are 0 and 1)."""
    row = _CONST_ROWS.get((value, n, dtype))
    if row is None:
        row = np.full(n, value, dtype=dtype)
        row.flags.writeable = False  # shared between layers and threads
        _CONST_ROWS[(value, n, dtype)] = row
    return row


def matmul(a: Array, b: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.matmul(a, b, out=out)
    # The ``@`` operator is the array API's matmul on every backend, without the compat
    # layer's dtype-promotion wrapper (~10 µs a call on torch).
    return a @ b


def affine(x: Array, w: Array, b: Array, out: Array | None = None) -> Array:
    """``x @ w + b`` for x (N, D), w (D, H), b (H,) -> (N, H): on torch one ``addmm`` call
    (cuBLAS adds the bias in the GEMM's epilogue), elsewhere a matmul and a broadcast add."""
    if _is_torch(x):
        import torch

        return torch.addmm(b, x, w)
    out = matmul(x, w, out=out)
    return add(out, b, out=out)


def add(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.add(a, b, out=out)
    return a + b


def subtract(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.subtract(a, b, out=out)
    return a - b


def multiply(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.multiply(a, b, out=out)
    return a * b


def divide(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.divide(a, b, out=out)
    return a / b


def maximum(a: Array, b: float, out: Array | None = None) -> Array:
    """Elementwise max with a scalar (ReLU's kernel)."""
    if _np(out):
        if b == 0 and a.ndim:
            # numpy's maximum against a scalar misses its SIMD loop (~3x slower than against
            # an array), so ReLU compares with a broadcast row of zeros: same values, same NaNs.
            b = _const_row(0.0, a.shape[-1], a.dtype)
        return np.maximum(a, b, out=out)
    if _is_torch(a):
        return a.clamp_min(b)  # no scalar tensor made on the device each call
    if _is_cupy(a):
        import cupy

        return cupy.maximum(a, b)  # CuPy's ufuncs take a Python scalar: no host-to-device copy
    xp = namespace(a)
    return xp.maximum(a, xp.asarray(b, dtype=a.dtype, device=device(a)))


def relu_grad(dout: Array, out: Array, dx: Array | None = None) -> Array:
    """``dout * (out > 0)``, the ReLU backward; on numpy written into ``dx``."""
    if _np(dx):
        np.multiply(dout, out > 0, out=dx)
        return dx
    if _is_torch(dout):
        import torch

        # The one-kernel op torch's own ReLU backward runs: dout where out > 0, else 0.
        return torch.ops.aten.threshold_backward(dout, out, 0)
    if _is_cupy(dout):
        return _cupy_kernel("relu_grad")(dout, out)
    xp = namespace(dout, out)
    return dout * xp.astype(out > 0, dout.dtype)


def log_softmax(scores: Array) -> Array:
    """Row-wise log-softmax, (N, C) -> (N, C): z − log Σⱼ e^{zⱼ} with z = s − max(s), so
    exp never overflows. torch computes it in one fused kernel."""
    if _is_torch(scores):
        import torch

        return torch.log_softmax(scores, dim=1)
    if isinstance(scores, np.ndarray) and scores.ndim == 2 and scores.shape[1] <= FEW_CLASSES:
        # rows reduced along the transposed copy (row_max; the whole function on the
        # playground's 2500 × 2 grid: 183 → 51 µs). Below 8 classes the sums are the same too
        # (numpy adds fewer than 8 numbers one after the other, as the pass per class does).
        z = scores - row_max(scores)[:, None]
        e = np.exp(z)
        if scores.shape[1] < 8:
            total = np.add.reduce(np.ascontiguousarray(e.T), axis=0)
        else:
            total = e.sum(axis=1)
        return z - np.log(total)[:, None]
    xp = namespace(scores)
    z = scores - xp.max(scores, axis=1, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))


def sum_rows(a: Array, out: Array | None = None) -> Array:
    """Column sums of a 2-D array, ``(N, H) -> (H,)``."""
    if isinstance(a, np.ndarray):
        # as the product ones(N) @ a: a BLAS matrix-vector product, 2-3x faster than numpy's
        # column reduction (a bias gradient each layer, each step); with or without ``out``,
        # so that reused buffers give the same bits as fresh arrays
        return np.matmul(_const_row(1.0, a.shape[0], a.dtype), a, out=out if _np(out) else None)
    if _is_torch(a):
        return a.sum(0)
    return namespace(a).sum(a, axis=0)


def sqrt(a: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.sqrt(a, out=out)
    return namespace(a).sqrt(a)


def square(a: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.square(a, out=out)
    return a * a


def take_rows(x: Array, idx: Array) -> Array:
    """``x[idx]`` (a copy) for an integer index array on the host or already on ``x``'s
    backend; the trainer moves each epoch's order to the device once, so a batch is gathered
    there without a host-to-device copy per step."""
    if isinstance(x, np.ndarray):
        return x[idx]
    if isinstance(idx, np.ndarray):
        idx = asarray(idx, like=x)
    if _is_torch(x):
        return x.index_select(0, idx)
    return namespace(x).take(x, idx, axis=0)


def checked_overflow() -> contextlib.AbstractContextManager[Any]:
    """numpy's overflow and invalid-value warnings off, for code that checks its results for
    NaN and inf itself: a diverging training step overflows in a matrix product (``overflow`` /
    ``invalid value encountered in matmul``) just before the Trainer finds the non-finite scores
    or loss and raises ``TrainingDiverged``, which says what happened and what to do; the
    warnings would only precede it with a line of numpy internals. Other backends do not warn.

    numpy's own ``errstate`` context, returned as it is: a generator-based context manager
    around it cost ~1.5 µs more at every training step."""
    return np.errstate(over="ignore", invalid="ignore")


def all_finite(a: Array) -> bool:
    if isinstance(a, np.ndarray):
        return bool(np.isfinite(a).all())
    xp = namespace(a)
    return bool(xp.all(xp.isfinite(a)))
