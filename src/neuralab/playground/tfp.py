"""TensorFlow Playground's training rules (``rules: "tfp"``), next to the library's own.

With this switch on, a session trains as playground.tensorflow.org does (its ``nn.ts`` and
``playground.ts``), on the library's layers and activations, in float64 as JavaScript does:

* **network**: weights ``U(-0.5, 0.5)`` and biases ``0.1`` (drawn from the config's ``seed``,
  not from the browser's ``Math.random``); hidden layers as configured; ONE output unit,
  ``tanh`` for classification (labels −1 / +1: class 0 / class 1) and linear for regression.
* **loss**: ``½(o − t)²`` per example, so the output's gradient is ``o − t``; the loss a frame
  shows is its mean over a split, as TFP's ``getLoss``.
* **updates**: TFP accumulates each example's gradient and updates after every
  ``batch_size``-th example *of the epoch* (``(i + 1) % batchSize == 0``), with the mean of
  what it accumulated since the last update. The examples of a last partial batch are not
  lost: they are part of the next update (the first of the next epoch). Between two updates
  the weights do not change, so that mean is the gradient of the batch of those examples:
  :class:`Training` keeps them and takes it in one batched forward / backward pass.
* **regularization** (weights only, never biases), after the gradient step, with ``R'``
  taken at the weight *before* the update (``nn.ts``'s ``updateWeights``)::

      w1 = w − lr · mean gradient
      w2 = w1 − lr · rate · R'(w)         L2: R = ½ w², R' = w;   L1: R = |w|, R' = sign(w)

  With L1, a weight that the regularization term moves across 0 (``w1 · w2 < 0``) is set to
  0 and its link is *dead*: never updated again (its gradient is no longer accumulated).
* **order**: the training points in the data's order (shuffled once when generated) every
  epoch — no reshuffle.
* **data**: 500 points to classify, 1200 to regress; the first ``floor(n · ratio / 100)`` of
  them train (:func:`~neuralab.playground.points.split_index` with ``floor=True``). The
  protocol pins the fields TFP has no control for (PROTOCOL.md).

The exported script (:mod:`~neuralab.playground.export`) builds its network with
:func:`mlp` and trains with :class:`Training`, so it ends with the session's parameters bit for
bit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import backend as B
from ..losses import NonFiniteScores
from ..nn import Layer, Linear, Sequential, activation_width, make_activation
from .network import Block, assemble
from .points import featurize
from .protocol import PlaygroundConfig

__all__ = ["BIAS", "DTYPE", "WEIGHT_RANGE", "Training", "build_network", "class_scores",
           "frame_loss", "half_squared_error", "inputs", "mlp", "output_activation",
           "output_map", "targets", "update_due"]

WEIGHT_RANGE = 0.5  # initial weights U(-0.5, 0.5), TFP's Math.random() - 0.5
BIAS = 0.1  # initial biases, TFP's Node.bias
DTYPE = "float64"  # JavaScript's numbers


# --------------------------------------------------------------------------- the network
def _linear(fan_in: int, fan_out: int, rng: np.random.Generator) -> Linear:
    """A float64 Linear with TFP's initial values: weights U(−0.5, 0.5), drawn destination unit
    by destination unit as TFP creates its links, biases 0.1."""
    lin = Linear(fan_in, fan_out, init="xavier", rng=0, dtype=DTYPE)  # values replaced below
    lin.weight.value[...] = rng.uniform(-WEIGHT_RANGE, WEIGHT_RANGE, (fan_out, fan_in)).T
    lin.bias.value[...] = BIAS
    return lin


def build_blocks(n_inputs: int, hidden: Sequence[int], activations: Sequence[str],
                 n_outputs: int, seed: int) -> tuple[list[Block], Linear]:
    """The hidden blocks (Linear → activation; TFP has no batch norm or dropout) and the output
    Linear, with TFP's initial values drawn from ``seed``."""
    rng = B.make_rng(seed)
    blocks = []
    width = n_inputs
    for units, act in zip(hidden, activations, strict=True):
        linear = _linear(width, activation_width(act, units), rng)
        blocks.append(Block(linear, None, make_activation(act), None, units))
        width = units
    return blocks, _linear(width, n_outputs, rng)


def output_activation(classification: bool) -> Layer | None:
    """TFP's output unit: ``tanh`` for classification, linear (none) for regression."""
    return make_activation("tanh") if classification else None


def build_network(config: PlaygroundConfig) -> tuple[list[Block], Linear, Layer | None]:
    """A session's network under TFP's rules: blocks, output Linear (one unit) and output
    activation."""
    blocks, head = build_blocks(len(config.features), config.hidden,
                                [config.activation_at(i) for i in range(len(config.hidden))],
                                1, config.seed)
    return blocks, head, output_activation(config.classification)


def mlp(n_inputs: int, hidden: Sequence[int], activations: Sequence[str], classification: bool,
        seed: int) -> Sequential:
    """The network of :func:`build_network` as one Sequential (what the exported script
    trains): ``[Linear → activation] per hidden layer → Linear(·, 1) → [tanh]``."""
    blocks, head = build_blocks(n_inputs, hidden, activations, 1, seed)
    return assemble(blocks, head, output_activation(classification))[0]


