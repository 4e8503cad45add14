"""The ``neuralab`` command (Typer + rich).

Everything heavy (the engine, datasets, matplotlib, Pillow) is imported inside the commands, so
``neuralab --help`` starts fast. Bad input is one red line on stderr and exit status 2.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import typer
import typer.main
from typer.core import TyperCommand

from . import __version__

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="neuralab: the classical core of deep learning — linear classifiers, SVM and softmax "
    "losses, regularization, fully-connected networks — from the command line.",
    no_args_is_help=True, add_completion=False, rich_markup_mode="rich",
)
data_app = typer.Typer(help="List, describe and download datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _fail(message: str, status: int = 2) -> None:
    _stderr().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(status)


def friendly_errors(func: F) -> F:
    """Turn the library's ValueError/TypeError/FileNotFoundError into one red line, status 2;
    a diverged run into one line, status 1. Never a traceback for a user mistake."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import warnings

        from .train import TrainingDiverged

        try:
            with warnings.catch_warnings():
                _show_notices()
                return func(*args, **kwargs)
        except TrainingDiverged as err:
            _fail(str(err), status=1)
        except (ValueError, TypeError, FileNotFoundError) as err:
            _fail(str(err).splitlines()[0] if str(err) else type(err).__name__)

    return wrapper  # type: ignore[return-value]


def _show_notices() -> None:
    """Print the data loaders' one-line notices (e.g. "split the 10k test images ...")."""
    import warnings

    from .data import DatasetNotice

    console = _stderr()

    def show(message: Any, category: type, *rest: Any, **kw: Any) -> None:
        if issubclass(category, DatasetNotice):
            console.print(f"[yellow]note:[/] {message}", highlight=False)
        else:
            sys.stderr.write(warnings.formatwarning(message, category, *rest[:2]))

    warnings.simplefilter("always", DatasetNotice)
    warnings.showwarning = show


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


# --------------------------------------------------------------------------- train
def _toml_file(path: Path, option: str) -> dict[str, Any]:
    """The TOML file given to ``--{option}``, as a dict; a clear error when it is missing or
    not TOML (train and sweep)."""
    import tomllib

    if not path.is_file():
        raise ValueError(f"{option}={str(path)!r}: no such file")
    try:
        return tomllib.loads(path.read_text())
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

    from .config import TrainConfig

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
    from .config import FEATURE_PARAMS, TrainConfig

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


def _run_options(
    out: Path = typer.Option(None, help="Run directory.",
                             show_default="runs/<data>-<model>-<time>"),
    config: Path = typer.Option(None, help="A TOML file of these options (flags override it)."),
    resume: Path = typer.Option(None, help="Continue the run in this directory from its last "
                                "checkpoint (e.g. with a larger --epochs)."),
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
                          default=typer.Option(None, option.flag, help=option.help,
                                               show_default=option.default or False))
        for option in options
    ]
    params += [param.replace(kind=inspect.Parameter.KEYWORD_ONLY) for param in
               inspect.signature(_run_options, eval_str=True).parameters.values()]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {param.name: param.annotation for param in params}
    return command


class _TrainCommand(TyperCommand):
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


@app.command(cls=_TrainCommand)
def train() -> None:
    """Train a linear classifier or an MLP and write a run directory.

    Every field of TrainConfig is an option (its help and default come from there); flags
    override a --config file and a resumed run's config.

    Examples:

      neuralab train                                    # MLP on digits, ~10 s

      neuralab train --model linear --loss svm --reg l2 --lam 1e-3

      neuralab train --data mnist --root ../shared/data/mnist --hidden 256,128 --dropout 0.2

      neuralab train --data mnist --root ../shared/data/mnist --features hog --hog-cell 7 \
--hog-block 2 --model linear

      neuralab train --data cifar10 --root ../shared/data/cifar10 --model linear \
--optimizer sgd --lr 1e-3 --lam 1 --epochs 20   # the lecture's class templates

      neuralab train --config experiment.toml --epochs 50

      neuralab train --data mnist --root ../shared/data/mnist --device cuda   # torch on a GPU
    """
    # Never called: _TrainCommand runs the function _train_function makes from TrainConfig.


