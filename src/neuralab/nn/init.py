"""Weight initializers. Each returns a new (fan_in, fan_out) array drawn from ``rng``.

* ``he``:     N(0, 2 / fan_in) — He et al. 2015, for ReLU-family nets.
* ``xavier``: U(−a, a) with a = √(6 / (fan_in + fan_out)) — Glorot & Bengio 2010, for tanh/sigmoid.
* ``normal``: N(0, std²) — CS231n's linear classifiers use std = 1e-3.
"""

from __future__ import annotations

import math

from .. import backend as B
from ..backend import Array
from ..checks import check_choice
from ..config import INIT_STD, INITS, check_range


def he(fan_in: int, fan_out: int, rng: B.Generator, dtype: str = "float32") -> Array:
    return B.normal(rng, (fan_in, fan_out), std=math.sqrt(2.0 / fan_in), dtype=dtype)


def xavier(fan_in: int, fan_out: int, rng: B.Generator, dtype: str = "float32") -> Array:
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return B.uniform(rng, (fan_in, fan_out), low=-a, high=a, dtype=dtype)


def normal(
    fan_in: int, fan_out: int, rng: B.Generator, std: float = INIT_STD, dtype: str = "float32"
) -> Array:
    check_range("std", std)
    return B.normal(rng, (fan_in, fan_out), std=std, dtype=dtype)


def initialize(
    name: str, fan_in: int, fan_out: int, rng: B.Generator, std: float | None = None,
    dtype: str = "float32",
) -> Array:
    """Dispatch by name (``he``, ``xavier``, ``normal``); ``std`` only applies to ``normal``."""
    check_choice("init", name, INITS)
    if name == "normal":
        return normal(fan_in, fan_out, rng, std=INIT_STD if std is None else std, dtype=dtype)
    if std is not None:
        raise ValueError(f"std={std!r} only applies to init='normal', not init={name!r}")
    return (he if name == "he" else xavier)(fan_in, fan_out, rng, dtype=dtype)
