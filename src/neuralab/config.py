"""The one table of allowed values, and the validators every entry point uses.

The library, the CLI and the playground all validate through here, so the same bad value gets
the same message everywhere: the parameter's name, the value received and what is allowed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Literal, get_args

ActivationName = Literal["sigmoid", "tanh", "relu", "leaky_relu", "elu", "maxout", "linear"]
LossName = Literal["softmax", "svm", "mse"]
RegName = Literal["none", "l1", "l2", "elastic"]
OptimizerName = Literal["sgd", "momentum", "nesterov", "rmsprop", "adam"]
InitName = Literal["he", "xavier", "normal"]
ScheduleName = Literal["constant", "step", "cosine"]

ACTIVATIONS: tuple[str, ...] = get_args(ActivationName)
LOSSES: tuple[str, ...] = get_args(LossName)
REGULARIZERS: tuple[str, ...] = get_args(RegName)
OPTIMIZERS: tuple[str, ...] = get_args(OptimizerName)
INITS: tuple[str, ...] = get_args(InitName)
SCHEDULES: tuple[str, ...] = get_args(ScheduleName)

# Numeric ranges: (low, high, low inclusive, high inclusive).
RANGES: dict[str, tuple[float, float, bool, bool]] = {
    "lr": (0.0, 10.0, False, True),
    "lam": (0.0, math.inf, True, False),  # regularization strength λ
    "beta": (0.0, math.inf, True, False),  # elastic-net mix β
    "p": (0.0, 1.0, True, False),  # dropout: probability of DROPPING a unit
    "momentum": (0.0, 1.0, True, False),
    "alpha": (0.0, math.inf, True, False),  # Leaky ReLU slope / ELU scale
    "eps": (0.0, 1.0, False, True),
    "delta": (0.0, math.inf, False, False),  # hinge margin Δ
    "std": (0.0, math.inf, False, False),
}


def check_choice(param: str, value: Any, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``, else a ``ValueError`` listing them."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{param}={value!r} is not allowed; choose one of: {', '.join(allowed)}")
    return value


def check_range(param: str, value: Any, kind: str | None = None) -> float:
    """``float(value)`` if it lies in ``RANGES[kind or param]``, else a ``ValueError``."""
    lo, hi, lo_in, hi_in = RANGES[kind or param]
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"{param}={value!r} must be a number in {_interval(lo, hi, lo_in, hi_in)}")
    ok_lo = value >= lo if lo_in else value > lo
    ok_hi = value <= hi if hi_in else value < hi
    if not (ok_lo and ok_hi):
        allowed = _interval(lo, hi, lo_in, hi_in)
        raise ValueError(f"{param}={value!r} is out of range; allowed: {allowed}")
    return float(value)


def check_positive_int(param: str, value: Any, low: int = 1) -> int:
    """``value`` if it is an int ≥ ``low``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{param}={value!r} must be an integer >= {low}")
    return int(value)


def _interval(lo: float, hi: float, lo_in: bool, hi_in: bool) -> str:
    left = "[" if lo_in else "("
    right = "]" if hi_in else ")"
    hi_s = "inf" if math.isinf(hi) else f"{hi:g}"
    return f"{left}{lo:g}, {hi_s}{right}"
