"""A training run from a :class:`~neuralab.config.TrainConfig` to a run directory.

``run(config, out)`` loads the data, preprocesses it with training statistics (see
:func:`make_scaler`), builds the model, trains it (progress bar, early stopping, checkpoints)
and writes::

    out/
      config.json          the validated TrainConfig
      model.safetensors    the trained model (neuralab.io format)
      preprocess.safetensors  the preprocessing applied to inputs: its kind and statistics
      history.csv          one row per epoch
      metrics.json         train/val/test accuracy and loss, epochs, seconds
      checkpoints/         last.safetensors (for --resume) and best.safetensors, written at
                           most once a second (CHECKPOINT_SECONDS) and at the end
      curves.png, confusion.png, templates.png (linear model on images)
      .lock                while a run writes it (see neuralab.rundir)

The CLI's ``train``, ``eval`` and ``predict`` are thin wrappers over this module.
"""

from __future__ import annotations

import json
import shlex
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from . import io as nio
from . import rundir
from .backend import to_numpy
from .callbacks import Checkpoint, EarlyStopping, ProgressBar
from .config import TrainConfig
from .data.preprocess import ImageScaler, Standardizer, from_state
from .data.registry import check_fits_data, check_fits_split, info
from .models import build
from .optim import get_optimizer, run_schedule
from .regularizers import get_regularizer
from .train import History, Trainer, evaluate

Scaler = ImageScaler | Standardizer

#: A run's checkpoints are written at the end of an epoch once this many seconds have passed
#: since the last write (and at the end): a run of many short epochs — 50 digits epochs in
#: 0.3 s — no longer spends more time fsyncing checkpoints than training, and a Ctrl-C loses at
#: most a second of training.
CHECKPOINT_SECONDS = 1.0


def make_scaler(config: TrainConfig, ds: Any) -> Scaler:
    """The preprocessing a run applies, not yet fitted.

    Images trained on their pixels (a dataset with ``image_shape``, no ``features``): an
    :class:`~neuralab.data.ImageScaler` — subtract the mean training image, divide by one global
    std floored at 1 % of the pixel range, so every input stays within ``|x| <= 100``. Feature
    vectors and tabular data: a :class:`~neuralab.data.Standardizer` per feature, its std floored
    at 1 % of the largest feature std.
    """
    if ds.image_shape is not None and not config.features:
        return ImageScaler()  # pixel_max: the largest training pixel (16 digits, 255 MNIST)
    return Standardizer()


def save_preprocess(scaler: Scaler, path: Path) -> None:
    """Write a fitted scaler to ``path``: metadata ``kind`` (``"image_scaler"`` or
    ``"standardizer"``) and its statistics (see ``get_state``)."""
    nio.write_arrays(path, *scaler.get_state())


def load_preprocess(path: Path) -> Scaler:
    """The scaler :func:`save_preprocess` wrote; also reads the files of runs written before the
    image scaler existed (kind ``"standardizer"``, arrays ``mean`` and ``std``), which behave as
    they did then (each feature divided by its own std)."""
    return from_state(*nio.read_arrays(path))


@dataclass
class RunResult:
    out: Path
    metrics: dict[str, Any]
    history: History
    pictures: list[Path] = field(default_factory=list)  # the PNGs this run wrote


def load_data(config: TrainConfig) -> tuple[Any, Any]:
    """The Dataset a config names, raw and with its feature blocks applied (computed once,
    then read from the feature cache). ``split_seed`` and the fractions pick its split, so
    runs that differ in ``seed`` only see the same validation and test images."""
    from . import data

    split = {"test_fraction": config.test_fraction} if config.test_fraction is not None else {}
    raw = data.load(config.data, root=config.root, seed=config.split_seed,
                    val_fraction=config.val_fraction, **split)
    if not config.features:
        return raw, raw
    from . import features

    return raw, features.cached(raw, config.features, config.feature_params)


def flat(X: np.ndarray) -> np.ndarray:
    return X.reshape(X.shape[0], -1).astype(np.float32, copy=False)


