"""One playground session: data, network and training, driven one message at a time.

A :class:`Session` is plain Python (no server, no asyncio, no threads): the WebSocket layer
calls :meth:`Session.apply` for each client message and :meth:`Session.tick` while playing,
and sends back what they return — JSON-able dicts as text frames, ``bytes`` as binary frames.
It trains the library's own objects (a :class:`~neuralab.nn.Sequential`, a training-step loss
from :mod:`neuralab.losses`, a regularizer, an optimizer) a few minibatches at a time, and turns
their state into frames (PROTOCOL.md).

Each minibatch step is :func:`neuralab.train.train_step`, the one training step of the library
(the :class:`~neuralab.train.Trainer`, the exported script and ``neuralab demo`` call it too):
forward, loss, backward, then the optimizer's update with the regularizer's weight decay and
L1 proximal step. The session keeps only the batching to itself, and batches as
:meth:`Trainer.fit <neuralab.train.Trainer.fit>` does — an epoch is ``ceil(N / batch_size)``
slices of the order :func:`neuralab.backend.epoch_permutation` gives for ``(seed, epoch)`` —
except in three cases:

* with batch norm, a last batch of one example is merged into the batch before it (the
  Trainer refuses such a ``batch_size``);
* points added or deleted mid-epoch: the epoch goes on over the edited points (a new order
  when their number changed; the epoch ends early when the offset passed the end);
* live changes (learning rate, batch size, loss, regularizer, optimizer, dropout, batch
  norm) apply from the next step.

Otherwise N epochs of a session give bit for bit the parameters of ``Trainer(...).fit`` for N
epochs on the same features, network and seeds (tests/test_playground_session.py checks it).

With ``rules: "tfp"`` the session trains by TensorFlow Playground's rules instead
(:mod:`~neuralab.playground.tfp`: its initial values, one tanh output unit, ½(o − t)², its
update with L1 / L2 and dead links, the data's order every epoch and a last partial batch
carried into the next update); the batching stays here, the step is :class:`tfp.Training`.

Reproducibility: everything random comes from the config's seeds — the data from
``data_seed``, the weights and dropout masks from ``seed``, the minibatch order from
``(seed, epoch)`` — so the same config and the same messages give the same frames, byte for
byte.

(Just over the project's ~500-line rule, on purpose: a Session is one state machine whose
message handlers, batching and frames share its state; the network, points, frames, metrics
and exports it uses already live in their own modules.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import backend as B
from ..losses import NonFiniteScores, get_loss, one_hot, softmax
from ..nn import Layer, Linear, Param, Sequential
from ..optim import Optimizer, get_optimizer
from ..regularizers import Regularizer, get_regularizer
from ..train import train_step
from . import tfp
from .diagnostics import DEAD_ACTIVATIONS, History, diagnose
from .export import export_message
from .frames import GridFeatures, encode_frame, grid_features, heatmaps, json_array, json_number
from .hidden_space import hidden_space_reply
from .linear_view import linear_view
from .metrics import frame_metrics, split_loss
from .network import assemble, build_network, layer_outputs, restructure
from .points import Points, featurize, generate_data, loss_targets
from .points_csv import parse_points_csv
from .protocol import (
    DATA_FIELDS,
    DELETE_RADIUS,
    MAX_POINTS,
    NET_FIELDS,
    PROTOCOL_VERSION,
    REGRESSION_RANGE,
    TFP_RULES,
    AddPointMessage,
    ConfigMessage,
    DeletePointMessage,
    ExportMessage,
    HiddenSpaceMessage,
    ImportCsvMessage,
    Message,
    PlaygroundConfig,
    ProtocolError,
    SetBiasMessage,
    SetWeightMessage,
    resolve_config,
    validate_patch,
)
from .tables import hello_tables

__all__ = ["Outgoing", "Session"]

Outgoing = dict[str, Any] | bytes


def _quiet(method: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``method`` without numpy's overflow/invalid warnings: a diverging network is an
    expected event here, reported as a ``diverged`` message and null metrics."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return method(*args, **kwargs)

    return wrapper


def _alive_rows(act: np.ndarray, activation: str) -> np.ndarray:
    """A hidden layer's outputs on the training rows (N, H) reduced to what the diagnostics'
    dead units ask of them — is a unit 0 on every row? — without keeping N rows: one row, 0
    where the unit is 0 on every row and 1 elsewhere (NaN is not 0, as in ``act == 0``). No
    row when there are no training rows or the activation cannot die (the check skips it).
    (1, H) or (0, H)."""
    if act.shape[0] == 0 or activation not in DEAD_ACTIVATIONS:
        return act[:0].copy()
    return np.any(act != 0, axis=0, keepdims=True).astype(act.dtype)


@dataclass(frozen=True)
class _RowsPass:
    """One eval-mode pass over the train and test rows (:meth:`Session._rows_pass`), what it
    was computed from, and what the history and the frames read from it."""

    model: Sequential
    rows: np.ndarray  # (N_train + N_test, D), the session's stacked rows
    loss_fn: Callable[..., Any]
    params: np.ndarray  # (P,) every weight and bias, flattened (History.record)
    train: tuple[np.ndarray, np.ndarray]  # (scores (N_train, C), targets), as _splits gives
    test: tuple[np.ndarray, np.ndarray]
    alive: list[np.ndarray]  # per hidden layer, (1, H_l) or (0, H_l): _alive_rows
    train_loss: float | None
    test_loss: float | None


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
        self._grid_key: tuple[Any, ...] | None = None
        self._grid: GridFeatures | None = None
        self._rows_x: np.ndarray | None = None  # train and test rows stacked
        self._rows_cache: _RowsPass | None = None
        self._hidden_ref: tuple[int, np.ndarray] | None = None  # the last view's PCA directions
        self._history = History()  # per-epoch losses for the frame's diagnostics
        self._data_changed()
        self._make_loss_and_reg()
        self._build()

    # -- messages ----------------------------------------------------------------------------
    def hello(self) -> dict[str, Any]:
        """The first message of a connection: version, full config and every table the page
        needs (:func:`~neuralab.playground.tables.hello_tables`)."""
        return {"type": "hello", "version": PROTOCOL_VERSION, "config": self.config.model_dump(),
                **hello_tables()}

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
        new = resolve_config(self.config, message.config)
        changed = {k for k in type(new).model_fields if getattr(new, k) != getattr(self.config, k)}
        # new data first: generating them may raise, and nothing has changed yet
        data = generate_data(new) if changed & DATA_FIELDS else None
        self.config = new
        if not changed & (DATA_FIELDS | NET_FIELDS):
            self._apply_live(changed)
            return [self.config_message(), self.frame()]
        if data is not None:
            self._data, self.custom_data = data, False
        if data is not None or "features" in changed:
            self._data_changed()
        self._make_loss_and_reg()
        self._build()
        return [self.config_message(), *([] if data is None else [self.points()]), self.frame()]

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
        return self._replace_data(new, generate_data(new), custom=False)

    def _on_import_csv(self, message: ImportCsvMessage) -> list[Outgoing]:
        c = self.config
        data, classes = parse_points_csv(message.text, c.classification, c.data_seed,
                                         c.train_ratio, floor=c.tfp)
        if c.tfp and classes and classes > TFP_RULES["classes"]:
            raise ProtocolError(f"import_csv: the labels have {classes} classes; with "
                                f"rules='tfp' TensorFlow Playground is binary (classes 0 and "
                                f"1)", "text")
        return self._replace_data(c.model_copy(update={"classes": classes}) if classes else c,
                                  data, custom=True)

    def _replace_data(self, config: PlaygroundConfig, data: Points,
                      custom: bool) -> list[Outgoing]:
        """New points (and config): the network starts again from ``seed``."""
        self.config, self._data, self.custom_data = config, data, custom
        self._data_changed()
        self._build()
        return [self.config_message(), self.points(), self.frame()]

    def _on_frame(self, message: Message) -> list[Outgoing]:
        return [self.frame()]

    def _on_export(self, message: ExportMessage) -> list[Outgoing]:
        return [self.export(message.what)]

    def _on_hidden_space(self, message: HiddenSpaceMessage) -> list[Outgoing]:
        """The hidden-space view (:mod:`~neuralab.playground.hidden_space`); its PCA keeps the
        signs of the last picture's directions, so the picture does not flip as it trains."""
        d = self._data
        reply, self._hidden_ref = hidden_space_reply(
            message.layer, message.projection, self.config, self.model, self._act_index,
            self._head, (d.X_train, self._F_train), (d.X_test, self._F_test), self._hidden_ref)
        return [reply]

    def _on_add_point(self, message: AddPointMessage) -> list[Outgoing]:
        d = self._data
        if len(d.X_train) + len(d.X_test) >= MAX_POINTS:
            raise ProtocolError(f"the data already has {MAX_POINTS} points, the most allowed; "
                                f"delete some first", "x")
        label = self._check_label(message.label)
        X, y = d.split(message.split)
        d.set_split(message.split,
                    np.concatenate([X, np.array([[message.x, message.y]], dtype=np.float32)]),
                    np.concatenate([y, np.array([label], dtype=y.dtype)]))
        return self._points_edited()

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
        for split in ("train", "test"):
            X, _ = d.split(split)
            if len(X):
                dist = np.hypot(*(X - target).T)
                i = int(np.argmin(dist))
                if dist[i] <= DELETE_RADIUS and (best is None or dist[i] < best[0]):
                    best = (float(dist[i]), split, i)
        if best is None:
            return []  # nothing near: a click on empty space is not an error
        _, split, i = best
        X, y = d.split(split)
        d.set_split(split, np.delete(X, i, 0), np.delete(y, i))
        return self._points_edited()

    def _points_edited(self) -> list[Outgoing]:
        """After a point was added or deleted: training goes on with the edited points."""
        self.custom_data = True
        self._data_changed()
        self._restart_history()  # other points: the losses before are not comparable
        return [self.points(), self.frame()]

    def _linear_at(self, layer: int) -> Linear:
        """The ``layer``-th Linear layer of an edit message, or an error naming ``layer``."""
        linears = self._linears()
        if layer >= len(linears):
            raise ProtocolError(f"layer={layer} does not exist; the network has "
                                f"{len(linears)} Linear layers (0-{len(linears) - 1})", "layer")
        return linears[layer]

    def _on_set_weight(self, message: SetWeightMessage) -> list[Outgoing]:
        w = self._linear_at(message.layer).weight.value
        for name, index, size in (("i", message.i, w.shape[0]), ("j", message.j, w.shape[1])):
            if index >= size:
                raise ProtocolError(f"{name}={index} is out of range; layer {message.layer}'s "
                                    f"weights are {w.shape[0]} x {w.shape[1]}", name)
        w[message.i, message.j] = message.value  # within ±WEIGHT_LIMIT: no overflow in float32
        return [self.frame()]

    def _on_set_bias(self, message: SetBiasMessage) -> list[Outgoing]:
        b = self._linear_at(message.layer).bias.value
        if message.j >= b.shape[0]:
            raise ProtocolError(f"j={message.j} is out of range; layer {message.layer} has "
                                f"{b.shape[0]} biases (0-{b.shape[0] - 1})", "j")
        b[message.j] = message.value
        return [self.frame()]

    # -- training ----------------------------------------------------------------------------
    def tick(self) -> list[Outgoing]:
        """One frame's worth of play: ``steps_per_frame`` steps, then a frame (what the server
        sends while playing). Nothing when paused."""
        if not self.playing:
            return []
        diverged = self.train_steps(self.config.steps_per_frame)
        return [*([diverged] if diverged else []), self.frame(feature_maps=False)]

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
        """One minibatch step: True done, False diverged, None impossible (no data).

        The batch is chosen here (see the module docstring); the step itself is
        :func:`~neuralab.train.train_step`. Non-finite scores stop it before the backward pass
        and the update; a non-finite loss is seen after the update, which then counts as a
        step, as in the Trainer.
        """
        F, target = self._F_train, self._target
        n = F.shape[0]
        bn = self.config.batchnorm
        if n == 0 or (bn and n < 2):
            return None
        if self._offset >= n:  # points were deleted mid-epoch
            self._end_epoch()
        if self._tfp is not None:
            return self._tfp_step(n)
        if self._order is None or self._order.shape[0] != n:
            self._order = B.epoch_permutation(self.config.seed, self.epoch + 1, n)
            self._shuffled = None
        if self._shuffled is None:  # the epoch's rows gathered once: each batch is a slice
            self._shuffled = (B.take_rows(F, self._order), B.take_rows(target, self._order))
        start = self._offset
        end = min(start + self.config.batch_size, n)
        if bn and n - end == 1:  # never leave batch norm a last batch of one example
            end = n
        if bn and end - start < 2:  # only after points were deleted mid-epoch
            self._end_epoch()
            return True
        xs, ts = self._shuffled
        self._rows_cache = None  # the model changes (batch norm's statistics even on failure)
        try:
            loss, _ = train_step(self.model, self._step_loss, self._regularizer,
                                 self._optimizer, xs[start:end], ts[start:end],
                                 check_finite=True)
        except NonFiniteScores:
            return False
        self.step += 1
        self._offset = end
        if end >= n:
            self._end_epoch()
        return math.isfinite(B.to_float(loss))

    def _tfp_step(self, n: int) -> bool:
        """TFP's examples up to its next update (after every ``batch_size``-th example of the
        epoch) or the epoch's end, in the data's order; the examples after the last update of
        an epoch join the first update of the next (:class:`tfp.Training`)."""
        c, training = self.config, self._tfp
        assert training is not None
        start = self._offset
        end = min((start // c.batch_size + 1) * c.batch_size, n)
        training.add(self._F_train[start:end], self._target[start:end])
        self._offset = end
        finite = True
        if tfp.update_due(end, c.batch_size):
            try:
                self._rows_cache = None
                loss = training.update(c.lr, c.reg, c.lam)
            except NonFiniteScores:
                return False
            self.step += 1
            finite = math.isfinite(loss)
        if end >= n:
            self._end_epoch()
        return finite

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._offset = 0
        self._order = None
        self._record_epoch()

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
        self._out: Layer | None = None
        if self.config.tfp:
            self._blocks, self._head, self._out = tfp.build_network(self.config)
            self._init_rng = B.make_rng(self.config.seed)  # TFP has no dropout to draw
        else:
            self._blocks, self._head, self._init_rng = build_network(self.config)
        self._assemble()
        self._tfp = tfp.Training(self.model) if self.config.tfp else None
        self._optimizer: Optimizer = get_optimizer(self.config.optimizer, self._params,
                                                   self.config.lr)
        self.epoch = self.step = self._offset = 0
        self._order: np.ndarray | None = None
        self._restart_history()

    def _assemble(self) -> None:
        """The Sequential from the blocks (after a block gained or lost a layer)."""
        self.model, self._act_index = assemble(self._blocks, self._head, self._out)
        self._params: list[Param] = self.model.params()

    def _make_loss_and_reg(self) -> None:
        """Loss and regularizer for the current config (the optimizer comes with _build):
        the loss's training-step form for :func:`~neuralab.train.train_step`, its plain form
        for the frame's metrics."""
        c = self.config
        self._loss_fn = tfp.frame_loss(c.classification) if c.tfp else get_loss(c.loss)
        self._step_loss = get_loss(c.loss, step=True)
        self._regularizer: Regularizer = get_regularizer(c.reg, c.lam, c.beta)

    def _apply_live(self, changed: set[str]) -> None:
        """Apply live fields to the running network; its weights stay as they are."""
        c = self.config
        if "loss" in changed:
            self._make_loss_and_reg()
            self._restart_history()  # another loss: the losses before are not comparable
        if changed & {"reg", "lam", "beta"}:
            self._regularizer = get_regularizer(c.reg, c.lam, c.beta)
        structure = restructure(self._blocks, c, self._init_rng)
        if structure:
            self._assemble()
        if "optimizer" in changed:
            self._optimizer = get_optimizer(c.optimizer, self._params, c.lr)
        elif structure:
            self._optimizer = self._optimizer.carry_over(self._params)
        self._optimizer.lr = c.lr
        if self._at_cap():
            self.playing = False

    def _data_changed(self) -> None:
        """Recompute the feature matrices and targets after the points or the features
        changed (as the exported script computes them: :func:`featurize`,
        :func:`loss_targets`, and for a classification loss the one-hot training target)."""
        d, c = self._data, self.config
        self._y_train = loss_targets(d.y_train, c.classification)
        self._y_test = loss_targets(d.y_test, c.classification)
        if c.tfp:  # float64 inputs, and TFP's targets: -1 / +1, or the value (N, 1)
            self._F_train = tfp.inputs(d.X_train, c.features)
            self._F_test = tfp.inputs(d.X_test, c.features)
            self._target = tfp.targets(d.y_train, c.classification)
        else:
            self._F_train = featurize(d.X_train, c.features)
            self._F_test = featurize(d.X_test, c.features)
            # train_step's target, as Trainer.fit makes it: one-hot rows, or the (N, 1) targets
            self._target = (one_hot(self._y_train, c.n_outputs, self._F_train)
                            if c.classification else self._y_train)
        self._rows_x = None
        self._shuffled: tuple[np.ndarray, np.ndarray] | None = None  # _step's gathered epoch

    # -- frames ------------------------------------------------------------------------------
    def _grid_features(self) -> GridFeatures:
        """The grid's features and their maps, computed again only when features or G change."""
        key = (tuple(self.config.features), self.config.grid)
        if self._grid is None or self._grid_key != key:
            self._grid_key, self._grid = key, grid_features(self.config.features,
                                                            self.config.grid)
        return self._grid

    def _eval_rows(self) -> np.ndarray:
        """The train and test rows stacked, (N_train + N_test, D): one eval pass for both."""
        if self._rows_x is None:
            self._rows_x = np.concatenate([self._F_train, self._F_test])
        return self._rows_x

    def _rows_pass(self) -> _RowsPass:
        """The eval-mode pass over the train and test rows, with the losses of both splits.

        An epoch's history entry and the frame after it read the same one (at the defaults a
        frame follows every second epoch's end): it is computed again only when the model,
        its parameters, the rows or the loss changed, or a training step ran (batch norm's
        running statistics change even in a step that failed).
        """
        params = np.concatenate([p.value.ravel() for lin in self._linears()
                                 for p in (lin.weight, lin.bias)])
        rows, cached = self._eval_rows(), self._rows_cache
        if (cached is not None and cached.model is self.model and cached.rows is rows
                and cached.loss_fn is self._loss_fn and np.array_equal(cached.params, params)):
            return cached
        outs = layer_outputs(self.model, rows)
        n_train = self._F_train.shape[0]
        # copies: the layers reuse their output buffers in the next pass of this shape
        train, test = self._splits(np.array(outs[-1]), 0)
        self._rows_cache = _RowsPass(
            self.model, rows, self._loss_fn, params, train, test,
            [_alive_rows(outs[index][:n_train], self.config.activation_at(layer))
             for layer, index in enumerate(self._act_index)],
            split_loss(self._loss_fn, *train), split_loss(self._loss_fn, *test))
        return self._rows_cache

    @_quiet
    def frame(self, feature_maps: bool = True) -> bytes:
        """The binary frame of PROTOCOL.md: header (epoch, metrics, weights ...) + heatmaps.

        An eval-mode forward pass over the grid
        (:func:`~neuralab.playground.network.layer_outputs`) gives the output map and every
        neuron's map; the pass over the train and test rows (:meth:`_rows_pass`, shared with
        the epoch's history entry) the metrics and diagnostics. ``feature_maps=False`` (the
        frames :meth:`tick` pushes while playing) leaves out the features' maps, fixed for
        given features and G.
        """
        c = self.config
        rows = self._rows_pass()
        features = self._grid_features()
        # in the rows' dtype, as the grid had when it was one pass with them (TFP's float64)
        outs = layer_outputs(self.model, features.inputs.astype(rows.rows.dtype, copy=False))
        grid_scores = outs[-1]
        if c.tfp:
            output = tfp.output_map(grid_scores, c.classification)
            output_range = (0.0, 1.0) if c.classification else REGRESSION_RANGE
        elif c.classification:
            output, output_range = softmax(grid_scores), (0.0, 1.0)
        else:
            output, output_range = grid_scores, REGRESSION_RANGE
        entries, payload = heatmaps(c.grid, output, output_range,
                                    features if feature_maps else None,
                                    [outs[index] for index in self._act_index])
        header = {
            "type": "frame", "epoch": self.epoch, "step": self.step,
            **self._metrics(rows),
            "playing": self.playing,
            "weights": [json_array(lin.weight.value) for lin in self._linears()],
            "biases": [json_array(lin.bias.value) for lin in self._linears()],
            "hyperplanes": self._hyperplanes(),
            "dead": self._dead_links(),
            "diagnostics": self._diagnostics(rows.alive),
            "heatmaps": entries,
        }
        linear = linear_view(c, len(self._blocks), rows.train[0], self._F_train,
                             self._y_train, self._regularizer, self._params)
        if linear is not None:  # a linear classifier: its scores and losses (linear_view.py)
            header["linear"] = linear
        return encode_frame(header, payload)

    @_quiet
    def metrics(self) -> dict[str, Any]:
        """The frame's metrics: losses and accuracies of both splits, the test confusion
        matrix (classification), R² and RMSE on the test split (regression)."""
        return self._metrics(self._rows_pass())

    def _metrics(self, rows: _RowsPass) -> dict[str, Any]:
        """The metrics from the pass over the train and test rows."""
        return frame_metrics(self.config, self._loss_fn, rows.train, rows.test,
                             losses=(rows.train_loss, rows.test_loss))

    def _splits(self, scores: np.ndarray,
                start: int) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        """(scores, targets) of the train and of the test rows, which follow row ``start`` of
        ``scores``."""
        end = start + self._F_train.shape[0]
        if self.config.tfp and self.config.classification:
            scores = tfp.class_scores(scores)  # [-o, o]: argmax is TFP's sign(o)
        return (scores[start:end], self._y_train), (scores[end:], self._y_test)

    # -- diagnostics (diagnostics.py) --------------------------------------------------------
    def _restart_history(self) -> None:
        """A new run of the diagnostics' history, from the network as it is now."""
        self._history.clear()
        self._record_epoch()

    @_quiet
    def _record_epoch(self) -> None:
        """Add this epoch's data losses and parameters to the history (:meth:`_rows_pass`)."""
        rows = self._rows_pass()
        self._history.record(self.epoch, rows.train_loss, rows.test_loss, rows.params)

    def _diagnostics(self, acts: list[np.ndarray]) -> dict[str, Any]:
        """The frame's ``diagnostics`` from the history and, per hidden layer, its outputs on
        the training rows, or the one row of :func:`_alive_rows` that answers the same."""
        c = self.config
        names = [c.activation_at(i) for i in range(len(acts))]
        return diagnose(self._history, acts, names, c.lr, c.lam if c.reg != "none" else 0.0)

    def _linears(self) -> list[Linear]:
        return [b.linear for b in self._blocks] + [self._head]

    def _dead_links(self) -> list[list[int]] | None:
        """``[layer, i, j]`` of every dead link (TFP's L1 set it to 0 for good), else None."""
        if self._tfp is None:
            return None
        dead = [[k, int(i), int(j)] for k, mask in enumerate(self._tfp.dead)
                for i, j in zip(*np.nonzero(mask), strict=True)]
        return dead or None

    def _hyperplanes(self) -> list[list[float | None]] | None:
        """``[w1, w2, b]`` per output unit for a linear model on raw x1, x2, else None (TFP's
        one tanh unit: its plane for class 1 and the opposite one for class 0)."""
        feats = self.config.features
        if self._blocks or sorted(feats) != ["x1", "x2"]:
            return None
        w, b = self._head.weight.value, self._head.bias.value
        if self.config.tfp and self.config.classification:
            w, b = np.concatenate([-w, w], axis=1), np.concatenate([-b, b])
        i1, i2 = feats.index("x1"), feats.index("x2")
        return [[json_number(w[i1, k]), json_number(w[i2, k]), json_number(b[k])]
                for k in range(w.shape[1])]

    # -- exports -----------------------------------------------------------------------------
    def export(self, what: str) -> dict[str, Any]:
        """The ``export`` reply: ``model`` (base64 safetensors, loadable by
        :func:`neuralab.io.load`), ``script`` (a standalone Python script) or ``csv``
        (:mod:`~neuralab.playground.export`). Nothing is written on the server."""
        return export_message(what, self.config, self._data, self.model, self.epoch,
                              self.custom_data)
