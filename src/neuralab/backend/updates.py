"""In-place updates of the training step: ``y += α·x``, SGD, Adam and L1's soft-threshold.

On numpy each is a fixed sequence of in-place ufuncs over cache-sized slices, with no
full-size temporary; on torch and CuPy one fused kernel where there is one; elsewhere the
array-API sequence.
"""

from __future__ import annotations

import math
import operator
import threading

import numpy as np

from .arrays import Array, _is_cupy, _is_torch, namespace
from .cupy_kernels import _cupy_kernel
from .ops import _np, add, divide, sqrt, square

# axpy_ on numpy walks y in slices: each slice of x is scaled into a scratch buffer (one ufunc
# call) that is then added to the slice of y (a second call), so no full-size temporary is ever
# allocated. The slice length trades cache residency against Python overhead: every slice costs
# two ufunc calls (~2 µs each), which at 16 Ki elements doubled the time of the L2-gradient and
# SGD updates of a 3072×512 weight. At 256 Ki elements (a 1 MiB float32 scratch, reused, so it
# stays cached) the overhead is gone and the updates run at memory speed.
_CHUNK = 1 << 18
_SMALL = 1 << 12  # below this many elements the plain ``y += alpha * x`` is cheaper
_scratch = threading.local()  # per thread: numpy releases the GIL, so threads may train at once


def _scratch_buffer(dtype: np.dtype) -> np.ndarray:
    """This thread's two ``_CHUNK``-element scratch rows of ``dtype``, shape (2, _CHUNK)
    (made on first use)."""
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(dtype)
    if buf is None or buf.shape[1] < _CHUNK:
        buf = buffers[dtype] = np.empty((2, _CHUNK), dtype=dtype)
    return buf


def _scalars(dtype: np.dtype, *values: float) -> list[np.ndarray]:
    """``values`` (at most 8) as 0-d arrays of ``dtype``: this thread's cells, overwritten by
    its next call.

    numpy 2 converts a Python float operand at every ufunc call: ~0.8 µs for a few hundred
    float32 entries where the same ufunc with a 0-d array of their dtype takes ~0.4, and a
    small model's update is a dozen such calls. The cells are 0-d views of one array, filled in
    one assignment (~0.5 µs in all); each holds its float rounded to ``dtype`` as numpy rounds
    the Python float: the same bits.
    """
    cells = getattr(_scratch, "scalars", None)
    if cells is None:
        cells = _scratch.scalars = {}
    row = cells.get(dtype)
    if row is None:
        buf = np.zeros(8, dtype=dtype)
        row = cells[dtype] = (buf, [buf[i : i + 1].reshape(()) for i in range(buf.size)])
    buf, views = row
    buf[: len(values)] = values
    return views[: len(values)]


def axpy_(y: Array, x: Array, alpha: float) -> Array:
    """In place ``y += alpha * x`` and return ``y``.

    numpy has no fused multiply-add, so ``y += alpha * x`` would allocate a full-size temporary;
    on numpy this goes through a reused, cache-sized scratch buffer instead (see ``_CHUNK``).
    """
    if (
        isinstance(y, np.ndarray) and isinstance(x, np.ndarray) and y.size > _SMALL
        and y.flags.c_contiguous and x.shape == y.shape
    ):
        yf, xf = y.reshape(-1), x.reshape(-1)  # yf is a view (y is contiguous): writes land in y
        tmp = _scratch_buffer(y.dtype)[0]
        for start in range(0, yf.size, _CHUNK):
            ys, xs = yf[start : start + _CHUNK], xf[start : start + _CHUNK]
            t = np.multiply(xs, alpha, out=tmp[: ys.size])
            np.add(ys, t, out=ys)
        return y
    if _is_torch(y):
        return y.add_(x, alpha=alpha)  # one fused kernel
    if _is_cupy(y):
        _cupy_kernel("axpy")(x, y.dtype.type(alpha), y)  # one fused kernel, in place
        return y
    y += alpha * x
    return y


# --------------------------------------------------------------------------- optimizer updates
# The parameter updates of ``optim``, one call each. On numpy (C-contiguous arrays of one shape
# and dtype) each is a fixed sequence of in-place ufuncs over slices of at most ``_CHUNK``
# elements, with this thread's two scratch rows for the intermediates: nothing is allocated
# (a fresh multi-MB temporary costs more than the arithmetic), and an L2 term c·w is folded into
# the update instead of being added to the gradient in a pass of its own over the weights.
# Elsewhere they run the textbook sequence of array-API operations; on torch these are the same
# kernels, in the same order, as ``L2.add_grad`` followed by the update, so folding the L2 term
# changes no bits there.


def no_decay(c: float | Array) -> bool:
    """Whether an L2 coefficient is the number 0 (a per-entry array of them, as a packed update
    passes, counts as a decay: some of its entries are not 0)."""
    return not hasattr(c, "shape") and c == 0.0


