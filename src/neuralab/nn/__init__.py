"""Layers, activations and containers (see :mod:`neuralab.nn.functional` for the math)."""

from . import functional, init
from .activations import (
    ELU,
    Identity,
    LeakyReLU,
    Maxout,
    ReLU,
    Sigmoid,
    Tanh,
    activation_width,
    make_activation,
)
from .activations import (
    REGISTRY as ACTIVATION_REGISTRY,
)
from .layers import LAYERS, BatchNorm, Dropout, Flatten, Layer, Linear, Param
from .sequential import Sequential

__all__ = [
    "ACTIVATION_REGISTRY", "ELU", "LAYERS", "BatchNorm", "Dropout", "Flatten", "Identity",
    "Layer", "LeakyReLU", "Linear", "Maxout", "Param", "ReLU", "Sequential",
    "Sigmoid", "Tanh",
    "activation_width", "functional", "init", "make_activation",
]
