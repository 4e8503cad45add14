"""The one table of allowed values, and the pydantic models that validate through it.

The library, the CLI and the playground all validate with these tables and the checks of
:mod:`neuralab.checks`, so the same bad value gets the same message everywhere: the parameter's
name, the value received and what is allowed (``lr=0.0 is out of range; allowed: (0, 10]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, ClassVar, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .checks import check_choice, check_int, check_names, check_number

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
    "fraction": (0.0, 1.0, True, False),  # a share of the samples held out (val, test)
}

#: The standard deviation of ``init="normal"`` weights when none is given (CS231n's linear
#: classifiers); :mod:`neuralab.nn.init` and :mod:`neuralab.models` use it too.
INIT_STD = 1e-3


def check_range(param: str, value: Any, kind: str | None = None) -> float:
    """``float(value)`` if it lies in ``RANGES[kind or param]``, else a ``ValueError``
    (:func:`neuralab.checks.check_number`'s message, e.g. ``lr=0.0 is out of range; allowed:
    (0, 10]``)."""
    lo, hi, lo_in, hi_in = RANGES[kind or param]
    return check_number(param, value, lo, hi, low_closed=lo_in, high_closed=hi_in)


# --------------------------------------------------------------------------- devices
# Names only: nothing is imported or started. Re-exported by neuralab.backend, whose
# get_backend turns the resolved name into arrays on a device.

DEVICES = ("cpu", "cuda")
LIBRARIES = ("numpy", "array_api_strict", "torch", "cupy")


def resolve_backend(device: str | None = None, backend: str | None = None) -> str | None:
    """The backend name for a device and an array library, or None when both are None.

    ==========  ============  =====================
    device      backend       result
    ==========  ============  =====================
    ``cpu``     None/numpy    ``numpy``
    ``cpu``     torch         ``torch`` (CPU tensors)
    ``cuda``    None/torch    ``torch:cuda``
    ``cuda:N``  None/torch    ``torch:cuda:N``
    ``cuda``    cupy          ``cupy``
    None        any           that library on its default device
    ==========  ============  =====================
    """
    if backend is not None:
        check_choice("backend", backend, LIBRARIES)
    if device is None:
        return backend
    kind, _, index = device.partition(":") if isinstance(device, str) else ("", "", "")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise ValueError(f"device={device!r} is not allowed; choose cpu, cuda or cuda:N")
    if kind == "cpu":
        if backend == "cupy":
            raise ValueError("backend='cupy' runs on CUDA GPUs only; use device='cuda', or "
                             "backend='numpy' or 'torch' on the CPU")
        return backend or "numpy"
    if backend in ("numpy", "array_api_strict"):
        raise ValueError(f"backend={backend!r} runs on the CPU only; for device={device!r} "
                         f"choose backend='torch' or 'cupy'")
    if backend == "cupy":
        if index:
            raise ValueError(f"device={device!r} with backend='cupy': choose the GPU with "
                             f"CUDA_VISIBLE_DEVICES={index} and device='cuda'")
        return "cupy"
    return f"torch:{device}"


# --------------------------------------------------------------------------- feature names
# The feature pipeline's block names and parameters (neuralab.features computes the blocks and
# re-exports these tables; TrainConfig checks a run's features here, without importing it).

#: The feature names :func:`neuralab.features.playground` accepts, in the playground's order.
PLAYGROUND_FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2")

#: Feature blocks :func:`neuralab.features.extract` can concatenate, with a one-line description
#: each. "hog" and "color" need images, "polar" and "playground" need 2-D points (N, 2); "raw"
#: takes either.
FEATURE_BLOCKS: dict[str, str] = {
    "hog": "histogram of oriented gradients (features.hog; colour images use channel_axis=-1)",
    "color": "normalized HSV histogram of one channel (features.color_histogram; RGB only)",
    "raw": "the input itself, flattened (H·W·C pixels, or the point coordinates)",
    "polar": "(r, θ) of 2-D points (features.polar)",
    "playground": "playground maps of 2-D points: x1, x2, x1^2, ... (features.playground)",
}
IMAGE_BLOCKS: tuple[str, ...] = ("hog", "color")
POINT_BLOCKS: tuple[str, ...] = ("polar", "playground")

#: Keyword arguments of :func:`neuralab.features.extract` per block, with their defaults.
FEATURE_PARAMS: dict[str, dict[str, Any]] = {
    "hog": {
        "hog_orientations": 9,
        "hog_pixels_per_cell": (8, 8),
        "hog_cells_per_block": (3, 3),
        "hog_block_norm": "L2-Hys",
        "hog_transform_sqrt": False,
    },
    "color": {"color_bins": 10, "color_channel": "hue", "color_pixel_max": None},
    "raw": {},
    "polar": {},
    "playground": {"playground_names": PLAYGROUND_FEATURES},
}


def check_feature_names(names: Any) -> tuple[str, ...]:
    """``names`` as a tuple of distinct block names from :data:`FEATURE_BLOCKS`; a
    comma-separated string (``"hog,color"``, as on the command line) is accepted too."""
    names = check_names("names", names, FEATURE_BLOCKS, "feature block")
    images = [n for n in names if n in IMAGE_BLOCKS]
    points = [n for n in names if n in POINT_BLOCKS]
    if images and points:
        raise ValueError(
            f"names={names!r} mixes image blocks ({', '.join(images)}) with 2-D point blocks "
            f"({', '.join(points)}); one input cannot be both"
        )
    return names


# --------------------------------------------------------------------------- pydantic models
# The models check their fields with neuralab.checks and the tables above, so a bad value read
# from a TOML file, a CLI flag or a playground message gets the same message as a bad argument
# to the library.

MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 4096
MAX_BATCH = 65536
MAX_EPOCHS = 100_000
MAX_THREADS = 1024


class StrictModel(BaseModel):
    """A pydantic model whose fields are checked by :mod:`neuralab.checks` from three tables:
    ``CHOICES`` (field -> allowed names), ``RANGES_OF`` (field -> key of ``RANGES``) and
    ``INT_RANGES`` (field -> inclusive (low, high)). ``None`` passes (an optional field's
    type admits it or not). The playground's ``PlaygroundConfig`` is one too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}
    RANGES_OF: ClassVar[dict[str, str]] = {}
    INT_RANGES: ClassVar[dict[str, tuple[int, int]]] = {}

    @classmethod
    def check_field(cls, name: str, value: Any) -> Any:
        """``value`` checked against the tables' rule for field ``name`` (unchanged when no
        table names the field); a ``ValueError`` in :mod:`neuralab.checks`' words if not."""
        if value is None:
            return value
        if name in cls.CHOICES:
            return check_choice(name, value, cls.CHOICES[name])
        if name in cls.RANGES_OF:
            return check_range(name, value, cls.RANGES_OF[name])
        if name in cls.INT_RANGES:
            return check_int(name, value, *cls.INT_RANGES[name])
        return value

    @field_validator("*")
    @classmethod
    def _check(cls, value: Any, info: ValidationInfo) -> Any:
        return cls.check_field(info.field_name, value)

    @classmethod
    def parse(cls, data: dict[str, Any] | None = None, **overrides: Any) -> Any:
        """Validate ``data`` (plus keyword overrides); a bad field is one ``ValueError``."""
        merged = {**(data or {}), **overrides}
        try:
            return cls.model_validate(merged)
        except ValidationError as err:
            raise ValueError(validation_message(err, cls)) from None


