"""One playground session: data, network and training, driven one message at a time.

A :class:`Session` is plain Python (no server, no asyncio, no threads): the WebSocket layer
calls :meth:`Session.apply` for each client message and :meth:`Session.tick` while playing,
and sends back what they return — JSON-able dicts as text frames, ``bytes`` as binary frames.
It runs the library's own objects (a :class:`~neuralab.nn.Sequential`, a loss from
:mod:`neuralab.losses`, a regularizer, an optimizer) exactly as the Trainer's inner loop does,
only a few minibatches at a time, and turns their state into frames (PROTOCOL.md).

Reproducibility: everything random comes from the config's seeds — the data from
``data_seed``, the weights and dropout masks from ``seed``, the minibatch order from
``(seed, epoch)`` (:func:`neuralab.backend.epoch_permutation`, as the Trainer) — so the same
config and the same messages give the same frames, byte for byte.
"""

from __future__ import annotations

import base64
import functools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import safetensors.numpy

from .. import backend as B
from ..data.toy2d import toy
from ..features import PLAYGROUND_FEATURES, playground, polar
from ..io import FORMAT_VERSION
from ..losses import NonFiniteScores, get_loss, softmax
from ..nn import (
    BatchNorm,
    Dropout,
    Layer,
    Linear,
    Param,
    Sequential,
    activation_width,
    make_activation,
)
from ..optim import Optimizer, get_optimizer
from ..regularizers import Regularizer, get_regularizer
from .protocol import (
    DATA_FIELDS,
    DATASETS,
    DELETE_RADIUS,
    DOMAIN,
    FEATURES,
    LIMITS,
    MAX_POINTS,
    NET_FIELDS,
    PROTOCOL_VERSION,
    AddPointMessage,
    ConfigMessage,
    DeletePointMessage,
    ExportMessage,
    ImportCsvMessage,
    Message,
    PlaygroundConfig,
    ProtocolError,
    SetWeightMessage,
    _f32,
    encode_frame,
    format_points_csv,
    parse_points_csv,
    resolve_config,
    validate_patch,
)

__all__ = ["Session", "featurize", "grid_points", "layer_outputs", "split_index"]

Outgoing = dict[str, Any] | bytes
INIT = "he"  # the library's default (models.mlp), so an exported script can call models.mlp


# --------------------------------------------------------------------------- helpers
def featurize(X: np.ndarray, names: list[str] | tuple[str, ...]) -> np.ndarray:
    """The network's inputs for points ``X`` (N, 2): one column per feature name, float32.

    ``x1, x2, x1^2, x2^2, x1x2, sin_x1, sin_x2`` come from
    :func:`neuralab.features.playground`, ``r`` and ``theta`` from
    :func:`neuralab.features.polar`.
    """
    X = np.asarray(X, dtype=np.float32).reshape(-1, 2)
    if X.shape[0] == 0:
        return np.zeros((0, len(names)), dtype=np.float32)
    maps = [n for n in names if n in PLAYGROUND_FEATURES]
    cols: dict[str, np.ndarray] = dict(zip(maps, playground(X, maps).T, strict=True)) if maps \
        else {}
    if "r" in names or "theta" in names:
        cols.update(zip(("r", "theta"), polar(X).T, strict=True))
    return np.ascontiguousarray(np.stack([cols[n] for n in names], axis=1), dtype=np.float32)


def grid_points(g: int) -> np.ndarray:
    """The heatmaps' G×G sample points, (G², 2) float32, row-major from the top-left.

    Pixel (row r, column c) samples the centre of its cell: ``x = -6 + (c + ½)·12/G``,
    ``y = 6 - (r + ½)·12/G``.
    """
    centres = -DOMAIN + (np.arange(g) + 0.5) * (2 * DOMAIN / g)
    xx, yy = np.meshgrid(centres, centres[::-1])  # rows: y from +6 down to -6
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


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


def split_index(n: int, train_ratio: float) -> int:
    """How many of ``n`` shuffled points go to training (the first ones)."""
    return math.floor(n * train_ratio / 100.0 + 0.5)