def _fast(*arrays: Array) -> bool:
    """Whether the numpy update path applies: numpy arrays, C-contiguous, one shape and dtype."""
    first = arrays[0]
    for a in arrays:  # a plain loop: this runs for every parameter at every step
        if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.shape == first.shape
                and a.dtype == first.dtype):
            return False
    return True


def _slices(*arrays: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Aligned flat slices of at most ``_CHUNK`` elements of ``arrays`` (views: writes land in
    the arrays), each followed by this thread's two scratch rows cut to the same length."""
    # views (the arrays are C-contiguous); a packed update's are flat already
    flat = [a if a.ndim == 1 else a.reshape(-1) for a in arrays]
    scratch = _scratch_buffer(arrays[0].dtype)
    n = flat[0].size
    if n <= _CHUNK:  # the common case, without the slicing
        return [(*flat, scratch[0, :n], scratch[1, :n])]
    return [(*(f[start : start + _CHUNK] for f in flat), scratch[0, : min(_CHUNK, n - start)],
             scratch[1, : min(_CHUNK, n - start)]) for start in range(0, n, _CHUNK)]


def add_scaled(a: Array, b: Array, alpha: float, out: Array | None = None) -> Array:
    """``a + alpha·b`` as a new array (on numpy written into ``out`` when given); ``a`` and
    ``b`` are left unchanged. a, b: the same shape."""
    if _np(out):
        np.multiply(b, alpha, out=out)
        return np.add(a, out, out=out)
    if _is_torch(a):
        import torch

        # the kernel of a.add_(b, alpha=alpha), out of place: the bits an in-place L2 gradient
        # (``regularizers.L2.add_grad``) gives
        return torch.add(a, b, alpha=alpha)
    return a + alpha * b


def sgd_update_(w: Array, g: Array, lr: float, weight_decay: float | Array = 0.0) -> Array:
    """In place ``w ← w − lr·(g + c·w)`` with c = ``weight_decay``; returns ``w`` (use it).

    w, g: one shape; c a number, or on numpy an array of w's shape (an L2 coefficient per
    entry: a packed update's, see :class:`Packed`). ``g`` is not modified. On numpy one sweep
    over w computes ``(1 − lr·c)·w − lr·g`` (the L2 gradient never materializes); elsewhere
    ``g + c·w`` is formed first, as torch.optim.SGD's ``weight_decay`` does.
    """
    if no_decay(weight_decay):
        return axpy_(w, g, -lr)
    if _fast(w, g):
        if hasattr(weight_decay, "shape"):  # per entry: 1 − lr·c into a scratch row
            one, rate, minus_lr = _scalars(w.dtype, 1.0, lr, -lr)
            for ws, gs, cs, t, keep in _slices(w, g, weight_decay):
                np.multiply(cs, rate, out=keep)
                np.subtract(one, keep, out=keep)
                np.multiply(gs, minus_lr, out=t)
                ws *= keep
                ws += t
            return w
        keep, minus_lr = _scalars(w.dtype, 1.0 - lr * weight_decay, -lr)
        for ws, gs, t, _ in _slices(w, g):
            np.multiply(gs, minus_lr, out=t)
            ws *= keep
            ws += t
        return w
    return axpy_(w, add_scaled(g, w, weight_decay), -lr)


def adam_update_(
    w: Array, g: Array, m: Array, v: Array, *, lr: float, beta1: float, beta2: float,
    eps: float, step: int, weight_decay: float | Array = 0.0,
) -> Array:
    """One Adam step (the rule in :class:`neuralab.optim.Adam`), in place on the parameter
    ``w`` and the moments ``m``, ``v``; returns ``w`` (use it).

    w, g, m, v: one shape; ``step`` is t ≥ 1. With ``weight_decay`` c > 0 the gradient is
    ``g + c·w`` (an L2 penalty's), without modifying ``g``; c may be an array of w's shape on
    numpy (see :func:`sgd_update_`). numpy: 12 in-place passes (14 with
    c), each over a cache-sized slice; the update uses
    ``(η/bc₁)·m / (√v/√bc₂ + ε) = (η·√bc₂/bc₁)·m / (√v + ε·√bc₂)``, one scaling pass fewer
    than torch's form (equal up to rounding).
    """
    bc1, bc2 = 1.0 - beta1**step, 1.0 - beta2**step
    if _fast(w, g, m, v):
        root = math.sqrt(bc2)
        decay = not no_decay(weight_decay)
        b1, rest1, b2, rest2, eps_root, rate, c = _scalars(
            w.dtype, beta1, 1.0 - beta1, beta2, 1.0 - beta2, eps * root, -lr * root / bc1,
            0.0 if hasattr(weight_decay, "shape") else weight_decay)
        if hasattr(weight_decay, "shape"):
            c = weight_decay  # one slice: a per-entry vector is a packed update's
        for ws, gs, ms, vs, t, u in _slices(w, g, m, v):
            if decay:
                np.multiply(ws, c, out=u)
                gs = np.add(gs, u, out=u)
            np.multiply(gs, rest1, out=t)  # m ← β₁·m + (1 − β₁)·g
            ms *= b1
            ms += t
            np.square(gs, out=t)  # v ← β₂·v + (1 − β₂)·g²
            t *= rest2
            vs *= b2
            vs += t
            np.sqrt(vs, out=t)  # w ← w − (η·√bc₂/bc₁)·m / (√v + ε·√bc₂)
            t += eps_root
            np.divide(ms, t, out=t)
            t *= rate
            ws += t
        return w
    if not no_decay(weight_decay):
        g = add_scaled(g, w, weight_decay)
    m *= beta1
    m = axpy_(m, g, 1.0 - beta1)
    v *= beta2
    v = axpy_(v, square(g), 1.0 - beta2)
    denom = add(divide(sqrt(v), math.sqrt(bc2)), eps)  # √v̂ + ε = √v / √bc₂ + ε
    return axpy_(w, divide(m, denom), -lr / bc1)


def soft_threshold_(w: Array, t: float | Array) -> Array:
    """In place ``w ← sign(w)·max(|w| − t, 0)``, the proximal step of ``t·|w|``; returns ``w``
    (use it).

    t ≥ 0: a number, or an array of w's shape (a step size per entry, on w's backend).
    Computed as ``w − clip(w, −t, t)``, so every entry with |w| ≤ t becomes exactly 0 and the
    others move t towards 0.
    """
    if isinstance(w, np.ndarray):
        w -= np.clip(w, -t, t)
        return w
    if _is_torch(w):
        import torch

        return w.sub_(torch.clamp(w, -t, t))
    return w - namespace(w).clip(w, min=-t, max=t)


# --------------------------------------------------------------------------- packing
# A small model's training step calls each update above once per parameter array, and for arrays
# of a few hundred entries a call costs more than its arithmetic (~1 µs per ufunc: Adam's 12
# passes over the 640 weights and 10 biases of a 64 → 10 classifier took 22 µs, half the step).
# Packed, the parameters are views of one flat array and the update runs once over all of them.
# Above PACK_LIMIT entries the updates are memory-bound and packing would only add the
# gradients' copy; at most _CHUNK, so that a packed update is one slice (a per-entry L2 vector
# needs no slicing).
PACK_LIMIT = 1 << 16
# With two arrays (a linear classifier's W and b) the packed step's own bookkeeping (gathering
# the gradients, an L2 vector where only W decays) costs what it saves for a rule of few passes:
# the SGD step took 36 µs per array and 40 packed. Adam's 12 passes an array gain (50 → 47 µs;
# ``optim.Adam.pack_min`` is 2). From three arrays on every rule gains (an MLP: 124 → 104 µs).
PACK_MIN = 3


def packable(arrays: list[Array]) -> bool:
    """Whether ``arrays`` can be :class:`Packed`: numpy arrays of one dtype, C-contiguous,
    at most ``PACK_LIMIT`` entries in all."""
    first = arrays[0]
    total = 0
    for a in arrays:
        if not (isinstance(a, np.ndarray) and a.dtype == first.dtype and a.flags.c_contiguous):
            return False
        total += a.size
    return total <= min(PACK_LIMIT, _CHUNK)  # one slice: a per-entry L2 vector is not sliced


class Packed:
    """Arrays of one dtype as views of one flat array ``flat``, laid out in ``order``.

    ``views[i]`` has ``arrays[i]``'s shape and values and shares memory with ``flat`` (its
    entries at ``offsets[i]``). :meth:`holds` says whether a list of arrays is still exactly
    these views (an array replaced since — a loaded state, a model moved — is not), and
    :meth:`gather` copies arrays in.
    """

    def __init__(self, arrays: list[np.ndarray], order: list[int]) -> None:
        self.order = order
        self.flat = np.empty(sum(a.size for a in arrays), dtype=arrays[0].dtype)
        self.views: list[np.ndarray] = [arrays[i] for i in range(len(arrays))]
        self.offsets = [0] * len(arrays)
        start = 0
        for i in order:
            a = arrays[i]
            part = self.flat[start : start + a.size]
            part[...] = a.reshape(-1)
            self.views[i], self.offsets[i] = part.reshape(a.shape), start
            start += a.size

    def holds(self, arrays: list[Array]) -> bool:
        """Whether ``arrays`` are this pack's views (the same objects, in order)."""
        # map over operator.is_: a third of a generator's time, and this runs at every step
        return len(arrays) == len(self.views) and all(map(operator.is_, arrays, self.views))

    def gather(self, arrays: list[np.ndarray]) -> np.ndarray:
        """``flat`` ← the arrays (same shapes as the views), in the pack's order."""
        return np.concatenate([arrays[i].reshape(-1) for i in self.order], out=self.flat)
