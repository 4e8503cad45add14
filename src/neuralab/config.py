"""The one table of allowed values, and the pydantic models that validate through it.

The library, the CLI and the playground all validate with these tables and the checks of
:mod:`neuralab.checks`, so the same bad value gets the same message everywhere: the parameter's
name, the value received and what is allowed (``lr=0.0 is out of range; allowed: (0, 10]``).
"""

from __future__ import annotations

import math
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
}


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
        return f"unknown option {where!r}; allowed: {', '.join(cls.model_fields)}"
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
        None, description="Standard deviation of the initial weights for init normal; "
        "unset: 1e-3.")

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
    seed: int = Field(0, description="Seed for the split, weights, dropout and shuffling.")
    patience: int | None = Field(
        None, description="Early stopping after this many epochs without a better validation "
        "loss; unset: off.")
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
    RANGES_OF: ClassVar = {"lr": "lr", "lam": "lam", "beta": "beta"}
    INT_RANGES: ClassVar = {"epochs": (1, MAX_EPOCHS), "batch_size": (1, MAX_BATCH),
                            "patience": (1, MAX_EPOCHS), "seed": (0, None),
                            "threads": (1, MAX_THREADS)}

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


def check_run(config: TrainConfig) -> None:
    """A ``ValueError`` when a valid TrainConfig still makes no sense as a training run on its
    dataset (``neuralab train``, a sweep's trial): an mlp without hidden layers, or a loss or
    feature blocks the data set does not suit (:func:`check_fits_data`). Not a validator of
    TrainConfig itself: the estimators fill it with their own arrays, not ``data``, and
    scikit-learn allows ``hidden_layer_sizes=()``."""
    if config.model.kind == "mlp" and not config.model.hidden:
        raise ValueError("hidden=[]: an mlp needs at least one hidden layer (e.g. hidden 100 "
                         "or 100,100); for none, choose model linear")
    check_fits_data(config.data, config.loss, config.features)


def check_fits_data(data: str, loss: str, features: tuple[str, ...]) -> None:
    """A ``ValueError`` when a run's loss or feature blocks do not suit its dataset (from the
    registry's ``task`` and ``inputs``, nothing loaded): the runners' 8 points are polyfit's;
    a classification set takes softmax or svm, a regression set mse; image blocks (hog, color)
    need images and point blocks (polar, playground) 2-D points. A dataset the registry does
    not know is refused, with the names it knows."""
    from .data.registry import info, list_datasets

    try:
        dataset = info(data)
    except ValueError:
        names = ", ".join(d.name for d in list_datasets())
        raise ValueError(f"data={data!r} is not a known dataset; choose one of: {names}"
                         ) from None
    if dataset.inputs == "values":
        raise ValueError(f"data={data!r} is a regression of one number on another "
                         f"({dataset.description}); fit it with `neuralab polyfit` (Python: "
                         f"neuralab.poly.fit), not train")
    if dataset.task == "regression" and loss != "mse":
        raise ValueError(f"data={data!r} is a regression data set: train it with loss mse, not "
                         f"loss={loss!r} (softmax and svm need classes)")
    if dataset.task == "classification" and loss == "mse":
        sets = [d.name for d in list_datasets() if d.task == "regression" and d.inputs != "values"]
        raise ValueError(f"loss='mse' is for regression, but data={data!r} is a classification "
                         f"data set; choose loss softmax or svm (or a regression set: "
                         f"{', '.join(sets)})")
    for need, blocks, other in (("images", IMAGE_BLOCKS, POINT_BLOCKS),
                                ("points", POINT_BLOCKS, IMAGE_BLOCKS)):
        wrong = [name for name in features if name in blocks]
        if wrong and dataset.inputs and dataset.inputs != need:
            what = "images" if need == "images" else "2-D points"
            holds = "2-D points" if dataset.inputs == "points" else dataset.inputs
            fits = ", ".join(("raw", *other))
            raise ValueError(f"features={wrong} need {what}, but data={data!r} holds {holds}; "
                             f"the feature blocks for {holds} are: {fits}")