# --------------------------------------------------------------------------- data
def inputs(X: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """The network's inputs for points ``X``, in float64 (as TFP computes them)."""
    return featurize(np.asarray(X, dtype=np.float64), features, dtype=np.float64)


def targets(y: np.ndarray, classification: bool) -> np.ndarray:
    """TFP's targets, (N, 1) float64: class 1 → +1 and class 0 → −1, or the regression
    value."""
    y = np.asarray(y)
    t = 2.0 * y - 1.0 if classification else y
    return t.astype(np.float64).reshape(-1, 1)


# --------------------------------------------------------------------------- loss
def half_squared_error(pred: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``mean ½(o − t)²`` over the batch and its gradient ``(o − t) / N``: the mean of TFP's
    per-example ``Errors.SQUARE`` (whose derivative is ``o − t``)."""
    diff = pred - target
    n = diff.shape[0]
    return 0.5 * np.sum(diff * diff) / n, diff / n


def class_scores(out: np.ndarray) -> np.ndarray:
    """Two class scores ``[−o, o]`` from the tanh output ``o`` (N, 1): their argmax is the
    class TFP draws (class 1 where ``o > 0``)."""
    return np.concatenate([-out, out], axis=1)


def output_map(out: np.ndarray, classification: bool) -> np.ndarray:
    """The output heatmap's values: class probabilities ``[(1 − o)/2, (1 + o)/2]`` for the
    tanh output (the page's two-class picture of TFP's −1 … 1 colour scale), else ``o``."""
    return np.concatenate([(1.0 - out) / 2.0, (1.0 + out) / 2.0], axis=1) if classification \
        else out


def frame_loss(classification: bool) -> Callable[[np.ndarray, np.ndarray], tuple[float, None]]:
    """The loss a frame shows, TFP's ``getLoss``: ``mean ½(o − t)²`` from the frame's scores
    (:func:`class_scores` for classification) and the class labels or targets."""

    def loss(scores: np.ndarray, y: np.ndarray) -> tuple[float, None]:
        out = scores[:, 1:2] if classification else scores
        return float(half_squared_error(out, targets(y, classification))[0]), None

    return loss


# --------------------------------------------------------------------------- training
def update_due(end: int, batch_size: int) -> bool:
    """Whether TFP updates after the example at 0-based index ``end − 1`` of the epoch."""
    return end % batch_size == 0


class Training:
    """TFP's accumulate-and-update training of a network (``nn.ts``'s ``backProp`` and
    ``updateWeights``), batched.

    :meth:`add` stands for TFP's per-example forward and backward passes: it keeps the
    examples; :meth:`update` takes the mean gradient over all examples kept since the last
    update in one forward / backward pass (the weights have not changed in between, so it is
    the mean of the per-example gradients TFP accumulates) and applies TFP's update.

    Attributes
    ----------
    dead : list of numpy.ndarray
        Per Linear layer, the dead links (bool, like its weight): set to 0 by L1, never
        updated again.
    """

    def __init__(self, model: Sequential) -> None:
        self.model = model
        self.linears = [layer for layer in model.layers if isinstance(layer, Linear)]
        self.dead = [np.zeros(lin.weight.value.shape, dtype=bool) for lin in self.linears]
        self._x: list[np.ndarray] = []
        self._t: list[np.ndarray] = []

    @property
    def pending(self) -> int:
        """Examples added since the last update."""
        return sum(len(x) for x in self._x)

    def add(self, x: np.ndarray, t: np.ndarray) -> None:
        """Examples (inputs (N, D), targets (N, 1)) whose gradients join the next update."""
        self._x.append(np.asarray(x, dtype=np.float64))
        self._t.append(np.asarray(t, dtype=np.float64))

    def update(self, lr: float, reg: str = "none", rate: float = 0.0) -> float:
        """TFP's ``updateWeights`` with the mean gradient of the examples added since the last
        update; returns their mean loss ``½(o − t)²``. ``reg`` is ``"none"``, ``"l1"`` or
        ``"l2"``, ``rate`` TFP's regularization rate.

        Raises
        ------
        NonFiniteScores
            If the network's outputs are NaN or infinite (nothing is updated then).
        """
        if not self._x:
            return float("nan")
        x, t = np.concatenate(self._x), np.concatenate(self._t)
        self._x, self._t = [], []
        out = self.model.forward(x)
        if not np.isfinite(out).all():
            raise NonFiniteScores("outputs contain NaN or inf")
        loss, dout = half_squared_error(out, t)
        self.model.backward(dout, need_dx=False)
        for lin, dead in zip(self.linears, self.dead, strict=True):
            b = lin.bias
            b.value -= lr * b.grad
            w = lin.weight.value
            before = w.copy()
            w -= lr * lin.weight.grad
            if reg == "l2":
                w -= (lr * rate) * before
            elif reg == "l1":
                moved = w - (lr * rate) * np.sign(before)
                # crossed 0 by the regularization term: set to 0, and the link dies
                crossed = (w * moved < 0) & ~dead
                w[...] = np.where(crossed, 0.0, moved)
                w[dead] = before[dead]  # dead links keep their value (0, or a set_weight's)
                dead |= crossed
                continue
            w[dead] = before[dead]
        return float(loss)
