"""The playground's wire format: client messages and the configuration, validated.

Everything here is pure (pydantic, no server): the WebSocket layer in
:mod:`neuralab.playground.app` calls :func:`parse_message` on every incoming text and sends what
the :class:`~neuralab.playground.session.Session` returns. ``PROTOCOL.md`` beside this file is
the specification; the numbers in its *Limits* section are the constants below.

Validation reuses :mod:`neuralab.config` (its tables of allowed names, its ``StrictModel``)
and the checks of :mod:`neuralab.checks`, so a bad value gets the same message in the
playground as in the library and the CLI, e.g. ``lr=-1.0 is out of range; allowed: (0, 10]``.
Every rejection is a :class:`ProtocolError`: a ``ValueError`` that also names the offending
``field``, which :func:`error_message` turns into the ``error`` reply.

(A little over the project's ~500-line rule, on purpose: this is the whole wire format — the
limits, the configuration with its resolution rules, and every message — in the order of
PROTOCOL.md, so the two can be read side by side.)
"""

from __future__ import annotations

import json
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from ..checks import check_choice, check_int, check_names, check_number
from ..config import (
    ACTIVATIONS,
    LOSSES,
    OPTIMIZERS,
    REGULARIZERS,
    StrictModel,
    check_range,
    validation_message,
)
from ..data.toy2d import TOY_SETS

__all__ = [
    "DATASETS", "FEATURES", "LIMITS", "MAX_MESSAGE_BYTES", "PROBLEM_LOSSES", "PROTOCOL_VERSION",
    "REGRESSION_RANGE", "RULES", "TFP_RULES", "WEIGHT_LIMIT", "Message", "PlaygroundConfig",
    "ProtocolError", "error_message", "parse_message", "resolve_config",
]

PROTOCOL_VERSION = 1

# --------------------------------------------------------------------------- limits
MAX_MESSAGE_BYTES = 64 * 1024
MAX_HIDDEN_LAYERS = 6
MAX_NEURONS = 32
MAX_POINTS = 5000
MIN_POINTS = 10  # a generated data set; edited data may hold fewer
GRID_RANGE = (10, 128)
CLASS_RANGE = (2, 5)
MAX_STEPS_PER_FRAME = 500
MAX_BATCH = 500
MAX_FPS = 30
MAX_SEED = 2**32 - 1
MAX_EPOCH_CAP = 1_000_000
DOMAIN = 6.0  # the plotted square is [-DOMAIN, DOMAIN]²; add_point must fall inside it
DELETE_RADIUS = 0.3
WEIGHT_LIMIT = 1000.0  # set_weight and set_bias: a value in [-WEIGHT_LIMIT, WEIGHT_LIMIT]
# A regression output's heatmap maps this range to 0..255 (values beyond it saturate); the
# page gives the points a user adds targets within it.
REGRESSION_RANGE = (-1.0, 1.0)

LIMITS: dict[str, Any] = {
    "hidden_layers": MAX_HIDDEN_LAYERS, "neurons": MAX_NEURONS, "points": MAX_POINTS,
    "grid": list(GRID_RANGE), "message_bytes": MAX_MESSAGE_BYTES, "classes": list(CLASS_RANGE),
    "steps_per_frame": MAX_STEPS_PER_FRAME, "batch_size": MAX_BATCH, "fps": MAX_FPS,
    "domain": DOMAIN, "regression_range": list(REGRESSION_RANGE),
}

PROBLEMS: tuple[str, ...] = ("classification", "regression")
#: The losses that fit each problem, the first one its default (resolve_config's rule).
PROBLEM_LOSSES: dict[str, tuple[str, ...]] = {"classification": ("softmax", "svm"),
                                               "regression": ("mse",)}

# The playground's data sets (PROTOCOL.md's order) with their task and the class counts the
# playground allows (the library's, within CLASS_RANGE).
_DATASET_ORDER = ("circle", "xor", "gaussian", "spiral", "plane", "multi-gaussian", "blobs",
                  "moons", "checkerboard", "ring", "three-modes", "quadrants")
DATASETS: dict[str, dict[str, Any]] = {
    name: {
        "problem": TOY_SETS[name].task,
        "classes": [k for k in TOY_SETS[name].classes if CLASS_RANGE[0] <= k <= CLASS_RANGE[1]],
    }
    for name in _DATASET_ORDER
}
DEFAULT_DATASET = {"classification": "circle", "regression": "plane"}