def _train(options: list[TrainOption], *, out: Path | None, config: Path | None,
           resume: Path | None, quiet: bool, **given: Any) -> None:
    import json

    from .config import TrainConfig
    from .experiment import run

    merged: dict[str, Any] = {}
    if resume is not None:
        cfg_path = resume / "config.json"
        if not cfg_path.is_file():
            raise ValueError(f"resume={str(resume)!r} is not a run directory (no config.json)")
        merged = json.loads(cfg_path.read_text())
    if config is not None:
        merged.update(_toml_file(config, "config"))
    for option in options:  # the flags given override both
        if given[option.name] is None:
            continue
        node = merged
        for part in option.path[:-1]:
            node[part] = dict(node.get(part) or {})  # a copy: merged's own, not the file's
            node = node[part]
        node[option.path[-1]] = option.value(given[option.name])
    cfg = TrainConfig.parse(merged)
    if resume is not None:
        out_dir = resume
    else:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = out or Path("runs") / f"{cfg.data}-{cfg.model.kind}-{stamp}"
    result = run(cfg, out_dir, resume=resume is not None, progress=not quiet)
    _print_metrics(result.metrics, f"{cfg.model.kind} on {cfg.data}")
    pictures = ", ".join(sorted(p.name for p in out_dir.glob("*.png")))
    typer.echo(f"run directory: {out_dir}")
    typer.echo(f"pictures:      {pictures}")


def _print_metrics(metrics: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
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


# --------------------------------------------------------------------------- eval / predict
@app.command("eval")
@friendly_errors
def eval_(run_dir: Path = typer.Argument(..., help="A directory written by `neuralab train`.")
          ) -> None:
    """Re-evaluate a trained model on its dataset's train, validation and test splits.

    Example: neuralab eval runs/digits-mlp-20260101-120000
    """
    from .experiment import evaluate_run

    _print_metrics(evaluate_run(run_dir), str(run_dir))


@app.command()
@friendly_errors
def predict(
    run_dir: Path = typer.Argument(..., help="A directory written by `neuralab train`."),
    images: list[Path] = typer.Argument(..., help="Image files (PNG, JPEG, ...)."),
    top_k: int = typer.Option(3, min=1, help="How many classes to show per image."),
    invert: bool = typer.Option(None, "--invert/--no-invert", help="Invert grey levels (dark ink "
                                "on white paper for digit models). Default: automatic."),
) -> None:
    """Classify image files with a trained image model: top-k classes with probabilities.

    Each image is resized to the model's input size (and converted to grey or RGB).

    Example: neuralab predict runs/digits-mlp-20260101-120000 seven.png
    """
    from .experiment import predict_images

    for path, ranked in zip(images, predict_images(run_dir, images, top_k, invert), strict=True):
        shown = "   ".join(f"{name} {p:.3f}" for name, p in ranked)
        typer.echo(f"{path}: {shown}")


# --------------------------------------------------------------------------- data
@data_app.command("list")
def data_list() -> None:
    """Every dataset neuralab knows, and whether it needs files."""
    from rich.console import Console
    from rich.table import Table

    from . import data

    table = Table()
    for col in ("name", "task", "files", "description"):
        table.add_column(col)
    for info in data.list_datasets():
        files = "built in" if not info.needs_files else (
            "download" if info.downloadable else "--root")
        table.add_row(info.name, info.task, files, info.description)
    Console().print(table)


@data_app.command("info")
@friendly_errors
def data_info(
    name: str = typer.Argument(..., help="Dataset name."),
    root: Path = typer.Option(None, help="Folder holding the dataset's files."),
) -> None:
    """Load a dataset and describe it: splits, shapes, classes.

    Example: neuralab data info cifar10 --root ../shared/data/cifar10
    """
    import warnings

    from . import data

    with warnings.catch_warnings():  # the summary lists the loader's notes itself
        warnings.simplefilter("ignore", data.DatasetNotice)
        ds = data.load(name, root=root)
    typer.echo(ds.summary())


@data_app.command("download")
@friendly_errors
def data_download(
    name: str = typer.Argument(..., help="mnist, fashion-mnist or cifar10."),
    root: Path = typer.Option(None, help="Where to put the files [default: the cache folder]."),
) -> None:
    """Fetch a dataset's official archives, verify their checksums and unpack them.

    Example: neuralab data download fashion-mnist
    """
    from . import data

    typer.echo(f"{name}: files in {data.download(name, root)}")


# --------------------------------------------------------------------------- polyfit
def _degrees(text: str) -> list[int]:
    """``0:10`` (inclusive) or ``1,2,5``."""
    try:
        if ":" in text:
            lo, hi = (int(part) for part in text.split(":"))
            return list(range(lo, hi + 1))
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"select={text!r} must be degrees like 0:10 (inclusive) or 1,2,3"
                         ) from None


