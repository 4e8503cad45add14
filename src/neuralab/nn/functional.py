"""Pure forward/backward kernels, one pair per op (the CS231n layer style).

``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache) -> gradients``. No state, no
randomness of their own (dropout takes its mask or generator as an argument). Shapes use the
same symbols everywhere: N examples, D input features, H units, k maxout pieces.

Every kernel takes its array namespace from its inputs, so it runs on numpy, array_api_strict,
torch and CuPy alike. Kernels on the hot path (affine, ReLU) accept ``out=``/``dx=`` buffers:
numpy writes into them; other namespaces ignore them (see :mod:`neuralab.backend`).
"""

from __future__ import annotations

from typing import Any

from .. import backend as B
from ..backend import Array
from ..config import check_range

Cache = Any


# --------------------------------------------------------------------------- affine
def affine_forward(x: Array, w: Array, b: Array, out: Array | None = None) -> tuple[Array, Cache]:
    """``out = x @ w + b``.

    x: (N, D), w: (D, H), b: (H,) -> out: (N, H). The cache keeps ``x`` and ``w``.
    """
    out = B.affine(x, w, b, out=out)  # (N, D) @ (D, H) + (H,) -> (N, H)
    return out, (x, w)


def affine_backward(
    dout: Array, cache: Cache, *, need_dx: bool = True,
    dx: Array | None = None, dw: Array | None = None, db: Array | None = None,
) -> tuple[Array | None, Array, Array]:
    """Gradients of the affine map: dout (N, H) -> dx (N, D), dw (D, H), db (H,).

    ``need_dx=False`` skips the input gradient (the first layer never needs it: that saves one
    of the step's three large matrix products).
    """
    x, w = cache
    dx = B.matmul(dout, w.T, out=dx) if need_dx else None  # (N, H) @ (H, D) -> (N, D)
    db = B.sum_rows(dout, out=db)  # (N, H) -> (H,)
    dw = B.matmul(x.T, dout, out=dw)  # (D, N) @ (N, H) -> (D, H)
    return dx, dw, db


# --------------------------------------------------------------------------- activations
def sigmoid_forward(x: Array) -> tuple[Array, Cache]:
    """σ(x) = 1 / (1 + e^-x), computed without overflow for large |x|. (N, H) -> (N, H)."""
    xp = B.namespace(x)
    e = xp.exp(-xp.abs(x))  # in (0, 1]: never overflows
    out = xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return out, out


def sigmoid_backward(dout: Array, cache: Cache) -> Array:
    """dσ/dx = σ(x)(1 − σ(x))."""
    s = cache
    return dout * s * (1.0 - s)


def tanh_forward(x: Array) -> tuple[Array, Cache]:
    """tanh(x). (N, H) -> (N, H)."""
    out = B.namespace(x).tanh(x)
    return out, out


def tanh_backward(dout: Array, cache: Cache) -> Array:
    """d tanh/dx = 1 − tanh²(x)."""
    t = cache
    return dout * (1.0 - t * t)


def relu_forward(x: Array, out: Array | None = None) -> tuple[Array, Cache]:
    """max(0, x). (N, H) -> (N, H). The cache is the output (its sign is the mask)."""
    out = B.maximum(x, 0.0, out=out)
    return out, out


def relu_backward(dout: Array, cache: Cache, dx: Array | None = None) -> Array:
    """dout where the unit was active, 0 elsewhere (subgradient 0 at x = 0, as torch)."""
    return B.relu_grad(dout, cache, dx=dx)


def leaky_relu_forward(x: Array, alpha: float = 0.01) -> tuple[Array, Cache]:
    """x for x > 0, αx otherwise (Maas et al. 2013). (N, H) -> (N, H)."""
    xp = B.namespace(x)
    return xp.where(x > 0, x, alpha * x), (x, alpha)


def leaky_relu_backward(dout: Array, cache: Cache) -> Array:
    x, alpha = cache
    xp = B.namespace(x)
    return xp.where(x > 0, dout, alpha * dout)


def elu_forward(x: Array, alpha: float = 1.0) -> tuple[Array, Cache]:
    """x for x > 0, α(eˣ − 1) otherwise (Clevert et al. 2015). (N, H) -> (N, H)."""
    xp = B.namespace(x)
    neg = alpha * xp.expm1(xp.minimum(x, xp.zeros_like(x)))  # clamp: no overflow for big x
    out = xp.where(x > 0, x, neg)
    return out, (x, out, alpha)


def elu_backward(dout: Array, cache: Cache) -> Array:
    """1 for x > 0, α·eˣ = out + α otherwise."""
    x, out, alpha = cache
    xp = B.namespace(x)
    return xp.where(x > 0, dout, dout * (out + alpha))


