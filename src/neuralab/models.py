"""Model factories: the lecture's linear classifier and fully-connected networks.

Both return a :class:`~neuralab.nn.Sequential` on numpy (float32); move it with ``.to(...)``.
"""

from __future__ import annotations

from typing import Any

from . import backend as B
from .checks import check_int
from .config import INIT_STD, ModelConfig
from .nn import BatchNorm, Dropout, Layer, Linear, Sequential, activation_width, make_activation


def linear(
    n_features: int, n_classes: int, *, init: str = "normal", std: float | None = INIT_STD,
    seed: int | B.Generator | None = None,
) -> Sequential:
    """``f(x, W) = x W + b``: one Linear layer, W (D, C) with small random weights (std 1e-3,
    as CS231n's linear classifiers) — one template per class in W's columns."""
    std = std if init == "normal" else None
    return Sequential(Linear(n_features, n_classes, init=init, std=std, rng=B.make_rng(seed)))


def mlp(
    n_features: int, n_classes: int, hidden: tuple[int, ...] | list[int] = (100,), *,
    activation: str = "relu", alpha: float | None = None, k: int = 2, dropout: float = 0.0,
    batchnorm: bool = False, init: str = "he", std: float | None = None,
    seed: int | B.Generator | None = None,
) -> Sequential:
    """A fully-connected network: for each hidden width H,
    ``Linear(·, H') → [BatchNorm(H')] → activation → [Dropout(p)]``, then ``Linear(·, C)``.

    H' = H, except for maxout, whose Linear has H·k outputs that the maxout reduces to H.
    ``alpha`` is Leaky ReLU's slope or ELU's α; ``dropout`` is the probability of dropping.
    """
    config = ModelConfig.parse(
        kind="mlp", hidden=tuple(hidden), activation=activation, alpha=alpha, k=k,
        dropout=dropout, batchnorm=batchnorm, init=init, std=std,
    )
    return build(config, n_features, n_classes, seed=seed)


def build(
    config: ModelConfig, n_features: int, n_classes: int, seed: int | B.Generator | None = None
) -> Sequential:
    """The model described by a validated :class:`~neuralab.config.ModelConfig`."""
    check_int("n_features", n_features, 1)
    check_int("n_classes", n_classes, 1)
    rng = B.make_rng(seed)  # one generator: weights and dropout masks follow from the seed
    if config.kind == "linear":
        init = config.init if config.init != "he" else "normal"
        return linear(n_features, n_classes, init=init, std=config.std or INIT_STD, seed=rng)
    act_kwargs: dict[str, Any] = {}
    if config.activation in ("leaky_relu", "elu") and config.alpha is not None:
        act_kwargs["alpha"] = config.alpha
    if config.activation == "maxout":
        act_kwargs["k"] = config.k
    layers: list[Layer] = []
    width = n_features
    for units in config.hidden:
        pre = activation_width(config.activation, units, **act_kwargs)
        layers.append(Linear(width, pre, init=config.init, std=config.std, rng=rng))
        if config.batchnorm:
            layers.append(BatchNorm(pre))
        layers.append(make_activation(config.activation, **act_kwargs))
        if config.dropout > 0:
            # a child stream per layer: masks never depend on how many weights were drawn
            layers.append(Dropout(config.dropout, rng=rng.spawn(1)[0]))
        width = units
    layers.append(Linear(width, n_classes, init=config.init, std=config.std, rng=rng))
    return Sequential(*layers)