def _quantize(a: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float,
              finite: bool = True) -> np.ndarray:
    """``a`` mapped linearly from [lo, hi] to 0..255 (uint8, rounded, clipped); ``lo``/``hi``
    broadcast per column. A column with hi == lo maps to 0. ``finite=False`` when ``a`` may
    hold NaN/inf (a diverged network): NaN then maps to 0."""
    lo = np.asarray(lo, dtype=np.float32)
    span = np.asarray(hi, dtype=np.float32) - lo
    scale = np.divide(np.float32(255.0), span, out=np.zeros_like(span), where=span > 0)
    q = a * scale  # two passes for the affine map: q = a·s + (½ − lo·s)
    q += np.float32(0.5) - lo * scale
    if not finite:
        np.nan_to_num(q, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
    np.clip(q, 0.0, 255.0, out=q)
    return q.astype(np.uint8)


def _quiet(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` without numpy's overflow/invalid warnings: a diverging network is an
    expected event here, reported as a ``diverged`` message and null metrics."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return method(*args, **kwargs)

    return wrapper


def _num(x: Any) -> float | None:
    """A JSON-safe float: ``None`` for NaN/inf (JSON has neither)."""
    x = float(x)
    return x if math.isfinite(x) else None


def _json_array(a: np.ndarray, decimals: int = 6) -> list[Any]:
    """Nested lists of rounded floats (``None`` where not finite)."""
    a = np.asarray(a, dtype=np.float64)
    if np.isfinite(a).all():
        return np.round(a, decimals).tolist()
    out = np.round(a, decimals).astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


# --------------------------------------------------------------------------- state pieces
@dataclass
class _Data:
    """The points: positions (N, 2) float32, labels int64 (classes) or float32 (targets)."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


@dataclass
class _Block:
    """One hidden layer: Linear -> [BatchNorm] -> activation -> [Dropout]."""

    linear: Linear
    bn: BatchNorm | None
    act: Layer
    dropout: Dropout | None
    units: int


def generate_data(config: PlaygroundConfig) -> _Data:
    """The config's toy data set, split train/test by ``train_ratio`` (first points train)."""
    classes = config.classes if config.classification else None
    X, y = toy(config.dataset, n=config.n_points, noise=config.noise / 100.0,
               seed=config.data_seed, classes=classes)
    k = split_index(len(X), config.train_ratio)
    return _Data(X[:k], y[:k], X[k:], y[k:])


def build_network(config: PlaygroundConfig) -> tuple[list[_Block], Linear, np.random.Generator]:
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
        blocks.append(_Block(linear, bn, make_activation(act), dropout, units))
        width = units
    head = Linear(width, config.n_outputs, init=INIT, rng=rng)
    return blocks, head, rng


# --------------------------------------------------------------------------- the session
class Session:
    """A playground session: one per browser tab (PROTOCOL.md).

    Parameters
    ----------
    config : PlaygroundConfig or dict, optional
        The starting configuration (a dict may be partial); default: PROTOCOL.md's defaults.

    Attributes
    ----------
    config : PlaygroundConfig
    playing : bool
        Whether the server should keep training and pushing frames (:meth:`tick`).
    epoch : int
        Epochs completed since the last reset.
    step : int
        Minibatch steps taken since the last reset.
    model : Sequential
        The network, in train mode.
    """

    def __init__(self, config: PlaygroundConfig | dict[str, Any] | None = None) -> None:
        if config is None:
            config = PlaygroundConfig()
        elif isinstance(config, dict):
            config = resolve_config(PlaygroundConfig(), validate_patch(config))
        self.config = config
        self.playing = False
        self.custom_data = False  # points edited or imported: not reproducible from data_seed
        self._data = generate_data(config)
        self._grid_cache: tuple[tuple[Any, ...], np.ndarray, bytes, list[dict]] | None = None
        self._eval_x: np.ndarray | None = None
        self._data_changed()
        self._loss_fn = get_loss(config.loss)
        self._regularizer: Regularizer = get_regularizer(config.reg, config.lam, config.beta)
        self._optimizer: Optimizer | None = None
        self._build()

    # -- messages ----------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:
        """The first message of a connection: version, full config, limits, data sets."""
        return {"type": "hello", "version": PROTOCOL_VERSION, "config": self.config.model_dump(),
                "limits": LIMITS, "datasets": DATASETS, "features": list(FEATURES)}

    def config_message(self) -> dict[str, Any]:
        """The full config as the server now holds it (sent after every change to it)."""
        return {"type": "config", "config": self.config.model_dump()}

    def points(self) -> dict[str, Any]:
        """The ``points`` message: ``[x, y, label]`` per point of each split."""
        d = self._data
        return {"type": "points", "train": self._point_rows(d.X_train, d.y_train),
                "test": self._point_rows(d.X_test, d.y_test)}

    def _point_rows(self, X: np.ndarray, y: np.ndarray) -> list[list[Any]]:
        xy = np.round(X.astype(np.float64), 5).tolist()
        labels = y.tolist() if self.config.classification else np.round(
            y.astype(np.float64), 5).tolist()
        return [[a, b, c] for (a, b), c in zip(xy, labels, strict=True)]

    def apply(self, message: Message) -> list[Outgoing]:
        """Carry out one validated client message; returns the replies to send, in order.

        Raises
        ------
        ProtocolError
            If the message cannot apply to this session (a label outside the classes, a
            weight index outside the layer ...). The session is unchanged then.
        """
        handler: Callable[[Any], list[Outgoing]] = getattr(self, f"_on_{message.type}")
        return handler(message)

    def _on_config(self, message: ConfigMessage) -> list[Outgoing]:
        old = self.config
        new = resolve_config(old, message.config)
        changed = {k for k in type(new).model_fields if getattr(new, k) != getattr(old, k)}
        extra: list[Outgoing] = []
        if changed & DATA_FIELDS:
            data = generate_data(new)  # may raise: nothing has changed yet
            self.config, self._data, self.custom_data = new, data, False
            self._data_changed()
            self._make_loss_and_reg()
            self._build()
            extra.append(self.points())
        elif changed & NET_FIELDS:
            self.config = new
            if "features" in changed:
                self._data_changed()
            self._make_loss_and_reg()
            self._build()
        else:
            self.config = new
            self._apply_live(changed)
        return [self.config_message(), *extra, self.frame()]

    def _on_play(self, message: Message) -> list[Outgoing]:
        self.playing = not self._at_cap()
        return [] if self.playing else [self.frame()]  # at epoch_cap: show that it stays paused

    def _on_pause(self, message: Message) -> list[Outgoing]:
        self.playing = False
        return [self.frame()]

    def _on_step(self, message: Message) -> list[Outgoing]:
        self.playing = False
        diverged = self.train_epoch()
        return [*([diverged] if diverged else []), self.frame()]

    def _on_reset(self, message: Message) -> list[Outgoing]:
        self._build()
        return [self.frame()]

    def _on_regenerate(self, message: Message) -> list[Outgoing]:
        new = resolve_config(self.config, {"data_seed": (self.config.data_seed + 1) % 2**32})
        self._data, self.config, self.custom_data = generate_data(new), new, False
        self._data_changed()
        self._build()
        return [self.config_message(), self.points(), self.frame()]

    def _on_frame(self, message: Message) -> list[Outgoing]:
        return [self.frame()]

    def _on_export(self, message: ExportMessage) -> list[Outgoing]:
        return [self.export(message.what)]

    def _on_add_point(self, message: AddPointMessage) -> list[Outgoing]:
        d = self._data
        if len(d.X_train) + len(d.X_test) >= MAX_POINTS:
            raise ProtocolError(f"the data already has {MAX_POINTS} points, the most allowed; "
                                f"delete some first", "x")
        label = self._check_label(message.label)
        X_new = np.array([[message.x, message.y]], dtype=np.float32)
        y_new = np.array([label], dtype=d.y_train.dtype)
        if message.split == "train":
            d.X_train, d.y_train = np.concatenate([d.X_train, X_new]), np.concatenate(
                [d.y_train, y_new])
        else:
            d.X_test, d.y_test = np.concatenate([d.X_test, X_new]), np.concatenate(
                [d.y_test, y_new])
        self.custom_data = True
        self._data_changed()
        return [self.points(), self.frame()]

    def _check_label(self, label: int | float) -> int | float:
        if not self.config.classification:
            return float(label)
        k = self.config.classes
        if (isinstance(label, float) and not label.is_integer()) or not 0 <= label < k:
            raise ProtocolError(f"label={label!r} must be a class in [0, {k - 1}]", "label")
        return int(label)

    def _on_delete_point(self, message: DeletePointMessage) -> list[Outgoing]:
        d = self._data
        target = np.array([message.x, message.y], dtype=np.float32)
        best: tuple[float, str, int] | None = None
        for split, X in (("train", d.X_train), ("test", d.X_test)):
            if len(X):
                dist = np.hypot(*(X - target).T)
                i = int(np.argmin(dist))
                if dist[i] <= DELETE_RADIUS and (best is None or dist[i] < best[0]):
                    best = (float(dist[i]), split, i)
        if best is None:
            return []  # nothing near: a click on empty space is not an error
        _, split, i = best
        if split == "train":
            d.X_train, d.y_train = np.delete(d.X_train, i, 0), np.delete(d.y_train, i)
        else:
            d.X_test, d.y_test = np.delete(d.X_test, i, 0), np.delete(d.y_test, i)
        self.custom_data = True
        self._data_changed()
        return [self.points(), self.frame()]

    def _on_import_csv(self, message: ImportCsvMessage) -> list[Outgoing]:
        c = self.config
        *arrays, classes = parse_points_csv(message.text, c.classification, c.data_seed,
                                            c.train_ratio)
        data = _Data(*arrays)
        old = self.config
        self.config = old.model_copy(update={"classes": classes}) if classes else old
        self._data, self.custom_data = data, True
        self._data_changed()
        self._build()
        return [self.config_message(), self.points(), self.frame()]

    def _on_set_weight(self, message: SetWeightMessage) -> list[Outgoing]:
        linears = [b.linear for b in self._blocks] + [self._head]
        if message.layer >= len(linears):
            raise ProtocolError(f"layer={message.layer} does not exist; the network has "
                                f"{len(linears)} Linear layers (0-{len(linears) - 1})", "layer")
        w = linears[message.layer].weight.value
        for name, index, size in (("i", message.i, w.shape[0]), ("j", message.j, w.shape[1])):
            if index >= size:
                raise ProtocolError(f"{name}={index} is out of range; layer {message.layer}'s "
                                    f"weights are {w.shape[0]} x {w.shape[1]}", name)
        w[message.i, message.j] = message.value
        return [self.frame()]

    # -- training ----------------------------------------------------------------------------
    def tick(self) -> list[Outgoing]:
        """One frame's worth of play: ``steps_per_frame`` steps, then a frame (what the server
        sends while playing). Nothing when paused."""
        if not self.playing:
            return []
        diverged = self.train_steps(self.config.steps_per_frame)
        return [*([diverged] if diverged else []), self.frame()]

    @_quiet
    def train_steps(self, k: int) -> dict[str, Any] | None:
        """Take up to ``k`` minibatch steps; returns the ``diverged`` message if the loss
        became NaN/inf (training then pauses). Stops early at ``epoch_cap`` (and pauses)."""
        for _ in range(k):
            if self._at_cap():
                self.playing = False
                return None
            status = self._step()
            if status is False:
                return self._diverged()
            if status is None:
                return None
        return None

    @_quiet
    def train_epoch(self) -> dict[str, Any] | None:
        """Train until the epoch counter advances by one (finishing the current epoch)."""
        start = self.epoch
        bound = 2 * (len(self._data.X_train) + 2)  # more steps than an epoch can need
        for _ in range(bound):
            if self.epoch != start or self._at_cap():
                break
            status = self._step()
            if status is False:
                return self._diverged()
            if status is None:
                break
        return None

    def _at_cap(self) -> bool:
        cap = self.config.epoch_cap
        return cap is not None and self.epoch >= cap

    def _step(self) -> bool | None:
        """One minibatch step: True done, False diverged, None impossible (no data)."""
        F, y = self._F_train, self._y_train
        n = F.shape[0]
        bn = self.config.batchnorm
        if n == 0 or (bn and n < 2):
            return None
        if self._offset >= n:  # points were deleted mid-epoch
            self._end_epoch()
        if self._order is None or self._order.shape[0] != n:
            self._order = B.epoch_permutation(self.config.seed, self.epoch + 1, n)
        start = self._offset
        end = min(start + self.config.batch_size, n)
        if bn and n - end == 1:  # never leave batch norm a last batch of one example
            end = n
        if bn and end - start < 2:  # only after points were deleted mid-epoch
            self._end_epoch()
            return True
        idx = self._order[start:end]
        scores = self.model.forward(F[idx])
        try:
            loss, dscores = self._loss_fn(scores, y[idx])
        except NonFiniteScores:
            return False
        if not math.isfinite(loss):
            return False
        self.model.backward(dscores, need_dx=False)
        self._regularizer.add_grad(self._params)
        self._optimizer.step()
        self.step += 1
        self._offset = end
        if end >= n:
            self._end_epoch()
        return True

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._offset = 0
        self._order = None

    def _diverged(self) -> dict[str, Any]:
        self.playing = False
        lr = self.config.lr
        return {"type": "diverged", "epoch": self.epoch, "step": self.step,
                "message": f"training diverged at epoch {self.epoch}, step {self.step}: the "
                           f"loss is NaN or infinite (lr={lr:g}); try a lower learning rate, "
                           f"e.g. lr={lr / 10:g}"}

    # -- building ----------------------------------------------------------------------------
    def _build(self) -> None:
        """(Re)build the network from ``seed`` and restart training at epoch 0."""
        self._blocks, self._head, self._init_rng = build_network(self.config)
        self._assemble()
        self._optimizer = get_optimizer(self.config.optimizer, self._params, self.config.lr)
        self.epoch = self.step = self._offset = 0
        self._order: np.ndarray | None = None

    def _assemble(self) -> None:
        """The Sequential from the blocks (after a block gained or lost a layer)."""
        layers: list[Layer] = []
        self._act_index: list[int] = []
        for block in self._blocks:
            layers.append(block.linear)
            if block.bn is not None:
                layers.append(block.bn)
            layers.append(block.act)
            self._act_index.append(len(layers) - 1)
            if block.dropout is not None:
                layers.append(block.dropout)
        layers.append(self._head)
        self.model = Sequential(*layers).train()
        self._params: list[Param] = self.model.params()

    def _make_loss_and_reg(self) -> None:
        """Loss and regularizer for the current config (the optimizer comes with _build)."""
        c = self.config
        self._loss_fn = get_loss(c.loss)
        self._regularizer = get_regularizer(c.reg, c.lam, c.beta)

    def _apply_live(self, changed: set[str]) -> None:
        """Apply live fields to the running network; its weights stay as they are."""
        c = self.config
        if "loss" in changed:
            self._loss_fn = get_loss(c.loss)
        if changed & {"reg", "lam", "beta"}:
            self._regularizer = get_regularizer(c.reg, c.lam, c.beta)
        structure = False
        for i, block in enumerate(self._blocks):
            p = c.dropout_at(i)
            if p == 0 and block.dropout is not None:
                block.dropout, structure = None, True
            elif p > 0 and block.dropout is None:
                block.dropout, structure = Dropout(p, rng=self._init_rng.spawn(1)[0]), True
            elif block.dropout is not None:
                block.dropout.p = p
            if c.batchnorm and block.bn is None:
                block.bn, structure = BatchNorm(block.linear.out_features), True  # γ=1, β=0
            elif not c.batchnorm and block.bn is not None:
                block.bn, structure = None, True
        if structure:
            self._assemble()
        if "optimizer" in changed:
            self._optimizer = get_optimizer(c.optimizer, self._params, c.lr)
        elif structure:
            self._optimizer = _carry_over(self._optimizer, self._params)
        self._optimizer.lr = c.lr
        if "grid" in changed:
            self._eval_x = None
        if self._at_cap():
            self.playing = False

    def _data_changed(self) -> None:
        """Recompute the feature matrices after the points or the features changed."""
        d, c = self._data, self.config
        self._F_train = featurize(d.X_train, c.features)
        self._F_test = featurize(d.X_test, c.features)
        if c.classification:
            self._y_train = d.y_train.astype(np.int64)
            self._y_test = d.y_test.astype(np.int64)
        else:  # mse compares (N, 1) predictions with (N, 1) targets
            self._y_train = d.y_train.astype(np.float32).reshape(-1, 1)
            self._y_test = d.y_test.astype(np.float32).reshape(-1, 1)
        self._eval_x = None

    # -- frames ------------------------------------------------------------------------------
    def _grid(self) -> tuple[np.ndarray, bytes, list[dict[str, Any]]]:
        """Grid features (G², D), their heatmap bytes and entries — fixed per (features, G)."""
        key = (tuple(self.config.features), self.config.grid)
        if self._grid_cache is None or self._grid_cache[0] != key:
            g = self.config.grid
            F = featurize(grid_points(g), self.config.features)
            lo, hi = F.min(axis=0), F.max(axis=0)
            q = _quantize(F, lo, hi).T  # (D, G²): one contiguous map per feature
            entries = [{"id": f"F{k}", "width": g, "height": g, "channels": 1,
                        "lo": _num(lo[k]), "hi": _num(hi[k])} for k in range(F.shape[1])]
            self._grid_cache = (key, F, np.ascontiguousarray(q).tobytes(), entries)
        return self._grid_cache[1], self._grid_cache[2], self._grid_cache[3]

    def _eval_inputs(self) -> np.ndarray:
        """Grid, train and test rows stacked: one forward pass gives heatmaps and metrics."""
        grid_x, _, _ = self._grid()
        if self._eval_x is None or self._eval_x.shape[0] != (
                grid_x.shape[0] + self._F_train.shape[0] + self._F_test.shape[0]):
            self._eval_x = np.concatenate([grid_x, self._F_train, self._F_test])
        return self._eval_x

    @_quiet
    def frame(self) -> bytes:
        """The binary frame of PROTOCOL.md: header (epoch, metrics, weights ...) + heatmaps.

        One eval-mode forward pass over the grid, train and test rows at once
        (:func:`layer_outputs`) gives the output map, every neuron's map and the metrics.
        """
        c = self.config
        g = c.grid
        g2 = g * g
        n_train = self._F_train.shape[0]
        _, feature_bytes, feature_entries = self._grid()
        outs = layer_outputs(self.model, self._eval_inputs())
        scores = outs[-1]
        grid_scores = scores[:g2]
        # every map's range first: the header (with offsets) then the payload, written once
        k = c.classes if c.classification else 1
        out_lo, out_hi = (0.0, 1.0) if c.classification else (-1.0, 1.0)
        entries: list[dict[str, Any]] = [{"id": "output", "width": g, "height": g,
                                          "channels": k, "lo": out_lo, "hi": out_hi,
                                          "offset": 0}]
        offset = g2 * k
        entries += [{**e, "offset": offset + i * g2} for i, e in enumerate(feature_entries)]
        offset += len(feature_bytes)
        layers = []
        for layer, index in enumerate(self._act_index, start=1):
            act = outs[index][:g2]  # (G², H) activations of hidden layer `layer`
            lo, hi = act.min(axis=0), act.max(axis=0)
            layers.append((act, lo, hi, offset))
            entries += [{"id": f"L{layer}N{unit}", "width": g, "height": g, "channels": 1,
                         "lo": _num(lo[unit]), "hi": _num(hi[unit]),
                         "offset": offset + unit * g2} for unit in range(act.shape[1])]
            offset += act.shape[1] * g2
        payload = np.empty(offset, dtype=np.uint8)
        finite = bool(np.isfinite(grid_scores).all())
        values = softmax(grid_scores) if c.classification else grid_scores
        payload[: g2 * k] = _quantize(values, out_lo, out_hi, finite).ravel()  # HWC
        payload[g2 * k : g2 * k + len(feature_bytes)] = np.frombuffer(feature_bytes, np.uint8)
        for act, lo, hi, start in layers:
            h = act.shape[1]
            q = _quantize(act, lo, hi, bool(np.isfinite(lo).all() and np.isfinite(hi).all()))
            payload[start : start + h * g2].reshape(h, g2)[...] = q.T  # one map per neuron
        header = {
            "type": "frame", "epoch": self.epoch, "step": self.step,
            **self._metrics(scores[g2 : g2 + n_train], scores[g2 + n_train :]),
            "playing": self.playing,
            "weights": [_json_array(lin.weight.value) for lin in self._linears()],
            "biases": [_json_array(lin.bias.value) for lin in self._linears()],
            "hyperplanes": self._hyperplanes(),
            "heatmaps": entries,
        }
        return encode_frame(header, payload)

    def _linears(self) -> list[Linear]:
        return [b.linear for b in self._blocks] + [self._head]

    def _metrics(self, train_scores: np.ndarray, test_scores: np.ndarray) -> dict[str, Any]:
        """Losses and accuracy on both splits; confusion (test), or R² and RMSE (test)."""
        m: dict[str, Any] = {}
        for split, s, y in (("train", train_scores, self._y_train),
                            ("test", test_scores, self._y_test)):
            m[f"{split}_loss"] = self._loss_value(s, y)
            m[f"{split}_accuracy"] = (
                _num(np.mean(np.argmax(s, axis=1) == y)) if self.config.classification
                and len(y) else None)
        m["r2"] = m["rmse"] = m["confusion"] = None
        y = self._y_test
        if not len(y):
            return m
        if self.config.classification:
            k = self.config.classes
            pred = np.argmax(test_scores, axis=1)
            m["confusion"] = np.bincount(y * k + pred, minlength=k * k).reshape(k, k).tolist()
        else:
            resid = test_scores - y
            ss_res = float(np.sum(resid.astype(np.float64) ** 2))
            ss_tot = float(np.sum((y - y.mean()).astype(np.float64) ** 2))
            m["rmse"] = _num(math.sqrt(ss_res / len(y))) if math.isfinite(ss_res) else None
            m["r2"] = _num(1.0 - ss_res / ss_tot) if ss_tot > 0 and math.isfinite(ss_res) \
                else None
        return m

    def _loss_value(self, scores: np.ndarray, y: np.ndarray) -> float | None:
        if not len(y):
            return None
        try:
            return _num(self._loss_fn(scores, y)[0])
        except NonFiniteScores:
            return None

    def _hyperplanes(self) -> list[list[float | None]] | None:
        """``[w1, w2, b]`` per output unit for a linear model on raw x1, x2, else None."""
        feats = self.config.features
        if self._blocks or sorted(feats) != ["x1", "x2"]:
            return None
        w, b = self._head.weight.value, self._head.bias.value
        i1, i2 = feats.index("x1"), feats.index("x2")
        return [[_num(w[i1, k]), _num(w[i2, k]), _num(b[k])] for k in range(w.shape[1])]

    @_quiet
    def metrics(self) -> dict[str, Any]:
        """The frame's metrics: losses and accuracies of both splits, the test confusion
        matrix (classification), R² and RMSE on the test split (regression)."""
        g2 = self.config.grid ** 2
        n_train = self._F_train.shape[0]
        scores = layer_outputs(self.model, self._eval_inputs())[-1]
        return self._metrics(scores[g2 : g2 + n_train], scores[g2 + n_train :])

    # -- exports -----------------------------------------------------------------------------
    def export(self, what: str) -> dict[str, Any]:
        """The ``export`` reply: ``model`` (base64 safetensors, loadable by
        :func:`neuralab.io.load`), ``script`` (a standalone Python script) or ``csv``. Nothing
        is written on the server."""
        if what == "model":
            content = base64.b64encode(self.model_bytes()).decode("ascii")
            return {"type": "export", "what": what, "filename": "playground-model.safetensors",
                    "content": content}
        if what == "script":
            return {"type": "export", "what": what, "filename": "playground_experiment.py",
                    "content": experiment_script(self)}
        if what == "csv":
            return {"type": "export", "what": what, "filename": "playground-points.csv",
                    "content": format_points_csv(self._data.X_train, self._data.y_train,
                                                 self._data.X_test, self._data.y_test,
                                                 self.config.classification)}
        raise ProtocolError(f"what={what!r} is not allowed; choose one of: model, script, csv",
                            "what")

    def model_bytes(self) -> bytes:
        """The network as a safetensors file in :func:`neuralab.io.save`'s format (eval mode),
        plus the playground config under the ``playground`` metadata key."""
        tensors = {name: np.ascontiguousarray(B.to_numpy(a))
                   for name, a in self.model.state_dict().items()}
        metadata = {
            "neuralab": json.dumps(self.model.get_config()),
            "format_version": FORMAT_VERSION,
            "dtype": ",".join(sorted({str(t.dtype) for t in tensors.values()})),
            "training": "false",
            "playground": json.dumps(self.config.model_dump()),
        }
        return safetensors.numpy.save(tensors, metadata=metadata)


def _carry_over(old: Optimizer, params: list[Param]) -> Optimizer:
    """A new optimizer of ``old``'s kind over ``params``, keeping the step count and the
    per-parameter state (momentum, Adam moments) of every Param still present."""
    new = type(old).__new__(type(old))
    new.__dict__.update({k: v for k, v in old.__dict__.items() if k != "_ws"})
    index = {id(p): i for i, p in enumerate(old.params)}
    new.params = list(params)
    new.state = {name: [slots[index[id(p)]] if id(p) in index else None for p in params]
                 for name, slots in old.state.items()}
    return new


# --------------------------------------------------------------------------- script export
def experiment_script(session: Session) -> str:
    """A standalone Python script that rebuilds the session's experiment with the neuralab
    API: the same data (regenerated from its seeds, or embedded when edited), the same network
    from the same seed, the same minibatch loop, then the final losses and accuracy."""
    c = session.config
    epochs = session.epoch or c.epoch_cap or 100
    layers = range(len(c.hidden))
    uniform = (len({c.activation_at(i) for i in layers}) <= 1
               and len({c.dropout_at(i) for i in layers}) <= 1)
    config_text = "\n".join(f"    {k}: {json.dumps(v)}" for k, v in c.model_dump().items())
    parts = [_SCRIPT_HEAD.format(
        epoch=session.epoch, config=config_text, modules=", ".join(sorted({
            "backend", "features", "losses", "optim", "regularizers",
            "models" if uniform else "nn", *(() if session.custom_data else ("data",))})),
        epochs=epochs, batch=c.batch_size, seed=c.seed, features=json.dumps(c.features),
        batchnorm=c.batchnorm, classification=c.classification,
    )]
    parts.append(_FEATURIZE)
    parts.append(_script_data(session))
    parts.append(_script_model(c, uniform))
    parts.append(_SCRIPT_LOOP.format(
        loss=json.dumps(c.loss), reg=json.dumps(c.reg), lam=c.lam, beta=c.beta,
        optimizer=json.dumps(c.optimizer), lr=c.lr,
    ))
    return "".join(parts)


_SCRIPT_HEAD = '''"""A neuralab playground experiment, rebuilt with the neuralab API.

Exported at epoch {epoch} from this playground configuration:

{config}

The script regenerates the data, builds the same network from the same seed and trains it
with the playground's minibatch loop for EPOCHS epochs, then prints the losses and the
accuracy. Changes made while the playground trained (a new learning rate mid-run, edited
weights) are not replayed: this is the experiment as configured now, trained from scratch.

Run it with:  python playground_experiment.py
"""

import numpy as np

from neuralab import {modules}

EPOCHS = {epochs}
BATCH_SIZE = {batch}
SEED = {seed}  # the weights, the dropout masks and the order of the minibatches
FEATURES = {features}
BATCHNORM = {batchnorm}
CLASSIFICATION = {classification}
'''

_FEATURIZE = '''

def featurize(X):
    """The network's inputs: the playground's feature maps of the points (x1, x2)."""
    X = np.asarray(X, dtype=np.float32)
    maps = [name for name in FEATURES if name in features.PLAYGROUND_FEATURES]
    cols = dict(zip(maps, features.playground(X, maps).T)) if maps else {}
    if "r" in FEATURES or "theta" in FEATURES:
        cols.update(zip(("r", "theta"), features.polar(X).T))
    return np.stack([cols[name] for name in FEATURES], axis=1).astype(np.float32)
'''


def _script_data(session: Session) -> str:
    c, d = session.config, session._data
    head = "\n\n# ---------------------------------------------------------------- data\n"
    if not session.custom_data:
        classes = c.classes if c.classification else None
        return head + (
            f"# noise {c.noise:g} % is the library's noise={c.noise / 100:g}; the first "
            f"{c.train_ratio:g} % of the (shuffled) points train\n"
            f"X, y = data.toy({json.dumps(c.dataset)}, n={c.n_points}, noise={c.noise / 100!r}, "
            f"seed={c.data_seed}, classes={classes})\n"
            f"n_train = int(np.floor(len(X) * {c.train_ratio!r} / 100 + 0.5))\n"
            "X_train, y_train, X_test, y_test = X[:n_train], y[:n_train], X[n_train:], "
            "y[n_train:]\n"
        )
    label_type = "np.int64" if c.classification else "np.float32"

    def rows(X: np.ndarray) -> str:
        return ",\n    ".join(f"[{_f32(a)}, {_f32(b)}]" for a, b in X.tolist()) or ""

    def labels(y: np.ndarray) -> str:
        return ", ".join(str(int(v)) if c.classification else _f32(v) for v in y.tolist())

    return head + (
        "# the points as edited in the playground\n"
        f"X_train = np.array([\n    {rows(d.X_train)}\n], dtype=np.float32).reshape(-1, 2)\n"
        f"y_train = np.array([{labels(d.y_train)}], dtype={label_type})\n"
        f"X_test = np.array([\n    {rows(d.X_test)}\n], dtype=np.float32).reshape(-1, 2)\n"
        f"y_test = np.array([{labels(d.y_test)}], dtype={label_type})\n"
    )


def _script_model(c: PlaygroundConfig, uniform: bool) -> str:
    head = "\n# ---------------------------------------------------------------- model\n"
    n_in, n_out = len(c.features), c.n_outputs
    if uniform:
        act = c.activation_at(0)
        p = c.dropout_at(0) if c.hidden else 0.0
        return head + (
            f"model = models.mlp({n_in}, {n_out}, hidden={list(c.hidden)}, "
            f"activation={json.dumps(act)}, "
            f"dropout={p!r}, batchnorm=BATCHNORM, seed=SEED)\n"
        )
    acts = [c.activation_at(i) for i in range(len(c.hidden))]
    drops = [c.dropout_at(i) for i in range(len(c.hidden))]
    return head + (
        "# one generator for the weights (and child streams for the dropout masks), layer by\n"
        "# layer: the construction models.mlp uses, with an activation and a rate per layer\n"
        "rng = np.random.default_rng(SEED)\n"
        "layers = []\n"
        f"width = {n_in}\n"
        f"for units, act, p in zip({list(c.hidden)}, {json.dumps(acts)}, {drops}):\n"
        f"    linear = nn.Linear(width, nn.activation_width(act, units), init={json.dumps(INIT)}, "
        "rng=rng)\n"
        "    layers.append(linear)\n"
        "    if BATCHNORM:\n"
        "        layers.append(nn.BatchNorm(linear.out_features))\n"
        "    layers.append(nn.make_activation(act))\n"
        "    if p > 0:\n"
        "        layers.append(nn.Dropout(p, rng=rng.spawn(1)[0]))\n"
        "    width = units\n"
        f"layers.append(nn.Linear(width, {n_out}, init={json.dumps(INIT)}, rng=rng))\n"
        "model = nn.Sequential(*layers)\n"
    )


_SCRIPT_LOOP = '''
# ---------------------------------------------------------------- training
loss_fn = losses.get_loss({loss})
regularizer = regularizers.get_regularizer({reg}, lam={lam!r}, beta={beta!r})
optimizer = optim.get_optimizer({optimizer}, model.params(), lr={lr!r})

F_train, F_test = featurize(X_train), featurize(X_test)
if CLASSIFICATION:
    t_train, t_test = y_train.astype(np.int64), y_test.astype(np.int64)
else:  # mse compares (N, 1) predictions with (N, 1) targets
    t_train, t_test = y_train.reshape(-1, 1), y_test.reshape(-1, 1)
n = len(F_train)
data_loss = float("nan")
model.train()
for epoch in range(1, EPOCHS + 1):
    order = backend.epoch_permutation(SEED, epoch, n)  # a fresh shuffle every epoch
    start = 0
    while start < n:
        end = min(start + BATCH_SIZE, n)
        if BATCHNORM and n - end == 1:  # batch norm needs two examples per batch
            end = n
        idx = order[start:end]
        scores = model.forward(F_train[idx])
        data_loss, dscores = loss_fn(scores, t_train[idx])
        model.backward(dscores, need_dx=False)
        regularizer.add_grad(model.params())
        optimizer.step()
        start = end
    if epoch % max(1, EPOCHS // 10) == 0 or epoch == EPOCHS:
        print(f"epoch {{epoch:5d}}   last minibatch loss {{data_loss:.4f}}")

# ---------------------------------------------------------------- evaluation
model.eval()
for name, F, t in (("train", F_train, t_train), ("test", F_test, t_test)):
    if not len(F):
        continue
    scores = model.forward(F)
    line = f"{{name}} loss: {{loss_fn(scores, t)[0]:.4f}}"
    if CLASSIFICATION:
        line += f"   {{name}} accuracy: {{np.mean(scores.argmax(axis=1) == t):.4f}}"
    else:
        rmse = float(np.sqrt(np.mean((scores - t) ** 2)))
        r2 = 1.0 - float(np.sum((scores - t) ** 2) / np.sum((t - t.mean()) ** 2))
        line += f"   {{name}} rmse: {{rmse:.4f}}   {{name}} r2: {{r2:.4f}}"
    print(line)
'''