def maxout_forward(x: Array, k: int) -> tuple[Array, Cache]:
    """Maxout (Goodfellow et al. 2013): the max over groups of ``k`` consecutive units.

    x: (N, H·k), the output of an affine map with H·k units -> out: (N, H), where
    ``out[:, j] = max(x[:, j·k], ..., x[:, j·k + k − 1])``. The cache holds, per piece, where
    it won (the first of equal pieces wins, as argmax picks).
    """
    xp = B.namespace(x)
    hk = x.shape[1]
    if hk % k:
        raise ValueError(f"maxout: input width {hk} is not a multiple of k={k}")
    # Piece i of every unit is the strided column view x[:, i::k] (N, H): k - 1 elementwise
    # maxima over those, where reducing the short last axis of an (N, H, k) view went row by
    # row (numpy) and took ~4x longer than the layer's matrix product.
    pieces = [x[:, i::k] for i in range(k)]
    out = pieces[0]
    for piece in pieces[1:]:
        out = xp.maximum(out, piece)
    won, taken = [], None
    for piece in pieces:
        hit = piece == out
        if taken is not None:
            hit = xp.logical_and(hit, xp.logical_not(taken))
        taken = hit if taken is None else xp.logical_or(taken, hit)
        won.append(hit)
    return out, (won, x.shape)


def maxout_backward(dout: Array, cache: Cache) -> Array:
    """Route each output gradient to the piece that won the max: (N, H) -> (N, H·k)."""
    won, shape = cache
    xp = B.namespace(dout)
    grads = [dout * xp.astype(hit, dout.dtype) for hit in won]  # k arrays (N, H)
    return xp.reshape(xp.stack(grads, axis=2), shape)  # piece i of unit h -> column h·k + i


def identity_forward(x: Array) -> tuple[Array, Cache]:
    """The linear (no-op) activation."""
    return x, None


def identity_backward(dout: Array, cache: Cache) -> Array:
    return dout


# --------------------------------------------------------------------------- regularizing layers
def dropout_forward(
    x: Array, p: float, *, training: bool = True, mask: Array | None = None,
    rng: B.Generator | None = None,
) -> tuple[Array, Cache]:
    """Inverted dropout; ``p`` is the probability of DROPPING a unit.

    Training: ``out = x · m / (1 − p)`` with m ~ Bernoulli(1 − p), so the expected activation
    is unchanged and evaluation is the identity. Pass ``mask`` (the already scaled m / (1 − p),
    shape of x) to fix the mask, e.g. for gradient checks; otherwise it is drawn from ``rng``.
    ``p`` must lie in [0, 1): p = 1 would divide by zero, p < 0 would keep with probability > 1.
    """
    check_range("p", p)
    if not training or p == 0.0:
        return x, None
    if mask is None:
        if rng is None:
            raise ValueError("dropout in training mode needs rng= (a numpy Generator) or mask=")
        mask = B.dropout_mask(rng, tuple(x.shape), 1.0 - p, like=x)
    return x * mask, mask


def dropout_backward(dout: Array, cache: Cache) -> Array:
    """The same mask scales the gradient; identity when nothing was dropped."""
    mask = cache
    return dout if mask is None else dout * mask


def batchnorm_forward(
    x: Array, gamma: Array, beta: Array, *, eps: float = 1e-5,
    mean: Array | None = None, var: Array | None = None,
) -> tuple[Array, Cache]:
    """Batch normalization (Ioffe & Szegedy 2015): ``out = γ · (x − μ) / √(σ² + ε) + β``.

    x: (N, H), gamma/beta: (H,) -> out: (N, H). Train mode (``mean``/``var`` None) uses the
    batch's mean and biased variance; eval mode passes the running ``mean`` and ``var``.
    The cache holds the batch statistics under ``"mean"``/``"var"`` for the running update.
    """
    xp = B.namespace(x)
    batch_stats = mean is None
    if batch_stats:
        mean = xp.mean(x, axis=0)  # (H,)
        xc = x - mean
        var = xp.mean(xc * xc, axis=0)  # biased: the statistic the normalization uses
    else:
        xc = x - mean
    inv_std = 1.0 / xp.sqrt(var + eps)  # (H,)
    xhat = xc * inv_std
    out = gamma * xhat + beta
    cache = {"xhat": xhat, "inv_std": inv_std, "gamma": gamma, "mean": mean, "var": var,
             "batch_stats": batch_stats}
    return out, cache


def batchnorm_backward(dout: Array, cache: Cache) -> tuple[Array, Array, Array]:
    """Gradients (dx, dgamma, dbeta): (N, H) -> (N, H), (H,), (H,).

    In train mode μ and σ² depend on x, which gives the compact form
    ``dx = (1/N)·inv_std·(N·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))`` with ``dx̂ = dout·γ``.
    """
    xp = B.namespace(dout)
    xhat, inv_std, gamma = cache["xhat"], cache["inv_std"], cache["gamma"]
    dbeta = xp.sum(dout, axis=0)
    dgamma = xp.sum(dout * xhat, axis=0)
    dxhat = dout * gamma
    if not cache["batch_stats"]:
        return dxhat * inv_std, dgamma, dbeta
    n = dout.shape[0]
    dx = (inv_std / n) * (
        n * dxhat - xp.sum(dxhat, axis=0) - xhat * xp.sum(dxhat * xhat, axis=0)
    )
    return dx, dgamma, dbeta