#: Input features: the seven of :func:`neuralab.features.playground` plus polar ``r``, ``theta``.
FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2", "r",
                             "theta")

#: The training rules: the library's own, or TensorFlow Playground's (playground/tfp.py).
RULES: tuple[str, ...] = ("neuralab", "tfp")
#: What ``rules="tfp"`` pins (resolve_config): the fields TFP has no control for take the value
#: that is TFP's, the regularizers are TFP's, the problem is binary, the data sizes TFP's.
TFP_RULES: dict[str, Any] = {
    "fixed": {"loss": "mse", "optimizer": "sgd", "dropout": 0.0, "batchnorm": False},
    "reg": ("none", "l1", "l2"),
    "classes": 2,
    "n_points": {"classification": 500, "regression": 1200},
}

# "rules" regenerates the data too: TFP's sizes and its train split (rounded down)
DATA_FIELDS = frozenset({"rules", "dataset", "problem", "classes", "n_points", "noise",
                         "train_ratio", "data_seed"})
NET_FIELDS = frozenset({"features", "hidden", "activation", "seed"})


class ProtocolError(ValueError):
    """A rejected message or value: ``str(err)`` says what and why, ``field`` names the field
    (``None`` when the message as a whole is at fault, e.g. not JSON)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def error_message(err: BaseException) -> dict[str, Any]:
    """The ``error`` reply for ``err`` (a :class:`ProtocolError` or any ``ValueError``)."""
    text = str(err).splitlines()[0] if str(err) else type(err).__name__
    return {"type": "error", "message": text, "field": getattr(err, "field", None)}


# --------------------------------------------------------------------------- configuration
class PlaygroundConfig(StrictModel):
    """The whole state a user can set: data, network and training (PROTOCOL.md's
    *PlaygroundConfig*).

    Fields fall in three groups (:data:`DATA_FIELDS`, :data:`NET_FIELDS`, the rest live):
    a change of a data field regenerates the data and re-initialises the network, a change of
    a net field rebuilds the network from ``seed``, and a live field applies to the running
    network without touching its weights. Cross-field rules (data set vs problem vs loss,
    batch norm vs batch size) are applied by :func:`resolve_config`.
    """

    model_config = ConfigDict(strict=True)

    # the training rules: the library's own, or TensorFlow Playground's (data and net too)
    rules: str = "neuralab"
    # data
    dataset: str = "circle"
    problem: str = "classification"
    classes: int = 2
    n_points: int = 500
    noise: float = 0.0  # percent, 0-50 (the library's noise is this / 100)
    train_ratio: float = 50.0  # percent of the points used for training
    data_seed: int = 0
    # network
    features: list[str] = Field(default_factory=lambda: ["x1", "x2"])
    hidden: list[int] = Field(default_factory=lambda: [4, 2])
    activation: str | list[str] = "tanh"
    batchnorm: bool = False  # live: inserted with γ = 1, β = 0
    seed: int = 0  # weights, dropout masks and the minibatch order
    # live
    loss: str = "softmax"
    lr: float = 0.03
    optimizer: str = "sgd"
    reg: str = "none"
    lam: float = 0.0
    beta: float = 0.5
    dropout: float | list[float] = 0.0
    batch_size: int = 10
    steps_per_frame: int = 50
    epoch_cap: int | None = None
    grid: int = 50

    CHOICES: ClassVar = {"rules": RULES, "dataset": tuple(DATASETS), "problem": PROBLEMS,
                         "loss": LOSSES, "optimizer": OPTIMIZERS, "reg": REGULARIZERS}
    RANGES_OF: ClassVar = {"lr": "lr", "lam": "lam", "beta": "beta"}
    INT_RANGES: ClassVar = {
        "classes": CLASS_RANGE, "n_points": (MIN_POINTS, MAX_POINTS), "data_seed": (0, MAX_SEED),
        "seed": (0, MAX_SEED), "batch_size": (1, MAX_BATCH),
        "steps_per_frame": (1, MAX_STEPS_PER_FRAME), "epoch_cap": (1, MAX_EPOCH_CAP),
        "grid": GRID_RANGE,
    }
    PERCENT_RANGES: ClassVar = {"noise": (0.0, 50.0), "train_ratio": (10.0, 90.0)}
    # fields whose every entry (of a list, or the single value) is checked on its own
    ENTRY_CHOICES: ClassVar = {"activation": ACTIVATIONS, "features": FEATURES}
    ENTRY_RANGES_OF: ClassVar = {"dropout": "p"}  # a key of neuralab.config.RANGES
    ENTRY_INT_RANGES: ClassVar = {"hidden": (1, MAX_NEURONS)}  # units per hidden layer

    @field_validator("noise", "train_ratio")
    @classmethod
    def _percent(cls, v: float, info: ValidationInfo) -> float:
        lo, hi = cls.PERCENT_RANGES[info.field_name]
        return check_number(info.field_name, v, lo, hi, note=" (percent)")

    @field_validator("features")
    @classmethod
    def _features(cls, v: list[str]) -> list[str]:
        return list(check_names("features", v, cls.ENTRY_CHOICES["features"], "feature"))

    @field_validator("hidden")
    @classmethod
    def _hidden(cls, v: list[int]) -> list[int]:
        if len(v) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"hidden={v} has {len(v)} layers; at most {MAX_HIDDEN_LAYERS}")
        lo, hi = cls.ENTRY_INT_RANGES["hidden"]
        if any(not lo <= units <= hi for units in v):
            raise ValueError(f"hidden={v}: each layer needs {lo} to {hi} neurons")
        return v

    @field_validator("activation")
    @classmethod
    def _activation(cls, v: str | list[str]) -> str | list[str]:
        for name in _as_list(v, "activation"):
            check_choice("activation", name, cls.ENTRY_CHOICES["activation"])
        return v

    @field_validator("dropout")
    @classmethod
    def _dropout(cls, v: float | list[float]) -> float | list[float]:
        values = _as_list(v, "dropout")
        for p in values:
            check_range("dropout", p, cls.ENTRY_RANGES_OF["dropout"])
        return [float(p) for p in values] if isinstance(v, list) else float(v)

    # -- per-layer values --------------------------------------------------------------------
    def activation_at(self, layer: int) -> str:
        """The activation of hidden layer ``layer`` (0-based); a list shorter than ``hidden``
        repeats its last entry."""
        return _at(self.activation, layer)

    def dropout_at(self, layer: int) -> float:
        """The drop probability of hidden layer ``layer`` (0-based), as for activations."""
        return float(_at(self.dropout, layer))

    @property
    def classification(self) -> bool:
        return self.problem == "classification"

    @property
    def n_outputs(self) -> int:
        """Output units: one score per class, or one value for regression (and TFP's one
        tanh unit)."""
        return self.classes if self.classification and not self.tfp else 1

    @property
    def tfp(self) -> bool:
        """Whether the session trains by TensorFlow Playground's rules."""
        return self.rules == "tfp"