def check_run(config: TrainConfig) -> None:
    """A ``ValueError`` when a valid TrainConfig still makes no sense as a training run on its
    dataset (``neuralab train``, a sweep's trial): an mlp without hidden layers, or a loss or
    feature blocks the data set does not suit (``data.registry.check_fits_data``), or a
    ``test_fraction`` for a data set whose test split is its own (``check_fits_split``). Not a
    validator of TrainConfig itself: the estimators fill it with their own arrays, not
    ``data``, and scikit-learn allows ``hidden_layer_sizes=()``."""
    if config.model.kind == "mlp" and not config.model.hidden:
        raise ValueError("hidden=[]: an mlp needs at least one hidden layer (e.g. hidden 100 "
                         "or 100,100); for none, choose model linear")
    check_fits_data(config.data, config.loss, config.features)
    check_fits_split(config.data, config.test_fraction)
    if config.augment and (config.features or info(config.data).inputs != "images"):
        what = (f"features={','.join(config.features)}" if config.features
                else f"data={config.data!r}")
        raise ValueError(f"augment=True moves images, but {what} gives no image pixels to move; "
                         f"augment an image data set (digits, mnist, fashion-mnist, cifar10) "
                         f"trained on its pixels (no --features)")


def run(
    config: TrainConfig, out: str | Path, *, resume: bool = False, overwrite: bool = False,
    progress: bool = True, console: Any = None, pictures: bool = True, checkpoints: bool = True,
    notice: Callable[[str], None] | None = None,
) -> RunResult:
    """Train as ``config`` says and write the run directory ``out`` (see module docstring).

    ``resume=True`` continues from ``out/checkpoints/last.safetensors`` (or from the start when
    the run was stopped before its first epoch ended); ``overwrite=True`` replaces the run in
    ``out``. ``pictures=False`` skips the PNGs and ``checkpoints=False`` the per-epoch
    checkpoints (hyperparameter sweeps train many small runs and keep only their numbers; two
    fsynced files per epoch are a good part of a small run's time).

    The run directory is never left corrupted: ``out`` is locked for the whole run (a second
    writer gets :class:`~neuralab.rundir.RunDirBusy`; ``notice`` — by default a
    :class:`RunDirNotice` warning — hears of a dead writer's lock taken over), and every check
    (``out`` empty unless resumed or overwritten, a resume compatible with the run and its
    checkpoint, the data, the model) passes before the first file is written or deleted.
    Every file is written atomically.

    Raises
    ------
    ValueError
        A bad target or resume (nothing in ``out`` changed); ``RunDirBusy``, a ValueError,
        when another process writes ``out``.
    """
    check_run(config)  # a loss or features that do not suit the data: refused, nothing written
    out = Path(out)
    # config.threads BLAS/OpenMP threads for this run only: the limits in force are restored
    # after it (threadpoolctl), so a caller's own settings are left as they were.
    with rundir.lock(out, notice or _warn), threadpool_limits(limits=config.threads):
        return _run(config, out, resume=resume, overwrite=overwrite, progress=progress,
                    console=console, pictures=pictures, checkpoints=checkpoints)


class RunDirNotice(UserWarning):
    """A one-line, non-fatal message about a run directory (a dead writer's lock taken over)."""


def _warn(message: str) -> None:
    warnings.warn(message, RunDirNotice, stacklevel=4)


