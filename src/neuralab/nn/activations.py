"""Activation layers — every one on the lecture's slide — and the name -> class registry.

==============  ==============================================  =====================
name            f(x)                                            parameters
==============  ==============================================  =====================
``sigmoid``     1 / (1 + e^-x)
``tanh``        tanh(x)
``relu``        max(0, x)
``leaky_relu``  x if x > 0 else αx                              alpha = 0.01
``elu``         x if x > 0 else α(eˣ − 1)                       alpha = 1.0
``maxout``      max over k consecutive units: (N, H·k) -> (N, H)  k = 2
``linear``      x (identity)
==============  ==============================================  =====================
"""

from __future__ import annotations

from typing import Any

from ..backend import Array
from ..checks import check_choice, check_int
from ..config import ACTIVATIONS, check_range
from . import functional as F
from .layers import Layer, register


class _Elementwise(Layer):
    """An activation whose kernels are ``F.<kind>_forward`` / ``F.<kind>_backward``."""

    def forward(self, x: Array) -> Array:
        out, self._cache = self._forward(x)
        return out

    def backward(self, dout: Array, need_dx: bool = True) -> Array:
        return self._backward(dout, self._cache)


@register
class Sigmoid(_Elementwise):
    """Sigmoid σ(x) = 1 / (1 + e^−x), elementwise: x (N, H) -> (N, H).

    Backward: dx = dout · σ(x) · (1 − σ(x)), from the saved output.
    """

    _forward = staticmethod(F.sigmoid_forward)
    _backward = staticmethod(F.sigmoid_backward)


@register
class Tanh(_Elementwise):
    """tanh(x), elementwise: x (N, H) -> (N, H).

    Backward: dx = dout · (1 − tanh²(x)), from the saved output.
    """

    _forward = staticmethod(F.tanh_forward)
    _backward = staticmethod(F.tanh_backward)


@register
class Identity(_Elementwise):
    """The ``linear`` activation, f(x) = x: x (N, H) -> (N, H).

    Backward: dx = dout.
    """

    _forward = staticmethod(F.identity_forward)
    _backward = staticmethod(F.identity_backward)


@register
class ReLU(Layer):
    """max(0, x); on numpy inside a Sequential it reuses its output and gradient buffers."""

    def forward(self, x: Array) -> Array:
        out, self._cache = F.relu_forward(x, out=self._ws.get("out", tuple(x.shape), x))
        return out

    def backward(self, dout: Array, need_dx: bool = True) -> Array:
        return F.relu_backward(dout, self._cache, dx=self._ws.get("dx", tuple(dout.shape), dout))


@register
class LeakyReLU(_Elementwise):
    """Leaky ReLU, f(x) = x if x > 0 else α·x, elementwise: x (N, H) -> (N, H).

    Backward: dx = dout where x > 0, α·dout elsewhere (at x = 0 too). ``alpha`` = α ≥ 0,
    default 0.01.
    """

    _config_keys = ("alpha",)

    def __init__(self, alpha: float = 0.01) -> None:
        super().__init__()
        self.alpha = check_range("alpha", alpha)

    def _forward(self, x: Array) -> tuple[Array, Any]:
        return F.leaky_relu_forward(x, self.alpha)

    _backward = staticmethod(F.leaky_relu_backward)


@register
class ELU(_Elementwise):
    """ELU, f(x) = x if x > 0 else α·(eˣ − 1), elementwise: x (N, H) -> (N, H).

    Backward: dx = dout where x > 0, dout · α·eˣ = dout · (f(x) + α) elsewhere. ``alpha`` = α,
    default 1.0.
    """

    _config_keys = ("alpha",)

    def __init__(self, alpha: float = 1.0) -> None:
        super().__init__()
        self.alpha = check_range("alpha", alpha)

    def _forward(self, x: Array) -> tuple[Array, Any]:
        return F.elu_forward(x, self.alpha)

    _backward = staticmethod(F.elu_backward)


@register
class Maxout(_Elementwise):
    """Max over ``k`` consecutive units. Put it after a Linear with H·k outputs: (N, H·k) -> (N, H).

    :func:`neuralab.models.mlp` does this for you (see :func:`activation_width`).
    """

    _config_keys = ("k",)

    def __init__(self, k: int = 2) -> None:
        super().__init__()
        self.k = check_int("k", k, 2)

    def _forward(self, x: Array) -> tuple[Array, Any]:
        return F.maxout_forward(x, self.k)

    _backward = staticmethod(F.maxout_backward)


REGISTRY: dict[str, type[Layer]] = {
    "sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "elu": ELU,
    "maxout": Maxout, "linear": Identity,
}
assert tuple(REGISTRY) == ACTIVATIONS, "config.ACTIVATIONS and the registry must agree"


def make_activation(name: str, **kwargs: Any) -> Layer:
    """An activation layer by name, e.g. ``make_activation("leaky_relu", alpha=0.1)``."""
    check_choice("activation", name, ACTIVATIONS)
    try:
        return REGISTRY[name](**kwargs)
    except TypeError as err:
        raise ValueError(f"activation={name!r} does not take {sorted(kwargs)}: {err}") from None


def activation_width(name: str, units: int, **kwargs: Any) -> int:
    """How many pre-activation units a layer of ``units`` outputs needs (k·units for maxout)."""
    return units * kwargs.get("k", 2) if name == "maxout" else units
