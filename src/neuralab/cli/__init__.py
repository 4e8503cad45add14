"""The ``neuralab`` command (Typer + rich): the app, its table of commands and ``main``.

The commands live by concern in the package's modules, each a plain function registered here
in the order ``neuralab --help`` lists them:

* :mod:`.errors` — ``friendly_errors`` (bad input is one red line on stderr and exit status 2),
  ``OneLineErrors`` (the parser's errors too), ``fail``, ``verbatim`` (help text shown as
  written) and the data loaders' notices;
* :mod:`.options` — ``train``'s options, made from TrainConfig (``train_options``), and the
  ``--config`` TOML file;
* :mod:`.train` — ``train``, ``eval``, ``predict``;
* :mod:`.export` — ``export`` (ONNX, TorchScript, safetensors);
* :mod:`.data` — ``data list / info / download``;
* :mod:`.poly` — ``polyfit``;
* :mod:`.sweep` — ``sweep``;
* :mod:`.demos` — ``demo`` and ``playground``.

Everything heavy (the engine, datasets, pydantic, matplotlib, Pillow) is imported inside the
commands, so ``neuralab --help`` starts fast.
"""

from __future__ import annotations

import typer

from .. import __version__
from . import data, demos, export, poly, sweep, train
from .errors import OneLineErrors, friendly_errors
from .options import FEATURE_OPTIONS, TrainOption, train_options

__all__ = ["FEATURE_OPTIONS", "TrainOption", "app", "data_app", "friendly_errors",
           "main", "train_options"]

app = typer.Typer(
    help="neuralab: the classical core of deep learning — linear classifiers, SVM and softmax "
    "losses, regularization, fully-connected networks — from the command line.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich", cls=OneLineErrors,
)
data_app = typer.Typer(help="List, describe and download datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"neuralab {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """neuralab command line."""


app.command(cls=train.TrainCommand)(train.train)
app.command("eval")(train.eval_)
app.command()(train.predict)
app.command()(export.export)
data_app.command("list")(data.data_list)
data_app.command("info")(data.data_info)
data_app.command("download")(data.data_download)
app.command()(poly.polyfit)
app.command()(sweep.sweep)
app.command()(demos.demo)
app.command()(demos.playground)


def main() -> None:
    app()