def _run(config: TrainConfig, out: Path, *, resume: bool, overwrite: bool, progress: bool,
         console: Any, pictures: bool, checkpoints: bool) -> RunResult:
    """:func:`run` once ``out`` is locked: every check first, then the writes."""
    rundir.check_target(out, resume=resume, overwrite=overwrite)
    ckpt = Checkpoint(out / "checkpoints", every_seconds=CHECKPOINT_SECONDS)
    resume_from = _check_resume(config, out, ckpt) if resume else None
    raw, ds = load_data(config)
    scaler = make_scaler(config, ds).fit(flat(ds.X_train))  # training statistics only
    X_train, X_val, X_test = (scaler.transform(flat(x)) for x in (ds.X_train, ds.X_val, ds.X_test))
    n_out = ds.n_classes if config.loss != "mse" else 1
    model = build(config.model, X_train.shape[1], n_out, seed=config.seed)
    if resume_from is not None:
        _check_checkpoint(config, out, model, resume_from)
    optimizer = get_optimizer(config.optimizer, model.params(), config.lr)
    callbacks: list[Any] = [ckpt] if checkpoints else []
    if config.patience is not None:
        callbacks.append(EarlyStopping(config.patience))
    if progress:
        callbacks.append(ProgressBar(console=console))
    trainer = Trainer(
        model, loss=config.loss, regularizer=get_regularizer(config.reg, config.lam, config.beta),
        optimizer=optimizer, schedule=run_schedule(config.lr_schedule, config.lr, config.epochs),
        epochs=config.epochs, batch_size=config.batch_size, seed=config.seed,
        callbacks=callbacks, device=config.device, backend=config.backend,
        transform=_augmenter(config, ds, scaler),
    )
    description = _raw_description(config, raw)
    # -- every check passed: only from here on does the directory change
    if overwrite:
        rundir.clear(out)
    nio.atomic_write_text(out / "config.json", config.model_dump_json(indent=2))
    nio.atomic_write_text(out / "dataset.json", json.dumps({**description, "name": ds.name,
                                                            "class_names": list(ds.class_names)},
                                                           indent=2))
    start = time.perf_counter()
    history = trainer.fit(X_train, ds.y_train, X_val, ds.y_val, resume=resume_from)
    seconds = time.perf_counter() - start
    metrics: dict[str, Any] = {}
    for split, X, y in (("train", X_train, ds.y_train), ("val", X_val, ds.y_val),
                        ("test", X_test, ds.y_test)):
        result = trainer.evaluate(X, y)
        metrics[f"{split}_accuracy"], metrics[f"{split}_loss"] = result["accuracy"], result["loss"]
    metrics.update(epochs=trainer.epoch_, seconds=round(seconds, 3))
    model.eval()
    nio.save(model, out / "model.safetensors")
    save_preprocess(scaler, out / "preprocess.safetensors")
    history.to_csv(out / "history.csv")
    nio.atomic_write_text(out / "metrics.json", json.dumps(metrics, indent=2))
    drawn = _pictures(out, trainer, history, ds, X_test, config) if pictures else []
    return RunResult(out, metrics, history, drawn)


def _augmenter(config: TrainConfig, ds: Any, scaler: Any) -> Callable[..., Any] | None:
    """The Trainer's ``transform`` for ``config.augment`` (None without): the run's scaled rows
    moved at random as images (:class:`neuralab.data.augment.Augmenter`), a batch on another
    library brought to the host and back."""
    if not config.augment:
        return None
    from .backend import asarray, is_numpy
    from .data.augment import Augmenter

    augmenter = Augmenter(ds.image_shape, scaler.mean_, scaler.scale_, config.seed)

    def transform(xb: Any, epoch: int, step: int) -> Any:
        if is_numpy(xb):
            return augmenter(xb, epoch, step)
        return asarray(augmenter(to_numpy(xb), epoch, step), like=xb)

    return transform


#: What a resumed run may not change: its data and its model (the checkpoint's weights fit them).
KEPT_ON_RESUME = ("data", "split_seed", "val_fraction", "test_fraction", "features",
                  "feature_params", "loss", "model")


def _check_resume(config: TrainConfig, out: Path, ckpt: Checkpoint) -> Path | None:
    """The checkpoint to resume ``out`` from (None: the run stopped before its first epoch
    ended, so it starts over), after checking that ``config`` keeps the run's data and model."""
    config_path = out / "config.json"
    if not config_path.is_file():
        raise ValueError(f"resume: {str(out)!r} is not a run directory (no config.json)")
    try:
        old = TrainConfig.parse(with_split_seed(json.loads(config_path.read_text(
            encoding="utf-8"))))
    except ValueError as err:  # JSONDecodeError included
        raise ValueError(f"resume: {str(config_path)!r}: {err}") from None
    changed = [(name, getattr(old, name), getattr(config, name)) for name in KEPT_ON_RESUME
               if name != "model"]
    changed += [("model" if name == "kind" else name, getattr(old.model, name),
                 getattr(config.model, name)) for name in type(old.model).model_fields]
    for name, was, now in changed:
        if was != now:
            raise ValueError(f"resume: {str(out)!r} was trained with {name}={_shown(was)}; a "
                             f"resumed run keeps its data and model, so {name}={_shown(now)} "
                             f"cannot be used (train a new run with --out, or replace this one "
                             f"with --overwrite)")
    if ckpt.last_path.is_file():
        return ckpt.last_path
    if (out / "model.safetensors").is_file():
        raise ValueError(f"resume: {str(out)!r} has no checkpoint ({str(ckpt.last_path)!r}): "
                         f"it was trained without checkpoints, so it cannot be continued")
    return None  # stopped before its first checkpoint: nothing was trained, start over


