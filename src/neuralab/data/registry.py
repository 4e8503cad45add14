"""The dataset registry: what :func:`neuralab.data.load` can load, and where files live.

:func:`list_datasets` and :func:`info` describe what is available without loading anything;
:func:`data_home` is the folder downloads go to and loaders read by default. Loaders are named
as ``"module:function"`` strings and imported on first load (by :mod:`neuralab.data.loading`),
so importing this module does not import scikit-learn or parse anything.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neuralab.config import IMAGE_BLOCKS, POINT_BLOCKS
from neuralab.data.toy2d import TOY_SETS


def data_home(name: str | None = None) -> Path:
    """The folder downloads go to and loaders read by default.

    ``$NEURALAB_DATA/<name>`` if the environment variable ``NEURALAB_DATA`` is set (and not
    empty), else ``~/.cache/neuralab/<name>``; without ``name``, the parent folder.
    """
    env = os.environ.get("NEURALAB_DATA", "").strip()
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "neuralab"
    return base / name if name else base


@dataclass(frozen=True)
class DatasetInfo:
    """What :func:`list_datasets` / :func:`info` report about one registered dataset.

    Attributes
    ----------
    name : str
        The name :func:`load` accepts.
    description : str
        One line.
    task : {"classification", "regression"}
    needs_files : bool
        True if loading reads files from disk (``root=`` or the download cache).
    downloadable : bool
        True if :func:`neuralab.data.download` can fetch those files.
    files : tuple of str
        The file or folder names the loader looks for (empty if it needs none).
    splits : str
        How train / val / test are formed by default.
    options : tuple of str
        Extra keyword arguments :func:`load` forwards to the loader.
    inputs : {"images", "points", "values", ""}
        What one sample is: an image, a 2-D point (toy sets) or one number (runners); the
        feature blocks a run may use follow from it. ``""``: not said (no check).
    """

    name: str
    description: str
    task: str
    needs_files: bool
    downloadable: bool
    files: tuple[str, ...] = ()
    splits: str = ""
    options: tuple[str, ...] = ()
    inputs: str = ""
    loader: str = field(default="", repr=False)  # "module:function", imported on first load
    loader_kwargs: tuple[tuple[str, Any], ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        need = "needs files" if self.needs_files else "built in"
        if self.downloadable:
            need += ", downloadable"
        return f"{self.name:<15} {self.task:<14} {need:<26} {self.description}"


_REGISTRY: dict[str, DatasetInfo] = {}
_ALIASES: dict[str, str] = {
    "fashion": "fashion-mnist",
    "fashionmnist": "fashion-mnist",
    "cifar": "cifar10",
    "cifar-10": "cifar10",
    "multigaussian": "multi-gaussian",
    "gauss": "gaussian",
    "threemodes": "three-modes",
}


def register(info: DatasetInfo) -> DatasetInfo:
    """Add ``info`` to the registry (replacing an entry of the same name) and return it."""
    _REGISTRY[info.name] = info
    return info


def _canonical(name: Any) -> str:
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a dataset name; choose one of: {_names()}")
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key.replace("-", ""), _ALIASES.get(key, key))
    if key not in _REGISTRY:
        raise ValueError(f"name={name!r} is not a known dataset; choose one of: {_names()}")
    return key


def _names() -> str:
    return ", ".join(_REGISTRY)


def list_datasets() -> list[DatasetInfo]:
    """Every registered dataset, in registry order.

    Returns
    -------
    list of DatasetInfo
        ``str(info)`` is a one-line row: name, task, whether it needs files, description.
    """
    return list(_REGISTRY.values())


def info(name: str) -> DatasetInfo:
    """The :class:`DatasetInfo` of ``name`` (``ValueError`` listing the names if unknown)."""
    return _REGISTRY[_canonical(name)]


# --------------------------------------------------------------------------- built-in entries
_MNIST_NAMES = (
    "train-images-idx3-ubyte[.gz]",
    "train-labels-idx1-ubyte[.gz]",
    "t10k-images-idx3-ubyte[.gz]",
    "t10k-labels-idx1-ubyte[.gz]",
)


def _register_builtins() -> None:
    register(
        DatasetInfo(
            "digits",
            "scikit-learn's bundled 8x8 handwritten digits, 1797 images, 10 classes",
            "classification",
            needs_files=False,
            downloadable=False,
            splits="stratified 60/20/20 train/val/test by seed",
            options=("test_fraction",),
            inputs="images",
            loader="neuralab.data.images:load_digits",
        )
    )
    for name, what in (
        ("mnist", "MNIST handwritten digits, 28x28 grayscale, 10 classes"),
        ("fashion-mnist", "Zalando's Fashion-MNIST clothing, 28x28 grayscale, 10 classes"),
    ):
        register(
            DatasetInfo(
                name,
                what,
                "classification",
                needs_files=True,
                downloadable=True,
                files=_MNIST_NAMES,
                splits=(
                    "official 60k train (10% held out for val by seed) / 10k test; a folder "
                    "with only the 10k test files is split 60/20/20 by seed, with a notice"
                ),
                options=("test_fraction",),
                inputs="images",
                loader="neuralab.data.images:load_mnist",
                loader_kwargs=(("variant", name),),
            )
        )
    register(
        DatasetInfo(
            "cifar10",
            "CIFAR-10 32x32 colour images, 10 classes (python or binary batches)",
            "classification",
            needs_files=True,
            downloadable=True,
            files=("cifar-10-batches-py/", "cifar-10-batches-bin/"),
            splits="official 50k train (10% held out for val by seed) / 10k test",
            options=("format",),
            inputs="images",
            loader="neuralab.data.images:load_cifar10",
        )
    )
    register(
        DatasetInfo(
            "runners",
            "the lecture's runners: age -> best average speed, 8 points",
            "regression",
            needs_files=False,
            downloadable=False,
            splits="all 8 points in train; val and test empty",
            inputs="values",
            loader="neuralab.data.runners:load_runners",
        )
    )
    for spec in TOY_SETS.values():
        register(
            DatasetInfo(
                spec.name,
                f"2-D toy set, {spec.description}",
                spec.task,
                needs_files=False,
                downloadable=False,
                splits=f"n={spec.default_n} generated points, 60/20/20 by seed",
                options=("n", "noise", "classes", "test_fraction"),
                inputs="points",
                loader="neuralab.data.toy2d:load_toy",
                loader_kwargs=(("name", spec.name),),
            )
        )


_register_builtins()


# --------------------------------------------------------------------------- run checks
def check_fits_split(data: str, test_fraction: float | None) -> None:
    """A ``ValueError`` when ``test_fraction`` is set for a data set whose test split is its
    own (CIFAR-10's test batch): only data sets carved into three take it."""
    if test_fraction is not None and "test_fraction" not in info(data).options:
        carved = ", ".join(d.name for d in list_datasets() if "test_fraction" in d.options)
        raise ValueError(f"test_fraction={test_fraction!r}: data={data!r} has a test split of "
                         f"its own ({info(data).splits}); test_fraction applies to: {carved}")


def check_fits_data(data: str, loss: str, features: tuple[str, ...]) -> None:
    """A ``ValueError`` when a run's loss or feature blocks do not suit its dataset (from the
    registry's ``task`` and ``inputs``, nothing loaded): the runners' 8 points are polyfit's;
    a classification set takes softmax or svm, a regression set mse; image blocks (hog, color)
    need images and point blocks (polar, playground) 2-D points. A dataset the registry does
    not know is refused, with the names it knows."""
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