def validation_message(err: ValidationError, cls: type[BaseModel]) -> str:
    """The first error of a pydantic ``ValidationError`` of model ``cls`` as one line in
    :mod:`neuralab.checks`' style: ``name=value is ...; allowed: ...``. A value pydantic refuses
    for its type (``lr='fast'``, ``epochs=2.5``) is checked again by the model's tables, so it
    gets the same words as one the tables refuse."""
    e = err.errors()[0]
    where = ".".join(str(part) for part in e["loc"])
    if e["type"] == "extra_forbidden":
        owner = _owner(cls, e["loc"][:-1])
        owner = owner if hasattr(owner, "model_fields") else cls  # e.g. inside a list
        allowed = getattr(owner, "option_names", lambda: list(owner.model_fields))()
        return f"unknown option {where!r}; allowed: {', '.join(allowed)}"
    msg = e["msg"].removeprefix("Value error, ")
    if not where:
        return msg  # a whole-model check (e.g. device with backend) names its fields itself
    name = where.rsplit(".", 1)[-1]
    if msg.startswith(name + "=") or (e["type"] == "value_error"
                                      and "=" in msg.split(" ", 1)[0]):
        return msg  # already one of our own messages (a nested model's check names its field)
    owner = _owner(cls, e["loc"][:-1])
    if e["type"] != "value_error" and issubclass(owner, StrictModel):
        try:
            owner.check_field(name, e.get("input"))
        except ValueError as ours:
            return str(ours)
    return f"{where}={e.get('input')!r}: {msg}"