def _table_spec(text: str) -> tuple[float, float, float]:
    try:
        start, end, step = (float(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"table={text!r} must be START:END:STEP, e.g. 10:60:5") from None
    return start, end, step


def _cv_spec(text: str | None) -> int | str | None:
    if text is None or text.lower() == "loo":
        return text
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"cv={text!r} is not allowed; allowed: loo or an integer k >= 2"
                         ) from None


def _number(v: float) -> str:
    return "—" if v != v else f"{v:.6g}"  # v != v: NaN (undefined for this n and degree)


@app.command()
@friendly_errors
def polyfit(
    file: Path = typer.Argument(None, help="Text file of 'x y' lines (spaces, tabs or a comma; "
                                "# comments); - reads stdin. [default: the lecture's runners]"),
    degree: int = typer.Option(None, help="Polynomial degree, 0..20. [default: the --select "
                               "winner, else 3]"),
    l2: float = typer.Option(0.0, help="Ridge λ: minimizes Σ(y−ŷ)² + λ·Σβ² (standardized "
                             "powers of x, intercept free)."),
    l1: float = typer.Option(0.0, help="Lasso λ: minimizes (1/2n)·Σ(y−ŷ)² + λ·Σ|β|; with "
                             "--l2, the elastic net."),
    select: str = typer.Option(None, help="Degrees to cross-validate, e.g. 0:10: train and "
                               "validation error by degree, and the best degree."),
    cv: str = typer.Option(None, help="Folds for --select: loo or k. [default: loo for "
                           "n <= 20, else 5]"),
    code: str = typer.Option(None, help="Also print the fit as a function: python | "
                             "javascript | c | java."),
    table: str = typer.Option(None, help="Also print PolySolve's x–y table START:END:STEP, "
                              "e.g. 10:60:5."),
    decimals: int = typer.Option(4, help="Digits after the decimal point in --table."),
    plot: Path = typer.Option(None, help="Write a PNG: data and fit (and, with --select, the "
                              "errors by degree)."),
) -> None:
    """Fit a polynomial y = a0 + a1·x + ... + ad·x^d (PolySolve, with regularization).

    Prints the equation, the coefficients (lowest power first, full precision) and r, r²,
    adjusted r², standard errors and RMSE.

    Examples:

      neuralab polyfit --degree 3                       # the lecture's runners

      neuralab polyfit --select 0:7 --plot fit.png      # degree by leave-one-out

      neuralab polyfit data.txt --degree 6 --l2 0.01 --code c --table 0:10:0.5
    """
    from rich.console import Console
    from rich.table import Table

    from . import poly

    if file is None:
        from .data.runners import runners

        x, y = runners()
        source, labels = "the lecture's runners (age → speed)", ("age (years)", "speed (mph)")
    else:
        if str(file) == "-":
            text, source = sys.stdin.read(), "stdin"
        elif not file.is_file():
            raise ValueError(f"FILE={str(file)!r}: no such file")
        else:
            try:
                text = file.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError(f"FILE={str(file)!r} is not UTF-8 text") from None
            source = str(file)
        try:
            x, y = poly.parse_points(text)
        except ValueError as err:
            raise ValueError(f"{source}: {err}") from None
        labels = ("x", "y")
    selection = None
    if select is not None:
        selection = poly.select_degree(x, y, _degrees(select), cv=_cv_spec(cv), l2=l2, l1=l1)
    if degree is None:
        degree = 3 if selection is None else selection.best_degree
    fit = poly.fit(x, y, degree, l2=l2, l1=l1)
    table_rows = None if table is None else fit.table(*_table_spec(table), decimals=decimals)
    source_code = None if code is None else fit.to_code(code)

    console = Console(highlight=False)
    console.print(f"[bold]{source}[/]: {fit.n} points, degree {fit.degree}"
                  + "".join(f", {k}={v:g}" for k, v in (("l2", l2), ("l1", l1)) if v))
    console.print(fit.equation(), markup=False)
    coefs = Table(title="coefficients (powers of x)")
    coefs.add_column("power", justify="right")
    coefs.add_column("coefficient", justify="right")
    for k, a in enumerate(fit.coefficients):
        coefs.add_row(f"x^{k}", repr(float(a)))
    console.print(coefs)
    stats = Table(title="statistics")
    stats.add_column("statistic")
    stats.add_column("value", justify="right")
    for label, value in (
        ("r (correlation of fit and data)", fit.r), ("r²", fit.r2), ("adjusted r²", fit.adj_r2),
        ("standard error √(SSE/(n−d−1))", fit.stderr),
        ("PolySolve's standard error √(SSE/(n−2))", fit.stderr_polysolve),
        ("RMSE √(SSE/n)", fit.rmse),
    ):
        stats.add_row(label, _number(value))
    console.print(stats)
    if selection is not None:
        sel = Table(title=f"mean squared error by degree ({selection.cv})")
        for col in ("degree", "train", "validation", ""):
            sel.add_column(col, justify="right")
        for d, tr, va in zip(selection.degrees, selection.train_error, selection.val_error,
                             strict=True):
            sel.add_row(str(d), _number(tr), _number(va),
                        "← best" if d == selection.best_degree else "")
        console.print(sel)
        console.print(f"best degree by {selection.cv}: {selection.best_degree}")
    if source_code is not None:
        typer.echo(source_code)
    if table_rows is not None:
        typer.echo(table_rows, nl=False)
    if plot is not None:
        from . import viz

        viz.close(viz.plot_polyfit(fit, selection, plot, xlabel=labels[0], ylabel=labels[1]))
        typer.echo(f"plot: {plot}")


