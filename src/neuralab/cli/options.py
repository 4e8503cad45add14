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
    feature parameter): its name and place come from :func:`neuralab.config.option_paths`, its
    help, choices and shown default from the field, never from here."""

    name: str  # "lr_schedule" is --lr-schedule
    path: tuple[str, ...]  # where the value goes in a TrainConfig dict: ("model", "kind")
    type: type  # on the command line: str, int, float or bool (a --flag/--no-flag pair)
    help: str  # the field's description, its choices and its default, as --help shows them
    default: str | None  # the default as --help shows it; None: not shown (unset, empty)
    items: type | None = None  # a comma-separated list of these (--hidden 100,100)

    @property
    def flag(self) -> str:
        dashed = self.name.replace("_", "-")
        return f"--{dashed}/--no-{dashed}" if self.type is bool else f"--{dashed}"

    def value(self, given: Any) -> Any:
        """The value for the TrainConfig dict from what the command line gave (one number for
        a pair, ``--hog-cell 4``, is expanded by :func:`neuralab.config.set_option`)."""
        if self.items is not None:
            parts = [part.strip() for part in given.split(",") if part.strip()]
            try:
                return [self.items(part) for part in parts]
            except ValueError:
                what = "integers" if self.items is int else f"{self.items.__name__} values"
                raise ValueError(f"{self.name}={given!r} must be comma-separated {what}"
                                 ) from None
        return given


#: train's options for feature parameters (the others go in a --config file, flat or in its
#: [feature_params]), with their help; where each goes and its default come from config
#: (option_paths, FEATURE_PARAMS).
FEATURE_OPTIONS: dict[str, str] = {
    "hog_cell": "HOG pixels per cell (square).",
    "hog_block": "HOG cells per block (square).",
    "color_bins": "Colour histogram bins.",
}


def train_options() -> list[TrainOption]:
    """``neuralab train``'s options that set the config: one per place in a TrainConfig dict,
    named and ordered by :func:`neuralab.config.option_paths` (the feature parameters of
    :data:`FEATURE_OPTIONS` only). Each has the field's description as help, plus the choices
    its validator allows (the class's ``CHOICES``, or a ``Literal``) and the field's default."""
    import types
    import typing

    from ..config import FEATURE_PARAMS, ModelConfig, TrainConfig, option_paths

    features = {key: value for block in FEATURE_PARAMS.values() for key, value in block.items()}
    options: list[TrainOption] = []
    seen: set[tuple[str, ...]] = set()
    for name, path in option_paths().items():
        if path in seen or (path[0] == "feature_params" and name not in FEATURE_OPTIONS):
            continue
        seen.add(path)
        if path[0] == "feature_params":
            default = features[path[-1]]
            square = isinstance(default, tuple)  # --hog-cell 4 is [4, 4]
            shown = default[0] if square else default
            options.append(TrainOption(name, path, type(shown),
                                       _help(FEATURE_OPTIONS[name], None, shown, name),
                                       _shown(shown, name)))
            continue
        cls = ModelConfig if path[0] == "model" else TrainConfig
        field = cls.model_fields[path[-1]]
        annotation = field.annotation
        origin, args = typing.get_origin(annotation), typing.get_args(annotation)
        choices, items, kind = cls.CHOICES.get(path[-1]), None, annotation
        if origin is typing.Literal:
            choices, kind = choices or args, type(args[0])
        elif origin is tuple:  # tuple[int, ...]: a comma-separated list
            items, kind = args[0], str
        elif origin in (typing.Union, types.UnionType):  # X | None
            kind = next(arg for arg in args if arg is not type(None))
        options.append(TrainOption(name, path, kind,
                                   _help(field.description or "", choices, field.default, name),
                                   _shown(field.default, name), items))
    return options


def _help(text: str, choices: Any, default: Any, name: str) -> str:
    """An option's help: the description, ``Choices: a | b.`` and ``[default: x]`` (plain
    text: the caller escapes it for Rich)."""
    if choices:
        text += f" Choices: {' | '.join(choices)}."
    shown = _shown(default, name)
    if shown is not None:
        text += f" [default: {shown}]"
    return text.strip()


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