def _owner(cls: type[BaseModel], path: tuple[Any, ...]) -> type:
    """The model class that holds the field at ``path`` (``("model",)`` -> ModelConfig)."""
    for part in path:
        field = cls.model_fields.get(part) if isinstance(part, str) else None
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return object
        cls = annotation
    return cls


class ModelConfig(StrictModel):
    """Architecture: a linear classifier or an MLP (Linear → [BatchNorm] → act → [Dropout])."""

    # Each field's description is its help text in `neuralab train --help` (the CLI builds its
    # options from these fields, with the choices of CHOICES and the default shown from here).
    kind: Literal["linear", "mlp"] = Field(
        "mlp", description="A linear classifier (scores Wx + b) or a fully-connected network.")
    hidden: tuple[int, ...] = Field(
        (100,), description="Hidden layer widths, first to last (comma-separated, e.g. 100,100).")
    activation: str = Field("relu", description="The hidden layers' nonlinearity.")
    alpha: float | None = Field(
        None, description="Leaky ReLU slope / ELU α; unset: the activation's own default.")
    k: int = Field(2, description="Maxout: linear pieces per hidden unit.")
    dropout: float = Field(0.0, description="Probability of DROPPING a hidden unit.")
    batchnorm: bool = Field(False, description="Batch norm after each hidden Linear.")
    init: str = Field(
        "he", description="Weight initialization (a linear model takes he as normal).")
    std: float | None = Field(
        None, description=f"Standard deviation of the initial weights for init normal; "
        f"unset: {INIT_STD:g}.")

    CHOICES: ClassVar = {"activation": ACTIVATIONS, "init": INITS}
    RANGES_OF: ClassVar = {"alpha": "alpha", "dropout": "p", "std": "std"}
    INT_RANGES: ClassVar = {"k": (2, 16)}

    @field_validator("hidden")
    @classmethod
    def _hidden(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if len(v) > MAX_HIDDEN_LAYERS:
            raise ValueError(f"hidden={list(v)} has {len(v)} layers; at most {MAX_HIDDEN_LAYERS}")
        for units in v:
            if not 1 <= units <= MAX_UNITS:
                raise ValueError(f"hidden={list(v)}: each layer needs 1 to {MAX_UNITS} units")
        return v


class TrainConfig(StrictModel):
    """Everything a training run needs besides the data arrays (``neuralab train``'s options)."""

    # Each field's description is its help text in `neuralab train --help` (ModelConfig's too).
    data: str = Field("digits", description="Dataset (see `neuralab data list`).")
    root: str | None = Field(None, description="Folder holding the dataset's files.")
    features: tuple[str, ...] = Field(
        (), description=f"Feature blocks instead of the raw inputs, comma-separated (e.g. "
        f"hog,color): {', '.join(FEATURE_BLOCKS)}; {' and '.join(IMAGE_BLOCKS)} need images, "
        f"{' and '.join(POINT_BLOCKS)} 2-D points.")
    feature_params: dict[str, Any] = Field(
        {}, description="The feature blocks' parameters, e.g. {'hog_pixels_per_cell': [4, 4]} "
        "(FEATURE_PARAMS lists them with their defaults).")
    model: ModelConfig = Field(ModelConfig(), description="The architecture.")
    loss: str = Field(
        "softmax", description="Data loss: softmax cross-entropy or multiclass SVM (hinge) "
        "for classes, mse for regression.")
    reg: str = Field("l2", description="Regularization penalty R(W) on the weights.")
    lam: float = Field(1e-4, description="Regularization strength λ.")
    beta: float = Field(0.5, description="Elastic-net mix: λ·Σ(β·W² + |W|).")
    optimizer: str = Field("adam", description="The update rule.")
    lr: float = Field(1e-3, description="Learning rate.")
    lr_schedule: str = Field("constant", description="Learning rate over the epochs.")
    epochs: int = Field(50, description="Passes over the training set.")
    batch_size: int = Field(64, description="Minibatch size.")
    seed: int = Field(0, description="Seed of the initial weights, dropout and shuffling.")
    split_seed: int = Field(
        0, description="Seed of the train/val/test split (and of a toy set's points); apart "
        "from seed, so that runs with other seeds (a sweep's trials) see the same split.")
    val_fraction: float | None = Field(
        None, description="Share of the training pool held out for validation; unset: the "
        "data set's own (`neuralab data info` shows its split).")
    test_fraction: float | None = Field(
        None, description="Share held out for testing where the data set has no test split of "
        "its own (digits, the toy sets, an MNIST folder with only one pair of files); unset: "
        "the data set's own.")
    patience: int | None = Field(
        None, description="Early stopping after this many epochs without a better validation "
        "loss; unset: off.")
    augment: bool = Field(
        False, description="Data augmentation, a regularizer that adds noise like dropout: "
        "each epoch every training image is shifted (up to 10 % of its side), turned (±10°) "
        "and scaled (0.9–1.1) at random, seeded by (seed, epoch); images on their pixels only.")
    device: str | None = Field(
        None, description=f"Where to train: {', '.join(DEVICES)} or cuda:N; unset: cpu (cuda "
        f"for backend cupy).")
    backend: str | None = Field(
        None, description=f"Array library: {', '.join(LIBRARIES)}; unset: numpy on cpu, "
        f"torch on cuda.")
    threads: int = Field(
        1, description="BLAS/OpenMP threads for the run (threadpoolctl). One by default: "
        "on a busy machine more threads wait for each other (benchmarks/bench_threads.py); "
        "more may change float32 rounding, not the accuracy.")

    #: Option names (``neuralab train --model``, a sweep's ``hog_cell=4``) that are not a field's
    #: own name, and where each lives in a TrainConfig dict; every other field of TrainConfig
    #: and ModelConfig is an option of its own name.
    OPTION_ALIASES: ClassVar[dict[str, tuple[str, ...]]] = {
        "model": ("model", "kind"),
        "hog_cell": ("feature_params", "hog_pixels_per_cell"),
        "hog_block": ("feature_params", "hog_cells_per_block"),
    }
    CHOICES: ClassVar = {"loss": LOSSES, "reg": REGULARIZERS, "optimizer": OPTIMIZERS,
                         "lr_schedule": SCHEDULES}
    RANGES_OF: ClassVar = {"lr": "lr", "lam": "lam", "beta": "beta",
                           "val_fraction": "fraction", "test_fraction": "fraction"}
    INT_RANGES: ClassVar = {"epochs": (1, MAX_EPOCHS), "batch_size": (1, MAX_BATCH),
                            "patience": (1, MAX_EPOCHS), "seed": (0, None),
                            "split_seed": (0, None), "threads": (1, MAX_THREADS)}

    @model_validator(mode="before")
    @classmethod
    def _flat_names(cls, data: Any) -> Any:
        """Options by their flat names (``hidden``, ``model = "linear"``, ``hog_cell``), as the
        CLI and sweeps name them, put at their place in the nested dict (:func:`nest`)."""
        return nest(data) if isinstance(data, dict) else data

    @classmethod
    def option_names(cls) -> list[str]:
        """The option names an unknown option's message lists (:func:`option_names`)."""
        return option_names()

    @model_validator(mode="after")
    def _fractions(self) -> TrainConfig:
        val, test = self.val_fraction, self.test_fraction
        if val is not None and test is not None and val + test >= 1:
            raise ValueError(f"val_fraction={val!r} + test_fraction={test!r} must be < 1 so "
                             f"that the training split is not empty")
        return self

    @field_validator("features")
    @classmethod
    def _features(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        return check_feature_names(v) if v else v

    @model_validator(mode="after")
    def _device(self) -> TrainConfig:
        resolve_backend(self.device, self.backend)
        return self

    @model_validator(mode="after")
    def _feature_params(self) -> TrainConfig:
        if self.feature_params:
            allowed = {k for block in self.features for k in FEATURE_PARAMS[block]}
            unknown = sorted(set(self.feature_params) - allowed)
            if unknown:
                raise ValueError(
                    f"feature_params={unknown} do not belong to features={list(self.features)}; "
                    f"allowed: {', '.join(sorted(allowed)) or 'none (choose features first)'}")
        return self


# --------------------------------------------------------------------------- option names
# One table of option names for the CLI's flags, a sweep's NAME=VALUE and a TOML file's keys:
# the flat name of every setting (``hidden``, ``lr``, ``hog_cell``) and its place in the nested
# TrainConfig dict (``("model", "hidden")``).


def option_paths() -> dict[str, tuple[str, ...]]:
    """Every flat option name and where it lives in a TrainConfig dict, in TrainConfig's field
    order: a field of TrainConfig by its own name, ModelConfig's fields where ``model`` stands
    (its kind named ``model``, or ``kind``), the feature parameters where ``feature_params``
    stands. Where two names share a place, the first is the CLI's (``--model``, ``--hog-cell``):
    ``TrainConfig.OPTION_ALIASES`` lists these."""
    aliases: dict[tuple[str, ...], list[str]] = {}
    for alias, path in TrainConfig.OPTION_ALIASES.items():
        aliases.setdefault(path, []).append(alias)
    out: dict[str, tuple[str, ...]] = {}

    def add(path: tuple[str, ...]) -> None:
        for name in (*aliases.get(path, ()), path[-1]):
            out.setdefault(name, path)

    for field in TrainConfig.model_fields:
        if field == "model":
            for sub in ModelConfig.model_fields:
                add(("model", sub))
        elif field == "feature_params":
            for params in FEATURE_PARAMS.values():
                for key in params:
                    add(("feature_params", key))
        else:
            add((field,))
    return out


def option_names() -> list[str]:
    """The option names an error message lists: one per setting (the CLI's), the feature
    parameters left to a note."""
    seen: set[tuple[str, ...]] = set()
    names = []
    for name, path in option_paths().items():
        if path not in seen and (path[0] != "feature_params" or name in
                                 TrainConfig.OPTION_ALIASES):
            seen.add(path)
            names.append(name)
    return [*names, "and the feature parameters (color_bins, hog_orientations, ...)"]


def option_path(name: str) -> tuple[str, ...]:
    """Where option ``name`` lives in a TrainConfig dict: a flat name (``hidden``, ``-`` for
    ``_`` allowed) or a dotted path (``model.hidden``), e.g. ``("model", "hidden")``; a
    ``ValueError`` listing the names if it is neither."""
    key = name.strip().replace("-", "_")
    paths = option_paths()
    if key in paths:
        return paths[key]
    parts = tuple(key.split("."))
    if len(parts) > 1 and parts in set(paths.values()):
        return parts
    raise ValueError(f"unknown option {name!r}; allowed: {', '.join(option_names())}")


def _shorthand(path: tuple[str, ...], value: Any) -> Any:
    """The CLI's one-number shorthands: ``hidden = 100`` is ``[100]``, ``hog_cell = 4`` is
    ``[4, 4]``."""
    if isinstance(value, int) and not isinstance(value, bool):
        if path == ("model", "hidden"):
            return [value]
        if path[-1] in ("hog_pixels_per_cell", "hog_cells_per_block"):
            return [value, value]
    return value


def set_option(config: dict[str, Any], name: str, value: Any) -> None:
    """Put ``value`` at option ``name``'s place in a nested TrainConfig dict (in place; the
    shorthands of :func:`_shorthand` expanded). The one way the CLI's flags and a sweep's
    options reach a config."""
    path = option_path(name)
    node = config
    for part in path[:-1]:
        node[part] = dict(node.get(part) or {})  # a copy: never the caller's nested dict
        node = node[part]
    node[path[-1]] = _shorthand(path, value)


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists, to compare a flat and a nested setting."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def nest(data: Mapping[str, Any]) -> dict[str, Any]:
    """A TrainConfig dict from one that names options flat (``hidden = [256, 128]``,
    ``model = "linear"``, ``hog_cell = 4``), nested (``[model]`` ``hidden = ...``) or both.
    TrainConfig's own fields and its ``model`` / ``feature_params`` tables stay as they are;
    a key that is neither is left for the model to refuse. An option given twice (flat and
    nested, or by two names) with different values is a ``ValueError`` naming both."""
    paths = option_paths()
    out: dict[str, Any] = {}
    flat = []
    for key, value in data.items():
        if key in paths and not (key == "model" and not isinstance(value, str)):
            flat.append((key, value))  # model = "linear" is the kind; [model] is the table
        else:
            out[key] = value
    given: dict[tuple[str, ...], str] = {}
    for key, value in flat:
        path, node = paths[key], out
        for part in path[:-1]:
            table = node.get(part, {})
            if isinstance(table, BaseModel):  # TrainConfig(model=ModelConfig(...), dropout=0.5)
                table = table.model_dump(exclude_unset=True)
            if not isinstance(table, dict):
                break  # e.g. model = 3 next to hidden: the model's own check names it
            node[part] = node = dict(table)  # a copy: never the caller's table
        else:
            value = _shorthand(path, value)
            if path[-1] in node and _plain(node[path[-1]]) != _plain(value):
                other = given.get(path, ".".join(path))
                raise ValueError(f"{key}={_plain(value)!r} and {other}="
                                 f"{_plain(node[path[-1]])!r} both set {'.'.join(path)}; give "
                                 f"it once")
            node[path[-1]] = value
            given[path] = key
    return out


def merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by the nested dict ``over``, table by table: a TOML file's ``[model]``
    with ``dropout`` alone keeps a resumed run's other model settings."""
    out = dict(base)
    for key, value in over.items():
        both = isinstance(value, Mapping) and isinstance(out.get(key), dict)
        out[key] = merge(out[key], value) if both else value
    return out