# --------------------------------------------------------------------------- sweep
@app.command()
@friendly_errors
def sweep(
    grid: list[str] = typer.Option(None, "--grid", help="A grid axis NAME=V1,V2,... (repeat "
                                   "for more axes); every combination is a trial. Lists inside "
                                   "a value: hidden=128x64, features=hog+color."),
    random: list[str] = typer.Option(None, "--random", help="A random-search option: "
                                     "NAME=log:LOW:HIGH | uniform:LOW:HIGH | int:LOW:HIGH | "
                                     "logint:LOW:HIGH | A,B,C (a choice)."),
    trials: int = typer.Option(None, help="Random-search trials (default: 20)."),
    set_: list[str] = typer.Option(None, "--set", help="NAME=VALUE for every trial, e.g. "
                                   "epochs=10 (repeatable)."),
    config: Path = typer.Option(None, help="A TOML file of training options every trial "
                                "starts from (as for train)."),
    seed: int = typer.Option(0, help="Sweep seed: random draws and each trial's own seed "
                             "derive from it (sweep or --set seed to choose seeds yourself)."),
    jobs: int = typer.Option(None, help="Trials at once: local processes, or the workers of "
                             "--dask local (default: the CPU cores)."),
    dask: str = typer.Option(None, help="Run on a Dask cluster: its scheduler's address "
                             "(tcp://scheduler:8786), or local for a LocalCluster."),
    metric: str = typer.Option("val_accuracy", help="Rank trials by: val_accuracy | val_loss"),
    axes: str = typer.Option(None, help="Heatmap axes X,Y (default: the first two swept "
                             "options)."),
    out: Path = typer.Option(None, help="Sweep directory; the same sweep resumes there "
                             "(default: sweeps/DATA-OPTIONS-HASH)."),
    keep_runs: bool = typer.Option(False, "--keep-runs", help="Keep every trial's run "
                                   "directory, pictures included, in OUT/runs/."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live table."),
) -> None:
    """Grid or random search over training options: one full training run per trial.

    Results stream to OUT/results.jsonl; the same command again skips the trials already there.

    At the end: the best trials, OUT/best.toml (for train --config) and OUT/heatmap.png.

    Examples:

      neuralab sweep --grid lr=1e-3,1e-2,1e-1 --grid lam=0,1e-4 --set epochs=20

      neuralab sweep --random lr=log:1e-4:1e-1 --random hidden=logint:16:256

      neuralab sweep --grid lr=1e-3,1e-2 --dask tcp://scheduler:8786
    """
    from rich.console import Console

    from . import sweep as sweeps
    from .sweep.execute import WorkerLost
    from .sweep.report import table
    from .sweep.space import sweep_name

    base = _toml_file(config, "config") if config is not None else None
    spec = {"grid": grid or None, "random": random or None, "fixed": set_ or None}
    out_dir = out or Path("sweeps") / sweep_name(base, seed=seed, **spec)
    try:
        result = sweeps.run(out_dir, **spec, trials=trials, base=base, seed=seed, jobs=jobs,
                            dask=dask, metric=metric,
                            axes=None if axes is None else axes.split(","), keep_runs=keep_runs,
                            progress=not quiet)
    except KeyboardInterrupt:
        _fail(f"interrupted; the finished trials are in {out_dir / 'results.jsonl'}: run the "
              f"same command again to resume", status=130)
    except WorkerLost as err:
        _fail(str(err), status=1)
    console = Console(highlight=False)
    names = list(result.rows[0]["params"]) if result.rows else []
    console.print(table(result.rows, names, result.metric,
                        title=f"best of {len(result.rows)} trials by {result.metric}"))
    console.print(f"{result.ran} trials run, {result.skipped} already in the results file")
    typer.echo(f"results:  {result.results}")
    if result.best_toml is None:
        typer.echo(f"best:     none — no trial has a {result.metric} (did they all diverge?)")
    else:
        typer.echo(f"best:     {result.best_toml}  (neuralab train --config {result.best_toml})")
    if result.heatmap is not None:
        typer.echo(f"heatmap:  {result.heatmap}")


# --------------------------------------------------------------------------- demo
@app.command()
def demo(
    epochs: int = typer.Option(200, min=1, help="Passes over the 300 spiral points."),
    seed: int = typer.Option(0, help="Seed for data, weights and shuffling."),
) -> None:
    """Train a 2-layer ReLU net on the 3-class spiral and print loss and accuracy.

    Example: neuralab demo --epochs 100
    """
    from .demo import run

    acc = run(epochs=epochs, seed=seed, report=typer.echo)
    typer.echo(f"final train accuracy: {acc:.3f} (a linear classifier manages about 0.5)")


# --------------------------------------------------------------------------- playground
@app.command()
@friendly_errors
def playground(
    host: str = typer.Option("127.0.0.1", help="Address to listen on; anything but loopback "
                             "exposes the playground to your network."),
    port: int = typer.Option(8765, min=1, max=65535, help="Port to listen on."),
    browser: bool = typer.Option(True, "--browser/--no-browser",
                                 help="Open the playground in a web browser."),
) -> None:
    """Serve the interactive neural-network playground (FastAPI + uvicorn) and open it.

    Example: neuralab playground --port 8000 --no-browser
    """
    from .playground.app import serve

    serve(host=host, port=port, open_browser=browser)


def main() -> None:
    app()