def _check_checkpoint(config: TrainConfig, out: Path, model: Any, path: Path) -> None:
    """The checkpoint at ``path`` fits ``model`` and has done fewer than ``config.epochs``
    epochs — or all of them, in a run stopped after its training but before its final files
    (``metrics.json``) were written: resuming it writes them. Loading the checkpoint's weights
    here only checks them: ``fit(resume=path)`` loads them again."""
    arrays, meta, version = nio.read_arrays_file(path)
    state = meta.get("checkpoint")
    if not isinstance(state, dict) or "epoch" not in state:
        raise ValueError(f"resume: {str(path)!r} is not a neuralab training checkpoint")
    try:
        model.load_state_dict(nio.file_state(model, {
            name.removeprefix("model/"): value for name, value in arrays.items()
            if name.startswith("model/")}, version))
    except ValueError as err:
        raise ValueError(f"resume: the checkpoint of {str(out)!r} does not fit the model "
                         f"(was its config.json edited?): {err}") from None
    done = int(state["epoch"])
    unfinished = config.epochs == done and not (out / "metrics.json").is_file()
    if config.epochs <= done and not unfinished:
        raise ValueError(f"resume: {str(out)!r} has done {done} epochs; --epochs must be more "
                         f"than {done} to resume (epochs={config.epochs})")


def _shown(value: Any) -> str:
    """A config value as the command line spells it (``[100, 50]`` for a tuple)."""
    return repr(list(value)) if isinstance(value, tuple) else repr(value)


def epochs_done(run_dir: str | Path) -> int:
    """The epochs a run's last checkpoint holds (0 when it has none)."""
    path = Path(run_dir) / "checkpoints" / "last.safetensors"
    if not path.is_file():
        return 0
    return int(nio.read_arrays(path)[1].get("checkpoint", {}).get("epoch", 0))


def _raw_description(config: TrainConfig, raw: Any) -> dict[str, Any]:
    """What ``predict`` needs to turn an image file into a model input: the raw image shape,
    the pixel scale and the resolved feature parameters."""
    params = dict(config.feature_params)
    pixel_max = float(np.max(raw.X_train))  # 16 for digits, 255 for MNIST/CIFAR
    if "color" in config.features:
        params.setdefault("color_pixel_max", 1.0 if pixel_max <= 1.0 else 255.0)
    shape = list(raw.image_shape) if raw.image_shape is not None else None
    return {"image_shape": shape, "pixel_max": pixel_max, "feature_params": params}


def _pictures(out: Path, trainer: Trainer, history: History, ds: Any, X_test: np.ndarray,
              config: TrainConfig) -> list[Path]:
    """Draw the run's pictures into ``out``; the paths written."""
    from . import viz

    drawn = [out / "curves.png"]
    viz.close(viz.plot_history(history, drawn[-1]))
    if config.loss == "mse":
        return drawn
    pred = to_numpy(trainer.predict_scores(X_test)).argmax(axis=1)
    drawn.append(out / "confusion.png")
    viz.close(viz.plot_confusion(ds.y_test, pred, ds.class_names, drawn[-1]))
    if config.model.kind == "linear" and ds.image_shape is not None:
        weight = trainer.model[0].weight.value
        drawn.append(out / "templates.png")
        viz.close(viz.plot_templates(weight, tuple(ds.image_shape), ds.class_names, drawn[-1]))
    return drawn


# --------------------------------------------------------------------------- using a run
@dataclass
class LoadedRun:
    config: TrainConfig
    model: Any
    scaler: Scaler


