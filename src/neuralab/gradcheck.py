"""Numeric gradients by central differences, and the relative error used to compare them.

Run checks in float64: with h = 1e-5 the central difference has error O(h²) ≈ 1e-10 and
float64 rounding ≈ 1e-16 / h ≈ 1e-11, so a correct analytic gradient agrees to ~1e-8 or better.
"""

from __future__ import annotations

import itertools
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

    x: any shape, float64, any backend that supports item assignment. Entries are addressed by
    multi-index (not through a flattened view), so non-contiguous arrays work too.
    """
    grad = B.namespace(x).zeros_like(x)
    for index in itertools.product(*(range(n) for n in x.shape)):
        grad[index] = _partial(f, x, index, h)
    return grad


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
    ana = B.to_numpy(analytic)
    gen = B.make_rng(rng)
    size = B.prod(tuple(x.shape))
    errors = []
    for flat_i in gen.choice(size, size=min(num_checks, size), replace=False):
        index = _unravel(int(flat_i), tuple(x.shape))
        num, a = _partial(f, x, index, h), float(ana[index])
        scale = max(abs(num), abs(a))
        errors.append(0.0 if scale == 0.0 else abs(num - a) / scale)
    return errors


def _partial(f: Callable[[], float], x: Array, index: tuple[int, ...], h: float) -> float:
    """Central difference (f(x + h·e) − f(x − h·e)) / 2h along the entry ``index``."""
    old = float(x[index])
    x[index] = old + h
    plus = f()
    x[index] = old - h
    minus = f()
    x[index] = old
    return (plus - minus) / (2 * h)


def _unravel(i: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    index = []
    for n in reversed(shape):
        i, r = divmod(i, n)
        index.append(r)
    return tuple(reversed(index))
