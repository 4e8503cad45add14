"""``neuralab train``'s options that set the config, made from TrainConfig and ModelConfig
(``train_options``: one per field, help, choices and default from there), and the ``--config``
TOML file that ``train`` and ``sweep`` read (``toml_file``). pydantic is imported only when the
options are made, so ``neuralab --help`` does not import it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


def toml_file(path: Path, option: str) -> dict[str, Any]:
    """The TOML file given to ``--{option}``, as a dict; a clear error when it is missing or
    not TOML (train and sweep)."""
    import tomllib

    if not path.is_file():
        raise ValueError(f"{option}={str(path)!r}: no such file")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{option}={str(path)!r} is not UTF-8 text (TOML is)") from None
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{option}={str(path)!r} is not valid TOML: {err}") from None


@dataclass(frozen=True)
class TrainOption:
    """One option of ``neuralab train``, made from a field of TrainConfig or ModelConfig (or a
    feature parameter): its help, choices and shown default come from there, never from here."""

    name: str  # "lr_schedule" is --lr-schedule
    path: tuple[str, ...]  # where the value goes in a TrainConfig dict: ("model", "kind")
    type: type  # on the command line: str, int, float or bool (a --flag/--no-flag pair)
    help: str
    default: str | None  # the default as --help shows it; None: not shown (unset, empty)
    items: type | None = None  # a comma-separated list of these (--hidden 100,100)
    square: bool = False  # one number for a pair (--hog-cell 4 is [4, 4])

    @property
    def flag(self) -> str:
        dashed = self.name.replace("_", "-")
        return f"--{dashed}/--no-{dashed}" if self.type is bool else f"--{dashed}"

    def value(self, given: Any) -> Any:
        """The value for the TrainConfig dict from what the command line gave."""
        if self.items is not None:
            parts = [part.strip() for part in given.split(",") if part.strip()]
            try:
                return [self.items(part) for part in parts]
            except ValueError:
                what = "integers" if self.items is int else f"{self.items.__name__} values"
                raise ValueError(f"{self.name}={given!r} must be comma-separated {what}"
                                 ) from None
        return [given, given] if self.square else given


#: train's options for feature parameters (the others go in a --config file's
#: [feature_params]), with their help; where each goes and its default come from config
#: (TrainConfig.OPTION_ALIASES, FEATURE_PARAMS).
FEATURE_OPTIONS: dict[str, str] = {
    "hog_cell": "HOG pixels per cell (square).",
    "hog_block": "HOG cells per block (square).",
    "color_bins": "Colour histogram bins.",
}


def train_options() -> list[TrainOption]:
    """``neuralab train``'s options that set the config, one per field of TrainConfig and of its
    ModelConfig, in their order; the feature options stand where ``feature_params`` is. Each has
    the field's description as help, plus the choices its validator allows (the class's
    ``CHOICES``, or a ``Literal``), and shows the field's default."""
    import types
    import typing

    from pydantic import BaseModel

    from ..config import TrainConfig

    names = {path: name for name, path in TrainConfig.OPTION_ALIASES.items()}
    options: list[TrainOption] = []

    def walk(cls: Any, prefix: tuple[str, ...]) -> None:
        for field_name, field in cls.model_fields.items():
            path = (*prefix, field_name)
            annotation = field.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, path)
                continue
            if path == ("feature_params",):
                options.extend(_feature_options())
                continue
            origin, args = typing.get_origin(annotation), typing.get_args(annotation)
            choices, items, kind = cls.CHOICES.get(field_name), None, annotation
            if origin is typing.Literal:
                choices, kind = choices or args, type(args[0])
            elif origin is tuple:  # tuple[int, ...]: a comma-separated list
                items, kind = args[0], str
            elif origin in (typing.Union, types.UnionType):  # X | None
                kind = next(arg for arg in args if arg is not type(None))
            name = names.get(path, field_name)
            text = field.description or ""
            if choices:
                text += f" Choices: {' | '.join(choices)}."
            options.append(TrainOption(name, path, kind, text.strip(),
                                       _shown(field.default, name), items))

    walk(TrainConfig, ())
    return options


def _feature_options() -> list[TrainOption]:
    from ..config import FEATURE_PARAMS, TrainConfig

    defaults = {key: value for block in FEATURE_PARAMS.values() for key, value in block.items()}
    options = []
    for name, text in FEATURE_OPTIONS.items():
        path = TrainConfig.OPTION_ALIASES.get(name, ("feature_params", name))
        default = defaults[path[-1]]
        square = isinstance(default, tuple)
        shown = default[0] if square else default
        options.append(TrainOption(name, path, type(shown), text, _shown(shown, name),
                                   square=square))
    return options


def _shown(default: Any, name: str) -> str | None:
    """A field's default as ``--help`` shows it: 0.0001, 100,100, no-batchnorm."""
    if default is None or default == ():
        return None
    if isinstance(default, bool):
        return name.replace("_", "-") if default else f"no-{name.replace('_', '-')}"
    if isinstance(default, float):
        return f"{default:g}"
    if isinstance(default, tuple):
        return ",".join(map(str, default))
    return str(default)