def read_config_json(path: Path) -> dict[str, Any]:
    """A run's ``config.json`` as a dict; a ``ValueError`` naming the file (and the line, for
    broken JSON) when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not UTF-8 text; it should be the run's JSON config"
                         ) from None
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err.msg} at line {err.lineno} column "
                         f"{err.colno}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path} must hold a JSON object of training options, not "
                         f"{type(data).__name__}")
    return with_split_seed(data)


def with_split_seed(config: Any) -> Any:
    """A run's config dict with its ``split_seed``: a run written before the field existed
    split its data by ``seed``, so its evaluation and resume keep that split."""
    if isinstance(config, dict) and "split_seed" not in config and "seed" in config:
        return {**config, "split_seed": config["seed"]}
    return config


def open_run(run_dir: str | Path) -> LoadedRun:
    """The config, model (eval mode) and preprocessing of a finished run directory."""
    run_dir = Path(run_dir)
    if not (run_dir / "model.safetensors").is_file() and rundir.is_run(run_dir):
        raise ValueError(f"RUN_DIR={str(run_dir)!r} has no final model: its training was "
                         f"stopped; finish it with "
                         f"`neuralab train --resume {shlex.quote(str(run_dir))}`")
    if not (run_dir / "model.safetensors").is_file():
        if (run_dir / "checkpoints" / "last.safetensors").is_file():
            raise ValueError(f"RUN_DIR={str(run_dir)!r} holds a run that did not finish (a "
                             f"checkpoint but no model.safetensors); finish it with `neuralab "
                             f"train --resume {run_dir}`")
        raise ValueError(f"RUN_DIR={str(run_dir)!r} is not a neuralab run directory "
                         f"(no model.safetensors); create one with `neuralab train --out DIR`")
    config_path = run_dir / "config.json"
    try:
        config = TrainConfig.parse(read_config_json(config_path))
    except FileNotFoundError:
        raise ValueError(f"RUN_DIR={str(run_dir)!r} has no config.json") from None
    except ValueError as err:
        message = str(err)
        raise ValueError(message if message.startswith(str(config_path))
                         else f"{config_path}: {message}") from None
    model = nio.load(run_dir / "model.safetensors")
    model.eval()
    return LoadedRun(config, model, load_preprocess(run_dir / "preprocess.safetensors"))


def evaluate_run(run_dir: str | Path) -> dict[str, Any]:
    """Re-load a run's data and model; accuracy and loss on each split."""
    loaded = open_run(run_dir)
    _, ds = load_data(loaded.config)
    metrics: dict[str, Any] = {}
    for split in ("train", "val", "test"):
        X = loaded.scaler.transform(flat(getattr(ds, f"X_{split}")))
        result = evaluate(loaded.model, loaded.config.loss, X, getattr(ds, f"y_{split}"))
        metrics[f"{split}_accuracy"], metrics[f"{split}_loss"] = result["accuracy"], result["loss"]
    return metrics


def predict_images(
    run_dir: str | Path, images: list[Path], top_k: int = 3, invert: bool | None = None,
    *, raw: bool = False, show: str | Path | None = None,
) -> list[list[tuple[str, float]]]:
    """Top-k (class name, probability) for each image file, ranked.

    Each image is brought to the form of the run's data set (:func:`model_inputs`): digit-like
    sets (MNIST, Fashion-MNIST, digits) are framed as they were made — light ink on dark, the
    ink's box scaled to the set's box, centred by its centre of mass (MNIST) — colour images are
    centre-cropped to a square and resized; ``raw`` resizes the whole canvas instead. ``invert``
    None inverts grey images on light paper (dark ink). ``show`` writes the
    model's inputs as one PNG (side by side, enlarged). Probabilities are the softmax of the
    scores.
    """
    from .losses import softmax
    from .train import predict_scores

    loaded = open_run(run_dir)
    meta = json.loads((Path(run_dir) / "dataset.json").read_text())
    pixels = model_inputs(meta, images, invert=invert, raw=raw, run_dir=run_dir)
    if show is not None:
        write_inputs_png(pixels, meta["pixel_max"], show)
    X = pixels.reshape(len(images), -1)
    if loaded.config.features:  # the same blocks as in training, on the image batch
        from . import features

        X = features.extract(pixels, loaded.config.features, **meta["feature_params"])
    X = loaded.scaler.transform(X)
    probs = np.asarray(softmax(predict_scores(loaded.model, X)))
    names = meta["class_names"]
    order = np.argsort(-probs, axis=1)[:, :top_k]
    return [[(names[j], float(p[j])) for j in idx] for p, idx in zip(probs, order, strict=True)]


