"""The playground's network: hidden blocks and an output layer built from the config, so that
batch norm and dropout layers can come and go while it trains (the optimizer follows the
rebuilt Sequential with :meth:`neuralab.optim.Optimizer.carry_over`)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import backend as B
from ..nn import (
    BatchNorm,
    Dropout,
    Layer,
    Linear,
    ReLU,
    Sequential,
    activation_width,
    make_activation,
)
from .protocol import PlaygroundConfig

__all__ = ["INIT", "RELU_BIAS", "WEIGHT_SCALE", "Block", "assemble", "build_network",
           "layer_outputs", "restructure", "small_net_init"]

INIT = "he"  # drawn as the library's default (models.mlp), so an exported script can call it
# ReLU layers then start with small weights and a positive bias (small_net_init): with He's
# weights and bias 0, a ReLU unit that starts negative on every point never learns again, and
# the default [4, 2] ReLU net lost the circle in 4 of 10 seeds. He / √8 = N(0, 1/(4·fan_in))
# (√8: the raw coordinates the playground feeds have variance ≈ 8, not 1) with bias 0.5 starts
# every unit active over most of the plane. Tanh, sigmoid and the rest keep He and bias 0 (a
# bias moves tanh off its symmetric point, and smaller weights fade through deep tanh nets).
WEIGHT_SCALE = 1.0 / math.sqrt(8.0)
RELU_BIAS = 0.5


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
    dropout rate the network equals ``models.mlp(..., seed=config.seed)`` passed through
    :func:`small_net_init` (smaller weights, ReLU biases 0.5). The generator is returned so
    that dropout layers added later (a live change) get child streams of it.
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
    small_net_init(assemble(blocks, head)[0])
    return blocks, head, rng


def small_net_init(model: Sequential) -> Sequential:
    """The playground's start for ReLU layers, in place (the exported script calls it too): a
    Linear that feeds a ReLU (after an optional batch norm) starts with weights times
    :data:`WEIGHT_SCALE` (He / √8) and biases :data:`RELU_BIAS`, so that every ReLU unit starts
    active over most of the plane; the output Linear after a ReLU layer is scaled alike.
    Other layers keep He's weights and zero biases. Returns ``model``."""
    layers = model.layers
    before: Layer | None = None  # the activation before the current Linear
    for k, layer in enumerate(layers):
        if not isinstance(layer, Linear):
            if not isinstance(layer, BatchNorm | Dropout):
                before = layer
            continue
        after = [x for x in layers[k + 1:k + 3] if not isinstance(x, BatchNorm)][:1]
        feeds_relu = bool(after) and isinstance(after[0], ReLU)
        if feeds_relu or (not after and isinstance(before, ReLU)):
            layer.weight.value *= WEIGHT_SCALE
        if feeds_relu:
            layer.bias.value[...] = RELU_BIAS
    return model


def assemble(blocks: list[Block], head: Linear,
             out: Layer | None = None) -> tuple[Sequential, list[int]]:
    """The Sequential of the blocks, the head and its activation ``out`` if any (TFP's tanh
    output unit, :mod:`~neuralab.playground.tfp`), in train mode, and the index in it of each
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
    if out is not None:
        layers.append(out)
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

    Then one row goes through again: a layer keeps its last pass (its backward cache and its
    reused output buffer), and a session's last pass is its frame's — G² + N rows per layer,
    ~30 MB at 6 × 32, G = 128 and 5,000 points, held for as long as the session lives. After
    the one-row pass the layers hold one row; the arrays returned stay intact (a buffer of
    another shape is a new buffer).
    """
    was_training = model.training
    model.eval()
    try:
        outs = []
        row = x[:1]
        for layer in model.layers:
            x = layer.forward(x)
            outs.append(x)
        if outs and outs[0].shape[0] > 1:
            for layer in model.layers:
                row = layer.forward(row)
        return outs
    finally:
        model.train(was_training)
