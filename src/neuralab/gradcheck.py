"""Numeric gradients by central differences, and the relative error used to compare them.

Run checks in float64: with h = 1e-5 the central difference has error O(h²) ≈ 1e-10 and
float64 rounding ≈ 1e-16 / h ≈ 1e-11, so a correct analytic gradient agrees to ~1e-8 or better.
"""

from __future__ import annotations

from collections.abc import Callable

from . import backend as B
from .backend import Array


def rel_error(a: Array, b: Array) -> float:
    """‖a − b‖ / max(‖a‖, ‖b‖), 0 when both are zero."""
    xp = B.namespace(a, b)
    diff = float(xp.linalg.vector_norm(xp.reshape(a - b, (-1,))))
    scale = max(float(xp.linalg.vector_norm(xp.reshape(a, (-1,)))),
                float(xp.linalg.vector_norm(xp.reshape(b, (-1,)))))
    return 0.0 if scale == 0.0 else diff / scale


def numeric_gradient(f: Callable[[], float], x: Array, h: float = 1e-5) -> Array:
    """∂f/∂x for a scalar ``f()`` that reads ``x``, which is perturbed IN PLACE, entry by entry.

    x: any shape, float64 numpy array (or any backend supporting item assignment).
    """
    xp = B.namespace(x)
    flat = xp.reshape(x, (-1,))
    grad = xp.zeros_like(flat)
    for i in range(flat.shape[0]):
        grad[i] = _partial(f, flat, i, h)
    return xp.reshape(grad, x.shape)


def numeric_gradient_array(
    f: Callable[[], Array], x: Array, dout: Array, h: float = 1e-5
) -> Array:
    """Gradient of ``Σ f() · dout`` with respect to ``x`` — checks an op's backward given an
    upstream gradient ``dout``, for ops whose output is an array."""
    xp = B.namespace(x)
    return numeric_gradient(lambda: float(xp.sum(f() * dout)), x, h)


def sampled_rel_errors(
    f: Callable[[], float], x: Array, analytic: Array, num_checks: int = 10, h: float = 1e-5,
    rng: B.Generator | int | None = 0,
) -> list[float]:
    """Check ``num_checks`` random entries only (for large parameters): the relative error
    |num − ana| / max(|num|, |ana|) at each sampled index."""
    xp = B.namespace(x)
    flat, ana = xp.reshape(x, (-1,)), B.to_numpy(xp.reshape(analytic, (-1,)))
    gen = B.make_rng(rng)
    errors = []
    for i in gen.choice(flat.shape[0], size=min(num_checks, flat.shape[0]), replace=False):
        num, a = _partial(f, flat, int(i), h), float(ana[int(i)])
        scale = max(abs(num), abs(a))
        errors.append(0.0 if scale == 0.0 else abs(num - a) / scale)
    return errors


def _partial(f: Callable[[], float], flat: Array, i: int, h: float) -> float:
    old = float(flat[i])
    flat[i] = old + h
    plus = f()
    flat[i] = old - h
    minus = f()
    flat[i] = old
    return (plus - minus) / (2 * h)