def _as_list(v: Any, name: str) -> list[Any]:
    if isinstance(v, list):
        if not 1 <= len(v) <= MAX_HIDDEN_LAYERS:
            raise ValueError(f"{name}={v!r}: a list needs 1 to {MAX_HIDDEN_LAYERS} entries, "
                             f"one per hidden layer")
        return v
    return [v]


def _at(value: Any, i: int) -> Any:
    return value[min(i, len(value) - 1)] if isinstance(value, list) else value


def _config_error(err: ValidationError) -> ProtocolError:
    """The first pydantic error as a ProtocolError naming the config field."""
    first = err.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else None
    return ProtocolError(validation_message(err, PlaygroundConfig), field)


def validate_config(data: dict[str, Any]) -> PlaygroundConfig:
    """A full :class:`PlaygroundConfig` from ``data`` (missing fields take their defaults)."""
    try:
        return PlaygroundConfig.model_validate(data)
    except ValidationError as err:
        raise _config_error(err) from None


def validate_patch(patch: dict[str, Any]) -> dict[str, Any]:
    """Check each field of a partial config on its own; returns the cleaned values."""
    config = validate_config(patch)
    return {key: getattr(config, key) for key in patch}


def resolve_config(current: PlaygroundConfig, patch: dict[str, Any]) -> PlaygroundConfig:
    """Merge a (validated) partial config into ``current``, applying the cross-field rules.

    * A ``problem`` the data set cannot pose switches the data set to that problem's default
      (circle / plane) when the message did not name a data set; a data set of the other kind
      switches ``problem`` when the message did not name one. Naming both inconsistently is
      an error.
    * ``classes`` outside the data set's allowed counts falls back to its default count, unless
      the message set ``classes`` (then it is an error). Checked only when a message changes a
      data field (the data are regenerated then), so imported data keep their class count.
    * ``loss`` follows the problem (``mse`` for regression, ``softmax`` for classification)
      unless the message set a loss that does not fit (an error).
    * Batch norm needs ``batch_size >= 2``.
    * With ``rules="tfp"`` the fields of :data:`TFP_RULES` take TFP's values (an error when
      the message sets another one): loss ``mse``, optimizer ``sgd``, no dropout or batch norm,
      regularizer none / l1 / l2 (elastic net becomes none), 2 classes, TFP's number of points.
    """
    merged = {**current.model_dump(), **patch}
    if patch.keys() & DATA_FIELDS:
        _resolve_data(merged, patch)
    if merged["rules"] == "tfp":
        _resolve_tfp(merged, patch)
    _resolve_loss(merged, patch)
    if merged["batchnorm"] and merged["batch_size"] < 2:
        field = "batch_size" if "batch_size" in patch else "batchnorm"
        raise ProtocolError("batchnorm needs batch_size >= 2: the statistics of a batch of one "
                            "example are undefined", field)
    return validate_config(merged)


