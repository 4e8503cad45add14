"""The playground's network: hidden blocks and an output layer built from the config, so that
batch norm and dropout layers can come and go while it trains (the optimizer follows the
rebuilt Sequential with :meth:`neuralab.optim.Optimizer.carry_over`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import backend as B
from ..nn import (
    BatchNorm,
    Dropout,
    Layer,
    Linear,
    Sequential,
    activation_width,
    make_activation,
)
from .protocol import PlaygroundConfig

__all__ = ["INIT", "Block", "assemble", "build_network", "layer_outputs", "restructure"]

INIT = "he"  # the library's default (models.mlp), so an exported script can call models.mlp


@dataclass
class Block:
    """One hidden layer: Linear -> [BatchNorm] -> activation -> [Dropout]."""

    linear: Linear
    bn: BatchNorm | None
    act: Layer
    dropout: Dropout | None
    units: int


def build_network(config: PlaygroundConfig) -> tuple[list[Block], Linear, np.random.Generator]:
    """Hidden blocks and the output layer, with weights from ``config.seed``.

    The same construction as :func:`neuralab.models.build` (one generator; Linear, [BatchNorm],
    activation, [Dropout with a child generator] per layer), so with one activation and one
    dropout rate the network equals ``models.mlp(..., seed=config.seed)``. The generator is
    returned so that dropout layers added later (a live change) get child streams of it.
    """
    rng = B.make_rng(config.seed)
    blocks = []
    width = len(config.features)
    for i, units in enumerate(config.hidden):
        act = config.activation_at(i)
        linear = Linear(width, activation_width(act, units), init=INIT, rng=rng)
        bn = BatchNorm(linear.out_features) if config.batchnorm else None
        p = config.dropout_at(i)
        dropout = Dropout(p, rng=rng.spawn(1)[0]) if p > 0 else None
        blocks.append(Block(linear, bn, make_activation(act), dropout, units))
        width = units
    head = Linear(width, config.n_outputs, init=INIT, rng=rng)
    return blocks, head, rng


def assemble(blocks: list[Block], head: Linear) -> tuple[Sequential, list[int]]:
    """The Sequential of the blocks and the head (in train mode), and the index in it of each
    block's activation."""
    layers: list[Layer] = []
    act_index: list[int] = []
    for block in blocks:
        layers.append(block.linear)
        if block.bn is not None:
            layers.append(block.bn)
        layers.append(block.act)
        act_index.append(len(layers) - 1)
        if block.dropout is not None:
            layers.append(block.dropout)
    layers.append(head)
    return Sequential(*layers).train(), act_index


def restructure(blocks: list[Block], config: PlaygroundConfig,
                rng: np.random.Generator) -> bool:
    """Give each block the dropout rate and the batch norm ``config`` asks for (a live change:
    the weights stay); whether a block gained or lost a layer. A new dropout layer draws a
    child stream of ``rng``; a new batch norm starts at γ = 1, β = 0."""
    changed = False
    for i, block in enumerate(blocks):
        p = config.dropout_at(i)
        if p == 0 and block.dropout is not None:
            block.dropout, changed = None, True
        elif p > 0 and block.dropout is None:
            block.dropout, changed = Dropout(p, rng=rng.spawn(1)[0]), True
        elif block.dropout is not None:
            block.dropout.p = p
        if config.batchnorm and block.bn is None:
            block.bn, changed = BatchNorm(block.linear.out_features), True
        elif not config.batchnorm and block.bn is not None:
            block.bn, changed = None, True
    return changed


def layer_outputs(model: Sequential, x: B.Array) -> list[B.Array]:
    """Every layer's output for input ``x``, in eval mode, from one pass through the model.

    The heatmaps of all neurons come from this single batched pass over the grid. The arrays
    may be the layers' reused buffers: read them before the model runs again.
    """
    was_training = model.training
    model.eval()
    try:
        outs = []
        for layer in model.layers:
            x = layer.forward(x)
            outs.append(x)
        return outs
    finally:
        model.train(was_training)
