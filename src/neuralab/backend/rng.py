"""Randomness, always from an explicit ``numpy.random.Generator`` (there is no global seed).

Numbers are drawn on the host and then moved to the target backend, so the same seed gives the
same initial weights and dropout masks on every backend; only dropout masks on a GPU are drawn
there, from a seed taken from the generator.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import Array, Generator, _is_torch, asarray, on_host


def make_rng(seed: int | Generator | None = None) -> Generator:
    """An explicit generator: pass an int for reproducibility, a Generator to share one, or
    None for fresh OS entropy. There is no global seed anywhere in neuralab."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


def uniform(
    rng: Generator, shape: tuple[int, ...], like: Array | None = None, low: float = 0.0,
    high: float = 1.0, dtype: Any = None,
) -> Array:
    """U(low, high) samples of ``shape`` on ``like``'s backend (drawn in float64, then cast)."""
    return asarray(rng.uniform(low, high, size=shape), like=like, dtype=dtype)


def normal(
    rng: Generator, shape: tuple[int, ...], like: Array | None = None, std: float = 1.0,
    mean: float = 0.0, dtype: Any = None,
) -> Array:
    """N(mean, std²) samples of ``shape`` on ``like``'s backend."""
    return asarray(rng.normal(mean, std, size=shape), like=like, dtype=dtype)


def bernoulli(
    rng: Generator, shape: tuple[int, ...], prob: float, like: Array | None = None,
    dtype: Any = None,
) -> Array:
    """0/1 samples, 1 with probability ``prob``, as floats on ``like``'s backend."""
    return asarray((rng.random(size=shape) < prob).astype(np.float64), like=like, dtype=dtype)


def dropout_mask(rng: Generator, shape: tuple[int, ...], keep: float, like: Array) -> Array:
    """The inverted-dropout mask m / keep, m ~ Bernoulli(keep), with the shape and dtype of
    ``like`` and on its device.

    On the host the 0/1 draws come from ``rng`` itself, so every CPU backend drops the same
    units. On a GPU the mask is drawn there (copying a batch-sized mask from the host each step
    would cost more than the layer): a seed taken from ``rng`` keys a fresh device generator,
    so a run is still reproducible, and resumes exactly, from the state of ``rng`` alone.
    """
    if on_host(like):
        return bernoulli(rng, shape, keep, like=like) / keep
    seed = int(rng.integers(2**63))
    if _is_torch(like):
        import torch

        gen = torch.Generator(device=like.device)
        gen.manual_seed(seed)
        u = torch.rand(shape, generator=gen, device=like.device, dtype=like.dtype)
        return u.lt_(keep).mul_(1.0 / keep)  # in place: 1.0 where kept, then scaled
    import cupy

    u = cupy.random.default_rng(seed).random(shape, dtype=like.dtype)
    return (u < keep).astype(like.dtype) * (1.0 / keep)


def epoch_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order of ``n`` examples in ``epoch``: a pure function of (seed, epoch), so a resumed
    run shuffles exactly like an uninterrupted one without saving generator state."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def rng_state(rng: Generator) -> dict[str, Any]:
    """A JSON-serializable snapshot of a generator (for checkpoints)."""
    return rng.bit_generator.state


def set_rng_state(rng: Generator, state: dict[str, Any]) -> None:
    rng.bit_generator.state = state