def _resolve_data(merged: dict[str, Any], patch: dict[str, Any]) -> None:
    task = DATASETS[merged["dataset"]]["problem"]
    if task != merged["problem"]:
        if "dataset" in patch and "problem" in patch:
            allowed = [n for n, d in DATASETS.items() if d["problem"] == merged["problem"]]
            raise ProtocolError(
                f"dataset={merged['dataset']!r} is a {task} set; with "
                f"problem={merged['problem']!r} choose one of: {', '.join(allowed)}", "dataset")
        if "dataset" in patch:
            merged["problem"] = task
        else:
            merged["dataset"] = DEFAULT_DATASET[merged["problem"]]
    allowed = DATASETS[merged["dataset"]]["classes"]
    if merged["problem"] == "classification" and merged["classes"] not in allowed:
        if "classes" in patch:
            raise ProtocolError(
                f"classes={merged['classes']!r} is not allowed for dataset "
                f"{merged['dataset']!r}; allowed: {', '.join(map(str, allowed))}", "classes")
        merged["classes"] = allowed[0]


def _resolve_tfp(merged: dict[str, Any], patch: dict[str, Any]) -> None:
    """Pin what TFP's rules pin (:data:`TFP_RULES`); a message that sets another value of one
    of these fields is an error."""
    def pin(field: str, value: Any, ok: bool, why: str) -> None:
        if ok:
            return
        if field in patch:
            raise ProtocolError(f"{field}={merged[field]!r} is not allowed with rules='tfp': "
                                f"{why}", field)
        merged[field] = value

    for field, value in TFP_RULES["fixed"].items():
        if field == "loss":  # _resolve_loss: mse is the one loss that fits
            continue
        entries = merged[field] if isinstance(merged[field], list) else [merged[field]]
        pin(field, value, all(v == value for v in entries),
            f"TensorFlow Playground has no {field} ({value!r} only)")
    pin("reg", "none", merged["reg"] in TFP_RULES["reg"],
        f"TensorFlow Playground's regularizers are {', '.join(TFP_RULES['reg'])}")
    if merged["problem"] == "classification":
        k = TFP_RULES["classes"]
        pin("classes", k, merged["classes"] == k,
            f"TensorFlow Playground is binary (one tanh output, labels -1 / +1): classes={k}")
    n = TFP_RULES["n_points"][merged["problem"]]
    pin("n_points", n, merged["n_points"] == n,
        f"TensorFlow Playground has {n} points for {merged['problem']}")


def _resolve_loss(merged: dict[str, Any], patch: dict[str, Any]) -> None:
    fits = problem_losses(merged["rules"], merged["problem"])
    if merged["loss"] in fits:
        return
    if "loss" in patch:
        raise ProtocolError(
            f"loss={merged['loss']!r} does not fit problem={merged['problem']!r}; choose one "
            f"of: {', '.join(fits)}", "loss")
    merged["loss"] = fits[0]


def problem_losses(rules: str, problem: str) -> tuple[str, ...]:
    """The losses that fit ``problem`` under ``rules``, the default first: TFP's ½(o − t)² is
    ``mse`` for both problems."""
    return (TFP_RULES["fixed"]["loss"],) if rules == "tfp" else PROBLEM_LOSSES[problem]