def model_inputs(meta: dict[str, Any], images: list[Path], *, invert: bool | None = None,
                 raw: bool = False, run_dir: str | Path = "RUN_DIR") -> np.ndarray:
    """The image files as the run's raw inputs, (N, *image_shape) float32 in the data set's
    pixel units (0..pixel_max), before features and the scaler. ``meta`` is the run's
    ``dataset.json``; ``raw`` skips the data set's framing (:mod:`neuralab.data.normalize`)."""
    from .data import normalize

    shape = meta["image_shape"]
    if not shape:
        raise ValueError(f"RUN_DIR={str(run_dir)!r} was trained on {meta['name']}, which has no "
                         f"images; predict works for image datasets (digits, mnist, cifar10)")
    framing = normalize.framing_of(meta["name"])
    rows = []
    for path in images:
        if raw or (len(shape) == 2 and framing is None):
            arr = _read_image(path, shape)
            flip = invert if invert is not None else (len(shape) == 2 and arr.mean() > 127.5)
            if flip:
                arr = 255.0 - arr
            rows.append(arr / 255.0 * meta["pixel_max"])
        elif len(shape) == 2:
            grey = _read_image(path, None, "L")
            rows.append(normalize.normalize_image(grey, framing, meta["pixel_max"], invert))
        else:
            rgb = normalize.square_resize(_read_image(path, None, "RGB"), tuple(shape[:2]))
            rows.append(rgb / 255.0 * meta["pixel_max"])
    return np.stack(rows).astype(np.float32)


def write_inputs_png(pixels: np.ndarray, pixel_max: float, path: str | Path,
                     zoom: int | None = None) -> Path:
    """Write the model inputs ``pixels`` (N, H, W) or (N, H, W, 3), 0..pixel_max, as one PNG,
    side by side with a 1-pixel gap, each enlarged ``zoom`` times (nearest; default: to about
    224 pixels), atomically."""
    import io as _bytes_io

    from PIL import Image

    h = pixels.shape[1]
    zoom = zoom or max(1, 224 // h)
    levels = np.clip(pixels / max(pixel_max, 1e-12) * 255.0, 0, 255).round().astype(np.uint8)
    big = levels.repeat(zoom, axis=1).repeat(zoom, axis=2)
    gap = np.full((big.shape[1], zoom, *big.shape[3:]), 128, np.uint8)
    strip = np.concatenate([part for img in big for part in (img, gap)][:-1] or [gap], axis=1)
    buffer = _bytes_io.BytesIO()
    Image.fromarray(strip).save(buffer, format="PNG")
    return nio.atomic_write_bytes(path, buffer.getvalue())


def _read_image(path: Path, shape: list[int] | None, mode: str | None = None) -> np.ndarray:
    """The image file at ``path`` as grey (H, W) or RGB (H, W, 3) float32 (``mode`` "L" or
    "RGB"; None: from ``shape``), resized to the model's input ``shape`` (None: as it is); a
    ``ValueError`` naming the file when it is missing, a folder, not an image,
    truncated, or so large that decoding it is refused (Pillow's decompression-bomb limit)."""
    import warnings

    from PIL import Image

    try:
        with warnings.catch_warnings():
            # Pillow warns from MAX_IMAGE_PIXELS pixels on and refuses twice that: refuse both.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                img = img.convert(mode or ("L" if len(shape or ()) == 2 else "RGB"))
                if shape is not None:
                    img = img.resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValueError(f"IMAGE={str(path)!r} is too large to decode: more than "
                         f"{Image.MAX_IMAGE_PIXELS} pixels (a decompression bomb?)") from None
    except IsADirectoryError:
        raise ValueError(f"IMAGE={str(path)!r} is a folder, not an image file") from None
    except FileNotFoundError:
        raise ValueError(f"IMAGE={str(path)!r}: no such file") from None
    except (OSError, SyntaxError, ValueError) as err:  # unidentified, truncated, corrupt
        raise ValueError(f"IMAGE={str(path)!r} cannot be read as an image: {err}") from None
    return np.asarray(img, dtype=np.float32)
