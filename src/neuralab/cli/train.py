"""``neuralab train``, ``eval`` and ``predict``: thin wrappers over :mod:`neuralab.experiment`.

``train``'s options are made from TrainConfig (:mod:`.options`) when it parses a command line or
shows its help (``TrainCommand``), so listing the commands does not import pydantic.
"""

from __future__ import annotations

import inspect
import shlex
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
import typer.main
from typer.core import TyperCommand

from .errors import friendly_errors, note, verbatim
from .options import TrainOption, toml_file, train_options


def _run_options(
    out: Path = typer.Option(None, help=verbatim("Run directory. [default: "
                                                 "runs/<data>-<model>-<time>]")),
    config: Path = typer.Option(None, help="A TOML file of these options, by their names "
                                "(hidden = [256, 128]) or in tables ([model] hidden = ...); "
                                "flags override it. See examples/*.toml."),
    resume: Path = typer.Option(None, help="Continue the run in this directory from its last "
                                "checkpoint (e.g. with a larger --epochs)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the run in --out: its "
                                   "files are deleted once every check has passed (only a "
                                   "neuralab run directory)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """train's options that are not part of the config (their signature is all that is used)."""


def _train_function() -> Callable[..., None]:
    """The function Typer makes ``train`` from: one keyword parameter per option of
    :func:`train_options` (Typer default None: not given, so a TOML file or a resumed run's
    config.json keeps its value), then those of :func:`_run_options`."""
    options = train_options()

    @friendly_errors
    def command(**given: Any) -> None:
        _train(options, **given)

    params = [
        inspect.Parameter(option.name, inspect.Parameter.KEYWORD_ONLY, annotation=option.type,
                          default=typer.Option(None, option.flag, help=verbatim(option.help),
                                               show_default=False))  # help shows it
        for option in options
    ]
    params += [param.replace(kind=inspect.Parameter.KEYWORD_ONLY) for param in
               inspect.signature(_run_options, eval_str=True).parameters.values()]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {param.name: param.annotation for param in params}
    return command


class TrainCommand(TyperCommand):
    """``train``: its options are made from TrainConfig when first needed — to parse a command
    line or show its help — so that listing the commands (``neuralab --help``) does not import
    pydantic."""

    _made: Any = None

    def _make(self) -> Any:
        if self._made is None:
            maker = typer.Typer(add_completion=False)
            maker.command()(_train_function())
            self._made = typer.main.get_command(maker)
        return self._made

    def get_params(self, ctx: Any) -> list[Any]:
        help_option = self.get_help_option(ctx)
        return [*self._make().params, *([help_option] if help_option is not None else [])]

    def invoke(self, ctx: Any) -> Any:
        self.callback = self._make().callback
        return super().invoke(ctx)


def train() -> None:
    """Train a linear classifier or an MLP and write a run directory.

    Every field of TrainConfig is an option (its help and default come from there); flags
    override a --config file and a resumed run's config.

    Examples:

      neuralab train                                    # an MLP on digits

      neuralab train --model linear --loss svm --reg l2 --lam 1e-3

      neuralab train --data mnist --root ../shared/data/mnist --hidden 256,128 --dropout 0.2

      neuralab train --data mnist --root ../shared/data/mnist --features hog --hog-cell 7 \
--hog-block 2 --model linear

      neuralab train --data cifar10 --root ../shared/data/cifar10 --model linear \
--optimizer sgd --lr 1e-3 --lam 1 --epochs 20   # the lecture's class templates

      neuralab train --config examples/dropout_mlp.toml --epochs 5   # flags override it

      neuralab train --data mnist --root ../shared/data/mnist --device cuda   # torch on a GPU
    """
    # Never called: TrainCommand runs the function _train_function makes from TrainConfig.


def _train(options: list[TrainOption], *, out: Path | None, config: Path | None,
           resume: Path | None, overwrite: bool, quiet: bool, **given: Any) -> None:
    from ..config import TrainConfig, merge, nest, set_option
    from ..experiment import read_config_json, run

    if out is not None and out.exists() and not out.is_dir():
        raise ValueError(f"out={str(out)!r} is a file; the run directory must be a folder (a "
                         f"new one, or --resume an earlier run's)")
    merged: dict[str, Any] = {}
    if resume is not None:
        cfg_path = resume / "config.json"
        if not cfg_path.is_file():
            raise ValueError(f"resume={str(resume)!r} is not a run directory (no config.json)")
        merged = read_config_json(cfg_path)
    if config is not None:  # its options flat (hidden = ...) or nested ([model] hidden = ...)
        merged = merge(merged, nest(toml_file(config, "config")))
    for option in options:  # the flags given override both
        if given[option.name] is not None:
            set_option(merged, option.name, option.value(given[option.name]))
    cfg = TrainConfig.parse(merged)
    if resume is not None:
        out_dir = resume
    else:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = out or Path("runs") / f"{cfg.data}-{cfg.model.kind}-{stamp}"
    try:
        result = run(cfg, out_dir, resume=resume is not None, overwrite=overwrite,
                     progress=not quiet, notice=note)
    except KeyboardInterrupt:
        _interrupted(out_dir)
    _print_metrics(result.metrics, f"{cfg.model.kind} on {cfg.data}")
    pictures = ", ".join(p.name for p in result.pictures)
    typer.echo(f"run directory: {out_dir}")
    typer.echo(f"pictures:      {pictures}")


def _interrupted(out_dir: Path) -> None:
    """Ctrl-C: one line saying how to go on, exit status 130 (128 + SIGINT). The run directory
    is consistent: every file, the checkpoints included, is replaced atomically."""
    from ..experiment import epochs_done

    done = epochs_done(out_dir) if (out_dir / "config.json").is_file() else None
    if done is None:
        line = "interrupted before the run directory was written"
    else:
        line = (f"interrupted after {done} epoch{'s' * (done != 1)}; continue with "
                f"`neuralab train --resume {shlex.quote(str(out_dir))}`")
    typer.echo(line, err=True)
    raise typer.Exit(130)


def _print_metrics(metrics: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=escape(title))  # a run directory's name may hold brackets
    table.add_column("split")
    table.add_column("accuracy", justify="right")
    table.add_column("loss", justify="right")
    for split in ("train", "val", "test"):
        acc = metrics.get(f"{split}_accuracy")
        table.add_row(split, "—" if acc is None else f"{acc:.4f}",
                      f"{metrics[f'{split}_loss']:.4g}")
    console = Console()
    console.print(table)
    if "epochs" in metrics:
        console.print(f"{metrics['epochs']} epochs in {metrics['seconds']:.1f} s", highlight=False)


@friendly_errors
def eval_(run_dir: Path = typer.Argument(..., help="A directory written by `neuralab train`.")
          ) -> None:
    """Re-evaluate a trained model on its dataset's train, validation and test splits.

    Example: neuralab eval runs/digits-mlp-20260101-120000
    """
    from ..experiment import evaluate_run

    _print_metrics(evaluate_run(run_dir), str(run_dir))


@friendly_errors
def predict(
    run_dir: Path = typer.Argument(..., help="A directory written by `neuralab train`."),
    images: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, ...)."),
    top_k: int = typer.Option(3, min=1, help="How many classes to show per image."),
    invert: bool = typer.Option(None, "--invert/--no-invert", help="Invert grey levels (dark ink "
                                "on white paper for digit models). Default: automatic."),
    raw: bool = typer.Option(False, "--raw", help="Skip the data set's framing: resize the "
                             "whole image to the model's input, as before."),
    show: Path = typer.Option(None, "--show", metavar="PATH", help="Write the model's inputs "
                              "(the normalized images, side by side, enlarged) to this PNG."),
) -> None:
    """Classify image files with a trained image model: top-k classes with probabilities.

    Each image is made like the training images before the model sees it.
    Digit sets (mnist, fashion-mnist, digits): grey, inverted when the paper is
    light (they are light ink on black), the ink's bounding box scaled with its
    aspect kept to the set's box (mnist: 20×20 in 28×28, centred by its centre
    of mass; fashion-mnist: 28×28, centred; digits: 8×8, area-averaged), grey
    levels scaled to the training pixels'. Colour sets (cifar10): centre-cropped
    to a square and resized. --raw resizes the whole image instead; --show PATH
    writes what the model sees.

    Example: neuralab predict runs/mnist-mlp-1 seven.png --show seen.png
    """
    from ..experiment import predict_images

    ranked_all = predict_images(run_dir, images, top_k, invert, raw=raw, show=show)
    for path, ranked in zip(images, ranked_all, strict=True):
        shown = "   ".join(f"{name} {p:.3f}" for name, p in ranked)
        typer.echo(f"{path}: {shown}")