# --------------------------------------------------------------------------- client messages
class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def _coordinate(value: float, info: ValidationInfo) -> float:
    return check_number(info.field_name, value, -DOMAIN, DOMAIN)


def _finite(value: float, info: ValidationInfo) -> float:
    if isinstance(value, float):  # an int label stays an int
        check_number(info.field_name, value)
    return value


Coordinate = Annotated[float, AfterValidator(_coordinate)]  # in [-DOMAIN, DOMAIN]
Finite = AfterValidator(_finite)


class ConfigMessage(_Message):
    """Merge a partial :class:`PlaygroundConfig` into the session's."""

    type: Literal["config"]
    config: dict[str, Any]

    @field_validator("config")
    @classmethod
    def _config(cls, v: dict[str, Any]) -> dict[str, Any]:
        return validate_patch(v)


class PlayMessage(_Message):
    type: Literal["play"]


class PauseMessage(_Message):
    type: Literal["pause"]


class StepMessage(_Message):
    type: Literal["step"]


class ResetMessage(_Message):
    type: Literal["reset"]


class RegenerateMessage(_Message):
    type: Literal["regenerate"]


class FrameMessage(_Message):
    type: Literal["frame"]


class AddPointMessage(_Message):
    """One point at (x, y) in [-6, 6]² with a class (int) or a regression target (float)."""

    type: Literal["add_point"]
    x: Coordinate
    y: Coordinate
    label: Annotated[int | float, Finite]
    split: str = "train"

    @field_validator("split")
    @classmethod
    def _split(cls, v: str) -> str:
        return check_choice("split", v, ("train", "test"))


class DeletePointMessage(_Message):
    """Delete the point nearest to (x, y), if one lies within 0.3."""

    type: Literal["delete_point"]
    x: Coordinate
    y: Coordinate


class ImportCsvMessage(_Message):
    """Replace the data with ``x,y,label[,split]`` lines (header optional)."""

    type: Literal["import_csv"]
    text: str


class _SetParamMessage(_Message):
    """An edit of one entry of the ``layer``-th Linear layer (0-based): the value bounded to
    [-WEIGHT_LIMIT, WEIGHT_LIMIT], every index to [0, 10 000] (the session checks the shape)."""

    layer: int
    value: float

    @field_validator("value")
    @classmethod
    def _value(cls, v: float) -> float:
        return check_number("value", v, -WEIGHT_LIMIT, WEIGHT_LIMIT)

    @field_validator("layer", "i", "j", check_fields=False)
    @classmethod
    def _index(cls, v: int, info: ValidationInfo) -> int:
        return check_int(info.field_name, v, 0, 10_000)


class SetWeightMessage(_SetParamMessage):
    """Set weight ``W[i, j]`` of the ``layer``-th Linear layer."""

    type: Literal["set_weight"]
    i: int
    j: int


class SetBiasMessage(_SetParamMessage):
    """Set bias ``b[j]`` of the ``layer``-th Linear layer."""

    type: Literal["set_bias"]
    j: int


class HiddenSpaceMessage(_Message):
    """Ask for the hidden-space view (:mod:`~neuralab.playground.hidden_space`): ``layer`` 0
    (the input plane) or a hidden layer 1..L, ``projection`` ``"pca"`` or two different units
    ``[i, j]``. Whether they exist in the network the session checks."""

    type: Literal["hidden_space"]
    layer: Any
    projection: Any = "pca"

    @field_validator("layer")
    @classmethod
    def _layer(cls, v: Any) -> int:
        return check_int("layer", v, 0, MAX_HIDDEN_LAYERS)

    @field_validator("projection")
    @classmethod
    def _projection(cls, v: Any) -> str | tuple[int, int]:
        allowed = f"'pca' or [i, j], two different units of 0-{MAX_NEURONS - 1}"
        if v == "pca":
            return v
        if not (isinstance(v, list) and len(v) == 2 and all(
                isinstance(u, int) and not isinstance(u, bool) for u in v)):
            raise ValueError(f"projection={v!r} is not allowed; allowed: {allowed}")
        if v[0] == v[1]:
            raise ValueError(f"projection={v!r} names unit {v[0]} twice; allowed: {allowed}")
        if not all(0 <= u < MAX_NEURONS for u in v):
            raise ValueError(f"projection={v!r} is out of range; allowed: {allowed}")
        return (v[0], v[1])


class ExportMessage(_Message):
    type: Literal["export"]
    what: str

    @field_validator("what")
    @classmethod
    def _what(cls, v: str) -> str:
        return check_choice("what", v, ("model", "script", "csv"))


Message = Annotated[
    ConfigMessage | PlayMessage | PauseMessage | StepMessage | ResetMessage | RegenerateMessage
    | AddPointMessage | DeletePointMessage | ImportCsvMessage | SetWeightMessage | ExportMessage
    | FrameMessage | SetBiasMessage | HiddenSpaceMessage,
    Field(discriminator="type"),
]

MESSAGES: dict[str, type[_Message]] = {
    "config": ConfigMessage, "play": PlayMessage, "pause": PauseMessage, "step": StepMessage,
    "reset": ResetMessage, "regenerate": RegenerateMessage, "add_point": AddPointMessage,
    "delete_point": DeletePointMessage, "import_csv": ImportCsvMessage,
    "set_weight": SetWeightMessage, "export": ExportMessage, "frame": FrameMessage,
    "set_bias": SetBiasMessage,
    "hidden_space": HiddenSpaceMessage,
}


def _reject_constant(name: str) -> Any:
    raise ProtocolError(f"message is not valid JSON: {name} is not a number (numbers must be "
                        f"finite)")


def parse_message(raw: str | bytes | bytearray | memoryview) -> Message:
    """Validate one client message (a JSON object with a ``type``).

    Raises
    ------
    ProtocolError
        With a one-line message and the offending ``field`` (``None`` for the message as a
        whole): larger than 64 KiB, not UTF-8, not JSON, not an object, an unknown ``type``,
        an unknown or missing field, or a value out of range.
    """
    if isinstance(raw, bytes | bytearray | memoryview):
        size = len(raw)
        if size > MAX_MESSAGE_BYTES:
            raise _too_big(size)
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError("message is not valid UTF-8 text") from None
    elif isinstance(raw, str):
        # characters <= bytes, so a long string is too big without encoding it
        size = len(raw) if len(raw) > MAX_MESSAGE_BYTES else len(raw.encode("utf-8", "replace"))
        if size > MAX_MESSAGE_BYTES:
            raise _too_big(size)
        text = raw
    else:
        raise ProtocolError(f"message must be text or bytes, got {type(raw).__name__}")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as err:
        raise ProtocolError(f"message is not valid JSON: {err.msg} (line {err.lineno}, "
                            f"column {err.colno})") from None
    except RecursionError:
        raise ProtocolError("message is not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise ProtocolError(f"a message must be a JSON object with a 'type', got "
                            f"{type(data).__name__}")
    kind = data.get("type")
    if kind is None:
        raise ProtocolError(f"message has no 'type'; choose one of: {', '.join(MESSAGES)}",
                            "type")
    try:
        cls = MESSAGES[check_choice("type", kind, MESSAGES)]
    except ValueError as err:
        raise ProtocolError(str(err), "type") from None
    try:
        return cls.model_validate(data)  # type: ignore[return-value]
    except ValidationError as err:
        raise _message_error(err, cls, kind) from None


def _too_big(size: int) -> ProtocolError:
    return ProtocolError(f"message is {size} bytes; at most {MAX_MESSAGE_BYTES} (64 KiB) "
                         f"allowed")


def _message_error(err: ValidationError, cls: type[BaseModel], kind: str) -> ProtocolError:
    """The first pydantic error of a message, with the field it concerns.

    A bad value inside ``config`` is reported by its config field (``"lr"``), as PROTOCOL.md's
    example shows.
    """
    first = err.errors()[0]
    loc = [str(part) for part in first["loc"]]
    cause = first.get("ctx", {}).get("error")
    if isinstance(cause, ProtocolError):  # raised by validate_patch inside ConfigMessage
        return cause
    field = loc[0] if loc else None
    if first["type"] == "missing":
        return ProtocolError(f"the {kind!r} message needs the field {field!r}", field)
    if field == "label" and first["type"] != "value_error":  # both union members failed
        return ProtocolError(f"label={first.get('input')!r} must be a class number (an integer) "
                             f"or a regression target (a number)", field)
    return ProtocolError(validation_message(err, cls), field)
